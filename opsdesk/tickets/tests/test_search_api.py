"""``/api/v1/ticket-search/``: the search's filters and full text over the REST API."""

import datetime
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from opsdesk.core.models import DynamicField
from opsdesk.tickets.models import Ticket

from .factories import QueueFactory, TicketFactory, agent_with, priority

pytestmark = pytest.mark.django_db

SEARCH = reverse("api-v1:ticket-search-list")


def client_for(agent):
    client = APIClient()
    client.force_authenticate(agent)
    return client


def numbers(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["results"]}


def test_attributes_and_full_text(queue, ro_agent):
    printer = TicketFactory(queue=queue, title="Printer", body="The printer shows E-42.")
    TicketFactory(queue=queue, title="Mail", body="Mail bounces.", priority=priority("high"))
    client = client_for(ro_agent)
    assert numbers(client.get(SEARCH, {"fulltext": "printer"})) == {printer.number}
    assert numbers(
        client.get(SEARCH, {"fulltext": "printer OR bounces", "priority": "medium"})
    ) == {printer.number}
    row = client.get(SEARCH, {"title": "print"}).json()["results"][0]
    assert row["number"] == printer.number and row["state"] == "new"


def test_japanese_full_text(queue, ro_agent):
    ticket = TicketFactory(queue=queue, title="障害", body="会議室のプリンターに接続できません。")
    TicketFactory(queue=queue, title="別件", body="メールが届きません。")
    assert numbers(client_for(ro_agent).get(SEARCH, {"fulltext": "接続"})) == {ticket.number}
    assert numbers(client_for(ro_agent).get(SEARCH, {"fulltext": "プリンタ"})) == {ticket.number}


def test_bad_full_text_answers_400_with_the_message(ro_agent):
    response = client_for(ro_agent).get(SEARCH, {"fulltext": '"unclosed'})
    assert response.status_code == 400
    assert list(response.json()) == ["fulltext"]
    assert "quotation mark" in response.json()["fulltext"][0]


def test_bad_attributes_answer_400(ro_agent):
    response = client_for(ro_agent).get(SEARCH, {"state": "bogus", "created_within": "-1"})
    assert response.status_code == 400
    assert set(response.json()) == {"state", "created_within"}


def test_relative_times_and_dynamic_fields(queue, ro_agent):
    DynamicField.objects.create(
        object_type="ticket", name="impact", label="Impact", field_type="integer"
    )
    recent = TicketFactory(queue=queue, title="recent")
    old = TicketFactory(queue=queue, title="old")
    now = timezone.now()
    Ticket.objects.filter(pk=recent.pk).update(created_at=now - datetime.timedelta(hours=1))
    Ticket.objects.filter(pk=old.pk).update(
        created_at=now - datetime.timedelta(days=10), extra={"impact": 4}
    )
    client = client_for(ro_agent)
    with mock.patch("django.utils.timezone.now", return_value=now):
        within = client.get(SEARCH, {"created_within": 2, "created_within_unit": "hours"})
        older = client.get(SEARCH, {"created_older_than": 1, "created_older_than_unit": "weeks"})
    assert numbers(within) == {recent.number}
    assert numbers(older) == {old.number}
    assert numbers(client.get(SEARCH, {"extra__impact__from": 3})) == {old.number}


def test_only_tickets_of_queues_with_ro_are_found(queue, ro_agent):
    TicketFactory(queue=QueueFactory(), title="Secret printer", body="printer")
    mine = TicketFactory(queue=queue, title="My printer", body="printer")
    assert numbers(client_for(ro_agent).get(SEARCH, {"fulltext": "printer"})) == {mine.number}
    stranger = client_for(agent_with(QueueFactory(), "ro"))
    assert numbers(stranger.get(SEARCH, {"fulltext": "printer"})) == set()
    assert APIClient().get(SEARCH).status_code == 401


def test_results_stop_at_the_search_limit(queue, ro_agent, settings):
    settings.OPSDESK_TICKET_SEARCH_LIMIT = 3
    for index in range(5):
        TicketFactory(queue=queue, title=f"t{index}")
    client = client_for(ro_agent)
    first = client.get(SEARCH, {"limit": 2}).json()
    assert first["count"] == 3 and len(first["results"]) == 2
    second = client.get(SEARCH, {"limit": 2, "offset": 2}).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert client.get(SEARCH, {"offset": 3}).json()["results"] == []


@pytest.mark.parametrize("rows", [2, 20])
def test_a_page_needs_the_same_queries_for_2_and_20_tickets(
    queue, ro_agent, rows, django_assert_max_num_queries
):
    for index in range(rows):
        TicketFactory(queue=queue, title=f"VPN {index}", body="vpn")
    client = client_for(ro_agent)
    # the caller's grants (2), the full text's ticket ids, count, tickets; on PostgreSQL the
    # time limit (savepoint, limit, release)
    from .test_search_views import TIME_LIMIT_QUERIES

    with django_assert_max_num_queries(5 + TIME_LIMIT_QUERIES()):
        response = client.get(SEARCH, {"fulltext": "vpn", "title": "VPN"})
    assert len(response.json()["results"]) == rows


def test_the_schema_describes_the_search(admin_client):
    paths = admin_client.get("/api/schema/", {"format": "json"}).json()["paths"]
    parameters = {item["name"] for item in paths["/api/v1/ticket-search/"]["get"]["parameters"]}
    assert {"fulltext", "title", "state", "owner", "created_within", "closed_after"} <= parameters


def test_a_search_running_too_long_answers_503(queue, ro_agent, settings, monkeypatch):
    from django.db import connection

    from opsdesk.tickets import search_api

    if connection.vendor != "postgresql":
        pytest.skip("statement timeouts are a PostgreSQL feature (SQLite runs unbounded)")
    settings.OPSDESK_TICKET_SEARCH_TIMEOUT = 0.05
    TicketFactory(queue=queue, title="Slow")
    slow = search_api.TicketSearchViewSet.get_queryset
    monkeypatch.setattr(
        search_api.TicketSearchViewSet,
        "get_queryset",
        lambda self: slow(self).extra(where=["(SELECT 1 FROM pg_sleep(0.3)) = 1"]),
    )
    response = client_for(ro_agent).get(SEARCH, {"title": "slow"})
    assert response.status_code == 503
    assert "took too long" in response.json()["detail"]
