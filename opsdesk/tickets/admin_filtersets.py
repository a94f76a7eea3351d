"""Filters of the ticket settings lists under Admin (quick search as you type, validity...)."""

import django_filters
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from opsdesk.accounts.models import Group
from opsdesk.core.generic import QuickSearchFilterSet, validity_filter

from .choices import StateGroup, StateType, TemplateType
from .models import (
    Priority,
    Queue,
    Salutation,
    Signature,
    StandardTemplate,
    SystemAddress,
    TicketState,
    TicketType,
)


class QueueFilterSet(QuickSearchFilterSet):
    search_fields = ("full_name", "comment", "group__name", "system_address__email")

    group = django_filters.ModelChoiceFilter(
        queryset=Group.objects.order_by("name"), label=capfirst(_("group")), empty_label=_("all")
    )
    valid = validity_filter()

    class Meta:
        model = Queue
        fields = []


class StateFilterSet(QuickSearchFilterSet):
    search_fields = ("name", "label", "label_ja", "comment")

    state_type = django_filters.ChoiceFilter(
        choices=StateType.choices, label=capfirst(_("state type")), empty_label=_("all")
    )
    state_group = django_filters.ChoiceFilter(
        choices=StateGroup.choices, label=capfirst(_("state group")), empty_label=_("all")
    )
    valid = validity_filter()

    class Meta:
        model = TicketState
        fields = []


class PriorityFilterSet(QuickSearchFilterSet):
    search_fields = ("name", "label", "label_ja")

    valid = validity_filter()

    class Meta:
        model = Priority
        fields = []


class TicketTypeFilterSet(QuickSearchFilterSet):
    search_fields = ("name", "label", "label_ja", "comment")

    valid = validity_filter()

    class Meta:
        model = TicketType
        fields = []


class SystemAddressFilterSet(QuickSearchFilterSet):
    search_fields = ("email", "display_name", "comment")

    valid = validity_filter()

    class Meta:
        model = SystemAddress
        fields = []


class SalutationFilterSet(QuickSearchFilterSet):
    search_fields = ("name", "text", "comment")

    valid = validity_filter()

    class Meta:
        model = Salutation
        fields = []


class SignatureFilterSet(QuickSearchFilterSet):
    search_fields = ("name", "text", "comment")

    valid = validity_filter()

    class Meta:
        model = Signature
        fields = []


class StandardTemplateFilterSet(QuickSearchFilterSet):
    search_fields = ("name", "subject", "text", "comment")

    template_type = django_filters.ChoiceFilter(
        choices=TemplateType.choices, label=capfirst(_("used for")), empty_label=_("all")
    )
    valid = validity_filter()

    class Meta:
        model = StandardTemplate
        fields = []
