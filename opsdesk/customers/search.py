"""The customers area's part of the global search box: companies and customer users."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from opsdesk.core.permissions import agent_meets
from opsdesk.core.search import SearchHit, SearchProvider, register

from .models import CustomerCompany, CustomerUser

LIMIT = 10
# Customer records are shown to agents who may open Customer Administration.
CUSTOMER_ADMINISTRATION = ("rw", "customer_admin")


def search_companies(agent, text: str) -> list[SearchHit]:
    if not agent_meets(agent, CUSTOMER_ADMINISTRATION):
        return []
    matches = CustomerCompany.objects.filter(
        Q(customer_id__icontains=text) | Q(name__icontains=text) | Q(city__icontains=text)
    ).order_by("name")[:LIMIT]
    return [
        SearchHit(
            label=f"{match.name} ({match.customer_id})",
            url=reverse("customers:company_detail", args=[match.pk]),
            detail=match.city,
        )
        for match in matches
    ]


def search_customer_users(agent, text: str) -> list[SearchHit]:
    if not agent_meets(agent, CUSTOMER_ADMINISTRATION):
        return []
    matches = (
        CustomerUser.objects.filter(
            Q(login__icontains=text)
            | Q(email__icontains=text)
            | Q(first_name__icontains=text)
            | Q(last_name__icontains=text)
            | Q(phone__icontains=text)
        )
        .select_related("company")
        .order_by("last_name", "first_name")[:LIMIT]
    )
    return [
        SearchHit(
            label=f"{match.full_name} ({match.login})",
            url=reverse("customers:customer_user_detail", args=[match.pk]),
            detail=f"{match.email} · {match.company.name}",
        )
        for match in matches
    ]


def register_search() -> None:
    register(SearchProvider(key="customers", title=_("Customers"), search=search_companies))
    register(
        SearchProvider(
            key="customer_users", title=_("Customer users"), search=search_customer_users
        )
    )
