"""The ticket zoom's action dialogs (opsdesk/tickets/action_views.py): permissions (the matrix of
ro / note / move_into / owner / priority / rw), each action's main path and its history row,
the workflow refusing a state change, reply mail headers, and the attachment size limit."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from opsdesk.accounts.tests.factories import AgentFactory
from opsdesk.core.models import DynamicField
from opsdesk.customers.tests.factories import CustomerCompanyFactory, CustomerUserFactory
from opsdesk.tickets import services
from opsdesk.tickets.choices import Channel, HistoryType, SenderType, TemplateType
from opsdesk.tickets.models import Article, Attachment, Ticket, TicketHistory, TimeAccounting

from .factories import (
    QueueFactory,
    StandardTemplateFactory,
    SystemAddressFactory,
    TicketFactory,
    agent_with,
    grant,
    priority,
    state,
    ticket_type,
)

FORM_ACTIONS = (
    "owner", "responsible", "note", "phone", "reply", "forward", "email", "close", "pending",
    "state", "priority", "move", "customer", "attributes", "dynamic_fields", "time",
)  # fmt: skip
POST_ONLY_ACTIONS = ("lock", "unlock", "watch", "unwatch")
ALL_ACTIONS = (*POST_ONLY_ACTIONS, *FORM_ACTIONS, "print")
READ_ACTIONS = {"watch", "unwatch", "print"}  # what seeing the ticket (ro) allows


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def other_queue(db):
    return QueueFactory(name="Second level")


def url(action: str, ticket: Ticket, query: str = "") -> str:
    return reverse(f"tickets:{action}", args=[ticket.pk]) + (f"?{query}" if query else "")


def local_input(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def valid_data(action: str, ticket: Ticket, agent, context: dict) -> dict:
    """Form data that the action accepts for ``ticket`` (new, unclassified) done by ``agent``."""
    in_two_days = local_input(timezone.now() + datetime.timedelta(days=2))
    return {
        "owner": {"owner": agent.pk},
        "responsible": {"responsible": agent.pk},
        "note": {"subject": "Checked", "body": "Printer restarted."},
        "phone": {"direction": "inbound", "body": "The customer called back."},
        "reply": {"to": "someone@customer.example", "subject": "Re: x", "body": "Hello"},
        "forward": {"to": "vendor@example.org", "subject": "Fwd: x", "body": "FYI"},
        "email": {"to": "someone@customer.example", "subject": "News", "body": "Hello"},
        "close": {"state": state("closed").pk},
        "pending": {"state": state("pending").pk, "pending_until": in_two_days},
        "state": {"state": state("open").pk},
        "priority": {"priority": priority("high").pk},
        "move": {"queue": context["other_queue"].pk},
        "customer": {"customer": "new-requester@example.org"},
        "attributes": {"title": "Printer replaced", "ticket_type": ticket_type("incident").pk},
        "dynamic_fields": {},
        "time": {"time_units": "15"},
    }.get(action, {})


ROLES = {
    "ro": (("ro",), READ_ACTIONS),
    "note": (("ro", "note"), READ_ACTIONS | {"note"}),
    "move_into": (("ro", "move_into"), READ_ACTIONS | {"move"}),
    "owner": (("ro", "owner"), READ_ACTIONS | {"owner"}),
    "priority": (("ro", "priority"), READ_ACTIONS | {"priority"}),
    "rw": (("rw",), set(ALL_ACTIONS)),
}


# Permissions -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(ROLES))
def test_permission_matrix(client, queue, other_queue, role):
    """ro sees but cannot change (except watching and printing); note may add notes only;
    move_into may move; owner may change the owner; priority the priority; rw everything."""
    permissions, allowed = ROLES[role]
    agent = agent_with(queue, *permissions, login=f"agent-{role}")
    grant(agent, other_queue.group, "move_into")  # a queue to move into
    client.force_login(agent)
    context = {"other_queue": other_queue}
    for action in ALL_ACTIONS:
        ticket = TicketFactory(queue=queue)
        got = client.get(url(action, ticket))
        if action not in allowed:
            expected = 403
        elif action in POST_ONLY_ACTIONS:
            expected = 405
        else:
            expected = 200
        assert got.status_code == expected, f"{role} GET {action}"

        before = TicketHistory.objects.filter(ticket=ticket).count()
        posted = client.post(url(action, ticket), valid_data(action, ticket, agent, context))
        if action not in allowed:
            assert posted.status_code == 403, f"{role} POST {action}"
            assert TicketHistory.objects.filter(ticket=ticket).count() == before
        elif action == "print":
            assert posted.status_code == 405
        else:
            errors = posted.context["form"].errors if posted.context else None
            assert posted.status_code == 302, f"{role} POST {action}: {errors}"


def test_read_only_agent_sees_the_zoom_but_gets_403_for_changes(client, queue, ro_agent):
    ticket = TicketFactory(queue=queue)
    client.force_login(ro_agent)
    assert client.get(reverse("tickets:zoom", args=[ticket.pk])).status_code == 200
    response = client.get(url("note", ticket))
    assert response.status_code == 403


def test_ticket_the_agent_cannot_see_is_404_for_every_action(client, queue):
    ticket = TicketFactory(queue=queue)
    # ``note`` without ``ro``: the agent may not even see the ticket.
    client.force_login(agent_with(queue, "note", login="note-only"))
    for action in ALL_ACTIONS:
        assert client.get(url(action, ticket)).status_code == 404, action
        assert client.post(url(action, ticket), {"body": "x"}).status_code == 404, action
    assert not Article.objects.filter(ticket=ticket, channel=Channel.INTERNAL).exists()


def test_anonymous_visitor_is_sent_to_sign_in(client, queue):
    ticket = TicketFactory(queue=queue)
    response = client.get(url("note", ticket))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_note_permission_offers_no_state_change(client, queue):
    agent = agent_with(queue, "ro", "note", login="noter")
    ticket = TicketFactory(queue=queue)
    client.force_login(agent)
    page = client.get(url("note", ticket)).content.decode()
    assert 'name="body"' in page
    assert 'name="next_state"' not in page
    # A crafted next state is ignored by the form (the field is not there), the note is added.
    response = client.post(url("note", ticket), {"body": "Seen.", "next_state": state("open").pk})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.state.name == "new"
    assert Article.objects.filter(ticket=ticket, channel=Channel.INTERNAL).count() == 1


def test_move_only_into_queues_where_the_agent_holds_move_into(client, queue, other_queue):
    agent = agent_with(queue, "ro", "move_into", login="mover")
    grant(agent, other_queue.group, "move_into")
    closed_queue = QueueFactory(name="Not for you")
    grant(agent, closed_queue.group, "ro")
    ticket = TicketFactory(queue=queue)
    client.force_login(agent)

    page = client.get(url("move", ticket)).content.decode()
    assert other_queue.full_name in page
    assert closed_queue.full_name not in page

    refused = client.post(url("move", ticket), {"queue": closed_queue.pk})
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    ticket.refresh_from_db()
    assert ticket.queue == queue

    moved = client.post(url("move", ticket), {"queue": other_queue.pk})
    ticket.refresh_from_db()
    assert ticket.queue == other_queue
    # The agent cannot see tickets of the new queue (move_into only): back to the dashboard.
    assert moved["Location"] == reverse("core:dashboard")
    assert TicketHistory.objects.filter(ticket=ticket, history_type=HistoryType.MOVE).count() == 1


# Each action's history row --------------------------------------------------------------------

EXPECTED_HISTORY = {
    "lock": {HistoryType.LOCK, HistoryType.OWNER_UPDATE},
    "unlock": {HistoryType.UNLOCK},
    "watch": {HistoryType.SUBSCRIBE},
    "unwatch": {HistoryType.UNSUBSCRIBE},
    "owner": {HistoryType.OWNER_UPDATE},
    "responsible": {HistoryType.RESPONSIBLE_UPDATE},
    "note": {HistoryType.ADD_NOTE},
    "phone": {HistoryType.PHONE_CALL_CUSTOMER},
    "reply": {HistoryType.SEND_ANSWER},
    "forward": {HistoryType.FORWARD},
    "email": {HistoryType.EMAIL_AGENT},
    "close": {HistoryType.STATE_UPDATE},
    "pending": {HistoryType.STATE_UPDATE, HistoryType.SET_PENDING_TIME},
    "state": {HistoryType.STATE_UPDATE},
    "priority": {HistoryType.PRIORITY_UPDATE},
    "move": {HistoryType.MOVE},
    "customer": {HistoryType.CUSTOMER_UPDATE},
    "attributes": {HistoryType.TITLE_UPDATE, HistoryType.TYPE_UPDATE},
    "dynamic_fields": {HistoryType.DYNAMIC_FIELD_UPDATE},
    "time": {HistoryType.TIME_ACCOUNTING},
}


@pytest.mark.parametrize("action", list(EXPECTED_HISTORY))
def test_each_action_writes_its_history_row(client, queue, other_queue, rw_agent, action):
    grant(rw_agent, other_queue.group, "rw")
    DynamicField.objects.create(
        object_type="ticket",
        name="impact_note",
        label="Impact note",
        field_type="text",
        screens={"ticket_edit": "shown"},
    )
    ticket = TicketFactory(queue=queue)
    if action == "unlock":
        services.lock_ticket(ticket, actor=rw_agent)
    if action == "unwatch":
        services.watch_ticket(ticket, actor=rw_agent)
    before = set(TicketHistory.objects.filter(ticket=ticket).values_list("pk", flat=True))
    data = valid_data(action, ticket, rw_agent, {"other_queue": other_queue})
    if action == "dynamic_fields":
        data = {"extra__impact_note": "Whole floor"}
    client.force_login(rw_agent)

    response = client.post(url(action, ticket), data)

    assert response.status_code == 302, response.content[:3000]
    assert response["Location"] == reverse("tickets:zoom", args=[ticket.pk])
    new_rows = TicketHistory.objects.filter(ticket=ticket).exclude(pk__in=before)
    assert EXPECTED_HISTORY[action] <= set(new_rows.values_list("history_type", flat=True))
    assert all(row.created_by == rw_agent for row in new_rows)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages, "a success message"


def test_outbound_phone_call_is_the_agents(client, queue, rw_agent):
    ticket = TicketFactory(queue=queue)
    client.force_login(rw_agent)
    page = client.get(url("phone", ticket, "direction=outbound")).content.decode()
    assert "Phone call to the customer" in page
    client.post(url("phone", ticket), {"direction": "outbound", "body": "Called back."})
    article = ticket.articles.order_by("-id").first()
    assert article.sender_type == SenderType.AGENT
    assert TicketHistory.objects.filter(
        ticket=ticket, history_type=HistoryType.PHONE_CALL_AGENT
    ).exists()


def test_note_is_internal_unless_ticked(client, queue, rw_agent):
    ticket = TicketFactory(queue=queue)
    client.force_login(rw_agent)
    page = client.get(url("note", ticket)).content.decode()
    assert 'name="is_visible_for_customer"' in page
    assert "checked" not in page.split('name="is_visible_for_customer"')[1].split(">")[0]
    client.post(url("note", ticket), {"body": "Internal only."})
    client.post(url("note", ticket), {"body": "For you.", "is_visible_for_customer": "on"})
    notes = list(ticket.articles.filter(channel=Channel.INTERNAL).order_by("id"))
    assert [note.is_visible_for_customer for note in notes] == [False, True]


def test_note_with_next_state_and_time_units(client, queue, rw_agent):
    ticket = TicketFactory(queue=queue)
    client.force_login(rw_agent)
    response = client.post(
        url("note", ticket),
        {"body": "Working on it.", "next_state": state("open").pk, "time_units": "12.5"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.state.name == "open"
    assert TimeAccounting.objects.get(ticket=ticket).units == 12.5


# Workflow --------------------------------------------------------------------------------------


def rfc_ticket(queue):
    return TicketFactory(queue=queue, ticket_type=ticket_type("rfc"), state=state("new"))


def test_state_change_not_allowed_by_the_workflow_is_refused_with_a_clear_message(
    client, queue, rw_agent
):
    ticket = rfc_ticket(queue)
    client.force_login(rw_agent)
    page = client.get(url("state", ticket)).content.decode()
    assert "Awaiting approval" in page
    assert f'value="{state("completed").pk}"' not in page  # not offered

    response = client.post(url("state", ticket), {"state": state("completed").pk})

    assert response.status_code == 200
    text = response.content.decode()
    assert "cannot go from “New” to “Completed”" in text
    assert "Allowed next states: Awaiting approval, Cancelled" in text
    ticket.refresh_from_db()
    assert ticket.state.name == "new"
    assert not TicketHistory.objects.filter(
        ticket=ticket, history_type=HistoryType.STATE_UPDATE
    ).exists()


def test_refused_state_change_keeps_the_note_too(client, queue, rw_agent):
    ticket = rfc_ticket(queue)
    client.force_login(rw_agent)
    response = client.post(
        url("state", ticket), {"state": state("completed").pk, "note_body": "Done!"}
    )
    assert response.status_code == 200
    assert not ticket.articles.filter(channel=Channel.INTERNAL).exists()


def test_close_is_refused_when_the_workflow_allows_no_closed_state(client, queue, rw_agent):
    ticket = rfc_ticket(queue)
    services.set_state(ticket, actor=None, state=state("awaiting_approval"), actor_label="t")
    services.set_state(
        ticket,
        actor=None,
        state=state("pending"),
        pending_until=timezone.now() + datetime.timedelta(days=1),
        actor_label="t",
    )
    client.force_login(rw_agent)

    page = client.get(url("close", ticket)).content.decode()
    assert "cannot be closed from “Pending”" in page
    assert 'data-testid="action-form"' not in page

    response = client.post(url("close", ticket), {"state": state("closed").pk})
    assert response.status_code == 200
    assert "cannot go from “Pending” to “Closed”" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.state.name == "pending"


def test_close_asks_for_the_dynamic_fields_of_the_close_screen(client, queue, rw_agent):
    DynamicField.objects.create(
        object_type="ticket",
        name="RootCause",
        label="Root cause",
        field_type="text",
        screens={"ticket_close": "required"},
    )
    DynamicField.objects.create(
        object_type="ticket", name="Internal", label="Only elsewhere", field_type="text"
    )
    ticket = TicketFactory(queue=queue, ticket_type=ticket_type("incident"))
    client.force_login(rw_agent)
    page = client.get(url("close", ticket)).content.decode()
    assert "Root cause" in page
    assert "Only elsewhere" not in page

    refused = client.post(url("close", ticket), {"state": state("closed").pk})
    assert refused.status_code == 200
    ticket.refresh_from_db()
    assert ticket.state.name == "new"

    client.post(
        url("close", ticket), {"state": state("closed").pk, "extra__RootCause": "Bad cable"}
    )
    ticket.refresh_from_db()
    assert ticket.state.name == "closed"
    assert ticket.extra == {"RootCause": "Bad cable"}
    assert ticket.history.filter(
        history_type=HistoryType.DYNAMIC_FIELD_UPDATE, field="RootCause", new_value="Bad cable"
    ).exists()


def test_close_offers_only_closed_states_and_adds_the_note(client, queue, rw_agent):
    ticket = TicketFactory(queue=queue, ticket_type=ticket_type("incident"))
    client.force_login(rw_agent)
    page = client.get(url("close", ticket)).content.decode()
    assert f'value="{state("closed").pk}"' in page
    assert f'value="{state("open").pk}"' not in page

    refused = client.post(url("close", ticket), {"state": state("open").pk})
    assert "Choose one of the closed states." in refused.content.decode()

    client.post(url("close", ticket), {"state": state("resolved").pk, "note_body": "Fixed."})
    ticket.refresh_from_db()
    assert ticket.state.name == "resolved"
    assert ticket.closed_at is not None
    assert ticket.articles.get(channel=Channel.INTERNAL).body == "Fixed."


def test_pending_needs_a_future_time(client, queue, rw_agent):
    ticket = TicketFactory(queue=queue)
    client.force_login(rw_agent)
    past = local_input(timezone.now() - datetime.timedelta(hours=1))
    response = client.post(
        url("pending", ticket), {"state": state("pending").pk, "pending_until": past}
    )
    assert response.status_code == 200
    assert "The pending time must be in the future." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.state.name == "new"


def test_attributes_offer_only_types_whose_workflow_has_the_current_state(client, queue, rw_agent):
    ticket = TicketFactory(queue=queue, ticket_type=ticket_type("incident"))
    services.set_state(ticket, actor=None, state=state("investigating"), actor_label="t")
    client.force_login(rw_agent)
    form = client.get(url("attributes", ticket)).context["form"]
    offered = {item.name for item in form.fields["ticket_type"].queryset}
    assert {"incident", "problem", "unclassified"} <= offered
    assert "rfc" not in offered and "request" not in offered


# Mail ------------------------------------------------------------------------------------------


@pytest.fixture
def mail_ticket(db):
    """A ticket of a queue with its own system address, with a customer's mail to answer."""
    queue = QueueFactory(system_address=SystemAddressFactory(email="support@opsdesk.example"))
    company = CustomerCompanyFactory()
    customer = CustomerUserFactory(
        first_name="Hanako", last_name="Yamada", email="hanako@customer.example", company=company
    )
    ticket = TicketFactory(queue=queue, customer_user=customer)
    customer_mail = services.add_article(
        ticket,
        services.ArticleDraft(
            channel=Channel.EMAIL,
            sender_type=SenderType.CUSTOMER,
            subject=f"Re: [Ticket#{ticket.number}] {ticket.title}",
            body="It still does not print.\nError E-42.",
            is_visible_for_customer=True,
            from_address="Hanako Yamada <hanako@customer.example>",
            to_addresses="Support <support@opsdesk.example>, colleague@customer.example",
            cc_addresses="boss@customer.example",
            message_id="<m2@customer.example>",
            references="<m1@opsdesk.example>",
        ),
        actor=None,
        actor_label="mail",
    )
    return ticket, customer_mail


def test_reply_mail_headers(client, mail_ticket):
    ticket, customer_mail = mail_ticket
    agent = agent_with(ticket.queue, "rw", login="replier", first_name="Taro", last_name="Sato")
    client.force_login(agent)

    page = client.get(url("reply", ticket, f"article={customer_mail.pk}"))
    assert page.status_code == 200
    initial = page.context["form"].initial
    assert initial["to"] == "Hanako Yamada <hanako@customer.example>"
    assert initial["subject"] == f"Re: {ticket.title}"
    assert "> It still does not print." in initial["body"]  # quoted (quote_on_reply)
    assert "Dear Hanako Yamada" in initial["body"]  # the queue's salutation

    response = client.post(
        url("reply", ticket, f"article={customer_mail.pk}"),
        {"to": initial["to"], "subject": initial["subject"], "body": "We replaced the toner."},
    )

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    message = sent.message()
    assert f"[Ticket#{ticket.number}]" in message["Subject"]
    assert sent.from_email == ticket.queue.system_address.formatted
    assert "support@opsdesk.example" in message["From"]
    assert sent.to == ["Hanako Yamada <hanako@customer.example>"]
    assert message["In-Reply-To"] == "<m2@customer.example>"
    assert message["References"] == "<m1@opsdesk.example> <m2@customer.example>"
    reply = ticket.articles.order_by("-id").first()
    assert reply.message_id == message["Message-ID"]
    assert reply.in_reply_to == "<m2@customer.example>"
    assert reply.sender_type == SenderType.AGENT
    assert TicketHistory.objects.filter(
        ticket=ticket, article=reply, history_type=HistoryType.SEND_ANSWER
    ).exists()


def test_reply_all_adds_the_other_recipients_but_not_our_address(client, mail_ticket):
    ticket, customer_mail = mail_ticket
    client.force_login(agent_with(ticket.queue, "rw"))
    initial = (
        client.get(url("reply", ticket, f"article={customer_mail.pk}&all=1"))
        .context["form"]
        .initial
    )
    assert initial["to"] == "Hanako Yamada <hanako@customer.example>, colleague@customer.example"
    assert initial["cc"] == "boss@customer.example"
    assert "support@opsdesk.example" not in initial["to"] + initial["cc"]


def test_reply_to_an_article_of_another_ticket_is_404(client, mail_ticket):
    ticket, _customer_mail = mail_ticket
    other = TicketFactory(queue=ticket.queue)
    client.force_login(agent_with(ticket.queue, "rw"))
    other_article = other.articles.get()
    assert client.get(url("reply", ticket, f"article={other_article.pk}")).status_code == 404


def test_reply_template_refreshes_the_body(client, mail_ticket):
    ticket, customer_mail = mail_ticket
    template = StandardTemplateFactory(
        template_type=TemplateType.ANSWER, text="Ticket {ticket_number} is being handled."
    )
    client.force_login(agent_with(ticket.queue, "rw"))
    response = client.get(
        url("reply", ticket, f"article={customer_mail.pk}&template={template.pk}"),
        HTTP_HX_REQUEST="true",
    )
    text = response.content.decode()
    assert text.startswith('<div id="body-field">')
    assert f"Ticket {ticket.number} is being handled." in text
    assert "Dear Hanako Yamada" in text
    assert "&gt; It still does not print." in text


def test_a_template_preselects_its_next_state(client, mail_ticket):
    ticket, customer_mail = mail_ticket
    template = StandardTemplateFactory(
        template_type=TemplateType.ANSWER, text="Solved.", next_state=state("closed")
    )
    client.force_login(agent_with(ticket.queue, "rw"))
    query = f"article={customer_mail.pk}&template={template.pk}"
    swapped = client.get(url("reply", ticket, query), HTTP_HX_REQUEST="true").content.decode()
    assert '<div id="next-state-field" hx-swap-oob="true">' in swapped
    assert f'<option value="{state("closed").pk}" selected>' in swapped

    page = client.get(url("reply", ticket, query)).content.decode()
    assert f'<option value="{state("closed").pk}" selected>' in page


def test_forward_re_attaches_chosen_files(client, mail_ticket):
    ticket, _customer_mail = mail_ticket
    with_file = services.add_note(
        ticket,
        actor=None,
        actor_label="t",
        subject="Log",
        body="See the log.",
        attachments=[services.AttachmentUpload("printer.log", b"E-42 at 09:00", "text/plain")],
    )
    client.force_login(agent_with(ticket.queue, "rw"))
    page = client.get(url("forward", ticket, f"article={with_file.pk}"))
    assert page.context["form"].initial["to"] == ""
    assert page.context["form"].initial["subject"] == "Fwd: Log"
    assert "printer.log" in page.content.decode()
    file_pk = str(with_file.attachments.get().pk)

    response = client.post(
        url("forward", ticket, f"article={with_file.pk}"),
        {
            "to": "vendor@example.org",
            "subject": "Fwd: Log",
            "body": "Please have a look.",
            "forward_attachments": [file_pk],
        },
    )

    assert response.status_code == 302
    sent = mail.outbox[0]
    assert sent.to == ["vendor@example.org"]
    assert [(name, content) for name, content, _type in sent.attachments] == [
        ("printer.log", "E-42 at 09:00")
    ]
    forwarded = ticket.articles.order_by("-id").first()
    assert [a.filename for a in forwarded.attachments.all()] == ["printer.log"]


def test_email_to_the_customer(client, mail_ticket):
    ticket, _customer_mail = mail_ticket
    client.force_login(agent_with(ticket.queue, "rw"))
    initial = client.get(url("email", ticket)).context["form"].initial
    assert initial["to"] == "Hanako Yamada <hanako@customer.example>"
    data = {**initial, "body": "Your new printer arrives tomorrow."}
    assert client.post(url("email", ticket), data).status_code == 302
    assert mail.outbox[0].to == ["Hanako Yamada <hanako@customer.example>"]
    assert "In-Reply-To" not in mail.outbox[0].extra_headers


def test_invalid_recipient_is_refused(client, mail_ticket):
    ticket, _customer_mail = mail_ticket
    client.force_login(agent_with(ticket.queue, "rw"))
    response = client.post(
        url("email", ticket), {"to": "not an address", "subject": "x", "body": "y"}
    )
    assert response.status_code == 200
    assert "Not a valid email address" in response.content.decode()
    assert mail.outbox == []


# Attachments -----------------------------------------------------------------------------------


def test_attachment_over_the_limit_is_refused_and_nothing_is_stored(
    client, queue, rw_agent, settings
):
    settings.OPSDESK_ATTACHMENT_MAX_SIZE = 10
    ticket = TicketFactory(queue=queue)
    client.force_login(rw_agent)
    articles_before = Article.objects.count()

    response = client.post(
        url("note", ticket),
        {
            "body": "See the file.",
            "attachments": [SimpleUploadedFile("big.log", b"x" * 11, "text/plain")],
        },
    )

    assert response.status_code == 200
    errors = response.context["form"].errors["attachments"]
    assert errors == ["“big.log” is 11\xa0bytes; files may be at most 10\xa0bytes."]
    assert Article.objects.count() == articles_before
    assert not Attachment.objects.exists()
    media = settings.MEDIA_ROOT
    assert not any(path.is_file() for path in media.rglob("*")) if media.exists() else True


def test_attachment_within_the_limit_is_stored(client, queue, rw_agent):
    ticket = TicketFactory(queue=queue)
    client.force_login(rw_agent)
    client.post(
        url("note", ticket),
        {
            "body": "Two files.",
            "attachments": [
                SimpleUploadedFile("a.txt", b"alpha", "text/plain"),
                SimpleUploadedFile("b.txt", b"beta", "text/plain"),
            ],
        },
    )
    note = ticket.articles.get(channel=Channel.INTERNAL)
    assert sorted(a.filename for a in note.attachments.all()) == ["a.txt", "b.txt"]


# People and customer ---------------------------------------------------------------------------


def test_owner_offers_only_candidates_and_refuses_others(client, queue):
    owner_agent = agent_with(queue, "ro", "owner", login="owner-agent")
    outsider = AgentFactory(login="outsider")
    ticket = TicketFactory(queue=queue)
    client.force_login(owner_agent)
    form = client.get(url("owner", ticket)).context["form"]
    assert owner_agent in form.fields["owner"].queryset
    assert outsider not in form.fields["owner"].queryset
    response = client.post(url("owner", ticket), {"owner": outsider.pk})
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.owner is None


def test_customer_change_to_a_user_and_one_of_their_companies(client, queue, rw_agent):
    first, second, foreign = CustomerCompanyFactory.create_batch(3)
    user = CustomerUserFactory(company=first, additional_companies=[second])
    ticket = TicketFactory(queue=queue)
    client.force_login(rw_agent)

    refused = client.post(
        url("customer", ticket),
        {"customer": user.email, "customer_user": user.pk, "customer_company": foreign.pk},
    )
    assert refused.status_code == 200
    assert "does not belong to the customer" in refused.content.decode()
    ticket.refresh_from_db()
    assert ticket.customer_user is None

    # As the search's choice block posts it: the typed text, the chosen user and company.
    client.post(
        url("customer", ticket),
        {"customer": "yama", "customer_user": user.pk, "customer_company": second.pk},
    )
    ticket.refresh_from_db()
    assert (ticket.customer_user, ticket.customer_company) == (user, second)
    page = client.get(url("customer", ticket)).content.decode()
    assert f'name="customer_user" value="{user.pk}"' in page
    assert f'<option value="{second.pk}" selected>' in page
    assert f'<option value="{first.pk}"' in page
    assert f'<option value="{foreign.pk}"' not in page

    # The ticket's user left chosen, an address typed: the address wins.
    client.post(
        url("customer", ticket),
        {"customer": "other@example.org", "customer_user": user.pk, "customer_company": first.pk},
    )
    ticket.refresh_from_db()
    assert (ticket.customer_user, ticket.customer_address) == (None, "other@example.org")
    assert ticket.customer_company is None
    assert (
        TicketHistory.objects.filter(
            ticket=ticket, history_type=HistoryType.CUSTOMER_UPDATE
        ).count()
        == 2
    )


def test_customer_by_bare_email_or_refused_text(client, queue, rw_agent):
    ticket = TicketFactory(queue=queue)
    client.force_login(rw_agent)
    refused = client.post(url("customer", ticket), {"customer": "just a name"})
    assert "Choose a customer user or enter one email address." in refused.content.decode()
    client.post(url("customer", ticket), {"customer": "Walk-in <walkin@example.org>"})
    ticket.refresh_from_db()
    assert ticket.customer_address == "walkin@example.org"
    assert ticket.customer_user is None


def test_dynamic_fields_shows_the_fields_of_the_edit_screen(client, queue, rw_agent):
    DynamicField.objects.create(
        object_type="ticket",
        name="impact_note",
        label="Impact note",
        field_type="text",
        screens={"ticket_edit": "required"},
    )
    DynamicField.objects.create(
        object_type="ticket",
        name="create_only",
        label="Only when creating",
        field_type="text",
        screens={"ticket_create": "shown"},
    )
    ticket = TicketFactory(queue=queue)
    client.force_login(rw_agent)
    page = client.get(url("dynamic_fields", ticket)).content.decode()
    assert "Impact note" in page
    assert "Only when creating" not in page

    missing = client.post(url("dynamic_fields", ticket), {"extra__impact_note": ""})
    assert missing.context["form"].errors["extra__impact_note"] == ["This field is required."]
    client.post(url("dynamic_fields", ticket), {"extra__impact_note": "Whole floor"})
    ticket.refresh_from_db()
    assert ticket.extra == {"impact_note": "Whole floor"}


def test_dynamic_fields_without_fields_on_the_screen_says_so(client, queue, rw_agent):
    ticket = TicketFactory(queue=queue)
    client.force_login(rw_agent)
    page = client.get(url("dynamic_fields", ticket)).content.decode()
    assert "No dynamic fields are shown on this screen" in page


def test_time_accounting_needs_more_than_zero(client, queue, rw_agent):
    ticket = TicketFactory(queue=queue)
    client.force_login(rw_agent)
    response = client.post(url("time", ticket), {"time_units": "0"})
    assert "Enter more than 0 time units." in response.content.decode()
    assert not TimeAccounting.objects.filter(ticket=ticket).exists()


def test_lock_by_someone_else_is_reported(client, queue, rw_agent):
    ticket = TicketFactory(queue=queue)
    other = agent_with(queue, "rw", login="other", first_name="Ken", last_name="Ito")
    services.lock_ticket(ticket, actor=other)
    client.force_login(rw_agent)
    response = client.post(url("lock", ticket), follow=False)
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("already locked" in message for message in messages)
    ticket.refresh_from_db()
    assert ticket.owner == other


def test_print_is_a_pdf_download(client, queue, ro_agent):
    ticket = TicketFactory(queue=queue)
    client.force_login(ro_agent)
    response = client.get(url("print", ticket))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"ticket-{ticket.number}.pdf" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
