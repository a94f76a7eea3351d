"""Filters of tickets: the API's ticket list (and the agent lists' filter forms).

Attributes are given as the API writes them: states, priorities and types by variable name, agents
and customer users by login, the customer by Customer ID, the queue by id. Queues, states, state
types, priorities and types accept several, repeated (``?state=new&state=open``) or separated by
commas (``?state=new,open``); an unknown one is refused with a message rather than matching
nothing."""

import re

import django_filters
from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from opsdesk.core.generic import QuickSearchFilterSet

from .choices import StateType
from .models import Priority, Queue, Ticket, TicketState, TicketType


class NameListWidget(forms.SelectMultiple):
    """Several values, repeated or separated by commas (``?state=a,b&state=c``)."""

    def value_from_datadict(self, data, files, name):
        raw = data.getlist(name) if hasattr(data, "getlist") else [data.get(name, "")]
        values = []
        for item in raw:
            values.extend(part.strip() for part in str(item or "").split(","))
        return list(dict.fromkeys(value for value in values if value))

    def value_omitted_from_data(self, data, files, name):
        return name not in data


@extend_schema_field(OpenApiTypes.STR)
class NamedObjectsFilter(django_filters.ModelMultipleChoiceFilter):
    """Objects given by their variable name; several are combined with "or"."""

    def __init__(self, *, queryset, unknown: str, **kwargs):
        kwargs.setdefault("widget", NameListWidget)
        kwargs.setdefault("distinct", False)
        kwargs.setdefault("error_messages", {"invalid_choice": unknown})
        super().__init__(to_field_name="name", queryset=queryset, **kwargs)


class TicketNumberFilter(django_filters.CharFilter):
    """The whole ticket number, or a pattern with ``*`` for any characters (``20261124*``)."""

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        if "*" not in value:
            return qs.filter(number=value)
        parts = [re.escape(part) for part in value.split("*")]
        return qs.filter(number__regex="^" + ".*".join(parts) + "$")


class TicketFilterSet(QuickSearchFilterSet):
    search_fields = ("number", "title")

    number = TicketNumberFilter(label=_("Ticket number (* for any characters)"))
    queue = django_filters.ModelMultipleChoiceFilter(
        field_name="queue",
        queryset=Queue.objects.all(),
        widget=NameListWidget,
        distinct=False,
        error_messages={"invalid_choice": _("There is no contact person with the id %(value)s.")},
        label=_("Contact person (id)"),
    )
    state = NamedObjectsFilter(
        field_name="state__name",
        queryset=TicketState.objects.all(),
        unknown=_("There is no state “%(value)s”."),
        label=capfirst(_("state (variable name)")),
    )
    state_type = django_filters.MultipleChoiceFilter(
        field_name="state__state_type",
        choices=StateType.choices,
        widget=NameListWidget,
        distinct=False,
        label=capfirst(_("state type")),
    )
    priority = NamedObjectsFilter(
        field_name="priority__name",
        queryset=Priority.objects.all(),
        unknown=_("There is no priority “%(value)s”."),
        label=capfirst(_("priority (variable name)")),
    )
    type = NamedObjectsFilter(
        field_name="ticket_type__name",
        queryset=TicketType.objects.all(),
        unknown=_("There is no ticket type “%(value)s”."),
        label=capfirst(_("type (variable name)")),
    )
    owner = django_filters.CharFilter(
        field_name="owner__login", lookup_expr="iexact", label=_("Owner (login)")
    )
    responsible = django_filters.CharFilter(
        field_name="responsible__login", lookup_expr="iexact", label=_("Responsible (login)")
    )
    customer_id = django_filters.CharFilter(
        field_name="customer_company__customer_id", lookup_expr="iexact", label=_("Customer ID")
    )
    customer_user = django_filters.CharFilter(
        field_name="customer_user__login", lookup_expr="iexact", label=_("Customer user (login)")
    )
    locked = django_filters.BooleanFilter(label=capfirst(_("locked")))
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label=_("Created at or after")
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label=_("Created before")
    )
    changed_after = django_filters.IsoDateTimeFilter(
        field_name="changed_at", lookup_expr="gte", label=_("Changed at or after")
    )
    changed_before = django_filters.IsoDateTimeFilter(
        field_name="changed_at", lookup_expr="lt", label=_("Changed before")
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("number", "number"),
            ("title", "title"),
            ("created_at", "created_at"),
            ("changed_at", "changed_at"),
            ("priority__level", "priority"),
            ("pending_until", "pending_until"),
        ),
        label=_("Order by"),
    )

    class Meta:
        model = Ticket
        fields = []
