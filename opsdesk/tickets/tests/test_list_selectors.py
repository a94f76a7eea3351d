"""Selectors of the ticket lists: open/closed states, the queue tree with its counts, and the
queue, status, locked, watched, responsible and escalation lists (permission-filtered)."""

import datetime

import pytest
from django.utils import timezone

from opsdesk.tickets import preference_services, selectors
from opsdesk.tickets.models import QueueSubscription, Ticket, TicketState, TicketWatcher

from .factories import QueueFactory, TicketFactory, agent_with, grant, state

pytestmark = pytest.mark.django_db


def make(queue, state_name="open", **changes) -> Ticket:
    """A ticket of ``queue`` put straight into ``state_name`` and ``changes`` (no workflow)."""
    ticket = TicketFactory(queue=queue)
    changes.setdefault("state", state(state_name))
    Ticket.objects.filter(pk=ticket.pk).update(**changes)
    ticket.refresh_from_db()
    return ticket


def test_open_and_closed_state_ids_split_by_state_type():
    by_type = dict(TicketState.objects.values_list("id", "state_type"))
    assert {by_type[pk] for pk in selectors.open_state_ids()} == {
        "new",
        "open",
        "pending_reminder",
    }
    assert {by_type[pk] for pk in selectors.closed_state_ids()} == {"closed", "removed"}
    merged = [pk for pk, kind in by_type.items() if kind == "merged"]
    assert not set(merged) & set(selectors.open_state_ids() + selectors.closed_state_ids())


def test_queue_overview_counts_open_and_available_tickets_per_visible_queue(
    django_assert_max_num_queries,
):
    parent = QueueFactory(name="Support")
    child = QueueFactory(name="Network", parent=parent, group=parent.group)
    hidden = QueueFactory(name="Secret")
    agent = agent_with(parent, "ro")
    make(parent, "new")
    make(parent, "open", locked=True)
    make(parent, "closed")
    make(child, "pending")
    make(hidden, "open")

    selectors.visible_queue_ids(agent)  # the agent's permissions, cached on the agent
    with django_assert_max_num_queries(3):  # queues, open states, one grouped count
        nodes = selectors.queue_overview(agent)

    assert [(node.queue.full_name, node.depth) for node in nodes] == [
        ("Support", 0),
        ("Support::Network", 1),
    ]
    support, network = nodes
    assert (support.total, support.available) == (2, 1)
    assert (support.subtree_total, support.subtree_available) == (3, 2)
    assert (network.total, network.available) == (1, 1)


def test_queue_overview_shows_a_child_of_an_invisible_parent_as_a_root():
    parent = QueueFactory(name="Top")
    child = QueueFactory(name="Leaf", parent=parent)
    agent = agent_with(child, "ro")
    nodes = selectors.queue_overview(agent)
    assert [(node.queue.full_name, node.depth) for node in nodes] == [("Top::Leaf", 0)]


def test_queue_overview_hides_invalid_queues_without_open_tickets():
    active = QueueFactory(name="Active")
    retired = QueueFactory(name="Retired", group=active.group)
    busy = QueueFactory(name="Busy retired", group=active.group)
    make(busy, "open")
    make(retired, "closed")
    type(active).objects.filter(pk__in=[retired.pk, busy.pk]).update(valid=False)
    agent = agent_with(active, "ro")
    names = [node.queue.name for node in selectors.queue_overview(agent)]
    assert names == ["Active", "Busy retired"]


def test_an_agent_without_ro_sees_no_queue_and_no_ticket(plain_agent):
    queue = QueueFactory()
    make(queue, "open")
    assert selectors.queue_overview(plain_agent) == []
    assert not selectors.queue_view_tickets(plain_agent, [queue.pk]).exists()
    assert not selectors.status_view_tickets(plain_agent).exists()


def test_queue_view_tickets_are_open_tickets_of_permitted_queues_only():
    queue = QueueFactory()
    other = QueueFactory()
    agent = agent_with(queue, "ro")
    open_ticket = make(queue, "open")
    locked = make(queue, "new", locked=True)
    make(queue, "closed")
    make(other, "open")

    tickets = selectors.queue_view_tickets(agent, [queue.pk, other.pk])
    assert set(tickets) == {open_ticket, locked}
    assert list(selectors.queue_view_tickets(agent, [queue.pk], available_only=True)) == [
        open_ticket
    ]


def test_status_view_splits_open_and_closed_and_leaves_merged_out():
    queue = QueueFactory()
    agent = agent_with(queue, "ro")
    new = make(queue, "new")
    pending = make(queue, "pending")
    closed = make(queue, "closed")
    removed = make(queue, "cancelled")
    make(queue, "merged")
    make(QueueFactory(), "open")  # not visible

    assert set(selectors.status_view_tickets(agent)) == {new, pending}
    assert set(selectors.status_view_tickets(agent, closed=True)) == {closed, removed}


def test_locked_watched_responsible_and_escalation_lists():
    queue = QueueFactory()
    hidden = QueueFactory()
    agent = agent_with(queue, "rw")
    grant(agent, hidden.group, "rw")
    other_agent = agent_with(queue, "rw")

    mine_locked = make(queue, "open", owner=agent, locked=True)
    make(queue, "open", owner=agent, locked=False)
    make(queue, "open", owner=other_agent, locked=True)
    watched = make(queue, "open")
    TicketWatcher.objects.create(ticket=watched, agent=agent)
    TicketWatcher.objects.create(ticket=make(queue, "open"), agent=other_agent)
    responsible = make(queue, "open", responsible=agent)
    make(queue, "closed", responsible=agent)
    now = timezone.now()
    later = make(queue, "open", escalation_at=now + datetime.timedelta(hours=2))
    sooner = make(queue, "new", escalation_at=now - datetime.timedelta(hours=1))
    make(queue, "closed", escalation_at=now)

    assert list(selectors.locked_tickets(agent)) == [mine_locked]
    assert list(selectors.watched_tickets(agent)) == [watched]
    assert list(selectors.responsible_tickets(agent)) == [responsible]
    assert list(selectors.escalation_tickets(agent)) == [sooner, later]

    # Losing the permission on the queue takes its tickets out of every list.
    hidden_locked = make(hidden, "open", owner=agent, locked=True)
    assert hidden_locked in selectors.locked_tickets(agent)
    ro_only = agent_with(queue, "ro")
    Ticket.objects.filter(pk=hidden_locked.pk).update(owner=ro_only)
    TicketWatcher.objects.create(ticket=make(hidden, "open"), agent=ro_only)
    assert list(selectors.locked_tickets(ro_only)) == []
    assert list(selectors.watched_tickets(ro_only)) == []


def test_followed_queues_are_replaced_and_limited_to_visible_queues():
    first = QueueFactory()
    second = QueueFactory(group=first.group)
    foreign = QueueFactory()
    agent = agent_with(first, "ro")

    preference_services.set_followed_queues(agent, [first, second])
    assert selectors.followed_queue_ids(agent) == {first.pk, second.pk}
    preference_services.set_followed_queues(agent, [second])
    assert selectors.followed_queue_ids(agent) == {second.pk}

    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        preference_services.set_followed_queues(agent, [first, foreign])
    assert selectors.followed_queue_ids(agent) == {second.pk}  # nothing changed

    # A followed queue the agent can no longer see is not offered any more.
    QueueSubscription.objects.create(agent=agent, queue=foreign)
    assert selectors.followed_queue_ids(agent) == {second.pk}


def test_last_article_preview_needs_ro_and_cuts_the_text(django_assert_max_num_queries):
    queue = QueueFactory()
    agent = agent_with(queue, "ro")
    ticket = TicketFactory(queue=queue, body="x" * 2000)
    selectors.visible_queue_ids(agent)  # permissions cached on the agent
    with django_assert_max_num_queries(1):
        article = selectors.last_article_preview(agent, ticket.pk)
    assert article is not None and len(article.excerpt) == 500
    assert selectors.last_article_preview(agent_with(QueueFactory(), "ro"), ticket.pk) is None


def test_known_state_and_queue_ids_save_queries_but_not_the_permission(
    django_assert_num_queries,
):
    queue = QueueFactory()
    other = QueueFactory()
    agent = agent_with(queue, "ro")
    open_ticket = make(queue, "open")
    make(other, "open")
    state_ids = selectors.open_state_ids()
    visible = selectors.visible_queue_ids(agent)
    with django_assert_num_queries(1):  # the grouped count only
        assert selectors.open_ticket_counts([queue.pk], state_ids=state_ids) == {queue.pk: (1, 1)}
    with django_assert_num_queries(1):  # the tickets only
        tickets = selectors.queue_view_tickets(
            agent, [queue.pk, other.pk], state_ids=state_ids, visible_ids=visible
        )
        assert list(tickets) == [open_ticket]  # other's queue stays out
    with django_assert_num_queries(2):  # closed states, tickets
        assert list(selectors.status_view_tickets(agent, closed=True, visible_ids=visible)) == []


def test_priority_ids_by_level_follow_the_level_not_the_id():
    from opsdesk.tickets.models import Priority

    Priority.objects.filter(name="low").update(level=99)
    ids = selectors.priority_ids_by_level(descending=True)
    assert ids[0] == Priority.objects.get(name="low").pk
    assert ids == list(Priority.objects.order_by("-level").values_list("id", flat=True))
    assert selectors.priority_ids_by_level() == list(reversed(ids))
