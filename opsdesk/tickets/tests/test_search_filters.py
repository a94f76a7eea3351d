"""Each attribute of the ticket search (``filtersets.TicketFilterSet``): what it finds, what it
leaves out, and the message a bad value gets."""

import datetime
from unittest import mock

import pytest
from django.http import QueryDict
from django.utils import timezone

from opsdesk.accounts.tests.factories import AgentFactory
from opsdesk.core.models import DynamicField
from opsdesk.customers.tests.factories import CustomerCompanyFactory, CustomerUserFactory
from opsdesk.tickets import services
from opsdesk.tickets.filtersets import TicketFilterSet, time_ago
from opsdesk.tickets.models import Ticket
from opsdesk.tickets.selectors import tickets_visible_to

from .factories import QueueFactory, TicketFactory, agent_with, priority, state, ticket_type

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 25, 12, 0, tzinfo=datetime.UTC)


def query(params: dict) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in params.items():
        data.setlist(key, value if isinstance(value, list) else [str(value)])
    return data


def found(agent, **params) -> set[str]:
    """Titles of the tickets the search finds for ``agent``; the filters must be valid."""
    filterset = TicketFilterSet(
        query(params), queryset=tickets_visible_to(agent), agent=agent, dynamic_fields=True
    )
    assert filterset.is_valid(), filterset.errors
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        return set(filterset.qs.values_list("title", flat=True))


def errors(agent, **params) -> dict:
    filterset = TicketFilterSet(query(params), queryset=tickets_visible_to(agent), agent=agent)
    assert not filterset.is_valid()
    return {name: list(messages) for name, messages in filterset.errors.items()}


def set_times(ticket, **times) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(**times)


@pytest.fixture
def agent(queue):
    return agent_with(queue, "rw", login="searcher")


# Attributes ---------------------------------------------------------------------------------------


def test_number_whole_or_with_wildcards(agent, queue):
    one = TicketFactory(queue=queue, title="one")
    two = TicketFactory(queue=queue, title="two")
    assert found(agent, number=one.number) == {"one"}
    assert found(agent, number=f"*{two.number[-3:]}") == {"two"}
    assert found(agent, number=one.number[:8] + "*") == {"one", "two"}
    assert found(agent, number="1*2*3*4*5*6*7*8*9*0*1*2*3*4*5*6*7*8*9") == set()


def test_title_contains_without_regard_to_case(agent, queue):
    TicketFactory(queue=queue, title="VPN drops every hour")
    TicketFactory(queue=queue, title="メールサーバーに接続できません")
    assert found(agent, title="vpn DROPS") == {"VPN drops every hour"}
    assert found(agent, title="接続") == {"メールサーバーに接続できません"}


def test_customer_id(agent, queue):
    acme = CustomerCompanyFactory(customer_id="ACME")
    TicketFactory(queue=queue, title="acme's", customer_user=CustomerUserFactory(company=acme))
    TicketFactory(queue=queue, title="other", customer_user=CustomerUserFactory())
    assert found(agent, customer_id="acme") == {"acme's"}


def test_customer_user(agent, queue):
    TicketFactory(queue=queue, title="jdoe's", customer_user=CustomerUserFactory(login="jdoe"))
    TicketFactory(queue=queue, title="other", customer_user=CustomerUserFactory())
    assert found(agent, customer_user="JDoe") == {"jdoe's"}


def test_several_queues(agent, queue):
    second = QueueFactory(group=queue.group)
    third = QueueFactory(group=queue.group)
    TicketFactory(queue=queue, title="first")
    TicketFactory(queue=second, title="second")
    TicketFactory(queue=third, title="third")
    assert found(agent, queue=[queue.pk, second.pk]) == {"first", "second"}
    assert found(agent, queue=f"{queue.pk},{third.pk}") == {"first", "third"}


def test_queues_including_sub_queues(agent, queue):
    child = QueueFactory(group=queue.group, parent=queue, name="Network")
    grandchild = QueueFactory(group=queue.group, parent=child, name="WLAN")
    sibling = QueueFactory(group=queue.group, name=f"{queue.name}-other")
    TicketFactory(queue=queue, title="parent")
    TicketFactory(queue=child, title="child")
    TicketFactory(queue=grandchild, title="grandchild")
    TicketFactory(queue=sibling, title="sibling")
    assert found(agent, queue=queue.pk) == {"parent"}
    assert found(agent, queue=queue.pk, include_subqueues="true") == {
        "parent",
        "child",
        "grandchild",
    }
    assert found(agent, queue=child.pk, include_subqueues="on") == {"child", "grandchild"}


def test_a_queue_the_agent_may_not_see_is_refused(agent):
    hidden = QueueFactory()
    TicketFactory(queue=hidden, title="secret")
    assert errors(agent, queue=hidden.pk) == {
        "queue": [f"There is no contact person with the id {hidden.pk}."]
    }


def test_states(agent, queue):
    TicketFactory(queue=queue, title="new")
    TicketFactory(queue=queue, title="open", state=state("open"))
    TicketFactory(queue=queue, title="closed", state=state("closed"))
    assert found(agent, state=["open", "closed"]) == {"open", "closed"}
    assert found(agent, state="new") == {"new"}


def test_state_types(agent, queue):
    TicketFactory(queue=queue, title="new")
    for title, name in (
        ("in progress", "in_progress"),
        ("pending", "pending"),
        ("closed", "completed"),
    ):
        ticket = TicketFactory(queue=queue, title=title)
        Ticket.objects.filter(pk=ticket.pk).update(state=state(name))
    assert found(agent, state_type="open") == {"in progress"}
    assert found(agent, state_type="closed,pending_reminder") == {"pending", "closed"}


def test_priorities(agent, queue):
    TicketFactory(queue=queue, title="high", priority=priority("high"))
    TicketFactory(queue=queue, title="low", priority=priority("low"))
    TicketFactory(queue=queue, title="medium")
    assert found(agent, priority=["high", "low"]) == {"high", "low"}


def test_types(agent, queue):
    TicketFactory(queue=queue, title="rfc", ticket_type=ticket_type("rfc::normal"))
    TicketFactory(queue=queue, title="incident", ticket_type=ticket_type("incident"))
    assert found(agent, type="rfc::normal") == {"rfc"}


def test_owner(agent, queue):
    mine = TicketFactory(queue=queue, title="mine")
    other = agent_with(queue, "rw", login="other-agent")
    theirs = TicketFactory(queue=queue, title="theirs")
    services.set_owner(mine, actor=None, owner=agent, actor_label="test")
    services.set_owner(theirs, actor=None, owner=other, actor_label="test")
    assert found(agent, owner="SEARCHER") == {"mine"}
    assert found(agent, owner="searcher,other-agent") == {"mine", "theirs"}


def test_responsible(agent, queue):
    mine = TicketFactory(queue=queue, title="mine")
    TicketFactory(queue=queue, title="nobody's")
    services.set_responsible(mine, actor=agent, responsible=agent)
    assert found(agent, responsible="searcher") == {"mine"}


def test_an_unknown_agent_is_refused(agent):
    assert errors(agent, owner="ghost") == {"owner": ["There is no agent with the login “ghost”."]}


def test_lock(agent, queue):
    locked = TicketFactory(queue=queue, title="locked")
    TicketFactory(queue=queue, title="free")
    services.lock_ticket(locked, actor=agent)
    assert found(agent, locked="true") == {"locked"}
    assert found(agent, locked="false") == {"free"}


# Times --------------------------------------------------------------------------------------------


@pytest.fixture
def aged(queue):
    """Three tickets whose times lie 2 hours, 3 days and 2 months before NOW."""
    tickets = {}
    for title, age in (
        ("hours", datetime.timedelta(hours=2)),
        ("days", datetime.timedelta(days=3)),
        ("months", datetime.timedelta(days=62)),
    ):
        ticket = TicketFactory(queue=queue, title=title)
        moment = NOW - age
        set_times(
            ticket,
            created_at=moment,
            changed_at=moment,
            closed_at=moment,
            pending_until=moment,
            escalation_at=moment,
        )
        tickets[title] = ticket
    return tickets


@pytest.mark.parametrize("time", ["created", "changed", "closed", "pending", "escalation"])
def test_absolute_time_range(agent, aged, time):
    after = (NOW - datetime.timedelta(days=4)).isoformat()
    before = (NOW - datetime.timedelta(hours=1)).isoformat()
    assert found(agent, **{f"{time}_after": after, f"{time}_before": before}) == {"hours", "days"}
    assert found(agent, **{f"{time}_before": after}) == {"months"}


@pytest.mark.parametrize("time", ["created", "changed", "closed", "pending", "escalation"])
def test_within_the_last(agent, aged, time):
    assert found(agent, **{f"{time}_within": 3, f"{time}_within_unit": "hours"}) == {"hours"}
    assert found(agent, **{f"{time}_within": 4}) == {"hours", "days"}  # days by default
    assert found(agent, **{f"{time}_within": 1, f"{time}_within_unit": "weeks"}) == {
        "hours",
        "days",
    }
    assert found(agent, **{f"{time}_within": 3, f"{time}_within_unit": "months"}) == {
        "hours",
        "days",
        "months",
    }


@pytest.mark.parametrize("time", ["created", "changed", "closed", "pending", "escalation"])
def test_more_than_ago(agent, aged, time):
    assert found(agent, **{f"{time}_older_than": 90, f"{time}_older_than_unit": "minutes"}) == {
        "hours",
        "days",
        "months",
    }
    assert found(agent, **{f"{time}_older_than": 1, f"{time}_older_than_unit": "months"}) == {
        "months"
    }
    assert found(agent, **{f"{time}_older_than": 1, f"{time}_older_than_unit": "years"}) == set()


def test_a_ticket_without_the_time_is_not_found_by_it(agent, queue):
    TicketFactory(queue=queue, title="open")  # never closed, no escalation
    assert found(agent, closed_within=100, closed_within_unit="years") == set()
    assert found(agent, escalation_older_than=1) == set()


def test_calendar_months_and_years():
    moment = datetime.datetime(2026, 3, 31, 8, 0, tzinfo=datetime.UTC)
    assert time_ago(1, "months", moment) == datetime.datetime(
        2026, 2, 28, 8, 0, tzinfo=datetime.UTC
    )
    assert time_ago(2, "years", moment) == datetime.datetime(2024, 3, 31, 8, 0, tzinfo=datetime.UTC)
    assert time_ago(90, "minutes", moment) == moment - datetime.timedelta(minutes=90)
    assert time_ago(100_000, "years", moment).year == 1


def test_bad_times_are_refused(agent):
    assert set(errors(agent, created_after="yesterday")) == {"created_after"}
    assert set(errors(agent, changed_within="0")) == {"changed_within"}
    assert set(errors(agent, closed_within="3", closed_within_unit="fortnights")) == {
        "closed_within_unit"
    }


# Dynamic fields (on both databases: the JSON lookups differ) ----------------------------------


def dynamic_field(name, field_type, **fields):
    return DynamicField.objects.create(
        object_type="ticket", name=name, label=name.title(), field_type=field_type, **fields
    )


def with_extra(queue, title, **extra):
    ticket = TicketFactory(queue=queue, title=title)
    Ticket.objects.filter(pk=ticket.pk).update(extra=extra)
    return ticket


def test_dynamic_text_contains(agent, queue):
    dynamic_field("asset_tag", "text")
    with_extra(queue, "pc", asset_tag="PC-0042")
    with_extra(queue, "jp", asset_tag="東京本社の端末")
    with_extra(queue, "none")
    assert found(agent, extra__asset_tag="pc-00") == {"pc"}
    assert found(agent, extra__asset_tag="本社") == {"jp"}


def test_dynamic_dropdown_any_of(agent, queue):
    dynamic_field(
        "site", "dropdown", choices=[["tokyo", "Tokyo"], ["osaka", "Osaka"], ["nyc", "NY"]]
    )
    with_extra(queue, "tokyo", site="tokyo")
    with_extra(queue, "osaka", site="osaka")
    with_extra(queue, "nyc", site="nyc")
    assert found(agent, extra__site=["tokyo", "osaka"]) == {"tokyo", "osaka"}
    assert set(errors(agent, extra__site="paris")) == {"extra__site"}


def test_dynamic_multiselect_any_of(agent, queue):
    choices = [["vpn", "VPN"], ["mail", "Mail"], ["電話", "Phone"]]
    dynamic_field("systems", "multiselect", choices=choices)
    with_extra(queue, "vpn+mail", systems=["vpn", "mail"])
    with_extra(queue, "phone", systems=["電話"])
    with_extra(queue, "none", systems=[])
    with_extra(queue, "unset")
    assert found(agent, extra__systems="mail") == {"vpn+mail"}
    assert found(agent, extra__systems=["電話", "vpn"]) == {"vpn+mail", "phone"}


def test_dynamic_checkbox(agent, queue):
    dynamic_field("vip", "checkbox")
    with_extra(queue, "vip", vip=True)
    with_extra(queue, "not vip", vip=False)
    with_extra(queue, "unset")
    assert found(agent, extra__vip="yes") == {"vip"}
    assert found(agent, extra__vip="no") == {"not vip", "unset"}


def test_dynamic_integer_range(agent, queue):
    dynamic_field("impact", "integer")
    for value in (1, 5, 12):
        with_extra(queue, f"impact {value}", impact=value)
    with_extra(queue, "unset")
    assert found(agent, extra__impact__from=5) == {"impact 5", "impact 12"}
    assert found(agent, extra__impact__from=2, extra__impact__to=11) == {"impact 5"}
    assert set(errors(agent, extra__impact__from="many")) == {"extra__impact__from"}


def test_dynamic_date_range(agent, queue):
    dynamic_field("due", "date")
    with_extra(queue, "october", due="2026-10-31")
    with_extra(queue, "november", due="2026-11-15")
    assert found(agent, extra__due__from="2026-11-01") == {"november"}
    assert found(agent, extra__due__to="2026-10-31") == {"october"}


def test_dynamic_datetime_range(agent, queue):
    dynamic_field("seen", "datetime")
    with_extra(queue, "early", seen="2026-11-20T01:00:00+00:00")
    with_extra(queue, "late", seen="2026-11-20T20:00:00+00:00")
    assert found(agent, extra__seen__from="2026-11-20T12:00:00+00:00") == {"late"}


def test_invalid_or_unknown_dynamic_fields_are_refused(agent, queue):
    dynamic_field("old", "text", valid=False)
    filterset = TicketFilterSet(query({}), agent=agent, dynamic_fields=True)
    assert "extra__old" not in filterset.form.fields
    assert errors(agent, extra__old="x", extra__ghost__from="1") == {
        "__all__": [
            "There is no dynamic field to search by “ghost__from”.",
            "There is no dynamic field to search by “old”.",
        ]
    }


# Combinations and permissions -------------------------------------------------------------------


def test_attributes_combine_with_and(agent, queue):
    TicketFactory(queue=queue, title="VPN high", priority=priority("high"))
    TicketFactory(queue=queue, title="VPN low", priority=priority("low"))
    TicketFactory(queue=queue, title="Mail high", priority=priority("high"))
    assert found(agent, title="vpn", priority="high") == {"VPN high"}


def test_tickets_of_queues_without_ro_are_never_found(queue):
    agent = agent_with(queue, "ro")
    hidden_queue = QueueFactory()
    TicketFactory(queue=queue, title="VPN visible")
    TicketFactory(queue=hidden_queue, title="VPN hidden")
    assert found(agent, title="vpn") == {"VPN visible"}
    assert found(agent, number="*") == {"VPN visible"}
    nobody = AgentFactory()
    assert found(nobody, title="vpn") == set()


def test_forms_offer_choices_by_name(agent, queue):
    QueueFactory(name="Hidden desk")
    form = TicketFilterSet(agent=agent, dynamic_fields=True).form
    html = str(form["state"]) + str(form["owner"]) + str(form["queue"]) + str(form["type"])
    assert '<option value="open">Open</option>' in html
    assert '<option value="rfc::normal">' in html
    assert 'value="searcher"' in html
    assert f'<option value="{queue.pk}">{queue.full_name}</option>' in html
    assert "Hidden desk" not in html


def test_the_whole_search_runs_in_one_query_once_validated(
    agent, queue, django_assert_max_num_queries
):
    TicketFactory(queue=queue, title="x", state=state("open"))
    filterset = TicketFilterSet(
        query({"state": "open", "priority": "medium", "title": "x", "created_within": "3"}),
        queryset=tickets_visible_to(agent),
        agent=agent,
    )
    assert filterset.is_valid()
    with django_assert_max_num_queries(1):
        assert len(filterset.qs) == 1


def test_state_types_are_looked_up_first(agent, queue):
    filterset = TicketFilterSet(
        query({"state_type": "open"}), queryset=Ticket.objects.all(), agent=agent
    )
    assert filterset.is_valid()
    sql = str(filterset.qs.query)
    assert "state_type" not in sql  # no join to the states table


def test_now_moves(agent, queue):
    ticket = TicketFactory(queue=queue, title="t")
    set_times(ticket, created_at=timezone.now() - datetime.timedelta(minutes=30))
    filterset = TicketFilterSet(
        query({"created_within": "1", "created_within_unit": "hours"}),
        queryset=tickets_visible_to(agent),
        agent=agent,
    )
    assert filterset.is_valid()
    assert list(filterset.qs) == [ticket]
