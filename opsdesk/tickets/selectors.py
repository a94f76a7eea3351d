"""Reads of the tickets area with business meaning; permission filtering lives here, once."""

import datetime

from django.db.models import QuerySet

from opsdesk.accounts.models import Agent
from opsdesk.accounts.selectors import agents_with_group_permission

from .choices import StateType, TemplateType
from .models import (
    Article,
    Priority,
    Queue,
    StandardTemplate,
    Ticket,
    TicketHistory,
    TicketState,
    TicketType,
    TicketTypeTransition,
)
from .permissions import TicketAction, group_names_for


def queues_for(agent: Agent, action: str = TicketAction.VIEW) -> QuerySet[Queue]:
    """Valid queues in which ``agent`` may do ``action`` (create, move into, view...)."""
    return Queue.objects.filter(valid=True, group__name__in=group_names_for(agent, action))


def tickets_visible_to(agent: Agent) -> QuerySet[Ticket]:
    """Tickets in queues whose group grants the agent ``ro`` (or more)."""
    return Ticket.objects.filter(queue__group__name__in=group_names_for(agent, TicketAction.VIEW))


TICKET_HEADER_RELATED = (
    "queue__group",
    "state",
    "priority",
    "ticket_type",
    "owner",
    "responsible",
    "customer_company",
    "customer_user",
    "created_by",
    "changed_by",
)


def ticket_for_zoom(agent: Agent, pk: int) -> Ticket:
    """The ticket with everything its header needs; ``Ticket.DoesNotExist`` when not visible."""
    return tickets_visible_to(agent).select_related(*TICKET_HEADER_RELATED).get(pk=pk)


def articles_of(ticket: Ticket, *, newest_first: bool = False, customer_visible_only=False):
    """The ticket's articles with their attachments and authors, in one query each."""
    articles = (
        Article.objects.filter(ticket=ticket)
        .select_related("created_by")
        .prefetch_related("attachments")
    )
    if customer_visible_only:
        articles = articles.filter(is_visible_for_customer=True)
    return articles.order_by("-created_at", "-id") if newest_first else articles


def history_of(ticket: Ticket) -> QuerySet[TicketHistory]:
    return (
        TicketHistory.objects.filter(ticket=ticket)
        .select_related("created_by", "article")
        .order_by("created_at", "id")
    )


def default_priority() -> Priority:
    return Priority.objects.filter(is_default=True, valid=True).first() or Priority.objects.get(
        name="medium"
    )


def default_ticket_type() -> TicketType:
    return TicketType.objects.filter(is_default=True, valid=True).first() or TicketType.objects.get(
        name="unclassified"
    )


def allowed_states(ticket_type: TicketType) -> QuerySet[TicketState]:
    return TicketState.objects.filter(valid=True, ticket_types=ticket_type).exclude(
        state_type=StateType.MERGED
    )


def initial_states(ticket_type: TicketType) -> QuerySet[TicketState]:
    """States a new ticket of ``ticket_type`` may start in."""
    return allowed_states(ticket_type).filter(
        pk__in=ticket_type.state_links.filter(initial=True).values("state")
    )


def next_states(ticket: Ticket) -> QuerySet[TicketState]:
    """States the ticket may go to from its current one (its type's workflow), current excluded."""
    states = allowed_states(ticket.ticket_type).exclude(pk=ticket.state_id)
    if ticket.ticket_type.restrict_transitions:
        targets = TicketTypeTransition.objects.filter(
            ticket_type=ticket.ticket_type, from_state=ticket.state_id
        ).values("to_state")
        states = states.filter(pk__in=targets)
    return states


def is_transition_allowed(ticket_type: TicketType, from_state: TicketState, to_state) -> bool:
    if not allowed_states(ticket_type).filter(pk=to_state.pk).exists():
        return False
    if not ticket_type.restrict_transitions:
        return True
    return TicketTypeTransition.objects.filter(
        ticket_type=ticket_type, from_state=from_state, to_state=to_state
    ).exists()


def owner_candidates(queue: Queue) -> QuerySet[Agent]:
    """Agents who may own tickets of ``queue`` (``owner`` permission on its group)."""
    return agents_with_group_permission("owner", queue.group).order_by(
        "last_name", "first_name", "login"
    )


def responsible_candidates(queue: Queue) -> QuerySet[Agent]:
    return agents_with_group_permission("rw", queue.group).order_by(
        "last_name", "first_name", "login"
    )


def templates_for(queue: Queue, template_type: str = TemplateType.ANSWER):
    """Valid templates of ``template_type`` offered in ``queue`` (no queues listed: everywhere)."""
    templates = StandardTemplate.objects.filter(valid=True, template_type=template_type)
    return (templates.filter(queues=queue) | templates.filter(queues__isnull=True)).distinct()


def other_open_tickets_of_customer(ticket: Ticket, agent: Agent, limit: int = 10):
    """The customer panel's "other open tickets" (same customer user or company)."""
    if not (ticket.customer_user_id or ticket.customer_company_id):
        return Ticket.objects.none()
    tickets = (
        tickets_visible_to(agent)
        .exclude(pk=ticket.pk)
        .filter(state__state_type__in=(StateType.NEW, StateType.OPEN, StateType.PENDING_REMINDER))
    )
    if ticket.customer_user_id:
        tickets = tickets.filter(customer_user_id=ticket.customer_user_id)
    else:
        tickets = tickets.filter(customer_company_id=ticket.customer_company_id)
    return tickets.select_related("state", "queue").order_by("-created_at")[:limit]


def watching(agent: Agent, ticket: Ticket) -> bool:
    return ticket.watcher_links.filter(agent=agent).exists()


def tickets_past_unlock_timeout(now: datetime.datetime) -> list[Ticket]:
    """Locked tickets still to be worked (state type new or open) of queues with an unlock
    timeout, unchanged for longer than that timeout (OTOBO's UnlockTimeout, in wall-clock
    minutes until business calendars exist). One query per such queue; queues are few."""
    found: list[Ticket] = []
    for queue in Queue.objects.filter(unlock_timeout__gt=0):
        found.extend(
            Ticket.objects.filter(
                queue=queue,
                locked=True,
                state__state_type__in=(StateType.NEW, StateType.OPEN),
                changed_at__lt=now - datetime.timedelta(minutes=queue.unlock_timeout),
            ).select_related("queue__group", "owner")
        )
    return found


# Ticket lists: queue view, status view, locked / watched / responsible / escalation ------------


# Merge and follow-ups ---------------------------------------------------------------------------
