"""Ticket numbers: ``YYYYMMDD`` + system id + daily counter, unique under concurrent creation."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from opsdesk.tickets import services
from opsdesk.tickets.models import Ticket, TicketNumberCounter
from opsdesk.tickets.numbers import (
    next_ticket_number,
    number_pattern,
    numbers_in_subject,
    subject_with_number,
)

from .factories import QueueFactory, TicketFactory


def at(monkeypatch, moment: datetime.datetime) -> None:
    """Make ``timezone.now()`` answer ``moment``."""
    monkeypatch.setattr(timezone, "now", lambda: moment)


NOV_24_NOON = datetime.datetime(2026, 11, 24, 12, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_number_is_date_system_id_and_a_six_digit_counter(settings, monkeypatch):
    settings.OPSDESK_SYSTEM_ID = "42"
    at(monkeypatch, NOV_24_NOON)

    assert next_ticket_number() == "2026112442000001"
    assert next_ticket_number() == "2026112442000002"
    assert TicketNumberCounter.objects.get(day=datetime.date(2026, 11, 24)).value == 2


@pytest.mark.django_db
def test_the_counter_starts_again_every_day(settings, monkeypatch):
    settings.OPSDESK_SYSTEM_ID = "10"
    at(monkeypatch, NOV_24_NOON)
    assert [next_ticket_number() for _ in range(3)][-1] == "2026112410000003"

    at(monkeypatch, NOV_24_NOON + datetime.timedelta(days=1))
    assert next_ticket_number() == "2026112510000001"

    at(monkeypatch, NOV_24_NOON)  # the old day's counter is kept
    assert next_ticket_number() == "2026112410000004"


@pytest.mark.django_db
def test_the_counter_grows_beyond_six_digits(settings, monkeypatch):
    settings.OPSDESK_SYSTEM_ID = "10"
    at(monkeypatch, NOV_24_NOON)
    TicketNumberCounter.objects.create(day=datetime.date(2026, 11, 24), value=999_999)
    assert next_ticket_number() == "20261124101000000"


@pytest.mark.django_db
def test_the_day_is_the_servers_not_the_viewers(settings, monkeypatch):
    settings.TIME_ZONE = "UTC"
    at(monkeypatch, datetime.datetime(2026, 11, 24, 20, 0, tzinfo=datetime.UTC))
    with timezone.override("Asia/Tokyo"):  # already the 25th in Tokyo
        assert next_ticket_number().startswith("20261124")


@pytest.mark.django_db
def test_created_tickets_get_consecutive_numbers(settings):
    queue = QueueFactory()
    first, second = TicketFactory(queue=queue), TicketFactory(queue=queue)
    prefix = f"{timezone.localdate(timezone=timezone.get_default_timezone()):%Y%m%d}"
    assert first.number == f"{prefix}{settings.OPSDESK_SYSTEM_ID}000001"
    assert second.number == f"{prefix}{settings.OPSDESK_SYSTEM_ID}000002"


def test_numbers_in_subject(settings):
    settings.OPSDESK_TICKET_HOOK = "Ticket#"
    settings.OPSDESK_SYSTEM_ID = "10"
    assert numbers_in_subject("Re: [Ticket#2026112410000012] Mail server down") == [
        "2026112410000012"
    ]
    assert numbers_in_subject("AW: ticket# 2026112410000012 und TICKET#:2026112510000003") == [
        "2026112410000012",
        "2026112510000003",
    ]
    assert numbers_in_subject("[Ticket#20261124100000123] seven digits") == ["20261124100000123"]
    assert numbers_in_subject("Order 2026112410000012 shipped") == []  # no hook
    assert numbers_in_subject("[Ticket#2026112499000012] other system") == []
    assert numbers_in_subject("[Ticket#202611241000001] short counter") == []
    assert numbers_in_subject("") == []


def test_number_pattern_and_subject_tag(settings):
    settings.OPSDESK_SYSTEM_ID = "10"
    settings.OPSDESK_TICKET_HOOK = "Ticket#"
    text = "see 2026112410000012, not 12026112410000012 nor 2026112499000012"
    assert number_pattern().findall(text) == ["2026112410000012"]

    assert subject_with_number("VPN", "2026112410000012") == "[Ticket#2026112410000012] VPN"
    tagged = "Re: [Ticket#2026112410000012] VPN"
    assert subject_with_number(tagged, "2026112410000012") == tagged
    assert subject_with_number("", "2026112410000012") == "[Ticket#2026112410000012]"


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="parallel ticket creation needs PostgreSQL (SQLite serialises writers); CI runs the "
    "suite on PostgreSQL as well",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_hands_out_distinct_consecutive_numbers():
    """8 threads, each with its own connection, create 10 tickets each at the same time."""
    threads_count, per_thread = 8, 10
    queue = QueueFactory()
    start = threading.Barrier(threads_count)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work():
        try:
            start.wait(timeout=30)
            for n in range(per_thread):
                draft = services.ArticleDraft(channel="phone", sender_type="customer", body="x")
                ticket = services.create_ticket(
                    actor=None, title=f"parallel {n}", queue=queue, article=draft
                )
                with lock:
                    numbers.append(ticket.number)
        except BaseException as error:  # reported by the main thread
            with lock:
                errors.append(error)
        finally:
            connections.close_all()  # this thread's connections

    threads = [threading.Thread(target=work) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    total = threads_count * per_thread
    assert len(numbers) == total
    assert len(set(numbers)) == total
    assert sorted(int(number[-6:]) for number in numbers) == list(range(1, total + 1))
    assert len({number[:-6] for number in numbers}) == 1  # same day, same system id
    assert Ticket.objects.count() == total
