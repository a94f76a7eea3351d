"""Filters of the accounts admin lists (the filter form above each table and its quick search)."""

import django_filters
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from opsdesk.core.generic import QuickSearchFilterSet, validity_filter

from .models import Agent, Group, Role


class AgentFilterSet(QuickSearchFilterSet):
    search_fields = ("login", "first_name", "last_name", "email")

    role = django_filters.ModelChoiceFilter(
        field_name="roles", queryset=Role.objects.all(), label=capfirst(_("role"))
    )
    valid = validity_filter("is_active")

    class Meta:
        model = Agent
        fields = []


class GroupFilterSet(QuickSearchFilterSet):
    search_fields = ("name", "comment")

    valid = validity_filter()

    class Meta:
        model = Group
        fields = []


class RoleFilterSet(QuickSearchFilterSet):
    search_fields = ("name", "comment")

    valid = validity_filter()

    class Meta:
        model = Role
        fields = []
