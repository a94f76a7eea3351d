"""Linking tickets (opsdesk/tickets/links.py, link_views.py, core/link_api.py): Normal and
Parent/child links with history on both sides, the zoom's panel and Link dialog, permissions,
the parent-close rule and the REST API."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from opsdesk.core import links
from opsdesk.core.models import Link, LinkType
from opsdesk.tickets import services
from opsdesk.tickets.choices import HistoryType
from opsdesk.tickets.links import open_children
from opsdesk.tickets.models import TicketHistory

from .factories import QueueFactory, TicketFactory, agent_with, grant, state

pytestmark = pytest.mark.django_db

LINKS = reverse("api-v1:link-list")


@pytest.fixture
def other_queue(db):
    return QueueFactory(name="Second level")


@pytest.fixture
def parent(queue):
    return TicketFactory(queue=queue, title="Mail server down")


@pytest.fixture
def child(queue):
    return TicketFactory(queue=queue, title="Cannot send invoices", state=state("open"))


def link_history(ticket, history_type=HistoryType.LINK_ADD) -> list[str]:
    return list(
        TicketHistory.objects.filter(ticket=ticket, history_type=history_type)
        .order_by("id")
        .values_list("comment", flat=True)
    )


def link_url(ticket) -> str:
    return reverse("tickets:link", args=[ticket.pk])


def zoom_url(ticket) -> str:
    return reverse("tickets:zoom", args=[ticket.pk])


def api(agent) -> APIClient:
    client = APIClient()
    client.force_authenticate(agent)
    return client


# Services -----------------------------------------------------------------------------------------


def test_a_parent_child_link_writes_history_on_both_tickets(rw_agent, parent, child):
    link = links.add_link(
        actor=rw_agent, source=parent, target=child, link_type=LinkType.PARENT_CHILD
    )
    assert (link.source_id, link.target_id) == (parent.pk, child.pk)
    assert link_history(parent) == [f"Child: Ticket {child.number} {child.title}"]
    assert link_history(child) == [f"Parent: Ticket {parent.number} {parent.title}"]
    assert (
        TicketHistory.objects.filter(ticket=parent, history_type="TicketLinkAdd").get().created_by
        == rw_agent
    )

    links.remove_link(actor=rw_agent, link=link)
    assert not Link.objects.exists()
    assert link_history(parent, HistoryType.LINK_DELETE) == [
        f"Child: Ticket {child.number} {child.title}"
    ]
    assert link_history(child, HistoryType.LINK_DELETE) == [
        f"Parent: Ticket {parent.number} {parent.title}"
    ]


def test_a_new_link_between_linked_tickets_replaces_the_old_one(rw_agent, parent, child):
    links.add_link(actor=rw_agent, source=parent, target=child, link_type=LinkType.NORMAL)
    links.add_link(actor=rw_agent, source=child, target=parent, link_type=LinkType.PARENT_CHILD)
    link = Link.objects.get()
    assert (link.link_type, link.source_id, link.target_id) == (
        LinkType.PARENT_CHILD,
        child.pk,
        parent.pk,
    )
    assert len(link_history(parent)) == 2
    assert link_history(parent, HistoryType.LINK_DELETE) == [
        f"Normal: Ticket {child.number} {child.title}"
    ]
    # the same link again changes nothing
    links.add_link(actor=rw_agent, source=child, target=parent, link_type=LinkType.PARENT_CHILD)
    assert len(link_history(parent)) == 2


def test_a_ticket_cannot_become_its_own_ancestor(rw_agent, queue):
    a, b, c = (TicketFactory(queue=queue) for _ in range(3))
    links.add_link(actor=rw_agent, source=a, target=b, link_type=LinkType.PARENT_CHILD)
    links.add_link(actor=rw_agent, source=b, target=c, link_type=LinkType.PARENT_CHILD)
    with pytest.raises(ValidationError, match="cannot become its child"):
        links.add_link(actor=rw_agent, source=c, target=a, link_type=LinkType.PARENT_CHILD)
    # reversing a direct link replaces it: no cycle is left
    links.add_link(actor=rw_agent, source=c, target=b, link_type=LinkType.PARENT_CHILD)
    assert Link.objects.count() == 2
    # normal links make no hierarchy
    links.add_link(actor=rw_agent, source=c, target=a, link_type=LinkType.NORMAL)
    assert Link.objects.count() == 3


def test_a_ticket_cannot_be_linked_to_itself(rw_agent, parent):
    with pytest.raises(ValidationError, match="itself"):
        links.add_link(actor=rw_agent, source=parent, target=parent, link_type=LinkType.NORMAL)
    assert not TicketHistory.objects.filter(history_type=HistoryType.LINK_ADD).exists()


def test_linking_needs_rw_on_both_tickets(queue, other_queue, parent):
    elsewhere = TicketFactory(queue=other_queue)
    agent = agent_with(queue, "rw")
    grant(agent, other_queue.group, "ro")
    with pytest.raises(PermissionDenied):
        links.add_link(actor=agent, source=parent, target=elsewhere, link_type=LinkType.NORMAL)
    ro_only = agent_with(queue, "ro")
    other = TicketFactory(queue=queue)
    with pytest.raises(PermissionDenied):
        links.add_link(actor=ro_only, source=parent, target=other, link_type=LinkType.NORMAL)
    assert not Link.objects.exists()
    link = links.add_link(actor=None, source=parent, target=other, link_type=LinkType.NORMAL)
    with pytest.raises(PermissionDenied):
        links.remove_link(actor=ro_only, link=link)
    assert Link.objects.count() == 1


def test_link_events(rw_agent, parent, child):
    from opsdesk.core.events import capture_events

    with capture_events() as events:
        link = links.add_link(
            actor=rw_agent, source=parent, target=child, link_type=LinkType.NORMAL
        )
        links.remove_link(actor=rw_agent, link=link)
    names = [event.name for event in events if event.name.startswith("Link")]
    assert names == ["LinkAdd", "LinkDelete"]
    assert events[-1].data["link_type"] == LinkType.NORMAL


def test_move_links_repoints_every_link_of_a_merged_ticket(rw_agent, queue):
    old, new, x, y = (TicketFactory(queue=queue) for _ in range(4))
    links.add_link(actor=rw_agent, source=old, target=x, link_type=LinkType.PARENT_CHILD)
    links.add_link(actor=rw_agent, source=y, target=old, link_type=LinkType.NORMAL)
    links.add_link(actor=rw_agent, source=old, target=new, link_type=LinkType.NORMAL)  # self
    links.add_link(actor=rw_agent, source=new, target=y, link_type=LinkType.NORMAL)  # duplicate
    moved = links.move_links(old, new, actor=rw_agent)
    assert moved == 1
    pairs = set(Link.objects.values_list("source_id", "target_id", "link_type"))
    normal = tuple(sorted((new.pk, y.pk)))
    assert pairs == {(new.pk, x.pk, LinkType.PARENT_CHILD), (*normal, LinkType.NORMAL)}
    assert f"Parent: Ticket {old.number} {old.title}" in link_history(x, HistoryType.LINK_DELETE)
    assert f"Parent: Ticket {new.number} {new.title}" in link_history(x)
    assert links.links_of(old, agent=rw_agent) == []


# Parent-close rule --------------------------------------------------------------------------------


def test_open_children(rw_agent, parent, child, queue):
    closed_child = TicketFactory(queue=queue, state=state("closed"))
    for item in (child, closed_child):
        links.add_link(actor=rw_agent, source=parent, target=item, link_type=LinkType.PARENT_CHILD)
    assert list(open_children(parent)) == [child]
    assert list(open_children(child)) == []


def test_a_parent_with_open_children_cannot_be_closed_when_the_rule_is_on(
    settings, rw_agent, parent, child
):
    settings.OPSDESK_PARENT_CLOSE_REQUIRES_CLOSED_CHILDREN = True
    links.add_link(actor=rw_agent, source=parent, target=child, link_type=LinkType.PARENT_CHILD)
    with pytest.raises(ValidationError) as refused:
        services.set_state(parent, actor=rw_agent, state=state("closed"))
    assert "state" in refused.value.error_dict
    assert child.number in str(refused.value)
    parent.refresh_from_db()
    assert not parent.state.is_closed
    # the child may close; then the parent may too
    services.set_state(child, actor=rw_agent, state=state("closed"))
    services.set_state(parent, actor=rw_agent, state=state("closed"))
    parent.refresh_from_db()
    assert parent.state.name == "closed"


def test_a_merged_child_does_not_keep_its_parent_open(settings, rw_agent, parent, child):
    settings.OPSDESK_PARENT_CLOSE_REQUIRES_CLOSED_CHILDREN = True
    links.add_link(actor=rw_agent, source=parent, target=child, link_type=LinkType.PARENT_CHILD)
    services.set_state(child, actor=rw_agent, state=state("merged"), enforce_workflow=False)
    services.set_state(parent, actor=rw_agent, state=state("closed"))
    assert parent.state.is_closed


def test_a_parent_with_open_children_cannot_be_merged_away(settings, rw_agent, parent, child):
    settings.OPSDESK_PARENT_CLOSE_REQUIRES_CLOSED_CHILDREN = True
    links.add_link(actor=rw_agent, source=parent, target=child, link_type=LinkType.PARENT_CHILD)
    with pytest.raises(ValidationError):
        services.set_state(parent, actor=rw_agent, state=state("merged"), enforce_workflow=False)


def test_the_parent_close_rule_is_off_by_default(settings, rw_agent, parent, child):
    assert settings.OPSDESK_PARENT_CLOSE_REQUIRES_CLOSED_CHILDREN is False
    links.add_link(actor=rw_agent, source=parent, target=child, link_type=LinkType.PARENT_CHILD)
    services.set_state(parent, actor=rw_agent, state=state("closed"))
    assert parent.state.is_closed


def test_the_close_dialog_shows_the_parent_close_refusal(settings, client, rw_agent, parent, child):
    settings.OPSDESK_PARENT_CLOSE_REQUIRES_CLOSED_CHILDREN = True
    links.add_link(actor=rw_agent, source=parent, target=child, link_type=LinkType.PARENT_CHILD)
    client.force_login(rw_agent)
    response = client.post(
        reverse("tickets:close", args=[parent.pk]), {"state": state("closed").pk}
    )
    assert response.status_code == 200
    assert "cannot be closed while its child tickets" in response.content.decode()
    parent.refresh_from_db()
    assert not parent.state.is_closed


# Search -------------------------------------------------------------------------------------------


def test_the_link_search_finds_visible_tickets_by_number_and_title(ro_agent, queue, other_queue):
    mine = TicketFactory(queue=queue, title="Printer jams on floor 2")
    hidden = TicketFactory(queue=other_queue, title="Printer secret")
    search = links.object_type("ticket").search
    assert search(ro_agent, "printer", 10) == [mine]
    assert search(ro_agent, mine.number, 10) == [mine]
    assert search(ro_agent, mine.number[:8], 10) == [mine]
    assert search(ro_agent, "*" + mine.number[-6:], 10) == [mine]
    assert search(ro_agent, mine.number[:4] + "*" + mine.number[-3:], 10) == [mine]
    assert search(ro_agent, hidden.number, 10) == []
    assert search(ro_agent, "   ", 10) == []


# The Link dialog ----------------------------------------------------------------------------------


def test_the_link_dialog_needs_rw(client, ro_agent, plain_agent, parent, child):
    client.force_login(ro_agent)
    assert client.get(link_url(parent)).status_code == 403
    response = client.post(link_url(parent), {"object_type": "ticket", "target": child.pk})
    assert response.status_code == 403
    assert not Link.objects.exists()
    client.force_login(plain_agent)
    assert client.get(link_url(parent)).status_code == 404


def test_link_two_tickets_in_the_dialog_and_see_it_on_both_zooms(client, rw_agent, parent, child):
    client.force_login(rw_agent)
    response = client.get(link_url(parent))
    assert response.status_code == 200
    assert "not linked to anything yet" in response.content.decode()

    response = client.post(
        link_url(parent), {"object_type": "ticket", "target": child.pk, "link_as": "parent"}
    )
    assert response.status_code == 302
    link = Link.objects.get()
    assert (link.source_id, link.target_id, link.link_type) == (
        parent.pk,
        child.pk,
        LinkType.PARENT_CHILD,
    )

    page = client.get(zoom_url(parent)).content.decode()
    assert child.number in page and 'data-relation="child"' in page
    page = client.get(zoom_url(child)).content.decode()
    assert parent.number in page and 'data-relation="parent"' in page

    page = client.get(link_url(child)).content.decode()
    assert 'data-testid="remove-link"' in page
    response = client.post(link_url(child), {"remove": link.pk}, follow=True)
    assert "was removed" in response.content.decode()
    assert not Link.objects.exists()
    assert link_history(parent, HistoryType.LINK_DELETE)
    assert link_history(child, HistoryType.LINK_DELETE)


def test_the_dialog_links_by_search_text_and_as_child(client, rw_agent, parent, child):
    client.force_login(rw_agent)
    response = client.post(
        link_url(child), {"object_type": "ticket", "q": parent.number, "link_as": "child"}
    )
    assert response.status_code == 302
    link = Link.objects.get()
    assert (link.source_id, link.target_id) == (parent.pk, child.pk)


def test_the_dialog_asks_to_choose_when_several_tickets_match(client, rw_agent, queue, parent):
    TicketFactory(queue=queue, title="Printer A")
    TicketFactory(queue=queue, title="Printer B")
    client.force_login(rw_agent)
    response = client.post(
        link_url(parent), {"object_type": "ticket", "q": "printer", "link_as": "normal"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "choose one" in page
    assert page.count('data-testid="link-result"') == 2
    assert not Link.objects.exists()


def test_the_dialog_refuses_a_cycle_with_a_message(client, rw_agent, queue, parent, child):
    grandchild = TicketFactory(queue=queue)
    links.add_link(actor=rw_agent, source=parent, target=child, link_type=LinkType.PARENT_CHILD)
    links.add_link(actor=rw_agent, source=child, target=grandchild, link_type="parent_child")
    client.force_login(rw_agent)
    response = client.post(
        link_url(parent), {"object_type": "ticket", "target": grandchild.pk, "link_as": "child"}
    )
    assert response.status_code == 200
    assert "cannot become its child" in response.content.decode()
    assert Link.objects.count() == 2


def test_the_dialog_refuses_a_ticket_the_agent_may_not_link(client, queue, other_queue, parent):
    agent = agent_with(queue, "rw")
    grant(agent, other_queue.group, "ro")
    elsewhere = TicketFactory(queue=other_queue)
    hidden = TicketFactory(queue=QueueFactory())
    client.force_login(agent)
    response = client.post(
        link_url(parent), {"object_type": "ticket", "target": elsewhere.pk, "link_as": "normal"}
    )
    assert response.status_code == 200
    assert "You may not link" in response.content.decode()
    response = client.post(
        link_url(parent), {"object_type": "ticket", "target": hidden.pk, "link_as": "normal"}
    )
    assert response.status_code == 200
    assert "no such object that you may see" in response.content.decode()
    assert not Link.objects.exists()


def test_the_type_ahead_answers_only_visible_tickets(client, rw_agent, queue, parent):
    mine = TicketFactory(queue=queue, title="Scanner offline")
    TicketFactory(queue=QueueFactory(), title="Scanner in another queue")
    client.force_login(rw_agent)
    response = client.get(
        link_url(parent), {"object_type": "ticket", "q": "scanner"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="link-result"') == 1
    assert mine.number in page
    response = client.get(
        link_url(parent), {"object_type": "ticket", "q": "nothing"}, HTTP_HX_REQUEST="true"
    )
    assert "Nothing matches" in response.content.decode()


def test_removing_a_link_of_another_ticket_is_404(client, rw_agent, queue, parent, child):
    other = TicketFactory(queue=queue)
    link = links.add_link(actor=rw_agent, source=other, target=child, link_type=LinkType.NORMAL)
    client.force_login(rw_agent)
    assert client.post(link_url(parent), {"remove": link.pk}).status_code == 404
    assert client.post(link_url(parent), {"remove": "x"}).status_code == 404
    assert Link.objects.count() == 1


def test_the_menu_offers_link_to_rw_only(client, rw_agent, ro_agent, parent):
    client.force_login(rw_agent)
    assert 'data-action="link"' in client.get(zoom_url(parent)).content.decode()
    client.force_login(ro_agent)
    assert 'data-action="link"' not in client.get(zoom_url(parent)).content.decode()


# The zoom's panel ---------------------------------------------------------------------------------


def test_the_panel_shows_only_tickets_the_agent_may_see(client, queue, other_queue, parent):
    visible = TicketFactory(queue=queue, title="Visible neighbour", state=state("closed"))
    hidden = TicketFactory(queue=other_queue, title="Hidden neighbour")
    for item in (visible, hidden):
        links.add_link(actor=None, source=parent, target=item, link_type=LinkType.NORMAL)
    agent = agent_with(queue, "ro")
    client.force_login(agent)
    page = client.get(zoom_url(parent)).content.decode()
    assert "Visible neighbour" in page
    assert "Hidden neighbour" not in page
    assert 'data-closed="true"' in page  # the closed ticket is struck through
    response = api(agent).get(LINKS, {"object": f"ticket:{parent.number}"})
    assert [item["object"]["key"] for item in response.json()] == [visible.number]


@pytest.mark.parametrize("count", [2, 20])
def test_the_panel_needs_a_constant_number_of_queries(
    client, rw_agent, queue, parent, count, django_assert_max_num_queries
):
    client.force_login(rw_agent)
    client.get(zoom_url(parent))
    with CaptureQueriesContext(connection) as without_links:
        client.get(zoom_url(parent))
    for index in range(count):
        other = TicketFactory(queue=queue, title=f"Neighbour {index}")
        link_type = LinkType.PARENT_CHILD if index % 2 else LinkType.NORMAL
        links.add_link(actor=None, source=parent, target=other, link_type=link_type)
    # the links, then the linked tickets with their state, queue and group
    with django_assert_max_num_queries(len(without_links) + 1):
        page = client.get(zoom_url(parent)).content.decode()
    assert page.count('data-testid="linked-object"') == count


# REST API -----------------------------------------------------------------------------------------


def test_api_create_list_and_delete_a_link(rw_agent, parent, child):
    client = api(rw_agent)
    response = client.post(
        LINKS,
        {
            "source": {"type": "ticket", "key": parent.number},
            "target": {"type": "ticket", "key": child.number},
            "link_type": "parent_child",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["source"]["key"] == parent.number
    assert body["target"]["label"] == f"{child.number} {child.title}"
    link_id = body["id"]
    assert client.get(reverse("api-v1:link-detail", args=[link_id])).status_code == 200

    listed = client.get(LINKS, {"object": f"ticket:{child.number}"}).json()
    assert listed == [
        {
            "id": link_id,
            "link_type": "parent_child",
            "relation": "parent",
            "object": {
                "type": "ticket",
                "key": parent.number,
                "label": f"{parent.number} {parent.title}",
                "url": zoom_url(parent),
            },
            "created_at": listed[0]["created_at"],
        }
    ]
    assert link_history(child)

    response = client.delete(reverse("api-v1:link-detail", args=[link_id]))
    assert response.status_code == 204
    assert not Link.objects.exists()
    assert link_history(child, HistoryType.LINK_DELETE)


def test_api_refusals(rw_agent, ro_agent, queue, parent, child):
    client = api(rw_agent)

    def post(source, target, link_type="normal"):
        return client.post(
            LINKS,
            {
                "source": {"type": "ticket", "key": source},
                "target": {"type": "ticket", "key": target},
                "link_type": link_type,
            },
            format="json",
        )

    assert post(parent.number, parent.number).status_code == 400
    hidden = TicketFactory(queue=QueueFactory())
    response = post(parent.number, hidden.number)
    assert response.status_code == 400 and "target" in response.json()
    assert post(parent.number, "nope").status_code == 400
    response = client.post(
        LINKS,
        {
            "source": {"type": "spaceship", "key": "1"},
            "target": {"type": "ticket", "key": child.number},
            "link_type": "normal",
        },
        format="json",
    )
    assert response.status_code == 400 and "source" in response.json()
    assert post(parent.number, child.number, "sibling").status_code == 400
    assert not Link.objects.exists()

    # ro on both: may list, not link or unlink
    response = api(ro_agent).post(
        LINKS,
        {
            "source": {"type": "ticket", "key": parent.number},
            "target": {"type": "ticket", "key": child.number},
            "link_type": "normal",
        },
        format="json",
    )
    assert response.status_code == 403
    link = links.add_link(actor=rw_agent, source=parent, target=child, link_type="normal")
    assert api(ro_agent).get(LINKS, {"object": f"ticket:{parent.number}"}).status_code == 200
    detail = reverse("api-v1:link-detail", args=[link.pk])
    assert api(ro_agent).delete(detail).status_code == 403
    outsider = agent_with(QueueFactory(), "rw")
    assert api(outsider).delete(detail).status_code == 404
    assert api(outsider).get(detail).status_code == 404
    assert api(outsider).get(LINKS, {"object": f"ticket:{parent.number}"}).status_code == 404
    assert client.get(LINKS).status_code == 400
    assert client.get(LINKS, {"object": "spaceship:1"}).status_code == 400
    assert Link.objects.count() == 1
