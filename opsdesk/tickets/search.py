"""The tickets area's part of the global search box: ticket number, title and customer.

A whole ticket number is an exact hit (the search opens the ticket); part of a number (4 digits
or more) finds the tickets whose number contains it. Other text finds tickets by title and by
customer: the customer's Customer ID or name, the customer user's login, name or email, or the
requester's address. Customers are looked up first in their own (small) tables, so that the
ticket query stays on indexed foreign keys.
"""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from opsdesk.core.search import SearchHit, SearchProvider, register
from opsdesk.customers.models import CustomerCompany, CustomerUser

from .selectors import tickets_visible_to

LIMIT = 10
# At most this many matching customers are looked at for their tickets.
CUSTOMER_LIMIT = 50


def _matching_customers(text: str) -> tuple[list[int], list[int]]:
    companies = CustomerCompany.objects.filter(
        Q(customer_id__icontains=text) | Q(name__icontains=text)
    ).values_list("pk", flat=True)[:CUSTOMER_LIMIT]
    users = CustomerUser.objects.filter(
        Q(login__icontains=text)
        | Q(email__icontains=text)
        | Q(first_name__icontains=text)
        | Q(last_name__icontains=text)
    ).values_list("pk", flat=True)[:CUSTOMER_LIMIT]
    return list(companies), list(users)


def search_tickets(agent, text: str) -> list[SearchHit]:
    """Tickets the agent may see whose number, title or customer matches ``text``."""
    tickets = tickets_visible_to(agent).select_related("state", "queue", "customer_user")
    compact = text.replace("#", "").strip()
    if compact.isdigit() and len(compact) >= 4:
        tickets = tickets.filter(number__contains=compact)
    else:
        companies, users = _matching_customers(text)
        condition = Q(title__icontains=text)
        if companies:
            condition |= Q(customer_company_id__in=companies)
        if users:
            condition |= Q(customer_user_id__in=users)
        if "@" in text:
            condition |= Q(customer_address__iexact=text.strip())
        tickets = tickets.filter(condition)
    return [
        SearchHit(
            label=f"{ticket.number} {ticket.title}",
            url=reverse("tickets:zoom", args=[ticket.pk]),
            detail=" · ".join(
                part
                for part in (
                    ticket.queue.full_name,
                    ticket.state.display_label,
                    ticket.customer_display,
                )
                if part
            ),
            exact=ticket.number == compact,
        )
        for ticket in tickets.order_by("-created_at", "-id")[:LIMIT]
    ]


def register_search() -> None:
    register(SearchProvider(key="tickets", title=_("Tickets"), search=search_tickets))
