"""The demo tickets: 200 tickets through the services, in English and Japanese, along each type's
workflow, spread over the last 60 days; seeding twice changes nothing."""

import datetime
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count, Max, Min
from django.utils import timezone

from opsdesk.tickets import demo
from opsdesk.tickets.demo import seed_demo_tickets
from opsdesk.tickets.models import (
    Article,
    Queue,
    Ticket,
    TicketHistory,
    TicketNumberCounter,
    TicketWatcher,
    TimeAccounting,
)
from opsdesk.tickets.selectors import allowed_states

pytestmark = pytest.mark.django_db

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_seeding_200_demo_tickets_once(mailoutbox, settings):
    before = timezone.now()
    tickets = seed_demo_tickets()
    after = timezone.now()

    assert len(tickets) == 200
    assert Ticket.objects.count() == 200
    queryset = Ticket.objects.select_related(
        "state", "ticket_type", "queue", "customer_user__company", "owner"
    )

    # every ticket's state is one its type allows; many states and every type are used
    for ticket in queryset:
        assert allowed_states(ticket.ticket_type).filter(pk=ticket.state_id).exists(), ticket
    states = Counter(ticket.state.name for ticket in queryset)
    assert len(states) >= 10
    assert {"new", "closed", "pending"} <= set(states)
    assert {ticket.ticket_type.name for ticket in queryset} == {
        "unclassified", "incident", "problem", "request", "rfc", "rfc::normal",
        "rfc::emergency", "rfc::breakfix", "rfc::standard", "release",
    }  # fmt: skip
    assert {ticket.queue.full_name for ticket in queryset} >= {
        "Service Desk", "Service Desk::Network", "Service Desk::Hardware", "Incident", "Change",
        "Misc",
    }  # fmt: skip
    assert Queue.objects.get(full_name="Service Desk::Network").parent.full_name == "Service Desk"
    assert {ticket.priority.name for ticket in tickets} >= {"low", "medium", "high"}

    # English and Japanese: the Japanese company's customers write in Japanese
    japanese = [t for t in queryset if t.customer_user.company.customer_id == "NIHON-DENKI"]
    english = [t for t in queryset if t.customer_user.company.customer_id != "NIHON-DENKI"]
    assert len(japanese) >= 50 and len(english) >= 80
    assert all(JAPANESE.search(ticket.title) for ticket in japanese)
    assert not any(JAPANESE.search(ticket.title) for ticket in english)
    first_articles = {a.ticket_id: a for a in Article.objects.order_by("-id")}
    assert all(JAPANESE.search(first_articles[t.pk].body) for t in japanese)
    assert Ticket.objects.filter(customer_company__name="日本電機株式会社").count() == len(japanese)

    # conversations of 2-6 articles: customer messages, agent mails with Message-IDs (not sent),
    # internal notes; history, time accounting, locks, watchers and pending times
    counts = Ticket.objects.annotate(n=Count("articles")).values_list("n", flat=True)
    assert min(counts) == 2 and max(counts) == 6
    assert len(set(counts)) == 5
    channels = Counter(Article.objects.values_list("channel", "sender_type"))
    assert {("phone", "customer"), ("web", "customer"), ("internal", "agent")} <= set(channels)
    assert channels[("email", "agent")] > 100 and channels[("email", "customer")] > 50
    agent_mails = Article.objects.filter(channel="email", sender_type="agent")
    assert not agent_mails.filter(message_id="").exists()
    assert agent_mails.exclude(in_reply_to="").exists()
    assert all("[Ticket#" in subject for subject in agent_mails.values_list("subject", flat=True))
    assert mailoutbox == []
    assert TicketHistory.objects.filter(history_type="SendAnswer").count() == agent_mails.count()
    assert TimeAccounting.objects.count() > 100
    assert Ticket.objects.filter(locked=True, state__state_type="open").exists()
    assert not Ticket.objects.filter(locked=True, closed_at__isnull=False).exists()
    assert TicketWatcher.objects.exists()
    pending = Ticket.objects.filter(state__name="pending")
    assert pending.exists()
    assert not pending.filter(pending_until__lte=after).exists()
    assert (
        Ticket.objects.filter(closed_at__isnull=False).count()
        == Ticket.objects.filter(state__state_type__in=("closed", "removed")).count()
    )

    # spread over the last 60 days, oldest first, numbers of their day; rows after their ticket
    span = Ticket.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert span["first"] >= before - datetime.timedelta(days=60)
    assert span["last"] - span["first"] > datetime.timedelta(days=40)
    assert list(Ticket.objects.order_by("created_at").values_list("pk", flat=True)) == sorted(
        t.pk for t in tickets
    )
    for ticket in queryset:
        day = timezone.localtime(ticket.created_at, timezone.get_default_timezone())
        assert ticket.number.startswith(f"{day:%Y%m%d}{settings.OPSDESK_SYSTEM_ID}"), ticket.number
        assert ticket.created_at <= ticket.changed_at <= after
        if ticket.closed_at:
            assert ticket.created_at < ticket.closed_at <= ticket.changed_at
    assert len({ticket.number for ticket in tickets}) == 200
    new_ticket_rows = TicketHistory.objects.filter(history_type="NewTicket")
    assert sorted(new_ticket_rows.values_list("new_value", flat=True)) == sorted(
        ticket.number for ticket in tickets
    )
    history = TicketHistory.objects.select_related("ticket").order_by("ticket", "id")
    previous = {}
    for row in history:
        assert row.ticket.created_at <= row.created_at <= after
        assert row.created_at >= previous.get(row.ticket_id, row.created_at)
        previous[row.ticket_id] = row.created_at
    for article in Article.objects.select_related("ticket"):
        assert article.ticket.created_at <= article.created_at <= article.ticket.changed_at
    # later tickets of those days continue after the demo's numbers
    for day, value in TicketNumberCounter.objects.values_list("day", "value"):
        used = [t.number for t in tickets if t.number.startswith(f"{day:%Y%m%d}")]
        assert value >= len(used)

    # seeding again does nothing
    assert seed_demo_tickets() == []
    assert Ticket.objects.count() == 200


def test_setup_with_demo_seeds_tickets_once(capsys, monkeypatch):
    monkeypatch.setattr(demo, "DEMO_TICKET_COUNT", 12)

    call_command("opsdesk_setup", "--demo")
    first = capsys.readouterr().out
    call_command("opsdesk_setup", "--demo")
    second = capsys.readouterr().out

    assert "Demo tickets seeded: 12" in first
    assert "Demo tickets seeded" not in second
    assert Ticket.objects.count() == 12


def test_demo_agents_follow_queues_and_outages_have_linked_children():
    from opsdesk.core.models import Link, LinkType
    from opsdesk.tickets.fulltext import filter_tickets
    from opsdesk.tickets.models import QueueSubscription

    tickets = seed_demo_tickets(40)
    followed = set(
        QueueSubscription.objects.filter(agent__login="agent").values_list(
            "queue__full_name", flat=True
        )
    )
    assert followed == {"Service Desk", "Service Desk::Network", "Service Desk::Hardware"}
    links = Link.objects.filter(link_type=LinkType.PARENT_CHILD)
    assert links.exists()
    linked = {link.target_id for link in links} | {link.source_id for link in links}
    assert TicketHistory.objects.filter(
        ticket_id__in=linked, history_type="TicketLinkAdd"
    ).count() == (2 * links.count())
    # Every demo article is in the full-text index, Japanese ones found by a 2-character word.
    assert filter_tickets(Ticket.objects.filter(pk__in=[t.pk for t in tickets]), "接続").exists()
