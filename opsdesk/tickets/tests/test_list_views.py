"""The ticket lists' screens: queue view, status view, locked / watched / responsible /
escalation lists, My Queues and the article preview (manual 5.2, 5.3)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from opsdesk.accounts.models import Group
from opsdesk.tickets import services
from opsdesk.tickets.list_views import ticket_list_context
from opsdesk.tickets.models import QueueSubscription, Ticket, TicketWatcher
from opsdesk.tickets.paging import CappedPaginator, capped_count, format_capped_count

from .factories import QueueFactory, TicketFactory, agent_with, grant, priority, state

pytestmark = pytest.mark.django_db

QUEUE_VIEW = reverse("tickets:queue_view")
STATUS_VIEW = reverse("tickets:status_view")


def make(queue, state_name="open", **changes) -> Ticket:
    """A ticket of ``queue`` put straight into ``state_name`` and ``changes`` (no workflow)."""
    ticket = TicketFactory(queue=queue, **changes.pop("create", {}))
    changes.setdefault("state", state(state_name))
    Ticket.objects.filter(pk=ticket.pk).update(**changes)
    ticket.refresh_from_db()
    return ticket


def lister(queue, permission="ro", *, queue_view=True, **fields):
    """An agent with ``permission`` on the queue's group, allowed the ticket screens (``users``)
    and, unless told otherwise, the queue view (``queue_view``)."""
    agent = agent_with(queue, permission, **fields)
    grant(agent, Group.objects.get_or_create(name="users")[0], "ro")
    if queue_view:
        grant(agent, Group.objects.get_or_create(name="queue_view")[0], "ro")
    return agent


@pytest.fixture
def agent_client(client):
    def signed_in(agent):
        client.force_login(agent)
        return client

    return signed_in


def rows(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-ticket="(\d+)"', response.content.decode())]


def htmx(target: str) -> dict:
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}


# Queue view ---------------------------------------------------------------------------------------


def test_queue_view_needs_the_queue_view_permission(client, agent_client):
    queue = QueueFactory()
    assert client.get(QUEUE_VIEW).status_code == 302  # anonymous: to the sign-in page
    response = agent_client(lister(queue, queue_view=False)).get(QUEUE_VIEW)
    assert response.status_code == 403
    response = agent_client(lister(queue, login="viewer")).get(QUEUE_VIEW)
    assert response.status_code == 200


def test_queue_view_tree_and_list_show_only_permitted_queues(agent_client):
    mine = QueueFactory(name="Support")
    foreign = QueueFactory(name="Secret desk")
    visible = make(mine, "open")
    hidden = make(foreign, "open")
    client = agent_client(lister(mine))

    response = client.get(QUEUE_VIEW, {"queue": "all"})
    page = response.content.decode()
    assert "Support" in page and "Secret desk" not in page
    assert rows(response) == [visible.pk]
    assert hidden.pk not in rows(response)
    assert response.context["all_total"] == 1
    queues = [node.queue for node in response.context["nodes"]]
    assert mine in queues and foreign not in queues

    # A queue the agent may not see is answered like one that does not exist.
    assert client.get(QUEUE_VIEW, {"queue": foreign.pk}).status_code == 404
    assert client.get(QUEUE_VIEW, {"queue": "nonsense"}).status_code == 404


@pytest.mark.parametrize("permission", ["ro", "rw"])
def test_queue_view_lists_the_chosen_queues_open_tickets(agent_client, permission):
    queue = QueueFactory()
    other = QueueFactory(group=queue.group)
    agent = lister(queue, permission)
    first = make(queue, "new")
    locked = make(queue, "open", locked=True, owner=agent)
    make(queue, "closed")
    elsewhere = make(other, "open")
    client = agent_client(agent)

    response = client.get(QUEUE_VIEW, {"queue": queue.pk})
    assert set(rows(response)) == {first.pk, locked.pk}
    assert response.context["selected"].pk == queue.pk
    nodes = {node.pk: node for node in response.context["nodes"]}
    assert (nodes[queue.pk].total, nodes[queue.pk].available) == (2, 1)
    assert (nodes[other.pk].total, nodes[other.pk].available) == (1, 1)

    response = client.get(QUEUE_VIEW, {"queue": queue.pk, "view": "available"})
    assert rows(response) == [first.pk]
    assert elsewhere.pk in rows(client.get(QUEUE_VIEW, {"queue": "all"}))


def test_queue_view_default_order_is_priority_then_oldest(agent_client):
    queue = QueueFactory()
    low_old = make(queue, "open", priority=priority("low"))
    high = make(queue, "open", priority=priority("high"))
    low_new = make(queue, "open", priority=priority("low"))
    Ticket.objects.filter(pk=low_new.pk).update(
        created_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    response = agent_client(lister(queue)).get(QUEUE_VIEW, {"queue": queue.pk})
    assert rows(response) == [high.pk, low_old.pk, low_new.pk]
    response = agent_client(lister(queue)).get(QUEUE_VIEW, {"queue": queue.pk, "sort": "age"})
    assert rows(response) == [low_new.pk, high.pk, low_old.pk]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"state": "new"}, {"new"}),
        ({"priority": "high"}, {"high"}),
        ({"type": "incident"}, {"incident"}),
        ({"owner": "boss"}, {"owned"}),
        ({"locked": "true"}, {"owned"}),
        ({"locked": "false"}, {"new", "high", "incident", "acme"}),
        ({"customer_id": "ACME"}, {"acme"}),
    ],
)
def test_queue_view_filters(agent_client, params, expected):
    from opsdesk.customers.tests.factories import CustomerCompanyFactory

    from .factories import ticket_type

    queue = QueueFactory()
    boss = lister(queue, "rw", login="boss")
    company = CustomerCompanyFactory(customer_id="ACME")
    tickets = {
        "new": make(queue, "new"),
        "high": make(queue, "open", priority=priority("high")),
        "incident": make(queue, "open", ticket_type=ticket_type("incident")),
        "owned": make(queue, "open", owner=boss, locked=True),
        "acme": make(queue, "open", customer_company=company),
    }
    response = agent_client(boss).get(QUEUE_VIEW, {"queue": queue.pk, **params})
    assert response.status_code == 200
    assert set(rows(response)) == {tickets[name].pk for name in expected}


def test_a_bad_filter_value_shows_a_message_and_no_rows(agent_client):
    queue = QueueFactory()
    make(queue, "open")
    response = agent_client(lister(queue)).get(QUEUE_VIEW, {"queue": queue.pk, "state": "nope"})
    assert response.status_code == 200
    assert rows(response) == []
    assert "There is no state" in response.content.decode()


def test_my_queues_are_the_default_and_their_unlocked_tickets_are_highlighted(agent_client):
    followed = QueueFactory(name="Followed")
    other = QueueFactory(name="Other", group=followed.group)
    agent = lister(followed)
    free = make(followed, "open")
    taken = make(followed, "open", locked=True)
    elsewhere = make(other, "open")
    QueueSubscription.objects.create(agent=agent, queue=followed)
    client = agent_client(agent)

    response = client.get(QUEUE_VIEW)
    assert response.context["choice"] == "mine"
    assert set(rows(response)) == {free.pk, taken.pk}
    assert (response.context["mine_total"], response.context["mine_available"]) == (2, 1)
    page = response.content.decode()
    highlighted = re.findall(r'<tr[^>]*class="[^"]*ticket-available[^"]*"[^>]*>', page)
    assert len(highlighted) == 1 and f'data-ticket="{free.pk}"' in highlighted[0]

    # Listing all queues still highlights only the followed queue's free ticket.
    page = client.get(QUEUE_VIEW, {"queue": "all"}).content.decode()
    assert elsewhere.pk in rows(client.get(QUEUE_VIEW, {"queue": "all"}))
    assert len(re.findall(r"ticket-available", page)) == 1


def test_queue_view_htmx_targets_get_partials(agent_client):
    queue = QueueFactory()
    ticket = make(queue, "open")
    client = agent_client(lister(queue, refresh_interval=60))

    full = client.get(QUEUE_VIEW, {"queue": queue.pk}).content.decode()
    assert "<html" in full and 'id="queue-view"' in full
    assert "every 60s" in full  # the agent's refresh interval drives the region's refresh

    region = client.get(QUEUE_VIEW, {"queue": queue.pk}, **htmx("queue-view")).content.decode()
    assert "<html" not in region
    assert region.lstrip().startswith('<div id="queue-view"') or 'id="queue-view"' in region
    assert 'data-testid="queue-tree"' in region

    listing = client.get(QUEUE_VIEW, {"queue": queue.pk}, **htmx("ticket-list"))
    body = listing.content.decode()
    assert "<html" not in body and 'data-testid="queue-tree"' not in body
    assert rows(listing) == [ticket.pk]
    assert "HX-Target" in listing["Vary"]


def test_refresh_is_off_when_the_agent_turned_it_off(agent_client):
    queue = QueueFactory()
    page = agent_client(lister(queue)).get(QUEUE_VIEW).content.decode()
    assert "every " not in page


LIST_URLS = ("status_view", "locked_list", "watched_list", "responsible_list", "escalation_view")


def test_list_queries_do_not_grow_with_the_number_of_rows(
    agent_client, django_assert_max_num_queries
):
    queue = QueueFactory()
    agent = lister(queue, page_size=50)
    client = agent_client(agent)
    soon = timezone.now() + datetime.timedelta(hours=1)

    def add(count):
        for _ in range(count):
            ticket = make(
                queue, "open", owner=agent, locked=True, responsible=agent, escalation_at=soon
            )
            TicketWatcher.objects.create(ticket=ticket, agent=agent)

    add(2)
    QueueSubscription.objects.create(agent=agent, queue=queue)
    # Session, agent, permissions (2), tree (queues, open states, grouped counts), followed
    # queues, list (visible queues, open states, capped count, rows), filter choices (states,
    # priorities, types, agents), session save (3).
    with django_assert_max_num_queries(20) as few_queue_view:
        assert len(rows(client.get(QUEUE_VIEW, {"queue": "all"}))) == 2
    few = {}
    for name in LIST_URLS:
        # The status view also counts both tabs; its queue filter lists the agent's queues.
        with django_assert_max_num_queries(21) as captured:
            assert len(rows(client.get(reverse(f"tickets:{name}")))) == 2
        few[name] = len(captured.captured_queries)

    add(18)
    with django_assert_max_num_queries(len(few_queue_view.captured_queries)):
        assert len(rows(client.get(QUEUE_VIEW, {"queue": "all"}))) == 20
    with django_assert_max_num_queries(len(few_queue_view.captured_queries)):
        client.get(QUEUE_VIEW, {"queue": "all"}, **htmx("queue-view"))
    for name in LIST_URLS:
        with django_assert_max_num_queries(few[name]):
            assert len(rows(client.get(reverse(f"tickets:{name}")))) == 20


# Status view and personal lists -------------------------------------------------------------------


def test_status_view_splits_open_and_closed_with_counts(agent_client):
    queue = QueueFactory()
    foreign = QueueFactory()
    new = make(queue, "new")
    pending = make(queue, "pending")
    closed = make(queue, "closed")
    make(queue, "merged")
    make(foreign, "open")
    make(foreign, "closed")
    client = agent_client(lister(queue))

    response = client.get(STATUS_VIEW)
    assert set(rows(response)) == {new.pk, pending.pk}
    tabs = {key: count for key, _label, count, _active in response.context["tabs"]}
    assert tabs == {"open": "2", "closed": "1"}
    response = client.get(STATUS_VIEW, {"view": "closed"})
    assert rows(response) == [closed.pk]


def test_status_view_filters_by_permitted_queue_only(agent_client):
    queue = QueueFactory()
    second = QueueFactory(group=queue.group)
    foreign = QueueFactory()
    make(queue, "open")
    in_second = make(second, "open")
    client = agent_client(lister(queue))
    assert rows(client.get(STATUS_VIEW, {"queue": second.pk})) == [in_second.pk]
    response = client.get(STATUS_VIEW, {"queue": foreign.pk})
    assert rows(response) == []  # refused, not listed
    assert "Secret" not in response.content.decode()
    choices = response.context["filter_form"].fields["queue"].queryset
    assert foreign not in choices and queue in choices


def test_personal_lists_show_the_agents_tickets(agent_client):
    queue = QueueFactory()
    agent = lister(queue, "rw")
    other = lister(queue, "rw")
    locked = make(queue, "open", owner=agent, locked=True)
    make(queue, "open", owner=other, locked=True)
    watched = make(queue, "open")
    TicketWatcher.objects.create(ticket=watched, agent=agent)
    responsible = make(queue, "open", responsible=agent)
    make(queue, "closed", responsible=agent)
    soon = make(queue, "open", escalation_at=timezone.now() + datetime.timedelta(hours=1))
    late = make(queue, "open", escalation_at=timezone.now() - datetime.timedelta(hours=1))
    client = agent_client(agent)

    assert rows(client.get(reverse("tickets:locked_list"))) == [locked.pk]
    assert rows(client.get(reverse("tickets:watched_list"))) == [watched.pk]
    assert rows(client.get(reverse("tickets:responsible_list"))) == [responsible.pk]
    response = client.get(reverse("tickets:escalation_view"))
    assert rows(response) == [late.pk, soon.pk]
    assert "escalated" in response.content.decode()


def test_escalation_view_explains_an_empty_list(agent_client):
    queue = QueueFactory()
    make(queue, "open")
    page = agent_client(lister(queue)).get(reverse("tickets:escalation_view")).content.decode()
    assert "Escalation times come from the SLA" in page


def test_lists_need_the_users_permission(agent_client):
    nobody = agent_with(QueueFactory(), "ro")  # no ro on "users"
    client = agent_client(nobody)
    for name in ("status_view", "locked_list", "watched_list", "responsible_list"):
        assert client.get(reverse(f"tickets:{name}")).status_code == 403


def test_the_list_carries_the_bulk_form_and_checkboxes(agent_client):
    queue = QueueFactory()
    ticket = make(queue, "open")
    page = agent_client(lister(queue)).get(STATUS_VIEW).content.decode()
    assert f'name="ticket" value="{ticket.pk}" form="ticket-bulk-form"' in page
    assert "data-select-all" in page
    try:
        bulk = reverse("tickets:bulk")
    except Exception:  # the bulk screen is another part of issue 5
        return
    assert f'action="{bulk}"' in page


# Preview ------------------------------------------------------------------------------------------


def test_preview_shows_the_last_article(agent_client):
    queue = QueueFactory()
    agent = lister(queue, "rw")
    ticket = make(queue, "open")
    services.add_note(ticket, actor=agent, subject="Called back", body="Spoke to " + "y" * 900)
    response = agent_client(agent).get(reverse("tickets:preview", args=[ticket.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Called back" in page and "internal" in page
    assert "y" * 480 in page and "y" * 600 not in page


def test_preview_of_a_foreign_ticket_is_404(agent_client):
    ticket = make(QueueFactory(), "open")
    client = agent_client(lister(QueueFactory()))
    assert client.get(reverse("tickets:preview", args=[ticket.pk])).status_code == 404
    assert client.get(reverse("tickets:preview", args=[999999])).status_code == 404


# My Queues ----------------------------------------------------------------------------------------


def test_my_queues_page_saves_the_followed_queues(agent_client):
    first = QueueFactory(name="First")
    second = QueueFactory(name="Second", group=first.group)
    foreign = QueueFactory(name="Foreign")
    agent = lister(first)
    client = agent_client(agent)
    url = reverse("tickets:my_queues")

    page = client.get(url).content.decode()
    assert "First" in page and "Second" in page and "Foreign" not in page
    response = client.post(url, {"queue": [first.pk, second.pk]})
    assert response.status_code == 302
    assert set(QueueSubscription.objects.filter(agent=agent).values_list("queue", flat=True)) == {
        first.pk,
        second.pk,
    }
    client.post(url, {"queue": [second.pk]})
    assert list(QueueSubscription.objects.filter(agent=agent).values_list("queue", flat=True)) == [
        second.pk
    ]

    # A queue the agent may not see is refused; nothing changes.
    response = client.post(url, {"queue": [first.pk, foreign.pk]})
    assert response.status_code == 200
    assert "Choose only contact persons from the list" in response.content.decode()
    assert list(QueueSubscription.objects.filter(agent=agent).values_list("queue", flat=True)) == [
        second.pk
    ]
    client.post(url, {})
    assert not QueueSubscription.objects.filter(agent=agent).exists()


# Paging -------------------------------------------------------------------------------------------


def test_counts_are_capped(agent_client, rf):
    queue = QueueFactory()
    for _ in range(4):
        make(queue, "open")
    tickets = Ticket.objects.filter(queue=queue)
    assert capped_count(tickets, cap=3) == 4
    assert capped_count(tickets, cap=10) == 4
    assert format_capped_count(4, cap=3) == "3+"
    assert format_capped_count(12345, cap=20000) == "12,345"
    paginator = CappedPaginator(tickets, 2, cap=3)
    assert (paginator.count, paginator.capped, paginator.count_display) == (3, True, "3+")
    assert paginator.num_pages == 2

    request = rf.get("/", {"page": "99"})
    request.user = lister(queue, page_size=10)
    context = ticket_list_context(
        request, tickets.select_related("queue", "state", "priority", "owner"), count_cap=3
    )
    assert context["ticket_count"] == "3+" and context["ticket_count_capped"]
    assert context["page"].number == 1  # beyond the last page: the last page


def test_sorting_is_whitelisted_and_stable(agent_client):
    queue = QueueFactory()
    tickets = [make(queue, "open") for _ in range(3)]
    client = agent_client(lister(queue))
    # Equal states: the id decides, so pages do not shuffle.
    assert rows(client.get(STATUS_VIEW, {"sort": "state"})) == [t.pk for t in tickets]
    assert rows(client.get(STATUS_VIEW, {"sort": "-number"})) == [t.pk for t in reversed(tickets)]
    # An unknown or unsortable column falls back to the default (newest first).
    for sort in ("owner", "nonsense", "-customer"):
        response = client.get(STATUS_VIEW, {"sort": sort})
        assert response.status_code == 200
        assert rows(response) == [t.pk for t in reversed(tickets)]


def test_status_view_list_partial_refreshes_itself(agent_client):
    queue = QueueFactory()
    ticket = make(queue, "open")
    client = agent_client(lister(queue, refresh_interval=120))
    response = client.get(STATUS_VIEW, {"state": "open"}, **htmx("ticket-list"))
    body = response.content.decode()
    assert "<html" not in body and 'data-testid="status-tabs"' not in body
    assert rows(response) == [ticket.pk]
    assert 'hx-get="/tickets/status/?state=open"' in body and "every 120s" in body


def test_pages_beyond_the_last_show_the_last_page(agent_client):
    queue = QueueFactory()
    tickets = [make(queue, "open") for _ in range(12)]
    client = agent_client(lister(queue, page_size=10))
    assert rows(client.get(STATUS_VIEW, {"page": 7})) == [tickets[1].pk, tickets[0].pk]
    assert len(rows(client.get(STATUS_VIEW, {"page": "x"}))) == 10
    assert len(rows(client.get(STATUS_VIEW, {"per_page": 15}))) == 12
    assert len(rows(client.get(STATUS_VIEW, {"per_page": 100000}))) == 10  # not offered


# Fast paths: page ids first, priority order without the join, rows and tree built in Python ----


def _expected_priority_order(tickets, *, descending=True):
    """Priority level (most urgent first), then oldest first, then id: the queue view's order."""
    key = [(t.priority.level, -t.created_at.timestamp(), -t.pk) for t in tickets]
    ordered = sorted(zip(key, tickets, strict=True), key=lambda pair: pair[0], reverse=descending)
    return [t.pk for _key, t in ordered]


def test_queue_view_sorts_by_priority_level_not_id_over_pages(agent_client):
    # Levels in another order than the ids: "low" becomes the most urgent.
    Priority = priority("low").__class__
    Priority.objects.filter(name="low").update(level=99)
    queue = QueueFactory()
    other = QueueFactory(group=queue.group)
    names = ["low", "high", "medium", "very_high", "very_low"]
    now = timezone.now()
    tickets = []
    for number in range(13):
        ticket = make(queue if number % 3 else other, "open", priority=priority(names[number % 5]))
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=now - datetime.timedelta(minutes=(number * 7) % 5)
        )
        tickets.append(ticket)
    make(queue, "closed", priority=priority("low"))
    tickets = list(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).select_related("priority"))
    client = agent_client(lister(queue, page_size=10))

    seen = rows(client.get(QUEUE_VIEW, {"queue": "all"}))
    seen += rows(client.get(QUEUE_VIEW, {"queue": "all", "page": 2}))
    assert seen == _expected_priority_order(tickets)
    assert seen[:3] == [t for t in seen if Ticket.objects.get(pk=t).priority.name == "low"]

    ascending = rows(client.get(QUEUE_VIEW, {"queue": "all", "sort": "priority"}))
    ascending += rows(client.get(QUEUE_VIEW, {"queue": "all", "sort": "priority", "page": 2}))
    expected = sorted(tickets, key=lambda t: (t.priority.level, -t.created_at.timestamp(), -t.pk))
    # "priority" ascending: lowest level first; age keeps its own direction (oldest first).
    assert [Ticket.objects.get(pk=pk).priority.level for pk in ascending] == [
        t.priority.level for t in expected
    ]

    in_queue = [t for t in tickets if t.queue_id == queue.pk]
    assert rows(client.get(QUEUE_VIEW, {"queue": queue.pk})) == _expected_priority_order(in_queue)


def test_ids_first_pages_match_the_one_query_order(django_assert_num_queries):
    from opsdesk.tickets.paging import with_ids_first
    from opsdesk.tickets.selectors import TICKET_LIST_RELATED, priority_ids_by_level

    queue = QueueFactory()
    names = ["low", "high", "medium", "very_high", "very_low"]
    for number in range(9):
        make(queue, "open", priority=priority(names[number % 5]))
    tickets = Ticket.objects.filter(queue=queue).select_related(*TICKET_LIST_RELATED)
    plain = tickets.order_by("-priority__level", "created_at", "id")
    fast = with_ids_first(tickets).partitioned(
        "priority_id", priority_ids_by_level(descending=True), then=("created_at", "id")
    )
    assert [t.pk for t in fast] == [t.pk for t in plain]  # unsliced: one query, CASE order
    for low, high in ((0, 4), (4, 8), (8, 12)):
        with django_assert_num_queries(2):  # the page's ids, then its rows with relations
            page = list(fast.all()[low:high])
        assert [t.pk for t in page] == [t.pk for t in plain[low:high]]
        assert all(t.queue.pk == queue.pk for t in page)  # relations loaded, no query
    assert fast.count() == 9 and fast.order_by("-id")[0].pk == max(t.pk for t in plain)


def test_ticket_rows_are_the_markup_django_tables2_renders(rf):
    from opsdesk.customers.models import CustomerCompany
    from opsdesk.tickets.tables import TicketTable

    queue = QueueFactory(name='Tom & "Jerry" <desk>')
    agent = lister(queue)
    soon = timezone.now() + datetime.timedelta(hours=3)
    late = timezone.now() - datetime.timedelta(days=2)
    company = CustomerCompany.objects.create(customer_id="ACME-1", name="Acme <& Co>")
    make(queue, "open", title="<script>alert(1)</script> & more", locked=True, owner=agent)
    make(queue, "new", escalation_at=soon, customer_address="x@example.com")
    make(queue, "open", escalation_at=late, customer_company=company, customer_address="")
    request = rf.get("/tickets/status/", {"sort": "-number"})
    request.user = agent
    tickets = Ticket.objects.filter(queue=queue).select_related(
        "queue", "state", "priority", "owner", "customer_user", "customer_company"
    )

    def rendered(**kwargs):
        table = TicketTable(tickets, highlight_queue_ids={queue.pk}, order_by="-number", **kwargs)
        table.paginate(per_page=25)
        html = re.sub(r"\s+", " ", table.as_html(request))
        return re.sub(r"> <", "><", html).replace("<td >", "<td>").replace("<tbody >", "<tbody>")

    fast = rendered()
    assert fast == rendered(template_name="core/generic/table.html")
    assert "&lt;script&gt;" in fast and "<script>alert" not in fast
    assert "ticket-available table-info" in fast  # the unlocked tickets of a followed queue
    assert fast.count('data-testid="ticket-link"') == 3


def test_queue_tree_items_escape_names_and_mark_followed_queues(agent_client):
    queue = QueueFactory(name="R&D <lab>")
    make(queue, "open")
    agent = lister(queue)
    QueueSubscription.objects.create(agent=agent, queue=queue)
    page = agent_client(agent).get(QUEUE_VIEW, {"queue": queue.pk}).content.decode()
    assert "R&amp;D &lt;lab&gt;" in page and "R&D <lab>" not in page
    link = re.search(r'<a class="[^"]*active" aria-current="page"[^>]*data-queue="(\d+)"', page)
    assert link and int(link.group(1)) == queue.pk
    assert "★" in page and 'data-testid="queue-count"' in page
