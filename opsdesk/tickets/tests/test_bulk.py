"""Bulk action (services.bulk_action and /tickets/bulk/): each change type, per-ticket permission
checks with a report of refusals, one transaction per ticket, and the screen's query count."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from opsdesk.core import links as core_links
from opsdesk.core.models import Link, LinkType
from opsdesk.tickets import selectors, services
from opsdesk.tickets.choices import HistoryType
from opsdesk.tickets.models import Article, Ticket, TicketHistory
from opsdesk.tickets.services import BulkChanges, BulkLock, BulkMerge

from .factories import QueueFactory, TicketFactory, agent_with, grant, priority, state, ticket_type

pytestmark = pytest.mark.django_db

BULK = reverse("tickets:bulk")
QUERIES = 14  # session, agent, permissions, the selected tickets, the form's choices


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tickets(queue):
    return [TicketFactory(queue=queue, title=f"Printer {n}") for n in range(3)]


@pytest.fixture
def read_only_queue(rw_agent):
    """A queue where the rw agent may only read."""
    other = QueueFactory(name="Read only")
    grant(rw_agent, other.group, "ro")
    return other


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("state", "queue", "priority", "ticket_type").get(
        pk=ticket.pk
    )


def run(agent, tickets, **changes):
    return services.bulk_action(
        [t.pk for t in tickets], actor=agent, changes=BulkChanges(**changes)
    )


# Each change --------------------------------------------------------------------------------------


def test_state_priority_and_type(rw_agent, tickets):
    report = run(
        rw_agent,
        tickets,
        state=state("open"),
        priority=priority("high"),
        ticket_type=ticket_type("incident"),
    )
    assert len(report.succeeded) == 3 and not report.refused
    for ticket in tickets:
        ticket = fresh(ticket)
        assert (ticket.state.name, ticket.priority.name, ticket.ticket_type.name) == (
            "open",
            "high",
            "incident",
        )
    assert "state: " in " ".join(report.succeeded[0].done)


def test_pending_state_with_its_time(rw_agent, tickets):
    when = timezone.now() + datetime.timedelta(days=2)
    run(rw_agent, tickets, state=state("pending"), pending_until=when)
    assert all(fresh(ticket).pending_until == when for ticket in tickets)


def test_move_owner_responsible(queue, rw_agent, tickets):
    target = QueueFactory(name="Second level")
    grant(rw_agent, target.group, "rw")
    colleague = agent_with(target, "rw", login="colleague")
    report = run(rw_agent, tickets, queue=target, owner=colleague, responsible=colleague)
    assert not report.refused, report.refused
    for ticket in tickets:
        ticket = fresh(ticket)
        assert (ticket.queue, ticket.owner, ticket.responsible) == (target, colleague, colleague)


def test_lock_then_unlock(rw_agent, tickets):
    run(rw_agent, tickets, lock=BulkLock.LOCK)
    assert all(fresh(ticket).locked for ticket in tickets)
    assert all(fresh(ticket).owner == rw_agent for ticket in tickets)
    run(rw_agent, tickets, lock=BulkLock.UNLOCK)
    assert not any(fresh(ticket).locked for ticket in tickets)


def test_note_and_unlock_after(rw_agent, tickets):
    for ticket in tickets:
        services.lock_ticket(ticket, actor=rw_agent)
    run(
        rw_agent,
        tickets,
        note_subject="Outage",
        note_body="Known outage, engineer on site.",
        note_visible_for_customer=True,
        unlock_after=True,
    )
    for ticket in tickets:
        note = Article.objects.filter(ticket=ticket).order_by("-created_at", "-id").first()
        assert (note.subject, note.is_visible_for_customer) == ("Outage", True)
        assert not fresh(ticket).locked


def test_merge_into_a_ticket(queue, rw_agent, tickets):
    target = TicketFactory(queue=queue, title="Printer outage")
    report = run(rw_agent, tickets, merge=BulkMerge.INTO_TICKET, merge_into=target)
    assert len(report.succeeded) == 3
    assert all(fresh(ticket).merged_into == target for ticket in tickets)


def test_merge_into_the_oldest(rw_agent, tickets):
    oldest, *others = tickets
    report = run(rw_agent, tickets, merge=BulkMerge.INTO_OLDEST)
    assert len(report.succeeded) == 3
    assert fresh(oldest).merged_into is None
    assert all(fresh(ticket).merged_into == oldest for ticket in others)


def test_link_to_a_parent_and_together(queue, rw_agent, tickets):
    parent = TicketFactory(queue=queue, title="Printer fleet renewal")
    run(rw_agent, tickets, link_parent=parent)
    for ticket in tickets:
        link = Link.objects.get(source_id=parent.pk, target_id=ticket.pk)
        assert link.link_type == LinkType.PARENT_CHILD
    others = [TicketFactory(queue=queue) for _ in range(3)]
    run(rw_agent, others, link_together=True)
    for first in others:
        for second in others:
            if first != second:
                link = core_links.link_between(("ticket", first.pk), ("ticket", second.pk))
                assert link is not None and link.link_type == LinkType.NORMAL


def test_link_together_keeps_an_existing_parent_link(queue, rw_agent, tickets):
    first, second, _ = tickets
    core_links.add_link(
        actor=rw_agent, source=first, target=second, link_type=LinkType.PARENT_CHILD
    )
    run(rw_agent, tickets, link_together=True)
    link = core_links.link_between(("ticket", first.pk), ("ticket", second.pk))
    assert link.link_type == LinkType.PARENT_CHILD


def test_nothing_to_do_is_refused(rw_agent, tickets):
    with pytest.raises(ValidationError):
        run(rw_agent, tickets)


# Refusals and atomicity ---------------------------------------------------------------------------


def test_tickets_of_a_read_only_queue_are_refused_the_others_change(
    rw_agent, tickets, read_only_queue
):
    readable = TicketFactory(queue=read_only_queue, title="Read only ticket")
    report = run(rw_agent, [*tickets, readable], priority=priority("high"))
    assert [outcome.ticket.pk for outcome in report.refused] == [readable.pk]
    assert "may not" in report.refused[0].refused
    assert fresh(readable).priority.name != "high"
    assert all(fresh(ticket).priority.name == "high" for ticket in tickets)


def test_a_refused_change_undoes_the_other_changes_of_that_ticket(queue, rw_agent, tickets):
    """The note comes first, the lock after: a ticket locked by someone else keeps no note."""
    colleague = agent_with(queue, "rw", login="colleague")
    services.lock_ticket(tickets[0], actor=colleague)
    report = run(rw_agent, tickets, note_body="Checked", lock=BulkLock.LOCK)
    assert [outcome.ticket.pk for outcome in report.refused] == [tickets[0].pk]
    assert "already locked" in report.refused[0].refused
    assert not Article.objects.filter(ticket=tickets[0], body="Checked").exists()
    assert fresh(tickets[0]).owner == colleague
    assert all(Article.objects.filter(ticket=t, body="Checked").exists() for t in tickets[1:])


def test_tickets_the_agent_cannot_see_are_left_out(rw_agent, tickets):
    hidden = TicketFactory(queue=QueueFactory(name="Secret"))
    report = run(rw_agent, [*tickets, hidden], priority=priority("high"))
    assert hidden.pk not in [outcome.ticket.pk for outcome in report.outcomes]
    assert fresh(hidden).priority.name != "high"


def test_at_most_the_limit_of_tickets(rw_agent, settings):
    with pytest.raises(ValidationError, match="at most"):
        services.bulk_action(
            range(1, selectors.BULK_LIMIT + 2),
            actor=rw_agent,
            changes=BulkChanges(priority=priority("high")),
        )


# The screen ---------------------------------------------------------------------------------------


def test_the_screen_lists_the_visible_selected_tickets(client, rw_agent, tickets):
    hidden = TicketFactory(queue=QueueFactory(name="Secret"), title="Secret merger")
    client.force_login(rw_agent)
    response = client.get(
        BULK, {"ticket": [t.pk for t in tickets] + [hidden.pk, "x"], "next": "/tickets/"}
    )
    assert response.status_code == 200
    assert [t.pk for t in response.context["tickets"]] == [t.pk for t in tickets]
    assert response.context["hidden_count"] == 1
    assert b"Secret merger" not in response.content
    assert response.context["next_url"] == "/tickets/"


def test_a_foreign_next_url_is_replaced(client, rw_agent, tickets):
    client.force_login(rw_agent)
    response = client.get(BULK, {"ticket": tickets[0].pk, "next": "https://evil.example/"})
    assert response.context["next_url"] == reverse("core:area_tickets")


def test_a_list_may_post_the_selection(client, rw_agent, tickets):
    client.force_login(rw_agent)
    response = client.post(BULK, {"ticket": [t.pk for t in tickets]})
    assert response.status_code == 200
    assert len(response.context["tickets"]) == 3
    assert not response.context["form"].is_bound


def test_applying_shows_successes_and_refusals(client, rw_agent, tickets, read_only_queue):
    readable = TicketFactory(queue=read_only_queue, title="Read only ticket")
    client.force_login(rw_agent)
    response = client.post(
        BULK,
        {
            "apply": "1",
            "ticket": [t.pk for t in tickets] + [readable.pk],
            "priority": priority("high").pk,
            "next": "/tickets/",
        },
    )
    assert response.status_code == 200
    report = response.context["report"]
    assert len(report.succeeded) == 3 and len(report.refused) == 1
    content = response.content.decode()
    assert 'data-testid="bulk-outcome-refused"' in content
    assert readable.number in content


def test_a_number_to_merge_into_is_enough(client, queue, rw_agent, tickets):
    target = TicketFactory(queue=queue, title="Printer outage")
    client.force_login(rw_agent)
    data = {"apply": "1", "ticket": [t.pk for t in tickets], "merge_into": target.number}
    response = client.post(BULK, data)
    assert len(response.context["report"].succeeded) == 3
    assert all(fresh(ticket).merged_into == target for ticket in tickets)


def test_the_form_checks_numbers_and_pending_time(client, rw_agent, tickets):
    hidden = TicketFactory(queue=QueueFactory(name="Secret"))
    client.force_login(rw_agent)
    data = {"apply": "1", "ticket": [t.pk for t in tickets]}
    response = client.post(BULK, {**data, "merge": "ticket", "merge_into": hidden.number})
    assert response.context["form"].errors["merge_into"]
    response = client.post(BULK, {**data, "link_parent": "99"})
    assert response.context["form"].errors["link_parent"]
    response = client.post(BULK, {**data, "state": state("pending").pk})
    assert response.context["form"].errors["pending_until"]
    response = client.post(BULK, data)
    assert response.context["form"].non_field_errors()
    assert not TicketHistory.objects.filter(
        ticket__in=tickets, history_type=HistoryType.STATE_UPDATE
    ).exists()


def test_the_screen_needs_an_agent(client, tickets):
    response = client.get(BULK, {"ticket": tickets[0].pk})
    assert response.status_code == 302


def test_too_many_tickets_are_refused_with_a_message(client, rw_agent):
    client.force_login(rw_agent)
    response = client.get(BULK, {"ticket": list(range(1, selectors.BULK_LIMIT + 2))})
    assert response.status_code == 400
    assert b"bulk-selection-error" in response.content


@pytest.mark.parametrize("count", [2, 20])
def test_the_screen_needs_the_same_queries_for_2_and_20_tickets(
    client, queue, rw_agent, django_assert_max_num_queries, count
):
    selected = [TicketFactory(queue=QueueFactory(group=queue.group)) for _ in range(count)]
    for ticket in selected:
        services.lock_ticket(ticket, actor=rw_agent)
    client.force_login(rw_agent)
    client.get(BULK, {"ticket": [selected[0].pk]})  # warm caches (permissions, sessions)
    with django_assert_max_num_queries(QUERIES):
        response = client.get(BULK, {"ticket": [t.pk for t in selected]})
    assert response.status_code == 200
    assert len(response.context["tickets"]) == count


def test_applying_needs_a_constant_number_of_queries_to_find_the_tickets(client, queue, rw_agent):
    """The form's choices and the selection are read once, whatever the number of tickets."""
    selected = [TicketFactory(queue=queue) for _ in range(5)]
    client.force_login(rw_agent)
    client.get(BULK, {"ticket": [selected[0].pk]})

    def queries(count: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(BULK, {"ticket": [t.pk for t in selected[:count]]})
        return len(captured.captured_queries)

    assert queries(1) == queries(5)
