"""Splitting an article into a new ticket (services.split_article and the zoom's Split action)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from opsdesk.core import links as core_links
from opsdesk.core.models import Link, LinkType
from opsdesk.customers.tests.factories import CustomerUserFactory
from opsdesk.tickets import services
from opsdesk.tickets.choices import Channel, HistoryType, SenderType
from opsdesk.tickets.models import Attachment, Ticket, TicketHistory

from .factories import QueueFactory, TicketFactory, agent_with, grant, priority, ticket_type

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def original(queue):
    customer = CustomerUserFactory()
    ticket = TicketFactory(
        queue=queue,
        title="Printer and VPN broken",
        customer_user=customer,
        priority=priority("high"),
        ticket_type=ticket_type("incident"),
    )
    return ticket


@pytest.fixture
def mail(original):
    """A customer's mail with an HTML body and two attachments, on the original ticket."""
    draft = services.ArticleDraft(
        channel=Channel.EMAIL,
        sender_type=SenderType.CUSTOMER,
        subject="VPN drops every hour",
        body="The VPN drops every hour.",
        body_html="<p>The <b>VPN</b> drops every hour.</p>",
        is_visible_for_customer=True,
        from_address="alice@customer.example",
        to_addresses="support@opsdesk.example",
        cc_addresses="bob@customer.example",
        message_id="<vpn@customer.example>",
        attachments=(
            services.AttachmentUpload("log.txt", b"disconnected at 10:02", "text/plain"),
            services.AttachmentUpload("screen.png", b"\x89PNG fake", "image/png"),
        ),
    )
    return services.add_article(original, draft, actor=None, actor_label="Postmaster")


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def test_split_copies_the_article_and_links_the_new_ticket_as_child(
    queue, rw_agent, original, mail, media
):
    files_before = stored_files(media)
    new = services.split_article(mail, actor=rw_agent, queue=queue, title="")

    assert new.pk != original.pk
    assert new.title == "VPN drops every hour"
    assert (new.customer_user, new.customer_company) == (
        original.customer_user,
        original.customer_company,
    )
    assert (new.priority, new.ticket_type) == (original.priority, original.ticket_type)
    copy = new.articles.get()
    for field in (
        "channel",
        "sender_type",
        "is_visible_for_customer",
        "from_address",
        "to_addresses",
        "cc_addresses",
        "subject",
        "body",
        "body_html",
    ):
        assert getattr(copy, field) == getattr(mail, field), field
    assert copy.message_id == ""  # replies to the original mail still go to the original
    copied = {(item.filename, item.sha256, item.file.name) for item in copy.attachments.all()}
    originals = {(item.filename, item.sha256, item.file.name) for item in mail.attachments.all()}
    assert copied == originals  # same content, same stored file
    assert stored_files(media) == files_before  # no file written twice
    assert mail.ticket.articles.filter(pk=mail.pk).exists()  # the original keeps its article

    link = Link.objects.get()
    assert (link.source_id, link.target_id, link.link_type) == (
        original.pk,
        new.pk,
        LinkType.PARENT_CHILD,
    )
    assert TicketHistory.objects.filter(ticket=original, history_type=HistoryType.MISC).exists()
    assert TicketHistory.objects.filter(ticket=new, history_type=HistoryType.MISC).exists()
    assert TicketHistory.objects.filter(ticket=new, history_type=HistoryType.NEW_TICKET).exists()


def test_split_with_a_normal_link_and_a_title(queue, rw_agent, original, mail):
    new = services.split_article(
        mail, actor=rw_agent, queue=queue, title="VPN", link_type=LinkType.NORMAL
    )
    assert new.title == "VPN"
    assert core_links.link_between(("ticket", original.pk), ("ticket", new.pk)).link_type == (
        LinkType.NORMAL
    )


def test_split_needs_ro_on_the_original_and_create_in_the_queue(queue, original, mail):
    desk = QueueFactory(name="Network")
    reader = agent_with(queue, "ro", login="reader")
    with pytest.raises(PermissionDenied):
        services.split_article(mail, actor=reader, queue=desk)
    grant(reader, desk.group, "create")
    new = services.split_article(mail, actor=reader, queue=desk)
    assert new.queue == desk
    # The reader may not link the original; the split links it for them, saying who it was.
    assert core_links.link_between(("ticket", original.pk), ("ticket", new.pk)) is not None
    outsider = agent_with(desk, "create", login="outsider")
    with pytest.raises(PermissionDenied):
        services.split_article(mail, actor=outsider, queue=desk)
    assert Ticket.objects.filter(queue=desk).count() == 1


# The zoom's Split action --------------------------------------------------------------------------


def split_url(ticket, article) -> str:
    return reverse("tickets:split", args=[ticket.pk]) + f"?article={article.pk}"


def test_the_split_screen_creates_the_ticket_and_goes_there(
    client, queue, rw_agent, original, mail
):
    client.force_login(rw_agent)
    page = client.get(split_url(original, mail))
    assert page.status_code == 200
    assert page.context["form"].initial["title"] == "VPN drops every hour"
    assert b"log.txt" in page.content
    response = client.post(
        split_url(original, mail),
        {"title": "VPN drops", "queue": queue.pk, "link_type": LinkType.PARENT_CHILD},
    )
    assert response.status_code == 302
    new = Ticket.objects.get(title="VPN drops")
    assert response["Location"] == reverse("tickets:zoom", args=[new.pk])
    assert Attachment.objects.filter(article__ticket=new).count() == 2


def test_the_split_screen_404s_for_an_article_of_another_ticket(client, queue, rw_agent, original):
    other = TicketFactory(queue=queue)
    client.force_login(rw_agent)
    foreign = other.articles.get()
    assert client.get(split_url(original, foreign)).status_code == 404
    assert client.post(split_url(original, foreign), {"title": "x"}).status_code == 404
    assert client.get(reverse("tickets:split", args=[original.pk])).status_code == 404
    bad = reverse("tickets:split", args=[original.pk]) + "?article=abc"
    assert client.get(bad).status_code == 404


def test_the_split_screen_permissions(client, queue, original, mail):
    hidden_from = agent_with(QueueFactory(), "rw", login="elsewhere")
    client.force_login(hidden_from)
    assert client.get(split_url(original, mail)).status_code == 404
    reader = agent_with(queue, "ro", login="reader")
    client.force_login(reader)  # sees the ticket but may create tickets nowhere
    assert client.get(split_url(original, mail)).status_code == 403


def test_the_zoom_shows_split_on_each_article(client, rw_agent, original, mail):
    client.force_login(rw_agent)
    zoom = client.get(reverse("tickets:zoom", args=[original.pk]))
    assert split_url(original, mail).encode() in zoom.content.replace(b"&amp;", b"&")
