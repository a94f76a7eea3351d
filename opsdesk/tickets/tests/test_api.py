"""The tickets REST API: tickets, articles, attachments and master data under /api/v1/."""

import base64
import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from opsdesk.accounts.services import create_api_token
from opsdesk.core.models import DynamicField
from opsdesk.customers.tests.factories import CustomerCompanyFactory, CustomerUserFactory
from opsdesk.tickets import services
from opsdesk.tickets.models import Article, Attachment, Ticket, TicketHistory

from .factories import QueueFactory, TicketFactory, agent_with, grant, priority, state, ticket_type

pytestmark = pytest.mark.django_db

TICKETS = reverse("api-v1:ticket-list")


def ticket_url(ticket) -> str:
    return reverse("api-v1:ticket-detail", args=[ticket.number])


def articles_url(ticket) -> str:
    return reverse("api-v1:ticket-article-list", args=[ticket.number])


def client_for(agent):
    client = APIClient()
    if agent is not None:
        client.force_authenticate(agent)
    return client


def token_client(agent):
    """A client that signs every request with a personal API token, as scripts do."""
    _, raw = create_api_token(agent=agent, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Attachments and sources go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


@pytest.fixture
def ticket(queue):
    return TicketFactory(queue=queue, title="Printer on floor 3 does not print")


@pytest.fixture
def other_queue(db):
    return QueueFactory(name="Elsewhere")


# Reading --------------------------------------------------------------------------------------


def test_the_list_shows_only_tickets_of_queues_the_agent_may_see(ro_agent, queue, other_queue):
    mine = TicketFactory(queue=queue, title="VPN drops every hour")
    TicketFactory(queue=other_queue, title="Secret merger")

    response = client_for(ro_agent).get(TICKETS)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["number"] == mine.number
    assert row["title"] == "VPN drops every hour"
    assert row["queue"] == queue.pk
    assert row["queue_name"] == queue.full_name
    assert row["state"] == "new"
    assert row["priority"] == "medium"
    assert row["type"] == "unclassified"
    assert row["owner"] is None
    assert row["url"].endswith(f"/api/v1/tickets/{mine.number}/")
    assert "articles" not in row


def test_a_ticket_without_ro_is_not_found(plain_agent, ticket, queue):
    note_only = agent_with(queue, "note")  # note without ro does not show the ticket

    for agent in (plain_agent, note_only):
        client = client_for(agent)
        assert client.get(ticket_url(ticket)).status_code == 404
        assert client.get(TICKETS).json()["count"] == 0
        assert client.get(articles_url(ticket)).status_code == 404
        assert client.patch(ticket_url(ticket), {"title": "x"}, format="json").status_code == 404


def test_a_ticket_shows_its_articles_marked_internal_or_visible(ro_agent, rw_agent, ticket):
    services.add_note(ticket, actor=rw_agent, subject="Checked", body="Toner is empty.")

    response = client_for(ro_agent).get(ticket_url(ticket))

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == ticket.number
    assert [(a["channel"], a["internal"]) for a in body["articles"]] == [
        ("phone", False),
        ("internal", True),
    ]
    assert body["articles"][1]["body"] == "Toner is empty."
    assert body["articles"][1]["created_by"] == "rw-agent"
    assert body["articles"][1]["is_visible_for_customer"] is False
    assert body["allowed_actions"] == ["view", "watch"]
    listed = client_for(ro_agent).get(articles_url(ticket)).json()
    assert [a["internal"] for a in listed["results"]] == [False, True]


def test_attachments_are_listed_with_a_download_url(ro_agent, queue, media):
    upload = services.AttachmentUpload("error.log", b"E-42 at 09:00\n", "text/plain")
    ticket = TicketFactory(queue=queue, attachments=[upload])
    client = client_for(ro_agent)

    article = client.get(ticket_url(ticket)).json()["articles"][0]
    attachment = article["attachments"][0]
    assert attachment["filename"] == "error.log"
    assert attachment["size"] == 14
    assert attachment["content_type"] == "text/plain"

    download = client.get(attachment["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "text/plain"
    assert "error.log" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == b"E-42 at 09:00\n"
    metadata = client.get(reverse("api-v1:attachment-detail", args=[attachment["id"]]))
    assert metadata.json()["filename"] == "error.log"
    # Without ro on the ticket's queue, the file does not exist.
    stranger = client_for(agent_with(QueueFactory(), "rw"))
    assert stranger.get(attachment["download_url"]).status_code == 404
    assert stranger.get(reverse("api-v1:article-detail", args=[article["id"]])).status_code == 404


def test_the_list_needs_the_same_queries_for_1_and_30_tickets(
    queue, ro_agent, django_assert_max_num_queries
):
    owner = agent_with(queue, "rw")
    customer = CustomerUserFactory()

    def add_tickets(count):
        for _ in range(count):
            created = TicketFactory(queue=queue, customer_user=customer)
            services.set_owner(created, actor=None, owner=owner, actor_label="test")

    client = token_client(ro_agent)
    add_tickets(1)
    assert client.get(TICKETS).status_code == 200  # the first use of a token records it
    with CaptureQueriesContext(connection) as one:
        assert client.get(TICKETS).json()["count"] == 1
    add_tickets(29)
    # token, the caller's grants (direct, via roles), count, tickets
    with django_assert_max_num_queries(5) as many:
        response = client.get(TICKETS, {"limit": 50})
    assert len(response.json()["results"]) == 30
    assert len(many.captured_queries) == len(one.captured_queries)
    assert response.json()["results"][0]["customer_id"] == customer.company.customer_id


def test_a_ticket_with_many_articles_is_shown_in_constant_queries(
    ticket, rw_agent, ro_agent, django_assert_max_num_queries
):
    for index in range(20):
        upload = services.AttachmentUpload(f"shot-{index}.png", b"png", "image/png")
        services.add_note(ticket, actor=rw_agent, subject="n", body="b", attachments=[upload])

    # the caller's grants (2), ticket, articles, attachments
    with django_assert_max_num_queries(5):
        response = client_for(ro_agent).get(ticket_url(ticket))
    assert len(response.json()["articles"]) == 21


def test_a_token_authenticates_and_a_bad_one_does_not(ro_agent, ticket):
    assert token_client(ro_agent).get(ticket_url(ticket)).status_code == 200
    assert APIClient().get(TICKETS).status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert bad.get(TICKETS).status_code == 401


# Filters --------------------------------------------------------------------------------------


def numbers(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["results"]}


def test_the_list_filters_by_attributes(queue, rw_agent):
    acme = CustomerCompanyFactory(customer_id="ACME")
    jdoe = CustomerUserFactory(login="jdoe", company=acme)
    printer = TicketFactory(queue=queue, title="Printer jam", customer_user=jdoe)
    vpn = TicketFactory(
        queue=queue, title="VPN down", state=state("open"), priority=priority("high")
    )
    change = TicketFactory(
        queue=queue, title="New firewall", ticket_type=ticket_type("rfc::normal")
    )
    services.lock_ticket(vpn, actor=rw_agent)
    client = client_for(rw_agent)

    assert numbers(client.get(TICKETS, {"q": "printer"})) == {printer.number}
    assert numbers(client.get(TICKETS, {"q": vpn.number[-4:]})) >= {vpn.number}
    assert numbers(client.get(TICKETS, {"number": vpn.number})) == {vpn.number}
    assert numbers(client.get(TICKETS, {"number": vpn.number[:8] + "*"})) == {
        printer.number,
        vpn.number,
        change.number,
    }
    assert numbers(client.get(TICKETS, {"state": "open"})) == {vpn.number}
    assert numbers(client.get(TICKETS, {"state": "open,new"})) == {
        printer.number,
        vpn.number,
        change.number,
    }
    assert numbers(client.get(f"{TICKETS}?state=open&state=closed")) == {vpn.number}
    assert numbers(client.get(TICKETS, {"state_type": "open"})) == {vpn.number}
    assert numbers(client.get(TICKETS, {"priority": "high"})) == {vpn.number}
    assert numbers(client.get(TICKETS, {"type": "rfc::normal"})) == {change.number}
    assert numbers(client.get(TICKETS, {"owner": "RW-AGENT"})) == {vpn.number}
    assert numbers(client.get(TICKETS, {"locked": "true"})) == {vpn.number}
    assert numbers(client.get(TICKETS, {"customer_id": "acme"})) == {printer.number}
    assert numbers(client.get(TICKETS, {"customer_user": "jdoe"})) == {printer.number}
    assert numbers(client.get(TICKETS, {"queue": queue.pk})) == {
        printer.number,
        vpn.number,
        change.number,
    }
    future = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    assert numbers(client.get(TICKETS, {"created_after": future})) == set()
    assert len(numbers(client.get(TICKETS, {"created_before": future}))) == 3
    assert len(numbers(client.get(TICKETS, {"changed_before": future}))) == 3


def test_an_unknown_name_in_a_filter_is_refused(rw_agent):
    response = client_for(rw_agent).get(TICKETS, {"state": "open,bogus"})

    assert response.status_code == 400
    assert response.json() == {"state": ["There is no state “bogus”."]}


# Creating -------------------------------------------------------------------------------------


@pytest.fixture
def creator(queue):
    """An agent who may create tickets in the queue and see them."""
    return agent_with(queue, "ro", "create", login="creator")


def new_ticket(queue, **changes) -> dict:
    data = {
        "title": "Mail server rejects attachments",
        "queue": queue.pk,
        "customer_address": "mika@example.net",
        "priority": "high",
        "type": "incident",
        "state": "open",
        "article": {
            "subject": "Attachments bounce",
            "body": "Since this morning every mail with a PDF bounces.",
            "attachments": [
                {
                    "filename": "bounce.txt",
                    "content_type": "text/plain",
                    "content_base64": b64(b"550 5.7.1 message rejected"),
                }
            ],
        },
    }
    data.update(changes)
    return data


def test_a_ticket_is_created_with_its_first_article_and_attachment(creator, queue, media):
    response = client_for(creator).post(TICKETS, new_ticket(queue), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get(number=body["number"])
    assert response["Location"].endswith(f"/api/v1/tickets/{ticket.number}/")
    assert (body["state"], body["priority"], body["type"]) == ("open", "high", "incident")
    assert body["owner"] == "creator"
    assert body["customer_address"] == "mika@example.net"
    (article,) = body["articles"]
    assert article["channel"] == "phone"
    assert article["sender_type"] == "customer"
    assert article["from_address"] == "mika@example.net"
    assert article["internal"] is False
    assert article["subject"] == "Attachments bounce"
    (attachment,) = article["attachments"]
    assert attachment["filename"] == "bounce.txt"
    download = client_for(creator).get(attachment["download_url"])
    assert b"".join(download.streaming_content) == b"550 5.7.1 message rejected"
    assert TicketHistory.objects.filter(ticket=ticket, history_type="NewTicket").exists()


def test_a_ticket_is_created_for_a_customer_user_given_by_login(creator, queue):
    acme = CustomerCompanyFactory(customer_id="ACME")
    CustomerUserFactory(login="jdoe", company=acme, first_name="Jane", last_name="Doe")
    data = new_ticket(queue, customer_user="JDoe", customer_address="")
    data["article"] = {"channel": "email", "sender_type": "customer", "body": "Help"}

    response = client_for(creator).post(TICKETS, data, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["customer_user"], body["customer_id"]) == ("jdoe", "ACME")
    assert body["articles"][0]["channel"] == "email"
    assert "jdoe@customer.example.com" in body["articles"][0]["from_address"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"state": "bogus"}, "state"),
        ({"priority": "urgent"}, "priority"),
        ({"type": "rfc::normal", "state": "open"}, "state"),  # rfc starts in new only
        ({"owner": "nobody-here"}, "owner"),
        ({"title": ""}, "title"),
        ({"customer_user": "ghost"}, "customer_user"),
        ({"extra": {"no_such_field": "x"}}, "extra"),
        ({"state": "pending"}, "pending_until"),
    ],
)
def test_bad_input_creates_nothing(creator, queue, changes, field):
    response = client_for(creator).post(TICKETS, new_ticket(queue, **changes), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Ticket.objects.exists()


def test_bad_article_input_is_reported_under_article(creator, queue):
    data = new_ticket(queue)
    data["article"]["attachments"][0]["content_base64"] = "not base64!"

    response = client_for(creator).post(TICKETS, data, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "article": {"attachments": {"0": {"content_base64": ["This is not valid base64."]}}}
    }
    assert not Ticket.objects.exists()


def test_an_attachment_over_the_limit_is_refused_and_nothing_is_stored(
    creator, queue, settings, media
):
    settings.OPSDESK_ATTACHMENT_MAX_SIZE = 10

    response = client_for(creator).post(TICKETS, new_ticket(queue), format="json")

    assert response.status_code == 400
    (message,) = response.json()["article"]["attachments"]
    assert "bounce.txt" in message
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_an_attachment_larger_than_a_form_upload_is_accepted(creator, queue, settings):
    # Django keeps form posts under 2.5 MB in memory; the API's JSON is not limited by that.
    assert settings.OPSDESK_ATTACHMENT_MAX_SIZE > 3 * 1024 * 1024
    data = new_ticket(queue)
    data["article"]["attachments"][0]["content_base64"] = b64(b"x" * (3 * 1024 * 1024))

    response = client_for(creator).post(TICKETS, data, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["articles"][0]["attachments"][0]["size"] == 3 * 1024 * 1024


def test_a_request_larger_than_any_attachment_may_be_is_refused(creator, queue, settings):
    settings.OPSDESK_ATTACHMENT_MAX_SIZE = 1024
    data = new_ticket(queue)
    data["article"]["attachments"][0]["content_base64"] = b64(b"x" * (3 * 1024 * 1024))

    response = client_for(creator).post(TICKETS, data, format="json")

    assert response.status_code == 413
    assert response.json()["detail"].startswith("The request is larger than")
    assert not Ticket.objects.exists()


def test_a_body_that_is_not_json_is_refused(creator):
    response = client_for(creator).post(TICKETS, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_creating_needs_the_create_permission(ro_agent, queue):
    response = client_for(ro_agent).post(TICKETS, new_ticket(queue), format="json")

    assert response.status_code == 403
    assert "create tickets" in response.json()["detail"]
    assert not Ticket.objects.exists()


def test_dynamic_fields_are_checked_by_their_definitions(creator, queue, rw_agent):
    DynamicField.objects.create(
        object_type="ticket", name="asset_tag", label="Asset tag", field_type="text"
    )
    DynamicField.objects.create(
        object_type="ticket", name="impact", label="Impact", field_type="integer"
    )
    client = client_for(creator)

    bad = client.post(TICKETS, new_ticket(queue, extra={"impact": "huge"}), format="json")
    assert bad.status_code == 400
    assert list(bad.json()["extra"]) == ["impact"]

    good = client.post(TICKETS, new_ticket(queue, extra={"impact": 3}), format="json")
    assert good.status_code == 201, good.content
    assert good.json()["extra"] == {"impact": 3}

    ticket = Ticket.objects.get(number=good.json()["number"])
    changed = client_for(rw_agent).patch(
        ticket_url(ticket), {"extra": {"asset_tag": "PC-0042", "impact": None}}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["extra"] == {"asset_tag": "PC-0042"}
    assert TicketHistory.objects.filter(ticket=ticket, history_type="TicketDynamicFieldUpdate")


# Changing: the permission matrix ---------------------------------------------------------------


@pytest.fixture
def target_queue(queue):
    return QueueFactory(name="Network")


def change_for(case: str, target_queue, agent) -> dict:
    return {
        "state": {"state": "open"},
        "queue": {"queue": target_queue.pk},
        "owner": {"owner": agent.login},
        "priority": {"priority": "high"},
        "title": {"title": "Printer replaced"},
        "lock": {"locked": True},
    }[case]


# (permissions on the queue's group) -> the changes that are allowed; all others answer 403.
MATRIX = {
    ("ro",): set(),
    ("ro", "note"): set(),
    ("ro", "move_into"): {"queue"},
    ("ro", "owner"): {"owner"},
    ("ro", "priority"): {"priority"},
    ("rw",): {"state", "queue", "owner", "priority", "title", "lock"},
}
CHANGES = ["state", "queue", "owner", "priority", "title", "lock"]


@pytest.mark.parametrize("permissions", list(MATRIX), ids="+".join)
@pytest.mark.parametrize("case", CHANGES)
def test_each_change_needs_its_permission(queue, target_queue, permissions, case):
    agent = agent_with(queue, *permissions)
    grant(agent, target_queue.group, "move_into")
    ticket = TicketFactory(queue=queue)
    before = TicketHistory.objects.filter(ticket=ticket).count()

    response = client_for(agent).patch(
        ticket_url(ticket), change_for(case, target_queue, agent), format="json"
    )

    if case in MATRIX[permissions]:
        assert response.status_code == 200, response.content
        assert TicketHistory.objects.filter(ticket=ticket).count() > before
    else:
        assert response.status_code == 403, response.content
        assert response.json()["detail"].startswith("You may not")
        assert TicketHistory.objects.filter(ticket=ticket).count() == before


@pytest.mark.parametrize("permissions", list(MATRIX), ids="+".join)
def test_adding_articles_needs_note_or_rw(queue, permissions):
    agent = agent_with(queue, *permissions)
    ticket = TicketFactory(queue=queue)
    client = client_for(agent)
    may_note = "note" in permissions or "rw" in permissions

    note = client.post(
        articles_url(ticket), {"channel": "internal", "body": "Called back."}, format="json"
    )
    phone = client.post(
        articles_url(ticket), {"channel": "phone", "body": "Customer called."}, format="json"
    )

    assert note.status_code == (201 if may_note else 403)
    assert phone.status_code == (201 if "rw" in permissions else 403)
    channels = list(ticket.articles.values_list("channel", flat=True))
    assert channels == ["phone"] + (["internal"] if may_note else []) + (
        ["phone"] if "rw" in permissions else []
    )


def test_a_change_by_rw_is_shown_in_the_answer(rw_agent, ticket, target_queue):
    # The ticket's attributes change where it is, then it moves: move_into suffices there.
    grant(rw_agent, target_queue.group, "move_into", "ro")

    response = client_for(rw_agent).patch(
        ticket_url(ticket),
        {
            "title": "Printer replaced",
            "queue": target_queue.pk,
            "state": "open",
            "priority": "very_high",
            "type": "incident",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == "Printer replaced"
    assert (body["queue"], body["queue_name"]) == (target_queue.pk, "Network")
    assert (body["state"], body["priority"], body["type"]) == ("open", "very_high", "incident")
    ticket.refresh_from_db()
    assert ticket.queue == target_queue
    history = set(
        TicketHistory.objects.filter(ticket=ticket).values_list("history_type", flat=True)
    )
    assert {"TitleUpdate", "Move", "StateUpdate", "PriorityUpdate", "TypeUpdate"} <= history


def test_a_moved_ticket_gets_an_owner_of_its_new_queue(rw_agent, ticket, target_queue):
    grant(rw_agent, target_queue.group, "rw")
    network_agent = agent_with(target_queue, "owner", login="net-agent")

    response = client_for(rw_agent).patch(
        ticket_url(ticket),
        {"queue": target_queue.pk, "owner": "net-agent", "responsible": "rw-agent"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert (response.json()["owner"], response.json()["responsible"]) == ("net-agent", "rw-agent")
    assert Ticket.objects.get(pk=ticket.pk).owner == network_agent


def test_an_owner_who_may_not_own_tickets_of_the_queue_is_refused(rw_agent, ticket, target_queue):
    agent_with(target_queue, "owner", login="net-agent")

    response = client_for(rw_agent).patch(ticket_url(ticket), {"owner": "net-agent"}, format="json")

    assert response.status_code == 400
    assert "may not own tickets" in response.json()["owner"][0]


def test_a_transition_the_workflow_refuses_answers_400_and_changes_nothing(rw_agent, queue):
    ticket = TicketFactory(queue=queue, ticket_type=ticket_type("rfc::normal"))
    before = TicketHistory.objects.filter(ticket=ticket).count()

    response = client_for(rw_agent).patch(
        ticket_url(ticket), {"priority": "very_high", "state": "completed"}, format="json"
    )

    assert response.status_code == 400
    (message,) = response.json()["state"]
    assert "cannot go from “New” to “Completed”" in message
    assert "Awaiting approval" in message  # the allowed next states are named
    ticket.refresh_from_db()
    assert (ticket.state.name, ticket.priority.name) == ("new", "medium")
    assert TicketHistory.objects.filter(ticket=ticket).count() == before


def test_a_refused_permission_late_in_the_request_undoes_the_earlier_changes(queue):
    agent = agent_with(queue, "ro", "priority", "owner")
    ticket = TicketFactory(queue=queue)

    response = client_for(agent).patch(
        ticket_url(ticket), {"priority": "high", "state": "open"}, format="json"
    )

    assert response.status_code == 403
    ticket.refresh_from_db()
    assert (ticket.state.name, ticket.priority.name) == ("new", "medium")


def test_unchanged_values_need_no_permission(ro_agent, ticket):
    response = client_for(ro_agent).patch(
        ticket_url(ticket),
        {"state": "new", "priority": "medium", "queue": ticket.queue_id},
        format="json",
    )

    assert response.status_code == 200


def test_a_pending_state_needs_a_pending_time(rw_agent, ticket):
    client = client_for(rw_agent)

    missing = client.patch(ticket_url(ticket), {"state": "pending"}, format="json")
    assert missing.status_code == 400
    assert "pending_until" in missing.json()

    until = (timezone.now() + datetime.timedelta(days=2)).replace(microsecond=0)
    response = client.patch(
        ticket_url(ticket), {"state": "pending", "pending_until": until.isoformat()}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "pending"
    later = until + datetime.timedelta(days=1)
    moved = client.patch(ticket_url(ticket), {"pending_until": later.isoformat()}, format="json")
    assert moved.status_code == 200
    ticket.refresh_from_db()
    assert ticket.pending_until == later


def test_locking_gives_the_ticket_to_the_caller_and_unlocking_frees_it(rw_agent, ticket):
    client = client_for(rw_agent)

    locked = client.patch(ticket_url(ticket), {"locked": True}, format="json")
    assert locked.status_code == 200
    assert (locked.json()["locked"], locked.json()["owner"]) == (True, "rw-agent")

    other = agent_with(ticket.queue, "rw")
    refused = client_for(other).patch(ticket_url(ticket), {"locked": True}, format="json")
    assert refused.status_code == 400
    assert "already locked" in refused.json()["locked"][0]

    unlocked = client.patch(ticket_url(ticket), {"locked": False}, format="json")
    assert unlocked.json()["locked"] is False


def test_the_customer_is_changed_by_login_and_customer_id(rw_agent, ticket):
    acme = CustomerCompanyFactory(customer_id="ACME")
    beta = CustomerCompanyFactory(customer_id="BETA")
    jdoe = CustomerUserFactory(login="jdoe", company=acme)
    jdoe.additional_companies.add(beta)
    client = client_for(rw_agent)

    user = client.patch(ticket_url(ticket), {"customer_user": "jdoe"}, format="json")
    assert (user.json()["customer_user"], user.json()["customer_id"]) == ("jdoe", "ACME")
    company = client.patch(ticket_url(ticket), {"customer_id": "beta"}, format="json")
    assert (company.json()["customer_user"], company.json()["customer_id"]) == ("jdoe", "BETA")
    foreign = client.patch(
        ticket_url(ticket), {"customer_id": CustomerCompanyFactory().customer_id}, format="json"
    )
    assert foreign.status_code == 400
    assert "customer_id" in foreign.json()


def test_there_is_no_put_and_no_delete(rw_agent, ticket):
    client = client_for(rw_agent)

    assert client.put(ticket_url(ticket), {"title": "x"}, format="json").status_code == 405
    assert client.delete(ticket_url(ticket)).status_code == 405
    assert Ticket.objects.filter(pk=ticket.pk).exists()


# Articles -------------------------------------------------------------------------------------


def test_a_note_with_a_next_state_and_time_units(rw_agent, ticket):
    response = client_for(rw_agent).post(
        articles_url(ticket),
        {
            "channel": "internal",
            "subject": "Diagnosis",
            "body_html": "<p>Fuser <b>broken</b><script>alert(1)</script></p>",
            "time_units": "15",
            "state": "open",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    article = response.json()
    assert article["internal"] is True
    assert article["time_units"] == "15.00"
    assert "<script>" not in article["body_html"]
    assert "Fuser broken" in article["body"]
    ticket.refresh_from_db()
    assert ticket.state.name == "open"


def test_an_article_attachment_over_the_limit_stores_nothing(rw_agent, ticket, settings, media):
    settings.OPSDESK_ATTACHMENT_MAX_SIZE = 10
    files_before = stored_files(media)

    response = client_for(rw_agent).post(
        articles_url(ticket),
        {
            "body": "Log attached.",
            "attachments": [{"filename": "big.log", "content_base64": b64(b"x" * 11)}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert "big.log" in response.json()["attachments"][0]
    assert ticket.articles.count() == 1
    assert stored_files(media) == files_before


def test_a_reply_is_sent_by_mail_threaded_and_kept_with_its_source(rw_agent, queue):
    ticket = TicketFactory(queue=queue, customer_address="mika@example.net")
    first = ticket.articles.get()
    Article.objects.filter(pk=first.pk).update(message_id="<first@example.net>")
    client = client_for(rw_agent)

    response = client.post(
        articles_url(ticket),
        {
            "send_email": True,
            "to": "mika@example.net",
            "cc": "boss@example.net",
            "body": "The printer is fixed.",
            "in_reply_to_article": first.pk,
            "attachments": [
                {
                    "filename": "report.pdf",
                    "content_type": "application/pdf",
                    "content_base64": b64(b"%PDF"),
                }
            ],
            "state": "closed",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    (sent,) = mail.outbox
    assert sent.to == ["mika@example.net"]
    assert sent.cc == ["boss@example.net"]
    assert f"Ticket#{ticket.number}" in sent.subject
    assert sent.subject.endswith("Re: " + ticket.title)
    assert sent.extra_headers["In-Reply-To"] == "<first@example.net>"
    assert sent.attachments[0][0] == "report.pdf"
    article = response.json()
    assert (article["channel"], article["internal"]) == ("email", False)
    source = client.get(article["source_url"], HTTP_ACCEPT="message/rfc822")
    assert source.status_code == 200
    assert source["Content-Type"] == "message/rfc822"
    assert b"The printer is fixed." in b"".join(source.streaming_content)
    ticket.refresh_from_db()
    assert ticket.state.name == "closed"


def test_a_mail_needs_a_recipient_and_an_article_of_the_ticket(rw_agent, ticket, queue):
    client = client_for(rw_agent)
    elsewhere = TicketFactory(queue=queue).articles.get()

    no_recipient = client.post(
        articles_url(ticket), {"send_email": True, "body": "Hello"}, format="json"
    )
    wrong_article = client.post(
        articles_url(ticket),
        {
            "send_email": True,
            "to": "a@example.net",
            "body": "Hi",
            "in_reply_to_article": elsewhere.pk,
        },
        format="json",
    )

    assert no_recipient.status_code == 400
    assert "to" in no_recipient.json()
    assert wrong_article.status_code == 400
    assert "in_reply_to_article" in wrong_article.json()
    assert mail.outbox == []
    assert ticket.articles.count() == 1


def test_an_article_without_a_source_has_none_to_download(ro_agent, ticket):
    article = ticket.articles.get()
    client = client_for(ro_agent)

    assert (
        client.get(reverse("api-v1:article-detail", args=[article.pk])).json()["source_url"] is None
    )
    missing = client.get(reverse("api-v1:article-source", args=[article.pk]))
    assert missing.status_code == 404
    assert missing.json()["detail"] == "This article has no original message."


# Master data ----------------------------------------------------------------------------------


def test_queues_lists_the_queues_the_agent_may_see_with_permissions(queue, other_queue):
    agent = agent_with(queue, "ro", "note")

    response = client_for(agent).get(reverse("api-v1:queue-list"))

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert (row["id"], row["full_name"], row["permissions"]) == (
        queue.pk,
        queue.full_name,
        ["note", "ro"],
    )
    other = reverse("api-v1:queue-detail", args=[other_queue.pk])
    assert client_for(agent).get(other).status_code == 404


def test_any_agent_reads_states_priorities_and_types(plain_agent):
    client = client_for(plain_agent)

    states = client.get(reverse("api-v1:ticket-state-list"), {"limit": 100}).json()["results"]
    assert {"in_progress", "pending", "closed_with_backout"} <= {row["name"] for row in states}
    medium = client.get(reverse("api-v1:priority-detail", args=["medium"])).json()
    assert (medium["level"], medium["is_default"]) == (3, True)
    rfc = client.get(reverse("api-v1:ticket-type-detail", args=["rfc::normal"])).json()
    assert rfc["initial_states"] == ["new"]
    assert "awaiting_approval" in rfc["states"]
    assert {"from_state": "new", "to_state": "awaiting_approval"} in rfc["transitions"]
    assert {"from_state": "new", "to_state": "completed"} not in rfc["transitions"]
    types = client.get(reverse("api-v1:ticket-type-list"), {"limit": 100}).json()["results"]
    assert "incident" in {row["name"] for row in types}
    assert APIClient().get(reverse("api-v1:priority-list")).status_code == 401


def test_the_schema_describes_the_ticket_endpoints(admin_client):
    paths = admin_client.get("/api/schema/", {"format": "json"}).json()["paths"]

    for path in (
        "/api/v1/tickets/",
        "/api/v1/tickets/{number}/",
        "/api/v1/tickets/{ticket_number}/articles/",
        "/api/v1/articles/{id}/source/",
        "/api/v1/attachments/{id}/download/",
        "/api/v1/ticket-types/",
    ):
        assert path in paths
    assert set(paths["/api/v1/tickets/{number}/"]) == {"get", "patch"}
