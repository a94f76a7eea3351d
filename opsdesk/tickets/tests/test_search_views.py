"""The ticket search screen: form, results in the shared ticket list, permissions, the single-hit
redirect, the limit, htmx and full text (Japanese too)."""

import re

import pytest
from django.urls import reverse

from opsdesk.accounts.models import Group
from opsdesk.core.models import DynamicField
from opsdesk.tickets import services

from .factories import QueueFactory, TicketFactory, agent_with, grant, priority, state

pytestmark = pytest.mark.django_db

SEARCH = reverse("tickets:search")


def TIME_LIMIT_QUERIES() -> int:  # noqa: N802 - reads like the constant it is
    """Queries that set up a search's statement timeout: none on SQLite."""
    from django.db import connection

    return 3 if connection.vendor == "postgresql" else 0


def searcher(queue, *permissions, **fields):
    """An agent with ``permissions`` on the queue's group who may use the ticket screens (ro on
    ``users``, the search menu's requirement)."""
    agent = agent_with(queue, *permissions, **fields)
    return grant(agent, Group.objects.get_or_create(name="users")[0], "ro")


@pytest.fixture
def agent(queue):
    return searcher(queue, "rw", login="searcher")


@pytest.fixture
def client_of(client):
    def sign_in(agent):
        client.force_login(agent)
        return client

    return sign_in


def listed(response) -> list[str]:
    """Ticket numbers in the result table, in order."""
    assert response.status_code == 200, response.content[:500]
    html = response.content.decode()
    return re.findall(r'data-testid="ticket-link">(\d+)</a>', html)


def test_the_form_shows_common_attributes_and_more_filters(agent, client_of, queue):
    DynamicField.objects.create(
        object_type="ticket", name="asset_tag", label="Asset tag", field_type="text"
    )
    html = client_of(agent).get(SEARCH).content.decode()
    assert 'data-testid="search-form"' in html
    assert 'name="fulltext"' in html
    assert '<select name="state"' in html
    assert '<select name="owner"' in html
    assert f'<option value="{queue.pk}">{queue.full_name}</option>' in html
    more = html[html.index('data-testid="more-filters"') :]
    assert 'name="created_within"' in more and 'name="created_within_unit"' in more
    assert 'name="extra__asset_tag"' in more
    assert 'data-testid="search-results"' not in html  # nothing searched yet


def test_results_are_listed_with_the_shared_table(agent, client_of, queue):
    vpn = TicketFactory(queue=queue, title="VPN drops", priority=priority("high"))
    TicketFactory(queue=queue, title="VPN slow", priority=priority("high"))
    TicketFactory(queue=queue, title="Mail down")
    response = client_of(agent).get(SEARCH, {"title": "vpn", "priority": "high"})
    assert len(listed(response)) == 2
    assert vpn.number in listed(response)
    html = response.content.decode()
    assert 'data-testid="ticket-table"' in html
    assert 'data-testid="export-csv"' in html and 'data-testid="export-xlsx"' in html


def test_the_search_needs_an_agent_with_access(client, plain_agent):
    assert client.get(SEARCH).status_code == 302  # to the sign-in page
    client.force_login(plain_agent)
    assert client.get(SEARCH).status_code == 403


def test_tickets_of_queues_without_ro_never_appear(queue, client_of):
    agent = searcher(queue, "ro")
    visible = TicketFactory(queue=queue, title="VPN here")
    TicketFactory(queue=QueueFactory(), title="VPN secret")
    TicketFactory(queue=queue, title="VPN there")
    response = client_of(agent).get(SEARCH, {"title": "vpn"})
    numbers = listed(response)
    assert len(numbers) == 2 and visible.number in numbers
    assert "VPN secret" not in response.content.decode()


def test_a_single_hit_opens_the_ticket(agent, client_of, queue):
    ticket = TicketFactory(queue=queue, title="Unique printer jam")
    TicketFactory(queue=queue, title="Something else")
    client = client_of(agent)
    response = client.get(SEARCH, {"title": "printer jam"})
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:zoom", args=[ticket.pk])

    htmx = client.get(
        SEARCH, {"title": "printer jam"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket-search"
    )
    assert htmx["HX-Redirect"] == reverse("tickets:zoom", args=[ticket.pk])

    paging = client.get(SEARCH, {"title": "printer jam", "page": "1"})
    assert listed(paging) == [ticket.number]


def test_bad_values_show_messages_instead_of_results(agent, client_of, queue):
    TicketFactory(queue=queue, title="anything")
    response = client_of(agent).get(SEARCH, {"state": "bogus", "created_after": "soon"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="search-errors"' in html
    assert "There is no state “bogus”." in html
    assert 'data-testid="ticket-table"' not in html


def test_bad_full_text_syntax_is_explained(agent, client_of):
    html = client_of(agent).get(SEARCH, {"fulltext": '"unclosed'}).content.decode()
    assert 'data-testid="search-errors"' in html
    assert "quotation mark" in html


def test_the_form_url_is_shortened_to_the_criteria(agent, client_of, queue):
    TicketFactory(queue=queue, title="a")
    TicketFactory(queue=queue, title="b")
    client = client_of(agent)
    everything = {
        "search": "1",
        "fulltext": "",
        "title": "",
        "state": "new",
        "created_within_unit": "days",
    }
    response = client.get(SEARCH, everything)
    assert response.status_code == 302
    assert response["Location"] == f"{SEARCH}?state=new"

    htmx = client.get(SEARCH, everything, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket-search")
    assert htmx.status_code == 200
    assert htmx["HX-Push-Url"] == f"{SEARCH}?state=new"
    html = htmx.content.decode()
    assert html.lstrip().startswith('<div id="ticket-search"')
    assert "<html" not in html

    all_tickets = client.get(SEARCH, {"search": "1"})
    assert len(listed(all_tickets)) == 2


def test_sorting_and_paging_swap_only_the_list(agent, client_of, queue):
    for index in range(3):
        TicketFactory(queue=queue, title=f"VPN {index}")
    response = client_of(agent).get(
        SEARCH,
        {"title": "vpn", "sort": "number"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="ticket-list",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="ticket-list"')
    assert listed(response) == sorted(listed(response))


def test_results_are_cut_at_the_search_limit(agent, client_of, queue, settings):
    settings.OPSDESK_TICKET_SEARCH_LIMIT = 2
    for index in range(3):
        TicketFactory(queue=queue, title=f"VPN {index}")
    response = client_of(agent).get(SEARCH, {"title": "vpn"})
    assert len(listed(response)) == 2
    assert "only the first 2 are listed" in response.content.decode()


@pytest.mark.parametrize("rows", [2, 20])
def test_the_result_page_needs_the_same_queries_for_2_and_20_tickets(
    agent, client_of, queue, rows, django_assert_max_num_queries
):
    owner = agent_with(queue, "rw")
    for index in range(rows):
        ticket = TicketFactory(queue=queue, title=f"VPN {index}", priority=priority("high"))
        services.set_owner(ticket, actor=None, owner=owner, actor_label="test")
    client = client_of(agent)
    client.get(SEARCH)  # the session's first request loads what every page needs
    # session (read, and save: 3), agent, grants (2), dynamic fields, the priority asked for,
    # state ids of the state type, single-hit probe, capped count, rows; the form's options
    # (queues, states, priorities, types, agents for owner and responsible), the templates and
    # the roles they are shared with; on PostgreSQL the search's time limit (savepoint, limit,
    # release)
    with django_assert_max_num_queries(21 + TIME_LIMIT_QUERIES()):
        response = client.get(SEARCH, {"title": "vpn", "priority": "high", "state_type": "new"})
    assert len(listed(response)) == rows


def test_japanese_full_text_is_found_on_the_screen(agent, client_of, queue):
    ticket = TicketFactory(
        queue=queue, title="ネットワーク", body="会議室のプリンターに接続できません。"
    )
    TicketFactory(queue=queue, title="別件", body="メールが届きません。")
    third = TicketFactory(queue=queue, title="三件目", body="プリンターの紙詰まり。")
    client = client_of(agent)
    response = client.get(SEARCH, {"fulltext": "接続"})
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:zoom", args=[ticket.pk])
    assert len(listed(client.get(SEARCH, {"fulltext": "プリンター"}))) == 2
    only_third = client.get(SEARCH, {"fulltext": "プリンター NOT 接続"})
    assert only_third["Location"] == reverse("tickets:zoom", args=[third.pk])


def test_full_text_combines_with_attributes(agent, client_of, queue):
    TicketFactory(queue=queue, title="one", body="The printer is broken.")
    closed = TicketFactory(queue=queue, title="two", body="The printer is broken again.")
    services.set_state(closed, actor=agent, state=state("closed"))
    response = client_of(agent).get(
        SEARCH, {"fulltext": "printer", "state_type": "closed", "page": "1"}
    )
    assert listed(response) == [closed.number]


# A search that runs too long (PostgreSQL) -------------------------------------------------------


def _slow_searches(monkeypatch):
    """Every search query sleeps 0.3 s in PostgreSQL; the timeout is 0.05 s."""
    from opsdesk.tickets import search_views

    base = search_views._base_queryset
    monkeypatch.setattr(
        search_views,
        "_base_queryset",
        lambda agent: base(agent).extra(where=["(SELECT 1 FROM pg_sleep(0.3)) = 1"]),
    )


def test_a_search_running_too_long_is_stopped_with_a_message(
    agent, client_of, queue, settings, monkeypatch
):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("statement timeouts are a PostgreSQL feature (SQLite runs unbounded)")
    settings.OPSDESK_TICKET_SEARCH_TIMEOUT = 0.05
    TicketFactory(queue=queue, title="Slow one")
    TicketFactory(queue=queue, title="Slow two")
    _slow_searches(monkeypatch)
    client = client_of(agent)

    page = client.get(SEARCH, {"title": "slow"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="search-timeout"' in html
    assert "took longer than 0.05 seconds" in html
    assert 'value="slow"' in html  # the form keeps the criteria to narrow them down

    swapped = client.get(
        SEARCH, {"title": "slow"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket-search"
    )
    assert swapped["HX-Retarget"] == "#ticket-search"
    assert 'data-testid="search-timeout"' in swapped.content.decode()

    # The connection is usable afterwards, and without the limit the search answers.
    settings.OPSDESK_TICKET_SEARCH_TIMEOUT = 0
    assert "Slow one" in client.get(SEARCH, {"title": "slow"}).content.decode()
