"""The event bus: handlers run after the emitting transaction commits (never after a rollback), a
failing handler is logged without disturbing the others, and tests can capture events."""

import logging

import pytest
from django.db import transaction

from opsdesk.core import events


@pytest.fixture
def subscribe():
    """Subscribe handlers for one test; they are removed afterwards."""
    added = []

    def add(handler, *names):
        added.append(handler)
        return events.subscribe(handler, *names)

    yield add
    for handler in added:
        events.unsubscribe(handler)


@pytest.fixture
def received(subscribe):
    """Names of the ``Ping``/``Pong`` events delivered so far."""
    seen = []
    subscribe(lambda event: seen.append(event.name), "Ping", "Pong")
    return seen


@pytest.mark.django_db(transaction=True)
def test_handlers_run_once_the_transaction_commits(received):
    with transaction.atomic():
        events.emit("Ping", object_id=1)
        with transaction.atomic():
            events.emit("Pong", object_id=1)
        assert received == []  # not before the commit
    assert received == ["Ping", "Pong"]

    events.emit("Ping")  # outside a transaction (autocommit): at once
    assert received == ["Ping", "Pong", "Ping"]


@pytest.mark.django_db(transaction=True)
def test_handlers_never_see_a_rolled_back_change(received):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.emit("Ping")
        raise RuntimeError("the service failed")
    assert received == []

    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint rolled back inside a committed transaction
                events.emit("Ping")
                raise RuntimeError
        except RuntimeError:
            pass
        events.emit("Pong")
    assert received == ["Pong"]


@pytest.mark.django_db
def test_a_failing_handler_is_logged_and_the_others_still_run(
    subscribe, caplog, django_capture_on_commit_callbacks
):
    calls = []

    def broken(event):
        raise ValueError("boom")

    subscribe(lambda event: calls.append("first"), "Ping")
    subscribe(broken, "Ping")
    subscribe(lambda event: calls.append("last"), "Ping")
    subscribe(lambda event: calls.append(f"any:{event.name}"))  # no names: every event

    with (
        caplog.at_level(logging.ERROR, logger="opsdesk.core.events"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        event = events.emit("Ping", object_id=7, actor_id=3, state="open")

    assert calls == ["first", "last", "any:Ping"]
    assert (event.name, event.object_id, event.actor_id, event.data) == (
        "Ping",
        7,
        3,
        {"state": "open"},
    )
    [record] = caplog.records
    assert "failed for Ping" in record.getMessage()
    assert record.exc_info[0] is ValueError


@pytest.mark.django_db
def test_subscribing_twice_delivers_once_and_unsubscribe_stops_delivery(
    subscribe, django_capture_on_commit_callbacks
):
    calls = []

    def handler(event):
        calls.append(event.name)

    subscribe(handler, "Ping")
    subscribe(handler, "Ping")
    with django_capture_on_commit_callbacks(execute=True):
        events.emit("Ping")
        events.emit("Other")
    assert calls == ["Ping"]

    events.unsubscribe(handler)
    with django_capture_on_commit_callbacks(execute=True):
        events.emit("Ping")
    assert calls == ["Ping"]


@pytest.mark.django_db
def test_capture_events_records_what_is_emitted_inside_the_block():
    events.emit("Before")
    with events.capture_events() as outer:
        events.emit("Ping", object_id=1)
        with events.capture_events() as inner:
            events.emit("Pong", object_id=2, detail="x")
        try:
            with transaction.atomic():
                events.emit("RolledBack")
                raise RuntimeError
        except RuntimeError:
            pass
    events.emit("After")

    assert [event.name for event in outer] == ["Ping", "Pong", "RolledBack"]
    assert [(event.name, event.object_id, event.data) for event in inner] == [
        ("Pong", 2, {"detail": "x"})
    ]
