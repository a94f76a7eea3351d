"""Reads of the tickets area with business meaning; permission filtering lives here, once."""

import dataclasses
import datetime
import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from opsdesk.accounts.models import Agent
from opsdesk.accounts.selectors import agents_with_group_permission

from .choices import OPEN_STATE_TYPES, StateType, TemplateType
from .models import (
    Article,
    Priority,
    Queue,
    QueueSubscription,
    StandardTemplate,
    Ticket,
    TicketHistory,
    TicketState,
    TicketType,
    TicketTypeTransition,
    TicketWatcher,
)
from .numbers import numbers_in_subject
from .permissions import TicketAction, group_names_for


def queues_for(agent: Agent, action: str = TicketAction.VIEW) -> QuerySet[Queue]:
    """Valid queues in which ``agent`` may do ``action`` (create, move into, view...)."""
    return Queue.objects.filter(valid=True, group__name__in=group_names_for(agent, action))


def with_number_like(tickets: QuerySet[Ticket], pattern: str) -> QuerySet[Ticket]:
    """Tickets whose number is ``pattern``, where ``*`` stands for any characters
    (``20261124*``, ``*0042``); a pattern with a ``*`` only at its end is a prefix match."""
    if "*" not in pattern:
        return tickets.filter(number=pattern)
    head, _star, tail = pattern.partition("*")
    if not tail.replace("*", ""):
        return tickets.filter(number__startswith=head)
    parts = [re.escape(part) for part in pattern.split("*")]
    return tickets.filter(number__regex="^" + ".*".join(parts) + "$")


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
    "merged_into",
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

# What the ticket table shows (tables.TicketTable): one query per page, none per row.
TICKET_LIST_RELATED = (
    "queue",
    "state",
    "priority",
    "owner",
    "customer_user",
    "customer_company",
)


def open_state_ids() -> list[int]:
    """Ids of the states of "open" tickets (state types new, open, pending reminder).

    Lists filter by these ids instead of joining the state table: the database then walks the
    (queue, state, created) and (state, created) indexes directly."""
    return list(
        TicketState.objects.filter(state_type__in=OPEN_STATE_TYPES)
        .order_by("id")
        .values_list("id", flat=True)
    )


def closed_state_ids() -> list[int]:
    """Ids of the states of closed tickets (closed, removed); merged tickets are left out."""
    return list(
        TicketState.objects.filter(state_type__in=(StateType.CLOSED, StateType.REMOVED))
        .order_by("id")
        .values_list("id", flat=True)
    )


def visible_queue_ids(agent: Agent) -> list[int]:
    """Ids of every queue (valid or not) whose group grants ``agent`` ``ro``."""
    return list(
        Queue.objects.filter(group__name__in=group_names_for(agent, TicketAction.VIEW))
        .order_by("id")
        .values_list("id", flat=True)
    )


# The columns tables.TicketTable reads (with TICKET_LIST_RELATED): the lists load only these, which
# halves the CPU of turning a page's rows into objects. A column that reads another field must be
# added here (the query-count tests of the lists catch the query per row it would cost).
TICKET_LIST_FIELDS = (
    "id",
    "number",
    "title",
    "created_at",
    "locked",
    "escalation_at",
    "customer_address",
    "queue__id",
    "queue__name",
    "queue__full_name",
    "state__id",
    "state__label",
    "state__label_ja",
    "priority__id",
    "priority__label",
    "priority__label_ja",
    "priority__color",
    "owner__id",
    "owner__login",
    "owner__first_name",
    "owner__last_name",
    "customer_user__id",
    "customer_user__first_name",
    "customer_user__last_name",
    "customer_company__id",
    "customer_company__name",
)


def tickets_in_queues(queue_ids) -> QuerySet[Ticket]:
    """Tickets of ``queue_ids`` (already restricted to the agent's queues) for the ticket table."""
    return (
        Ticket.objects.filter(queue_id__in=list(queue_ids))
        .select_related(*TICKET_LIST_RELATED)
        .only(*TICKET_LIST_FIELDS)
    )


def priority_ids_by_level(*, descending: bool = False) -> list[int]:
    """Ids of every priority, the lowest level first (``descending``: the most urgent first).

    The lists sort by the priority's level through these ids (``paging.IdsFirstQuerySet.
    partitioned``), so that a page is sorted in the ticket table and its indexes without joining
    the priority table."""
    from .models import Priority

    order = ("-level", "-id") if descending else ("level", "id")
    return list(Priority.objects.order_by(*order).values_list("id", flat=True))


@dataclasses.dataclass
class QueueNode:
    """A queue in the queue view's tree with its counts of open tickets.

    ``total``/``available`` count the queue itself (available: not locked); the ``subtree_``
    counts add the visible sub-queues. ``depth`` is relative to the visible tree: a queue whose
    parent the agent may not see is a root."""

    queue: Queue
    depth: int = 0
    total: int = 0
    available: int = 0
    subtree_total: int = 0
    subtree_available: int = 0
    children: list["QueueNode"] = dataclasses.field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.queue.pk


def open_ticket_counts(queue_ids, *, state_ids=None) -> dict[int, tuple[int, int]]:
    """queue id -> (open tickets, of which unlocked), in ONE grouped query over ``queue_ids``
    (an index-only scan of ``ticket_list_covering``). ``state_ids``: ``open_state_ids()`` when
    the caller has them already."""
    if state_ids is None:
        state_ids = open_state_ids()
    counts: dict[int, list[int]] = {}
    rows = (
        Ticket.objects.filter(queue_id__in=list(queue_ids), state_id__in=list(state_ids))
        .values("queue_id", "locked")
        .annotate(tickets=Count("id"))
        .order_by()
    )
    for row in rows:
        entry = counts.setdefault(row["queue_id"], [0, 0])
        entry[0] += row["tickets"]
        if not row["locked"]:
            entry[1] += row["tickets"]
    return {queue_id: (total, available) for queue_id, (total, available) in counts.items()}


def queue_overview(agent: Agent, *, state_ids=None) -> list[QueueNode]:
    """The queue view's tree, flattened in display order (parents before children, by name),
    with the open-ticket counts of every queue the agent may see (``ro``).

    Invalid queues appear only while they still hold open tickets. Three queries whatever the
    number of queues and tickets: queues, open states, grouped counts."""
    queues = list(
        Queue.objects.filter(group__name__in=group_names_for(agent, TicketAction.VIEW)).only(
            "id", "name", "full_name", "valid", "parent_id"
        )
    )
    counts = open_ticket_counts((queue.pk for queue in queues), state_ids=state_ids)
    queues = [queue for queue in queues if queue.valid or queue.pk in counts]
    by_name = {queue.full_name: QueueNode(queue) for queue in queues}
    roots: list[QueueNode] = []
    for name, node in by_name.items():
        node.total, node.available = counts.get(node.pk, (0, 0))
        parent_name = name
        parent = None
        while "::" in parent_name and parent is None:
            parent_name = parent_name.rsplit("::", 1)[0]
            parent = by_name.get(parent_name)
        (parent.children if parent else roots).append(node)

    flat: list[QueueNode] = []

    def walk(nodes: list[QueueNode], depth: int) -> tuple[int, int]:
        total = available = 0
        for node in sorted(nodes, key=lambda node: node.queue.name.casefold()):
            node.depth = depth
            flat.append(node)
            below_total, below_available = walk(node.children, depth + 1)
            node.subtree_total = node.total + below_total
            node.subtree_available = node.available + below_available
            total += node.subtree_total
            available += node.subtree_available
        return total, available

    walk(roots, 0)
    return flat


def followed_queue_ids(agent: Agent) -> set[int]:
    """Ids of the queues in the agent's My Queues that the agent may (still) see."""
    return set(
        QueueSubscription.objects.filter(
            agent=agent, queue__group__name__in=group_names_for(agent, TicketAction.VIEW)
        ).values_list("queue_id", flat=True)
    )


def queue_view_tickets(
    agent: Agent,
    queue_ids,
    available_only: bool = False,
    *,
    state_ids=None,
    visible_ids=None,
) -> QuerySet[Ticket]:
    """Open tickets of ``queue_ids`` limited to the queues the agent may see; ``available_only``:
    only unlocked ones. ``state_ids`` (``open_state_ids()``) and ``visible_ids`` (the ids of
    ``visible_queue_ids(agent)`` or of ``queue_overview(agent)``) save their queries when the
    caller has them already."""
    if visible_ids is None:
        visible_ids = visible_queue_ids(agent)
    if state_ids is None:
        state_ids = open_state_ids()
    permitted = set(visible_ids) & set(queue_ids)
    tickets = tickets_in_queues(sorted(permitted)).filter(state_id__in=list(state_ids))
    if available_only:
        tickets = tickets.filter(locked=False)
    return tickets


def status_view_tickets(
    agent: Agent, closed: bool = False, *, visible_ids=None
) -> QuerySet[Ticket]:
    """Open (new, open, pending reminder) or closed (closed, removed) tickets of every queue the
    agent may see; merged tickets appear in neither. ``visible_ids``: ``visible_queue_ids(agent)``
    when the caller has them already."""
    state_ids = closed_state_ids() if closed else open_state_ids()
    if visible_ids is None:
        visible_ids = visible_queue_ids(agent)
    return tickets_in_queues(visible_ids).filter(state_id__in=state_ids)


def locked_tickets(agent: Agent) -> QuerySet[Ticket]:
    """Tickets the agent owns and has locked (served by the (owner, locked) index)."""
    return tickets_in_queues(visible_queue_ids(agent)).filter(owner=agent, locked=True)


def watched_tickets(agent: Agent) -> QuerySet[Ticket]:
    """Tickets the agent watches, in queues the agent may still see."""
    return tickets_in_queues(visible_queue_ids(agent)).filter(
        pk__in=TicketWatcher.objects.filter(agent=agent).values("ticket_id")
    )


def responsible_tickets(agent: Agent) -> QuerySet[Ticket]:
    """Open tickets the agent is responsible for."""
    return tickets_in_queues(visible_queue_ids(agent)).filter(
        responsible=agent, state_id__in=open_state_ids()
    )


def escalation_tickets(agent: Agent) -> QuerySet[Ticket]:
    """Open tickets with an escalation time (set by the SLA engine), nearest deadline first."""
    return (
        tickets_in_queues(visible_queue_ids(agent))
        .filter(state_id__in=open_state_ids(), escalation_at__isnull=False)
        .order_by("escalation_at", "id")
    )


ARTICLE_PREVIEW_LENGTH = 500


def last_article_preview(agent: Agent, ticket_pk: int) -> Article | None:
    """The ticket's newest article with the first 500 characters of its text (``excerpt``), in
    one query; None when the ticket is not visible to the agent or has no article."""
    return (
        Article.objects.filter(
            ticket_id=ticket_pk,
            ticket__queue__group__name__in=group_names_for(agent, TicketAction.VIEW),
        )
        .annotate(excerpt=Substr("body", 1, ARTICLE_PREVIEW_LENGTH))
        .only(
            "id",
            "ticket_id",
            "channel",
            "sender_type",
            "is_visible_for_customer",
            "from_address",
            "subject",
            "created_at",
        )
        .order_by("-created_at", "-id")
        .first()
    )


# Merge and follow-ups ---------------------------------------------------------------------------

# How many Message-IDs of In-Reply-To/References are looked up (a long thread names them all).
FOLLOW_UP_MESSAGE_IDS = 50
MESSAGE_ID = re.compile(r"<[^<>\s]+>")


def merge_target(ticket: Ticket) -> Ticket:
    """The ticket that survives ``ticket``'s merges: ``merged_into`` followed to the end (the
    ticket itself when it is not merged, without a query)."""
    seen = {ticket.pk}
    while ticket.merged_into_id is not None:
        following = Ticket.objects.select_related("queue__group", "state").get(
            pk=ticket.merged_into_id
        )
        if following.pk in seen:  # a cycle cannot be made by merge_ticket; stop rather than loop
            break
        seen.add(following.pk)
        ticket = following
    return ticket


def _message_ids(*headers: str) -> list[str]:
    """The Message-IDs of the headers in order, each once (at most FOLLOW_UP_MESSAGE_IDS)."""
    found: list[str] = []
    for header in headers:
        for message_id in MESSAGE_ID.findall(header or "") or (header or "").split():
            if message_id not in found:
                found.append(message_id)
    return found[:FOLLOW_UP_MESSAGE_IDS]


def find_follow_up_ticket(
    *, subject: str, in_reply_to: str = "", references: str = ""
) -> Ticket | None:
    """The ticket an incoming mail follows up, merges resolved to the surviving ticket.

    First the ticket number after ``OPSDESK_TICKET_HOOK`` in the subject (``[Ticket#2026…]``, with
    or without brackets) if such a ticket exists; else the ticket of an article whose Message-ID
    is named in In-Reply-To or References (In-Reply-To first, then References from the newest).
    No permission applies: the caller is the postmaster.
    """
    for number in numbers_in_subject(subject or ""):
        ticket = (
            Ticket.objects.select_related("queue__group", "state").filter(number=number).first()
        )
        if ticket is not None:
            return merge_target(ticket)
    references_newest_first = " ".join(reversed((references or "").split()))
    wanted = _message_ids(in_reply_to, references_newest_first)
    if not wanted:
        return None
    found = dict(
        Article.objects.filter(message_id__in=wanted)
        .order_by("-created_at", "-id")  # the oldest article with the ID wins (the dict keeps it)
        .values_list("message_id", "ticket_id")
    )
    for message_id in wanted:
        if message_id in found:
            ticket = Ticket.objects.select_related("queue__group", "state").get(
                pk=found[message_id]
            )
            return merge_target(ticket)
    return None


BULK_LIMIT = 500  # tickets per bulk action


def tickets_for_bulk(agent: Agent, ticket_ids: Iterable[int]) -> list[Ticket]:
    """The tickets selected for a bulk action that ``agent`` may see (others are left out),
    oldest first, with what the bulk screen shows; at most ``BULK_LIMIT`` may be selected."""
    ids = sorted({int(pk) for pk in ticket_ids})
    if len(ids) > BULK_LIMIT:
        raise ValidationError(
            _("Select at most %(limit)d tickets for a bulk action.") % {"limit": BULK_LIMIT}
        )
    return list(
        tickets_visible_to(agent)
        .filter(pk__in=ids)
        .select_related(*TICKET_HEADER_RELATED)
        .order_by("created_at", "id")
    )
