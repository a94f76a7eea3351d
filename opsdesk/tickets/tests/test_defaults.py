"""The seeded ticket vocabulary matches tickets.md, its workflows hold together, and re-seeding
changes nothing (administrators' edits survive)."""

from collections import defaultdict, deque

import pytest
from django.utils import translation

from opsdesk.tickets.defaults import ensure_ticket_defaults
from opsdesk.tickets.models import (
    Priority,
    Queue,
    StandardTemplate,
    SystemAddress,
    TicketState,
    TicketType,
    TicketTypeState,
    TicketTypeTransition,
)

pytestmark = pytest.mark.django_db

# tickets.md, "States": variable, English / Japanese label, state type, group ("" for —)
SPEC_STATES = [
    ("new", "New", "新規", "new", "new"),
    ("open", "Open", "対応中", "open", "in_progress"),
    ("in_progress", "In progress", "進行中", "open", "in_progress"),
    ("awaiting_approval", "Awaiting approval", "承認待ち", "open", "in_progress"),
    ("planning", "Planning", "計画中", "open", "in_progress"),
    ("awaiting_implementation", "Awaiting implementation", "実装待ち", "open", "in_progress"),
    ("implementing", "Implementing", "実行中", "open", "in_progress"),
    ("declined", "Declined", "拒否", "open", "in_progress"),
    ("awaiting_backout", "Awaiting backout", "バックアウト待ち", "open", "in_progress"),
    ("investigating", "Investigating", "調査中", "open", ""),
    ("pending", "Pending", "保留中(期限付)", "pending_reminder", "pending"),
    ("resolved", "Resolved", "ワークアラウンドで完了", "closed", ""),
    ("completed", "Completed", "完了", "closed", "closed"),
    ("closed", "Closed", "クローズ(成功)", "closed", "closed"),
    ("closed_with_backout", "Closed with backout", "クローズ(バックアウト)", "closed", "closed"),
    ("cancelled", "Cancelled", "削除", "removed", "closed"),
]
SPEC_PRIORITIES = [
    ("very_low", 1, "最低"),
    ("low", 2, "低"),
    ("medium", 3, "中"),
    ("high", 4, "高"),
    ("very_high", 5, "最高"),
]
SPEC_TYPES = [
    "incident",
    "problem",
    "release",
    "request",
    "rfc",
    "rfc::breakfix",
    "rfc::emergency",
    "rfc::normal",
    "rfc::standard",
    "unclassified",
]


def snapshot():
    """Everything the defaults seed, as comparable values."""
    return {
        "states": list(
            TicketState.objects.order_by("id").values_list(
                "name", "label", "label_ja", "state_type", "state_group", "valid"
            )
        ),
        "priorities": list(
            Priority.objects.order_by("level").values_list(
                "name", "level", "label", "label_ja", "color", "is_default"
            )
        ),
        "types": list(
            TicketType.objects.order_by("name").values_list(
                "name", "label", "label_ja", "restrict_transitions", "default_state", "is_default"
            )
        ),
        "type_states": sorted(
            TicketTypeState.objects.values_list("ticket_type__name", "state__name", "initial")
        ),
        "transitions": sorted(
            TicketTypeTransition.objects.values_list(
                "ticket_type__name", "from_state__name", "to_state__name"
            )
        ),
        "queues": list(
            Queue.objects.order_by("full_name").values_list(
                "full_name", "group__name", "system_address", "salutation", "signature"
            )
        ),
        "templates": sorted(StandardTemplate.objects.values_list("name", "template_type")),
    }


def test_the_sixteen_states_of_the_spec_and_the_internal_merged_state():
    rows = list(
        TicketState.objects.exclude(name="merged")
        .order_by("id")
        .values_list("name", "label", "label_ja", "state_type", "state_group")
    )
    assert rows == SPEC_STATES
    merged = TicketState.objects.get(name="merged")
    assert (merged.state_type, merged.is_closed) == ("merged", True)
    assert not merged.ticket_types.exists()  # no workflow offers it


def test_state_groups_count_as_the_information_centers_do():
    groups = defaultdict(list)
    for name, group in TicketState.objects.values_list("name", "state_group"):
        groups[group].append(name)
    assert len(groups["in_progress"]) == 8
    assert groups["pending"] == ["pending"]
    assert sorted(groups["closed"]) == ["cancelled", "closed", "closed_with_backout", "completed"]
    assert groups["new"] == ["new"]


def test_labels_follow_the_language():
    pending = TicketState.objects.get(name="pending")
    with translation.override("ja"):
        assert pending.display_label == "保留中(期限付)"
        assert str(TicketType.objects.get(name="incident")) == "インシデント"
    with translation.override("en"):
        assert pending.display_label == "Pending"
        assert str(Priority.objects.get(name="very_high")) == "Very high"


def test_priorities_very_low_to_very_high_with_medium_the_default():
    rows = list(Priority.objects.order_by("level").values_list("name", "level", "label_ja"))
    assert rows == SPEC_PRIORITIES
    assert list(Priority.objects.filter(is_default=True).values_list("name", flat=True)) == [
        "medium"
    ]
    assert all(color.startswith("#") for color in Priority.objects.values_list("color", flat=True))


def test_the_ticket_types_of_the_spec_with_unclassified_the_default():
    assert list(TicketType.objects.order_by("name").values_list("name", flat=True)) == SPEC_TYPES
    assert list(TicketType.objects.filter(is_default=True).values_list("name", flat=True)) == [
        "unclassified"
    ]
    free = TicketType.objects.filter(restrict_transitions=False)
    assert list(free.values_list("name", flat=True)) == ["unclassified"]
    unclassified = TicketType.objects.get(name="unclassified")
    assert set(unclassified.states.values_list("name", flat=True)) == {
        row[0] for row in SPEC_STATES
    }


@pytest.mark.parametrize("ticket_type", SPEC_TYPES)
def test_every_workflow_is_consistent(ticket_type):
    workflow = TicketType.objects.get(name=ticket_type)
    allowed = set(workflow.states.values_list("name", flat=True))
    initial = set(workflow.state_links.filter(initial=True).values_list("state__name", flat=True))
    transitions = list(workflow.transitions.values_list("from_state__name", "to_state__name"))

    assert "merged" not in allowed
    assert workflow.default_state.name in initial
    assert initial <= allowed
    for source, target in transitions:
        assert source in allowed and target in allowed, (source, target)
        assert source != target

    if not workflow.restrict_transitions:
        return
    following = defaultdict(set)
    for source, target in transitions:
        following[source].add(target)
    # every allowed state can be reached from a state a new ticket may start in
    reached, todo = set(initial), deque(initial)
    while todo:
        for target in following[todo.popleft()] - reached:
            reached.add(target)
            todo.append(target)
    assert reached == allowed, allowed - reached
    # a ticket that still needs work can always move on
    states = TicketState.objects.in_bulk(allowed, field_name="name")
    for name in allowed:
        if not states[name].is_closed:
            assert following[name], f"{ticket_type}: no way out of {name}"


def test_the_example_flows_of_the_spec():
    def path_allowed(type_name, *states):
        pairs = set(
            TicketTypeTransition.objects.filter(ticket_type__name=type_name).values_list(
                "from_state__name", "to_state__name"
            )
        )
        return all((a, b) in pairs for a, b in zip(states, states[1:], strict=False))

    rfc = ("new", "awaiting_approval", "planning", "awaiting_implementation", "implementing")
    for type_name in ("rfc", "rfc::normal"):
        assert path_allowed(type_name, *rfc, "completed")
        assert path_allowed(type_name, *rfc, "awaiting_backout", "closed_with_backout")
        assert not path_allowed(type_name, "new", "completed")
    assert path_allowed("incident", "new", "open", "investigating", "resolved", "closed")
    assert path_allowed("incident", "new", "in_progress", "investigating", "resolved", "closed")
    assert path_allowed("rfc::emergency", "new", "implementing")
    assert path_allowed("rfc::standard", "new", "awaiting_implementation")
    assert not path_allowed("rfc", "new", "implementing")


def test_default_queues_and_mail_settings():
    queues = Queue.objects.select_related("group", "system_address")
    assert sorted(queue.full_name for queue in queues) == [
        "Change",
        "Incident",
        "Junk",
        "Misc",
        "Postmaster",
        "Raw",
        "Service Desk",
    ]
    assert {queue.group.name for queue in queues} == {"users"}
    assert {queue.system_address.email for queue in queues} == {"opsdesk@localhost"}
    assert SystemAddress.objects.get().formatted == "OpsDesk <opsdesk@localhost>"
    assert StandardTemplate.objects.filter(name="Request received").exists()


def test_seeding_again_changes_nothing_and_keeps_administrators_edits():
    before = snapshot()
    ensure_ticket_defaults()
    assert snapshot() == before

    # An administrator renames a state, drops a transition, changes a priority's colour and
    # removes a queue's comment; an upgrade re-runs the seeding.
    TicketState.objects.filter(name="open").update(label="Working on it")
    TicketTypeTransition.objects.filter(
        ticket_type__name="incident", from_state__name="closed", to_state__name="open"
    ).delete()
    Priority.objects.filter(name="high").update(color="#000000")
    edited = snapshot()
    ensure_ticket_defaults()
    assert snapshot() == edited


def test_seeding_adds_what_is_missing():
    TicketState.objects.filter(name="merged").delete()
    ensure_ticket_defaults()
    assert TicketState.objects.filter(name="merged", state_type="merged").exists()
