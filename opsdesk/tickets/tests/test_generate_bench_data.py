"""The benchmark data generator: a small run must give consistent tickets."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from opsdesk.accounts.models import Agent
from opsdesk.tickets import selectors
from opsdesk.tickets.choices import CLOSED_STATE_TYPES, HistoryType
from opsdesk.tickets.models import (
    Article,
    ArticleSearchIndex,
    Ticket,
    TicketHistory,
    TicketNumberCounter,
    TicketTypeState,
)
from opsdesk.tickets.numbers import number_pattern

SMALL = {"agents": 4, "companies": 5, "customer_users": 20, "seed": 3, "batch": 7}


def generate(tickets=30, **options):
    out = StringIO()
    call_command("generate_bench_data", tickets=tickets, stdout=out, **{**SMALL, **options})
    return out.getvalue()


@pytest.mark.django_db
def test_small_data_set_is_consistent():
    output = generate()

    assert "Agent login: bench" in output
    tickets = list(Ticket.objects.select_related("state", "ticket_type"))
    assert len(tickets) == 30
    numbers = [ticket.number for ticket in tickets]
    assert len(set(numbers)) == 30
    assert all(number_pattern().fullmatch(number) for number in numbers)
    allowed = set(TicketTypeState.objects.values_list("ticket_type_id", "state_id"))
    for ticket in tickets:
        assert (ticket.ticket_type_id, ticket.state_id) in allowed
        assert (ticket.closed_at is not None) == (ticket.state.state_type in CLOSED_STATE_TYPES)
        assert ticket.closed_at is None or ticket.closed_at >= ticket.created_at
    assert not Ticket.objects.filter(articles__isnull=True).exists()
    assert TicketHistory.objects.filter(history_type=HistoryType.NEW_TICKET).count() == 30
    articles = Article.objects.count()
    assert articles >= 30
    assert ArticleSearchIndex.objects.count() == articles
    # The next ticket created normally does not collide with the generated numbers.
    assert TicketNumberCounter.objects.exists()
    bench = Agent.objects.get(login="bench")
    assert selectors.tickets_visible_to(bench).count() == 30


@pytest.mark.django_db
def test_full_text_finds_generated_articles():
    from opsdesk.tickets import fulltext

    generate(tickets=5)
    article = Article.objects.order_by("pk").first()
    word = fulltext.tokenize(article.body)[0]
    assert article.ticket in fulltext.filter_tickets(Ticket.objects.all(), word)


@pytest.mark.django_db
def test_refuses_a_database_with_tickets_unless_appending():
    generate(tickets=3)

    with pytest.raises(CommandError, match="already has tickets"):
        generate(tickets=3)
    assert Ticket.objects.count() == 3

    generate(tickets=4, append=True)
    assert Ticket.objects.count() == 7
    assert len(set(Ticket.objects.values_list("number", flat=True))) == 7
