"""The agent's ticket screens: new phone/email ticket, customer search, zoom, history, downloads."""

import datetime
import re
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from opsdesk.accounts.tests.factories import AgentFactory
from opsdesk.core.models import DynamicField
from opsdesk.customers.tests.factories import CustomerCompanyFactory, CustomerUserFactory
from opsdesk.tickets import services
from opsdesk.tickets.choices import Channel, HistoryType, SenderType, TemplateType
from opsdesk.tickets.models import Article, Attachment, Ticket, TicketHistory

from .factories import (
    QueueFactory,
    StandardTemplateFactory,
    TicketFactory,
    agent_with,
    grant,
    priority,
    state,
    ticket_type,
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def customer_user(db):
    company = CustomerCompanyFactory(customer_id="ACME", name="Acme Corporation")
    return CustomerUserFactory(
        login="tanaka", first_name="Hanako", last_name="Tanaka", company=company, phone="03-1234"
    )


@pytest.fixture
def rw_client(client, rw_agent):
    client.force_login(rw_agent)
    return client


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def phone_data(queue, agent, **overrides) -> dict:
    data = {
        "customer": "",
        "queue": queue.pk,
        "title": "Printer on floor 3 is jammed",
        "body": "The customer says the printer shows E-42.",
        "ticket_type": ticket_type("unclassified").pk,
        "state": state("new").pk,
        "priority": priority("medium").pk,
        "owner": agent.pk,
        "responsible": "",
        "time_units": "",
    }
    data.update(overrides)
    return data


# New phone ticket -------------------------------------------------------------------------------


def test_new_ticket_screens_need_create_permission(client, ro_agent, queue):
    for name in ("tickets:new_phone", "tickets:new_email"):
        url = reverse(name)
        assert client.get(url).status_code == 302  # anonymous: to the sign-in page
        client.force_login(ro_agent)
        assert client.get(url).status_code == 403
        response = client.post(url, phone_data(queue, ro_agent, customer="caller"))
        assert response.status_code == 403
        client.logout()
    assert not Ticket.objects.exists()


def test_new_phone_ticket_offers_only_queues_the_agent_may_create_in(client, queue):
    other = QueueFactory(name="Elsewhere")
    creator = agent_with(queue, "create", login="creator")
    grant(creator, other.group, "ro")
    client.force_login(creator)
    response = client.get(reverse("tickets:new_phone"))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields["queue"].queryset) == [queue]
    # A queue the agent may only read is refused.
    response = client.post(
        reverse("tickets:new_phone"), phone_data(other, creator, customer="caller")
    )
    assert response.status_code == 200
    assert "queue" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_new_phone_ticket_creates_ticket_article_and_history(
    rw_client, rw_agent, queue, customer_user, media_root
):
    upload = SimpleUploadedFile("screen.png", b"\x89PNG fake", content_type="image/png")
    data = phone_data(
        queue,
        rw_agent,
        customer="Tanaka",
        customer_user=customer_user.pk,
        customer_company=customer_user.company_id,
        priority=priority("high").pk,
        time_units="15",
        attachments=[upload],
    )
    response = rw_client.post(reverse("tickets:new_phone"), data)
    assert response.status_code == 302, response.context["form"].errors
    ticket = Ticket.objects.get()
    assert response["Location"] == reverse("tickets:zoom", args=[ticket.pk])
    assert ticket.title == "Printer on floor 3 is jammed"
    assert ticket.queue == queue
    assert ticket.state.name == "new"
    assert ticket.priority.name == "high"
    assert ticket.customer_user == customer_user
    assert ticket.customer_company == customer_user.company
    assert ticket.owner == rw_agent
    assert ticket.responsible == rw_agent
    article = ticket.articles.get()
    assert article.channel == Channel.PHONE
    assert article.sender_type == SenderType.CUSTOMER
    assert article.is_visible_for_customer
    assert article.from_address == f"Hanako Tanaka <{customer_user.email}>"
    assert article.body == "The customer says the printer shows E-42."
    assert article.time_units == 15
    attachment = article.attachments.get()
    assert attachment.filename == "screen.png"
    assert attachment.content_type == "image/png"
    assert len(stored_files(media_root)) == 1
    types = list(ticket.history.order_by("id").values_list("history_type", flat=True))
    assert types == [
        HistoryType.NEW_TICKET,
        HistoryType.PHONE_CALL_CUSTOMER,
        HistoryType.TIME_ACCOUNTING,
    ]
    zoom = rw_client.get(response["Location"])
    assert f"Ticket {ticket.number} was created." in zoom.content.decode()


def test_new_phone_ticket_from_an_unknown_caller(rw_client, rw_agent, queue):
    response = rw_client.post(
        reverse("tickets:new_phone"),
        phone_data(queue, rw_agent, customer="Mr. Suzuki, 090-1111-2222"),
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.customer_user is None
    assert ticket.customer_address == ""
    assert ticket.articles.get().from_address == "Mr. Suzuki, 090-1111-2222"


def test_new_phone_ticket_finds_a_customer_user_typed_by_login(
    rw_client, rw_agent, queue, customer_user
):
    response = rw_client.post(
        reverse("tickets:new_phone"), phone_data(queue, rw_agent, customer="TANAKA")
    )
    assert response.status_code == 302
    assert Ticket.objects.get().customer_user == customer_user


def test_new_phone_ticket_needs_a_customer(rw_client, rw_agent, queue):
    response = rw_client.post(reverse("tickets:new_phone"), phone_data(queue, rw_agent))
    assert response.status_code == 200
    assert "Choose a customer user or write who called." in response.content.decode()
    assert not Ticket.objects.exists()


def test_state_outside_the_types_initial_states_is_refused_on_the_form(rw_client, rw_agent, queue):
    data = phone_data(
        queue,
        rw_agent,
        customer="caller",
        ticket_type=ticket_type("rfc").pk,
        state=state("open").pk,
    )
    response = rw_client.post(reverse("tickets:new_phone"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors["state"]
    assert errors == ["A new ticket of type “Request for change” cannot start in the state “Open”."]
    assert "cannot start in the state" in response.content.decode()
    assert not Ticket.objects.exists()


def test_pending_state_needs_a_pending_time(rw_client, rw_agent, queue):
    data = phone_data(queue, rw_agent, customer="caller", state=state("pending").pk)
    response = rw_client.post(reverse("tickets:new_phone"), data)
    assert response.status_code == 200
    assert "pending_until" in response.context["form"].errors
    assert 'name="pending_until"' in response.content.decode()
    assert not Ticket.objects.exists()

    when = timezone.localtime() + datetime.timedelta(days=2)
    data["pending_until"] = when.strftime("%Y-%m-%dT%H:%M")
    response = rw_client.post(reverse("tickets:new_phone"), data)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.state.name == "pending"
    assert ticket.pending_until == when.replace(second=0, microsecond=0)


def test_attachment_over_the_limit_is_refused_and_nothing_stored(
    rw_client, rw_agent, queue, settings, media_root
):
    settings.OPSDESK_ATTACHMENT_MAX_SIZE = 10
    upload = SimpleUploadedFile("big.pdf", b"x" * 100, content_type="application/pdf")
    data = phone_data(queue, rw_agent, customer="caller", attachments=[upload])
    response = rw_client.post(reverse("tickets:new_phone"), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "“big.pdf” is 100\xa0bytes; files may be at most 10\xa0bytes." in content
    assert "Choose the attachments again" in content
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_new_ticket_with_dynamic_fields_of_the_create_screen(rw_client, rw_agent, queue):
    DynamicField.objects.create(
        object_type="ticket",
        name="asset_tag",
        label="Asset tag",
        field_type="text",
        screens={"ticket_create": "required", "ticket_zoom": "shown"},
    )
    DynamicField.objects.create(
        object_type="ticket", name="hidden_here", label="Not on this screen", field_type="text"
    )
    response = rw_client.get(reverse("tickets:new_phone"))
    form = response.context["form"]
    assert form.fields["extra__asset_tag"].required
    assert "extra__hidden_here" not in form.fields
    data = phone_data(queue, rw_agent, customer="caller")
    response = rw_client.post(reverse("tickets:new_phone"), data)
    assert response.status_code == 200
    assert "extra__asset_tag" in response.context["form"].errors
    response = rw_client.post(reverse("tickets:new_phone"), {**data, "extra__asset_tag": "PC-0042"})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.extra == {"asset_tag": "PC-0042"}
    zoom = rw_client.get(reverse("tickets:zoom", args=[ticket.pk]))
    assert zoom.context["dynamic_rows"] == [("Asset tag", "PC-0042")]


def test_workflow_fields_refresh_offers_the_types_initial_states(rw_client, queue):
    url = reverse("tickets:new_ticket_fields", args=["phone", "workflow"])
    response = rw_client.get(url, {"ticket_type": ticket_type("rfc").pk, "state": ""})
    assert response.status_code == 200
    options = re.findall(r'<option value="(\d+)"', response.content.decode())
    assert options == [str(state("new").pk)]
    response = rw_client.get(
        url, {"ticket_type": ticket_type("unclassified").pk, "state": state("pending").pk}
    )
    assert 'name="pending_until"' in response.content.decode()


def test_queue_fields_refresh_offers_owner_candidates_of_the_queue(rw_client, rw_agent, queue):
    colleague = agent_with(queue, "owner", login="colleague")
    outsider = AgentFactory(login="outsider")
    response = rw_client.get(
        reverse("tickets:new_ticket_fields", args=["phone", "queue"]), {"queue": queue.pk}
    )
    owners = list(response.context["form"].fields["owner"].queryset)
    assert colleague in owners and rw_agent in owners
    assert outsider not in owners


def test_new_ticket_fields_need_create_permission(client, ro_agent):
    client.force_login(ro_agent)
    url = reverse("tickets:new_ticket_fields", args=["phone", "workflow"])
    assert client.get(url).status_code == 403


# Customer search --------------------------------------------------------------------------------


def test_customer_search_finds_valid_customer_users_and_shows_their_company(
    rw_client, customer_user
):
    CustomerUserFactory(login="tanaka-old", last_name="Tanaka", validity="invalid")
    url = reverse("tickets:customer_search")
    for text in ("tanak", "Hanako", "customer.example", "acme corp"):
        content = rw_client.get(url, {"q": text}).content.decode()
        assert "Hanako Tanaka" in content, text
        assert "ACME — Acme Corporation" in content
        assert "tanaka-old" not in content
    content = rw_client.get(url, {"q": "nobody-like-this"}).content.decode()
    assert "No valid customer user matches." in content


def test_choosing_a_customer_user_fills_user_and_company(rw_client, customer_user):
    other = CustomerCompanyFactory(customer_id="ACME-JP")
    customer_user.additional_companies.add(other)
    response = rw_client.get(reverse("tickets:customer_search"), {"select": customer_user.pk})
    content = response.content.decode()
    assert f'name="customer_user" value="{customer_user.pk}"' in content
    assert f'<option value="{customer_user.company_id}" selected>' in content
    assert f'<option value="{other.pk}">' in content
    assert 'id="customer-results" hx-swap-oob' in content


def test_customer_search_needs_an_agent_who_may_create_tickets(client, plain_agent):
    client.force_login(plain_agent)
    assert client.get(reverse("tickets:customer_search"), {"q": "x"}).status_code == 403


# New email ticket -------------------------------------------------------------------------------


def test_new_email_ticket_sends_one_mail_kept_as_the_first_article(
    rw_client, rw_agent, queue, customer_user
):
    data = phone_data(
        queue,
        rw_agent,
        customer_user=customer_user.pk,
        customer="",
        title="Your new laptop",
        body="Your laptop is ready for pick-up ({ticket_number}).",
        cc="boss@customer.example.com",
    )
    response = rw_client.post(reverse("tickets:new_email"), data)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == f"[Ticket#{ticket.number}] Your new laptop"
    assert message.from_email == queue.system_address.formatted
    assert message.to == [customer_user.email]
    assert message.cc == ["boss@customer.example.com"]
    assert f"Your laptop is ready for pick-up ({ticket.number})." in message.body
    assert queue.signature.text.split("{")[0].strip() in message.body
    article = ticket.articles.get()
    assert message.extra_headers["Message-ID"] == article.message_id
    assert article.message_id.endswith(queue.system_address.email.split("@")[1] + ">")
    assert article.channel == Channel.EMAIL
    assert article.sender_type == SenderType.AGENT
    assert article.subject == message.subject
    assert article.body == message.body
    source = article.source.read()
    assert f"Message-ID: {article.message_id}".encode() in source
    assert ticket.history.filter(history_type=HistoryType.EMAIL_AGENT).count() == 1
    assert ticket.customer_user == customer_user
    zoom = rw_client.get(response["Location"]).content.decode()
    assert f"mail sent to {customer_user.email}" in zoom
    assert reverse("tickets:article_source", args=[article.pk]) in zoom


def test_new_email_ticket_to_a_bare_address(rw_client, rw_agent, queue):
    data = phone_data(queue, rw_agent, customer="someone@unknown.example")
    response = rw_client.post(reverse("tickets:new_email"), data)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.customer_user is None
    assert ticket.customer_address == "someone@unknown.example"
    assert mail.outbox[0].to == ["someone@unknown.example"]


def test_new_email_ticket_sends_and_keeps_its_attachments(rw_client, rw_agent, queue, media_root):
    upload = SimpleUploadedFile("offer.pdf", b"%PDF-1.4 offer", content_type="application/pdf")
    data = phone_data(queue, rw_agent, customer="buyer@example.com", attachments=[upload])
    response = rw_client.post(reverse("tickets:new_email"), data)
    assert response.status_code == 302
    assert mail.outbox[0].attachments == [("offer.pdf", b"%PDF-1.4 offer", "application/pdf")]
    article = Ticket.objects.get().articles.get()
    assert [item.filename for item in article.attachments.all()] == ["offer.pdf"]
    assert len(stored_files(media_root)) == 2  # the attachment and the original message


def test_new_email_ticket_needs_a_customer_user_or_an_address(rw_client, rw_agent, queue):
    data = phone_data(queue, rw_agent, customer="not an address")
    response = rw_client.post(reverse("tickets:new_email"), data)
    assert response.status_code == 200
    assert "Choose a customer user or enter one email address." in response.content.decode()
    assert not Ticket.objects.exists()
    assert mail.outbox == []


def test_new_email_ticket_when_the_mail_server_fails_stores_nothing(
    rw_client, rw_agent, queue, customer_user, media_root
):
    data = phone_data(queue, rw_agent, customer_user=customer_user.pk)
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
    ):
        response = rw_client.post(reverse("tickets:new_email"), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "The mail could not be sent (Connection unexpectedly closed); nothing was saved." in (
        content
    )
    assert not Ticket.objects.exists()
    assert not Article.objects.exists()
    assert not TicketHistory.objects.exists()
    assert stored_files(media_root) == []


def test_new_email_ticket_offers_create_templates_of_the_queue(rw_client, queue):
    template = StandardTemplateFactory(
        name="Welcome", template_type=TemplateType.CREATE, text="Welcome aboard!"
    )
    StandardTemplateFactory(name="Answer only", template_type=TemplateType.ANSWER)
    response = rw_client.get(
        reverse("tickets:new_ticket_fields", args=["email", "queue"]), {"queue": queue.pk}
    )
    assert list(response.context["form"].fields["template"].queryset) == [template]
    response = rw_client.get(
        reverse("tickets:new_ticket_fields", args=["email", "template"]),
        {"queue": queue.pk, "template": template.pk},
    )
    assert "Welcome aboard!" in response.content.decode()
    response = rw_client.get(
        reverse("tickets:new_ticket_fields", args=["email", "template"]),
        {"queue": queue.pk, "template": ""},
    )
    assert response.status_code == 204  # the text the agent wrote stays


# Zoom -------------------------------------------------------------------------------------------


@pytest.fixture
def ticket(queue, rw_agent, customer_user):
    return TicketFactory(
        queue=queue,
        actor=rw_agent,
        title="VPN drops every hour",
        customer_user=customer_user,
    )


def menu_actions(content: str) -> set[str]:
    menu = content.split('data-testid="ticket-actions"')[1].split("</div>\n\n")[0]
    return set(re.findall(r'data-action="(\w+)"', menu))


def test_zoom_permissions(client, ticket, ro_agent, plain_agent):
    url = reverse("tickets:zoom", args=[ticket.pk])
    assert client.get(url).status_code == 302
    client.force_login(plain_agent)
    assert client.get(url).status_code == 404
    client.force_login(ro_agent)
    response = client.get(url)
    assert response.status_code == 200
    assert "VPN drops every hour" in response.content.decode()


def test_zoom_menu_shows_only_allowed_actions(client, ticket, ro_agent, rw_agent, queue):
    client.force_login(ro_agent)
    assert menu_actions(client.get(reverse("tickets:zoom", args=[ticket.pk])).content.decode()) == {
        "watch",
        "print",
        "history",
    }
    noter = agent_with(queue, "ro", "note", login="noter")
    client.force_login(noter)
    actions = menu_actions(client.get(reverse("tickets:zoom", args=[ticket.pk])).content.decode())
    assert actions == {"watch", "print", "history", "note"}
    client.force_login(rw_agent)
    content = client.get(reverse("tickets:zoom", args=[ticket.pk])).content.decode()
    assert menu_actions(content) == {
        "lock", "watch", "print", "priority", "owner", "responsible", "customer", "note",
        "phone", "email", "pending", "close", "history", "attributes", "dynamic_fields", "time",
        "move", "state", "link", "merge",
    }  # fmt: skip
    assert f'action="{reverse("tickets:lock", args=[ticket.pk])}"' in content


def test_zoom_menu_offers_unlock_and_unwatch_when_locked_and_watched(client, ticket, rw_agent):
    services.lock_ticket(ticket, actor=rw_agent)
    services.watch_ticket(ticket, actor=rw_agent)
    client.force_login(rw_agent)
    actions = menu_actions(client.get(reverse("tickets:zoom", args=[ticket.pk])).content.decode())
    assert {"unlock", "unwatch"} <= actions
    assert not {"lock", "watch"} & actions


def test_zoom_reply_buttons_only_for_agents_who_may_send_mail(client, ticket, ro_agent, rw_agent):
    reply_url = reverse("tickets:reply", args=[ticket.pk])
    client.force_login(ro_agent)
    assert reply_url not in client.get(reverse("tickets:zoom", args=[ticket.pk])).content.decode()
    client.force_login(rw_agent)
    content = client.get(reverse("tickets:zoom", args=[ticket.pk])).content.decode()
    article = ticket.articles.get()
    assert f"{reply_url}?article={article.pk}" in content
    assert f"{reverse('tickets:forward', args=[ticket.pk])}?article={article.pk}" in content


def test_zoom_shows_header_and_customer_panel(client, ticket, rw_agent, customer_user, queue):
    other = TicketFactory(
        queue=queue, actor=rw_agent, title="Mouse broken", customer_user=customer_user
    )
    closed = TicketFactory(
        queue=queue,
        actor=rw_agent,
        title="Old closed one",
        customer_user=customer_user,
        state=state("closed"),
    )
    client.force_login(rw_agent)
    response = client.get(reverse("tickets:zoom", args=[ticket.pk]))
    content = response.content.decode()
    assert ticket.number in content
    assert "New" in content and "Medium" in content and "Unclassified" in content
    assert queue.full_name in content
    panel = content.split('data-testid="customer-panel"')[1].split("</section>")[0]
    assert "Acme Corporation" in panel
    assert "Hanako Tanaka" in panel and customer_user.email in panel and "03-1234" in panel
    assert other.number in panel
    assert closed.number not in panel
    assert 'data-testid="linked-objects"' in content


def test_zoom_article_order_follows_the_agents_preference(client, ticket, rw_agent):
    services.add_note(ticket, actor=rw_agent, subject="Second article", body="Checked the logs.")
    client.force_login(rw_agent)
    url = reverse("tickets:zoom", args=[ticket.pk])
    content = client.get(url).content.decode()
    assert content.index("VPN drops every hour</span>") < content.index("Second article")
    rw_agent.article_order = "desc"
    rw_agent.save(update_fields=["article_order"])
    response = client.get(url)
    content = response.content.decode()
    assert content.index("Second article") < content.index("VPN drops every hour</span>")
    entries = response.context["articles"]
    assert [entry.expanded for entry in entries] == [True, False]  # the newest is open
    assert [entry.kind for entry in entries] == ["internal", "customer"]


def test_zoom_neutralises_html_articles(client, ticket, rw_agent):
    attack = (
        "<p>Hello</p><script>alert('x')</script><img src=x onerror=alert(1)>"
        "<a href=\"javascript:alert(2)\">click</a><iframe src='https://evil.example'></iframe>"
        '<div onmouseover="alert(3)" style="position:fixed">hover</div>'
    )
    draft = services.ArticleDraft(
        channel=Channel.EMAIL,
        sender_type=SenderType.CUSTOMER,
        subject="HTML mail",
        body_html=attack,
        is_visible_for_customer=True,
    )
    article = services.add_article(ticket, draft, actor=None, actor_label="postmaster")
    # Rows written by older versions or by hand are sanitised again on display.
    Article.objects.filter(pk=article.pk).update(body_html=attack)
    client.force_login(rw_agent)
    content = client.get(reverse("tickets:zoom", args=[ticket.pk])).content.decode()
    assert "<p>Hello</p>" in content
    lowered = content.lower()
    assert "<script>alert" not in lowered
    assert "onerror" not in lowered
    assert "onmouseover" not in lowered
    assert "javascript:" not in lowered
    assert "evil.example" not in lowered
    assert "position:fixed" not in lowered


def test_zoom_plain_text_is_escaped_with_its_line_breaks(client, queue, rw_agent):
    ticket = TicketFactory(queue=queue, actor=rw_agent, body="Line one\n<b>not bold</b>")
    client.force_login(rw_agent)
    content = client.get(reverse("tickets:zoom", args=[ticket.pk])).content.decode()
    assert "Line one\n&lt;b&gt;not bold&lt;/b&gt;" in content


def make_ticket_with_articles(queue, agent, count: int, **fields) -> Ticket:
    files = [
        services.AttachmentUpload("log.txt", b"log line", "text/plain"),
        services.AttachmentUpload("shot.png", b"\x89PNG", "image/png"),
    ]
    ticket = TicketFactory(queue=queue, actor=agent, attachments=files, **fields)
    for number in range(count - 1):
        draft = services.ArticleDraft(
            channel=Channel.EMAIL if number % 2 else Channel.INTERNAL,
            sender_type=SenderType.AGENT,
            subject=f"Article {number}",
            body=f"Text {number}",
            body_html=f"<p>Text <b>{number}</b></p>" if number % 3 else "",
            cc_addresses="a@example.com" if number % 2 else "",
            attachments=files,
        )
        services.add_article(ticket, draft, actor=agent)
    return ticket


def test_zoom_query_count_does_not_grow_with_the_articles(
    client, queue, rw_agent, customer_user, django_assert_max_num_queries
):
    small = make_ticket_with_articles(queue, rw_agent, 2, customer_user=customer_user)
    large = make_ticket_with_articles(queue, rw_agent, 100, customer_user=customer_user)
    client.force_login(rw_agent)
    client.get(reverse("tickets:zoom", args=[small.pk]))  # session and caches warmed up
    counts = []
    for ticket in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("tickets:zoom", args=[ticket.pk]))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert len(response.context["articles"]) == 100
    assert response.content.decode().count('data-testid="article-attachments"') == 100
    # session, agent, 2x permissions, ticket, watching, articles, attachments, dynamic fields,
    # time accounted, other open tickets, and the session's save (3 with its savepoint)
    with django_assert_max_num_queries(15):
        client.get(reverse("tickets:zoom", args=[large.pk]))


# History ----------------------------------------------------------------------------------------


def test_history_lists_every_change_newest_first(client, ticket, rw_agent, ro_agent, plain_agent):
    services.set_priority(ticket, actor=rw_agent, priority=priority("very_high"))
    services.add_note(
        ticket, actor=None, actor_label="GenericAgent: nightly", subject="s", body="b"
    )
    url = reverse("tickets:history", args=[ticket.pk])
    client.force_login(plain_agent)
    assert client.get(url).status_code == 404
    client.force_login(ro_agent)
    response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    types = re.findall(r'data-history-type="(\w+)"', content)
    assert types == ["AddNote", "PriorityUpdate", "PhoneCallCustomer", "NewTicket"]
    assert "GenericAgent: nightly" in content
    assert "Medium → Very high" in content
    assert "Priority changed" in content


# Downloads --------------------------------------------------------------------------------------


def test_attachment_download_needs_permission_and_is_safe(
    client, queue, rw_agent, ro_agent, plain_agent
):
    files = [
        services.AttachmentUpload('re"port\r\n.pdf', b"%PDF-1.4", "application/pdf"),
        services.AttachmentUpload("page.html", b"<script>alert(1)</script>", "text/html"),
    ]
    ticket = TicketFactory(queue=queue, actor=rw_agent, attachments=files)
    pdf, page = ticket.articles.get().attachments.order_by("id")
    client.force_login(plain_agent)
    assert client.get(reverse("tickets:attachment", args=[pdf.pk])).status_code == 404
    client.force_login(ro_agent)
    response = client.get(reverse("tickets:attachment", args=[pdf.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="re\\"port_.pdf"'
    assert b"".join(response.streaming_content) == b"%PDF-1.4"
    response = client.get(reverse("tickets:attachment", args=[pdf.pk]), {"inline": "1"})
    assert response["Content-Disposition"].startswith("inline;")
    # HTML is never shown in the browser, only downloaded.
    response = client.get(reverse("tickets:attachment", args=[page.pk]), {"inline": "1"})
    assert response["Content-Disposition"] == 'attachment; filename="page.html"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_article_source_download(client, rw_agent, ro_agent, plain_agent, queue, customer_user):
    ticket = services.create_email_ticket(
        actor=rw_agent, title="Hello", queue=queue, to=customer_user.email, body="Hi"
    )
    article = ticket.articles.get()
    url = reverse("tickets:article_source", args=[article.pk])
    client.force_login(plain_agent)
    assert client.get(url).status_code == 404
    client.force_login(ro_agent)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert f'filename="{ticket.number}-{article.pk}.eml"' in response["Content-Disposition"]
    assert f"Subject: [Ticket#{ticket.number}] Hello".encode() in b"".join(
        response.streaming_content
    )
    # A phone article has no original message.
    phone = TicketFactory(queue=queue, actor=rw_agent).articles.get()
    assert client.get(reverse("tickets:article_source", args=[phone.pk])).status_code == 404


# Ticket number ----------------------------------------------------------------------------------


def test_by_number_leads_to_the_zoom_of_visible_tickets(client, ticket, ro_agent, plain_agent):
    url = reverse("tickets:by_number", args=[ticket.number])
    client.force_login(plain_agent)
    assert client.get(url).status_code == 404
    client.force_login(ro_agent)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:zoom", args=[ticket.pk])
    assert client.get(reverse("tickets:by_number", args=["123"])).status_code == 404


def test_ticket_number_box_on_the_tickets_area(client, ticket, make_agent, queue):
    agent = make_agent("itsm_user", login="area-user")
    grant(agent, queue.group, "ro")
    client.force_login(agent)
    area = client.get(reverse("core:area_tickets")).content.decode()
    assert 'data-testid="ticket-number-jump"' in area
    assert reverse("tickets:jump_to_number") in area
    response = client.get(
        reverse("tickets:jump_to_number"), {"number": f" Ticket#{ticket.number} "}
    )
    assert response["Location"] == reverse("tickets:zoom", args=[ticket.pk])
    response = client.get(
        reverse("tickets:jump_to_number"), {"number": "2020010110000001"}, follow=True
    )
    assert "There is no ticket 2020010110000001 that you may see." in response.content.decode()


def test_history_shows_labels_in_the_viewers_language(rw_agent, queue, client):
    from django.utils import translation

    from .factories import TicketFactory, state

    ticket = TicketFactory(queue=queue, actor=rw_agent)
    services.set_state(ticket, actor=rw_agent, state=state("open"))
    rw_agent.language = "ja"
    rw_agent.save(update_fields=["language"])
    client.force_login(rw_agent)
    response = client.get(reverse("tickets:history", args=[ticket.pk]))
    translation.activate("en")
    row = response.content.decode()
    assert "新規 → 対応中" in row
    assert "new → open" not in row
