"""Tickets as linkable objects (manual 5.5.1): Normal and Parent/child links between tickets.

``register_ticket_links()`` (called from ``TicketsConfig.ready``) declares the ``ticket`` type to
``opsdesk.core.links``: labelled by number and title, found among the tickets the agent may see,
linked by agents with ``rw`` on its queue (``TicketAction.LINK``). Each link added or removed
writes a ``TicketLinkAdd``/``TicketLinkDelete`` history row on every ticket it joins.

The optional rule ``OPSDESK_PARENT_CLOSE_REQUIRES_CLOSED_CHILDREN``: a parent ticket cannot be
closed (closed, removed or merged) while one of its child tickets is still open.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opsdesk.core import links as core_links
from opsdesk.core.links import LinkableType, Relation
from opsdesk.core.models import Link, LinkType

from . import services
from .choices import OPEN_STATE_TYPES, HistoryType
from .models import Ticket, TicketState
from .permissions import TicketAction, can
from .selectors import tickets_visible_to, with_number_like

TICKET = "ticket"
# Open child tickets named in the parent-close refusal.
CHILDREN_NAMED = 5


def ticket_label(ticket: Ticket) -> str:
    return f"{ticket.number} {ticket.title}"


def ticket_url(ticket: Ticket) -> str:
    return reverse("tickets:zoom", args=[ticket.pk])


def can_link_ticket(agent, ticket: Ticket) -> bool:
    return can(agent, TicketAction.LINK, ticket)


def ticket_status(ticket: Ticket) -> tuple[str, bool]:
    return ticket.state.display_label, ticket.state.is_closed


NUMBER_PATTERN = re.compile(r"^[\d*]+$")


def search_tickets_to_link(agent, text: str, limit: int) -> list[Ticket]:
    """The link dialog's search among the tickets ``agent`` may see: digits (``*`` for any
    characters) find ticket numbers starting so; other text searches titles. Newest first."""
    text = text.strip().removeprefix(settings.OPSDESK_TICKET_HOOK).replace("#", "").strip()
    if not text:
        return []
    tickets = tickets_visible_to(agent).select_related("state", "queue__group")
    if NUMBER_PATTERN.match(text) and text.strip("*"):
        tickets = with_number_like(tickets, text.rstrip("*") + "*")  # digits: the number's start
    else:
        tickets = tickets.filter(title__icontains=text)
    return list(tickets.order_by("-created_at", "-id")[:limit])


def _history_comment(other, relation: str) -> str:
    linkable = core_links.type_of(other)
    return _("%(relation)s: %(object)s") % {
        "relation": Relation(relation).label,
        "object": linkable.describe(other),
    }


def record_link_added(ticket: Ticket, *, other, relation, actor, actor_label="", **kwargs):
    services._record(
        ticket,
        HistoryType.LINK_ADD,
        actor=actor,
        actor_label=actor_label,
        comment=_history_comment(other, relation),
    )


def record_link_removed(ticket: Ticket, *, other, relation, actor, actor_label="", **kwargs):
    services._record(
        ticket,
        HistoryType.LINK_DELETE,
        actor=actor,
        actor_label=actor_label,
        comment=_history_comment(other, relation),
    )


TICKET_LINKS = LinkableType(
    key=TICKET,
    label=gettext_lazy("Ticket"),
    plural_label=gettext_lazy("Tickets"),
    model=Ticket,
    label_of=ticket_label,
    url_of=ticket_url,
    visible_to=tickets_visible_to,
    can_link=can_link_ticket,
    search=search_tickets_to_link,
    # state for the status, queue and its group for the permission check (no query per ticket)
    related=("state", "queue__group"),
    api_field="number",
    possible_links={TICKET: (LinkType.NORMAL, LinkType.PARENT_CHILD)},
    on_linked=record_link_added,
    on_unlinked=record_link_removed,
    status_of=ticket_status,
)


def register_ticket_links() -> None:
    core_links.register_object_type(TICKET_LINKS)


# The parent-close rule ----------------------------------------------------------------------------


def open_children(ticket: Ticket) -> QuerySet[Ticket]:
    """The child tickets of ``ticket`` that are still open (new, open or pending)."""
    children = Link.objects.filter(
        source_type=TICKET,
        source_id=ticket.pk,
        target_type=TICKET,
        link_type=LinkType.PARENT_CHILD,
    ).values("target_id")
    return Ticket.objects.filter(pk__in=children, state__state_type__in=OPEN_STATE_TYPES).order_by(
        "number"
    )


def check_parent_close(ticket: Ticket, state: TicketState) -> None:
    """Refuse closing ``ticket`` (into ``state``) while it has open children, when the
    administrator enabled ``OPSDESK_PARENT_CLOSE_REQUIRES_CLOSED_CHILDREN``. Merged counts as
    closed, for the parent (it cannot be merged away) and the children (they are not open)."""
    if not settings.OPSDESK_PARENT_CLOSE_REQUIRES_CLOSED_CHILDREN or not state.is_closed:
        return
    numbers = list(open_children(ticket).values_list("number", flat=True)[: CHILDREN_NAMED + 1])
    if not numbers:
        return
    named = ", ".join(numbers[:CHILDREN_NAMED])
    if len(numbers) > CHILDREN_NAMED:
        named += ", …"
    raise ValidationError(
        {
            "state": _(
                "Ticket %(number)s cannot be closed while its child tickets %(children)s are "
                "open. Close them first."
            )
            % {"number": ticket.number, "children": named}
        }
    )
