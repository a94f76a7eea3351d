"""Merging tickets (services.merge_ticket, the zoom's Merge action, the API) and follow-ups to a
merged ticket (selectors.find_follow_up_ticket, routing in services.add_article)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from opsdesk.core import links as core_links
from opsdesk.core.events import capture_events
from opsdesk.core.models import Link, LinkType
from opsdesk.tickets import selectors, services
from opsdesk.tickets.choices import Channel, HistoryType, SenderType, StateType
from opsdesk.tickets.models import (
    Article,
    ArticleSearchIndex,
    Ticket,
    TicketHistory,
    TicketWatcher,
    TimeAccounting,
)

from .factories import QueueFactory, TicketFactory, agent_with, grant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def source(queue):
    return TicketFactory(queue=queue, title="Printer on floor 3 is jammed")


@pytest.fixture
def target(queue):
    return TicketFactory(queue=queue, title="Printers on floor 3 do not print")


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("state").get(pk=ticket.pk)


def customer_mail(ticket: Ticket, body: str = "Any news?", message_id: str = "") -> Article:
    """A customer's reply arriving by mail (as the postmaster will record it)."""
    draft = services.ArticleDraft(
        channel=Channel.EMAIL,
        sender_type=SenderType.CUSTOMER,
        subject=f"Re: [Ticket#{ticket.number}] {ticket.title}",
        body=body,
        is_visible_for_customer=True,
        from_address="alice@customer.example",
        message_id=message_id,
    )
    return services.add_article(ticket, draft, actor=None, actor_label="Postmaster")


# The service --------------------------------------------------------------------------------------


def test_merge_moves_articles_time_watchers_and_links(queue, rw_agent, source, target):
    services.add_note(source, actor=rw_agent, subject="Checked", body="Jam cleared", time_units=5)
    moved = set(source.articles.values_list("pk", flat=True))
    for article in Article.objects.filter(pk__in=moved):
        ArticleSearchIndex.objects.update_or_create(
            article=article, defaults={"ticket": source, "document": article.body}
        )
    both = agent_with(queue, "ro", login="watches-both")
    only_source = agent_with(queue, "ro", login="watches-source")
    services.watch_ticket(source, actor=both)
    services.watch_ticket(target, actor=both)
    services.watch_ticket(source, actor=only_source)
    other = TicketFactory(queue=queue, title="Toner order")
    core_links.add_link(actor=rw_agent, source=source, target=other, link_type=LinkType.NORMAL)

    with capture_events() as events:
        survivor = services.merge_ticket(source, into=target, actor=rw_agent)

    assert survivor == target
    assert set(
        Article.objects.filter(ticket=target, pk__in=moved).values_list("pk", flat=True)
    ) == (moved)
    assert ArticleSearchIndex.objects.filter(article__in=moved, ticket=target).count() == len(moved)
    # Every index row stays with its article (the merge note, indexed or not, is the source's).
    for row in ArticleSearchIndex.objects.select_related("article"):
        assert row.ticket_id == row.article.ticket_id
    assert TimeAccounting.objects.get(ticket=target).units == Decimal("5.00")
    assert not TimeAccounting.objects.filter(ticket=source).exists()
    assert set(
        TicketWatcher.objects.filter(ticket=target).values_list("agent__login", flat=True)
    ) == {
        "watches-both",
        "watches-source",
    }
    assert not TicketWatcher.objects.filter(ticket=source).exists()
    # The link moved to the target; the target is the source's parent.
    assert core_links.link_between(("ticket", target.pk), ("ticket", other.pk)) is not None
    assert core_links.link_between(("ticket", source.pk), ("ticket", other.pk)) is None
    parent_link = Link.objects.get(source_id=target.pk, target_id=source.pk)
    assert parent_link.link_type == LinkType.PARENT_CHILD
    assert "TicketMerge" in [event.name for event in events]


def test_full_text_search_finds_the_moved_articles_in_the_target(rw_agent, source, target):
    from opsdesk.tickets import fulltext

    services.add_note(source, actor=rw_agent, subject="Toner", body="Replaced the fuser unit")
    services.merge_ticket(source, into=target, actor=rw_agent)
    found = fulltext.filter_tickets(Ticket.objects.all(), "fuser")
    assert list(found.values_list("pk", flat=True)) == [target.pk]


def test_the_source_is_merged_with_its_note_history_and_unlocked(rw_agent, source, target):
    services.lock_ticket(source, actor=rw_agent)
    services.merge_ticket(source, into=target, actor=rw_agent)

    merged = fresh(source)
    assert merged.state.state_type == StateType.MERGED
    assert merged.merged_into == target
    assert merged.locked is False
    assert merged.closed_at is not None
    # The note stays on the source; the conversation is now in the target, in time order.
    note = merged.articles.get()
    assert note.subject == f"Merged ticket {source.number} into {target.number}."
    assert note.channel == Channel.INTERNAL and not note.is_visible_for_customer
    timeline = list(selectors.articles_of(target))
    assert timeline == sorted(timeline, key=lambda article: (article.created_at, article.pk))
    assert len(timeline) == 2
    for ticket in (source, target):
        row = TicketHistory.objects.get(ticket=ticket, history_type=HistoryType.MERGED)
        assert (row.old_value, row.new_value) == (source.number, target.number)
        assert row.created_by == rw_agent
    assert TicketHistory.objects.filter(ticket=source, history_type=HistoryType.UNLOCK).exists()


def test_a_merge_ignores_the_workflow_of_the_type(rw_agent, source, target):
    """The merged state is no state of any workflow; the merge sets it all the same."""
    assert source.state.state_type == StateType.NEW
    services.merge_ticket(source, into=target, actor=rw_agent)
    assert fresh(source).state.state_type == StateType.MERGED


def test_a_parent_merges_into_its_child(rw_agent, source, target):
    core_links.add_link(
        actor=rw_agent, source=source, target=target, link_type=LinkType.PARENT_CHILD
    )
    services.merge_ticket(source, into=target, actor=rw_agent)
    link = Link.objects.get()
    assert (link.source_id, link.target_id) == (target.pk, source.pk)


def test_open_children_move_to_the_target_under_the_parent_close_rule(
    settings, queue, rw_agent, source, target
):
    """With "a parent cannot be closed while children are open", merging a parent is allowed:
    its children become the target's before it is set to merged."""
    settings.OPSDESK_PARENT_CLOSE_REQUIRES_CLOSED_CHILDREN = True
    child = TicketFactory(queue=queue, title="Child")
    core_links.add_link(
        actor=rw_agent, source=source, target=child, link_type=LinkType.PARENT_CHILD
    )
    services.merge_ticket(source, into=target, actor=rw_agent)
    assert Link.objects.filter(source_id=target.pk, target_id=child.pk).exists()
    assert fresh(source).state.state_type == StateType.MERGED


def test_a_ticket_cannot_be_merged_into_itself(rw_agent, source):
    with pytest.raises(ValidationError, match="into itself"):
        services.merge_ticket(source, into=source, actor=rw_agent)


def test_a_merged_ticket_is_neither_source_nor_target(queue, rw_agent, source, target):
    third = TicketFactory(queue=queue)
    services.merge_ticket(source, into=target, actor=rw_agent)
    with pytest.raises(ValidationError, match="already merged"):
        services.merge_ticket(fresh(source), into=third, actor=rw_agent)
    with pytest.raises(ValidationError, match=f"merged into {target.number}"):
        services.merge_ticket(third, into=fresh(source), actor=rw_agent)
    assert fresh(third).merged_into is None


def test_merging_needs_rw_on_both_tickets(queue, source):
    elsewhere = QueueFactory(name="Network")
    foreign = TicketFactory(queue=elsewhere)
    agent = agent_with(queue, "rw", login="rw-here")
    grant(agent, elsewhere.group, "ro", "note")
    with pytest.raises(PermissionDenied):
        services.merge_ticket(source, into=foreign, actor=agent)
    with pytest.raises(PermissionDenied):
        services.merge_ticket(foreign, into=source, actor=agent)
    ro_agent = agent_with(queue, "ro", login="reader")
    with pytest.raises(PermissionDenied):
        services.merge_ticket(source, into=TicketFactory(queue=queue), actor=ro_agent)
    assert fresh(source).merged_into is None
    assert Article.objects.filter(ticket=source).count() == 1


# Follow-ups ---------------------------------------------------------------------------------------


def test_merge_target_follows_the_chain(queue, rw_agent, source, target):
    last = TicketFactory(queue=queue)
    assert selectors.merge_target(source) is source
    services.merge_ticket(source, into=target, actor=rw_agent)
    services.merge_ticket(fresh(target), into=last, actor=rw_agent)
    assert selectors.merge_target(fresh(source)) == last


@pytest.mark.parametrize(
    "subject",
    ["Re: [Ticket#{number}] Printer", "AW: Ticket#{number} Printer", "[ticket#{number}]"],
)
def test_a_follow_up_by_number_in_the_subject_finds_the_surviving_ticket(
    rw_agent, source, target, subject
):
    services.merge_ticket(source, into=target, actor=rw_agent)
    found = selectors.find_follow_up_ticket(
        subject=subject.format(number=source.number), in_reply_to="", references=""
    )
    assert found == target


def test_a_follow_up_by_message_id_finds_the_surviving_ticket(rw_agent, source, target):
    customer_mail(source, message_id="<first@customer.example>")
    services.merge_ticket(source, into=target, actor=rw_agent)
    assert (
        selectors.find_follow_up_ticket(
            subject="Re: Printer", in_reply_to="<first@customer.example>", references=""
        )
        == target
    )
    assert (
        selectors.find_follow_up_ticket(
            subject="Re: Printer",
            in_reply_to="",
            references="<unknown@example.org> <first@customer.example>",
        )
        == target
    )


def test_no_follow_up_without_a_known_number_or_message_id(source):
    assert (
        selectors.find_follow_up_ticket(
            subject="[Ticket#2020010110999999] old", in_reply_to="<nobody@x>", references=""
        )
        is None
    )
    assert selectors.find_follow_up_ticket(subject="", in_reply_to="", references="") is None


def test_a_customer_follow_up_to_a_merged_ticket_lands_in_the_target(rw_agent, source, target):
    services.merge_ticket(source, into=target, actor=rw_agent)
    found = selectors.find_follow_up_ticket(
        subject=f"Re: [Ticket#{source.number}]", in_reply_to="", references=""
    )
    article = customer_mail(found, body="Still jammed")
    assert article.ticket_id == target.pk
    assert TicketHistory.objects.filter(
        ticket=target, article=article, history_type=HistoryType.FOLLOW_UP
    ).exists()
    # Even when the caller names the merged ticket itself.
    again = customer_mail(fresh(source), body="Hello?")
    assert again.ticket_id == target.pk
    assert fresh(source).articles.count() == 1  # only the merge note


def test_a_note_on_a_merged_ticket_lands_in_the_target_with_its_permission(queue, rw_agent, source):
    elsewhere = QueueFactory(name="Facilities")
    target = TicketFactory(queue=elsewhere)
    grant(rw_agent, elsewhere.group, "rw")
    services.merge_ticket(source, into=target, actor=rw_agent)
    note = services.add_note(fresh(source), actor=rw_agent, subject="Hi", body="Toner ordered")
    assert note.ticket_id == target.pk
    assert TicketHistory.objects.filter(ticket=target, history_type=HistoryType.ADD_NOTE).exists()
    # rw on the merged ticket's queue is not enough: the note goes to the target's.
    only_here = agent_with(queue, "rw", login="only-here")
    with pytest.raises(PermissionDenied):
        services.add_note(fresh(source), actor=only_here, subject="x", body="y")


# The zoom's Merge action --------------------------------------------------------------------------


def merge_url(ticket: Ticket) -> str:
    return reverse("tickets:merge", args=[ticket.pk])


def test_the_merge_screen_merges_and_goes_to_the_target(client, rw_agent, source, target):
    client.force_login(rw_agent)
    page = client.get(merge_url(source))
    assert page.status_code == 200
    assert b"merge-confirmation" in page.content
    response = client.post(merge_url(source), {"into": f"Ticket#{target.number}"})
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:zoom", args=[target.pk])
    assert fresh(source).merged_into == target


def test_the_merge_screen_refuses_unknown_and_invisible_targets(client, queue, rw_agent, source):
    hidden = TicketFactory(queue=QueueFactory(name="Secret"))
    client.force_login(rw_agent)
    for value in (hidden.number, "12345", source.number, "not a number"):
        response = client.post(merge_url(source), {"into": value})
        assert response.status_code == 200, value
        assert response.context["form"].errors["into"], value
    assert fresh(source).merged_into is None


def test_the_merge_screen_refuses_a_target_the_agent_may_only_read(client, rw_agent, source):
    readable = QueueFactory(name="Read only")
    grant(rw_agent, readable.group, "ro")
    target = TicketFactory(queue=readable)
    client.force_login(rw_agent)
    response = client.post(merge_url(source), {"into": target.number})
    assert "may not merge" in " ".join(response.context["form"].errors["into"])
    assert fresh(source).merged_into is None


def test_the_merge_screen_of_a_merged_ticket_says_where_it_went(client, rw_agent, source, target):
    services.merge_ticket(source, into=target, actor=rw_agent)
    client.force_login(rw_agent)
    page = client.get(merge_url(source))
    assert page.status_code == 200
    assert target.number in page.context["blocked_message"]


def test_the_merge_screen_needs_rw_and_visibility(client, queue, ro_agent, source):
    client.force_login(ro_agent)
    assert client.get(merge_url(source)).status_code == 403
    client.force_login(agent_with(QueueFactory(), "rw", login="elsewhere"))
    assert client.get(merge_url(source)).status_code == 404


def test_the_type_ahead_offers_visible_tickets_but_not_the_ticket_itself(
    client, queue, rw_agent, source, target
):
    hidden = TicketFactory(queue=QueueFactory(name="Secret"), title="Printers on floor 3 too")
    client.force_login(rw_agent)
    response = client.get(merge_url(source), {"into": "floor 3"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    content = response.content.decode()
    assert target.number in content
    assert source.number not in content
    assert hidden.number not in content


def test_the_zoom_offers_merge_and_shows_the_merged_banner(client, rw_agent, source, target):
    client.force_login(rw_agent)
    zoom = client.get(reverse("tickets:zoom", args=[source.pk]))
    assert merge_url(source).encode() in zoom.content
    services.merge_ticket(source, into=target, actor=rw_agent)
    zoom = client.get(reverse("tickets:zoom", args=[source.pk]))
    assert b"merged-banner" in zoom.content
    assert target.number.encode() in zoom.content
    assert merge_url(source).encode() not in zoom.content


# The API ------------------------------------------------------------------------------------------


def api_merge(agent, ticket, into):
    client = APIClient()
    client.force_authenticate(agent)
    url = reverse("api-v1:ticket-merge-list", args=[ticket.number])
    return client.post(url, {"into": into}, format="json")


def test_the_api_merges_and_answers_with_the_target(rw_agent, source, target):
    response = api_merge(rw_agent, source, target.number)
    assert response.status_code == 200, response.json()
    assert response.json()["number"] == target.number
    assert fresh(source).merged_into == target


def test_the_api_refusals(queue, rw_agent, ro_agent, source, target):
    assert api_merge(rw_agent, source, source.number).status_code == 400
    assert api_merge(rw_agent, source, "2020010110999999").status_code == 400
    hidden = TicketFactory(queue=QueueFactory(name="Secret"))
    assert api_merge(rw_agent, source, hidden.number).status_code == 400
    assert api_merge(rw_agent, hidden, target.number).status_code == 404
    assert api_merge(ro_agent, source, target.number).status_code == 403
    assert fresh(source).merged_into is None
    # The ticket endpoints next to it still answer.
    client = APIClient()
    client.force_authenticate(rw_agent)
    assert client.get(reverse("api-v1:ticket-detail", args=[source.number])).status_code == 200


def test_the_schema_documents_the_merge_endpoint(tmp_path):
    call_command("spectacular", "--validate", "--file", str(tmp_path / "schema.yml"))
    assert "/api/v1/tickets/{number}/merge/" in (tmp_path / "schema.yml").read_text()
