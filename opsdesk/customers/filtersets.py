"""Filters of customer companies and customer users: the admin lists' filter forms and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from opsdesk.core.generic import QuickSearchFilterSet

from .choices import CustomerRole, Validity
from .models import CustomerCompany, CustomerUser

VALIDITY_FILTER_CHOICES = (("", _("all")), *Validity.choices)


def validity_choice_filter() -> django_filters.ChoiceFilter:
    """valid / invalid / invalid-temporarily / all (OTOBO's three validity values)."""
    return django_filters.ChoiceFilter(
        field_name="validity",
        label=capfirst(_("validity")),
        choices=Validity.choices,
        empty_label=_("all"),
        widget=forms.Select(choices=VALIDITY_FILTER_CHOICES),
    )


class CompanyFilterSet(QuickSearchFilterSet):
    search_fields = ("customer_id", "name", "city", "street", "zip", "country", "url")

    validity = validity_choice_filter()

    class Meta:
        model = CustomerCompany
        fields = []


class CustomerUserFilterSet(QuickSearchFilterSet):
    search_fields = (
        "login",
        "first_name",
        "last_name",
        "email",
        "phone",
        "mobile",
        "city",
        "company__customer_id",
        "company__name",
    )

    customer_id = django_filters.CharFilter(
        method="filter_customer_id",
        label=_("Customer ID"),
        help_text=_("Users whose primary or additional customer has this Customer ID."),
    )
    role = django_filters.ChoiceFilter(
        choices=CustomerRole.choices, label=capfirst(_("portal role")), empty_label=_("all")
    )
    validity = validity_choice_filter()

    class Meta:
        model = CustomerUser
        fields = []

    def filter_customer_id(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        primary = Q(company__customer_id__iexact=value)
        additional = Q(
            pk__in=CustomerUser.additional_companies.through.objects.filter(
                customercompany__customer_id__iexact=value
            ).values("customeruser_id")
        )
        return queryset.filter(primary | additional)
