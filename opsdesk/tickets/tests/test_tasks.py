"""The unlock timeout: tickets left locked past their queue's timeout are unlocked."""

import datetime

from django.utils import timezone
from huey.contrib.djhuey import HUEY

from opsdesk.tickets.choices import HistoryType
from opsdesk.tickets.models import Ticket
from opsdesk.tickets.services import lock_ticket, set_state
from opsdesk.tickets.tasks import unlock_timeout

from .factories import QueueFactory, TicketFactory, agent_with, state


def _locked_ticket(queue, minutes_ago: int, **kwargs):
    agent = agent_with(queue, "rw")
    ticket = TicketFactory(queue=queue, actor=agent, **kwargs)
    lock_ticket(ticket, actor=agent)
    Ticket.objects.filter(pk=ticket.pk).update(
        changed_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
    )
    return ticket


def test_tickets_past_the_timeout_are_unlocked_with_history(db):
    queue = QueueFactory(unlock_timeout=30)
    stale = _locked_ticket(queue, minutes_ago=31)
    fresh = _locked_ticket(queue, minutes_ago=5)
    never = _locked_ticket(QueueFactory(unlock_timeout=0), minutes_ago=600)

    assert unlock_timeout.call_local() == 1

    stale.refresh_from_db()
    fresh.refresh_from_db()
    never.refresh_from_db()
    assert (stale.locked, fresh.locked, never.locked) == (False, True, True)
    unlock = stale.history.get(history_type=HistoryType.UNLOCK)
    assert unlock.created_by is None
    assert unlock.actor_label == "System: unlock timeout"


def test_pending_tickets_stay_locked(db):
    queue = QueueFactory(unlock_timeout=10)
    ticket = _locked_ticket(queue, minutes_ago=0)
    set_state(
        ticket,
        actor=None,
        actor_label="t",
        state=state("pending"),
        pending_until=timezone.now() + datetime.timedelta(days=1),
    )
    Ticket.objects.filter(pk=ticket.pk).update(
        changed_at=timezone.now() - datetime.timedelta(hours=2)
    )
    assert unlock_timeout.call_local() == 0


def test_unlock_timeout_runs_every_five_minutes():
    def due(minute):
        return [task.name for task in HUEY.read_periodic(datetime.datetime(2030, 1, 1, 3, minute))]

    assert "unlock_timeout" in due(15)
    assert "unlock_timeout" not in due(16)
