"""A small event bus: areas emit named events from their services, other areas subscribe.

Tickets emit ``TicketCreate``, ``TicketStateUpdate``, ``ArticleCreate``... (OTOBO's event names);
notifications, GenericAgent and escalations subscribe without the tickets area knowing them.
Handlers run after the emitting transaction commits, so they never see a change that was rolled
back; a failing handler is logged and does not disturb the others or the caller.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    name: str
    object_id: int | None = None
    actor_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Event], None]
ALL = "*"

_subscribers: dict[str, list[Handler]] = {}
_recorders: list[list[Event]] = []


def subscribe(handler: Handler, *names: str) -> Handler:
    """Call ``handler(event)`` for events named ``names`` (none: every event). Usable as a
    decorator factory too: ``subscribe(handler, "TicketCreate")``."""
    for name in names or (ALL,):
        handlers = _subscribers.setdefault(name, [])
        if handler not in handlers:
            handlers.append(handler)
    return handler


def unsubscribe(handler: Handler) -> None:
    for handlers in _subscribers.values():
        if handler in handlers:
            handlers.remove(handler)


def _dispatch(event: Event) -> None:
    for handler in [*_subscribers.get(event.name, ()), *_subscribers.get(ALL, ())]:
        try:
            handler(event)
        except Exception:  # one broken subscriber must not break the others or the request
            logger.exception("Event handler %r failed for %s", handler, event.name)


def emit(name: str, *, object_id: int | None = None, actor_id: int | None = None, **data) -> Event:
    """Announce ``name``; subscribers are called once the current transaction commits."""
    event = Event(name=name, object_id=object_id, actor_id=actor_id, data=data)
    for recorded in _recorders:
        recorded.append(event)
    transaction.on_commit(lambda: _dispatch(event))
    return event


@contextmanager
def capture_events() -> Iterator[list[Event]]:
    """Collect the events emitted inside the block (for tests)."""
    recorded: list[Event] = []
    _recorders.append(recorded)
    try:
        yield recorded
    finally:
        _recorders.remove(recorded)
