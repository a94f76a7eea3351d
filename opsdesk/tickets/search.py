"""The tickets area's part of the global search box: ticket numbers and titles."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from opsdesk.core.search import SearchHit, SearchProvider, register

from .selectors import tickets_visible_to

LIMIT = 10


def search_tickets(agent, text: str) -> list[SearchHit]:
    """A number (or its start/end) finds the ticket; other text searches titles."""
    tickets = tickets_visible_to(agent).select_related("state", "queue")
    compact = text.replace("#", "").strip()
    if compact.isdigit() and len(compact) >= 4:
        tickets = tickets.filter(number__contains=compact)
    else:
        tickets = tickets.filter(title__icontains=text)
    return [
        SearchHit(
            label=f"{ticket.number} {ticket.title}",
            url=reverse("tickets:zoom", args=[ticket.pk]),
            detail=f"{ticket.queue.full_name} · {ticket.state.display_label}",
        )
        for ticket in tickets.order_by("-created_at", "-id")[:LIMIT]
    ]


def register_search() -> None:
    register(SearchProvider(key="tickets", title=_("Tickets"), search=search_tickets))
