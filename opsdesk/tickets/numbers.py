"""Ticket numbers: ``YYYYMMDD`` + system id + a daily counter of at least six digits.

The counter row of the day is incremented with one UPDATE, which takes the row's write lock
(PostgreSQL) or the database's (SQLite, whose transactions begin IMMEDIATE here), so concurrent
ticket creation never hands out the same number twice. The lock is held until the creating
transaction commits.
"""

import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import TicketNumberCounter

COUNTER_DIGITS = 6


def next_ticket_number() -> str:
    # The server's day (TIME_ZONE), not the viewer's: the middleware activates each agent's zone.
    day = timezone.localdate(timezone=timezone.get_default_timezone())
    with transaction.atomic():
        value = _increment(day)
    return f"{day:%Y%m%d}{settings.OPSDESK_SYSTEM_ID}{value:0{COUNTER_DIGITS}d}"


def _increment(day) -> int:
    counters = TicketNumberCounter.objects.filter(day=day)
    if not counters.update(value=F("value") + 1):
        try:
            with transaction.atomic():
                TicketNumberCounter.objects.create(day=day, value=1)
            return 1
        except IntegrityError:  # another transaction created the day's row first
            counters.update(value=F("value") + 1)
    return counters.values_list("value", flat=True).get()


def number_pattern() -> re.Pattern[str]:
    """How a ticket number appears in text: 8 date digits, the system id, then the counter."""
    system_id = re.escape(settings.OPSDESK_SYSTEM_ID)
    return re.compile(rf"(?<!\d)(\d{{8}}{system_id}\d{{{COUNTER_DIGITS},}})(?!\d)")


def subject_with_number(subject: str, number: str) -> str:
    """``[Ticket#<number>] <subject>`` unless the subject already carries the number."""
    tag = f"[{settings.OPSDESK_TICKET_HOOK}{number}]"
    if tag in subject:
        return subject
    return f"{tag} {subject}".strip()


def numbers_in_subject(subject: str) -> list[str]:
    """Ticket numbers tagged in a subject (``Ticket#<number>``), for follow-up detection."""
    hook = re.escape(settings.OPSDESK_TICKET_HOOK)
    system_id = re.escape(settings.OPSDESK_SYSTEM_ID)
    pattern = rf"{hook}\s*:?\s*(\d{{8}}{system_id}\d{{{COUNTER_DIGITS},}})"
    return re.findall(pattern, subject, flags=re.IGNORECASE)
