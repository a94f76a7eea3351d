"""Rules of the ticket settings' services (admin_services) and the per-screen dynamic fields."""

import pytest
from django.core.exceptions import ValidationError

from opsdesk.accounts.tests.factories import AgentFactory, GroupFactory
from opsdesk.core.dynamic_fields import (
    SCREEN_VISIBILITY_CHOICES,
    screen_definitions,
    screens_for,
    validate_definition,
)
from opsdesk.core.models import AuditAction, AuditLogEntry, DynamicField
from opsdesk.core.services import history_of
from opsdesk.tickets import admin_services as services
from opsdesk.tickets.choices import DynamicFieldScreen, ScreenVisibility, StateType
from opsdesk.tickets.models import (
    Priority,
    Queue,
    StandardTemplate,
    TicketState,
    TicketType,
    TicketTypeState,
    TicketTypeTransition,
)
from opsdesk.tickets.tests.factories import (
    QueueFactory,
    SystemAddressFactory,
    TicketFactory,
    priority,
    state,
    ticket_type,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    return AgentFactory(login="setter")


def queue_fields(**overrides):
    default = Queue.objects.get(name="Misc")
    fields = {
        "group": GroupFactory(),
        "system_address": default.system_address,
        "salutation": default.salutation,
        "signature": default.signature,
    }
    fields.update(overrides)
    return fields


def full_names():
    return set(Queue.objects.values_list("full_name", flat=True))


# Contact persons (queues) -------------------------------------------------------------------------


def test_create_queue_builds_the_full_name_and_logs_it(actor):
    support = services.create_queue(actor=actor, name="Support", **queue_fields())
    network = services.create_queue(actor=actor, name="Network", parent=support, **queue_fields())

    assert (support.full_name, network.full_name) == ("Support", "Support::Network")
    assert network.created_by == actor
    entry = history_of(network).get()
    assert entry.action == AuditAction.CREATE
    assert entry.changes["parent"] == "Support"


@pytest.mark.parametrize("taken", ["Support::Network", "support::NETWORK"])
def test_a_full_name_is_unique_whatever_its_case(actor, taken):
    support = services.create_queue(actor=actor, name="Support", **queue_fields())
    services.create_queue(actor=actor, name="Network", parent=support, **queue_fields())
    name = taken.split("::")[1]
    parent = Queue.objects.get(full_name__iexact=taken.split("::")[0])

    with pytest.raises(ValidationError) as refused:
        services.create_queue(actor=actor, name=name, parent=parent, **queue_fields())

    assert refused.value.message_dict == {
        "name": [
            "A contact person (queue) named “Support::Network” exists already; choose another "
            "name or parent."
        ]
    }
    assert Queue.objects.filter(full_name__iexact="support::network").count() == 1


def test_a_name_may_not_contain_the_separator(actor):
    with pytest.raises(ValidationError) as refused:
        services.create_queue(actor=actor, name="A::B", **queue_fields())
    assert "name" in refused.value.message_dict
    assert not Queue.objects.filter(name="A::B").exists()


def test_renaming_a_queue_renames_every_sub_queue(actor):
    support = services.create_queue(actor=actor, name="Support", **queue_fields())
    network = services.create_queue(actor=actor, name="Network", parent=support, **queue_fields())
    services.create_queue(actor=actor, name="WAN", parent=network, **queue_fields())
    services.create_queue(actor=actor, name="Printers", parent=support, **queue_fields())

    services.update_queue(support, actor=actor, name="Helpdesk")

    assert {"Helpdesk", "Helpdesk::Network", "Helpdesk::Network::WAN", "Helpdesk::Printers"} <= (
        full_names()
    )
    assert not any(name.startswith("Support") for name in full_names())
    wan = Queue.objects.get(name="WAN")
    entry = history_of(wan).filter(action=AuditAction.UPDATE).get()
    assert entry.changes == {"full_name": ["Support::Network::WAN", "Helpdesk::Network::WAN"]}
    assert entry.actor == actor
    own = history_of(support).filter(action=AuditAction.UPDATE).get()
    assert own.changes == {"full_name": ["Support", "Helpdesk"], "name": ["Support", "Helpdesk"]}


def test_moving_a_queue_moves_its_sub_queues(actor):
    support = services.create_queue(actor=actor, name="Support", **queue_fields())
    network = services.create_queue(actor=actor, name="Network", **queue_fields())
    services.create_queue(actor=actor, name="WAN", parent=network, **queue_fields())

    services.update_queue(network, actor=actor, parent=support)
    assert {"Support::Network", "Support::Network::WAN"} <= full_names()

    services.update_queue(network, actor=actor, parent=None)
    assert {"Network", "Network::WAN"} <= full_names()


@pytest.mark.parametrize("new_parent", ["itself", "child", "grandchild"])
def test_a_queue_cannot_become_its_own_ancestor(actor, new_parent):
    support = services.create_queue(actor=actor, name="Support", **queue_fields())
    network = services.create_queue(actor=actor, name="Network", parent=support, **queue_fields())
    wan = services.create_queue(actor=actor, name="WAN", parent=network, **queue_fields())
    target = {"itself": support, "child": network, "grandchild": wan}[new_parent]
    before = full_names()

    with pytest.raises(ValidationError) as refused:
        services.update_queue(support, actor=actor, parent=target)

    assert refused.value.message_dict == {
        "parent": [
            "A contact person (queue) cannot be a sub-queue of itself or of one of its sub-queues."
        ]
    }
    support.refresh_from_db()
    assert support.parent is None
    assert full_names() == before


def test_a_rename_onto_an_existing_full_name_changes_nothing(actor):
    services.create_queue(actor=actor, name="Support", **queue_fields())
    network = services.create_queue(actor=actor, name="Network", **queue_fields())
    services.create_queue(actor=actor, name="WAN", parent=network, **queue_fields())
    before = full_names()

    with pytest.raises(ValidationError) as refused:
        services.update_queue(network, actor=actor, name="SUPPORT")

    assert "exists already" in refused.value.message_dict["name"][0]
    assert full_names() == before


def test_invalidating_a_queue_with_open_tickets_is_allowed(actor):
    queue = QueueFactory()
    TicketFactory(queue=queue)
    TicketFactory(queue=queue)
    TicketFactory(queue=queue, state=state("closed"))

    services.invalidate_queue(queue, actor=actor)

    queue.refresh_from_db()
    assert queue.valid is False
    assert services.open_ticket_count(queue) == 2
    assert history_of(queue).get().action == AuditAction.INVALIDATE


# States ------------------------------------------------------------------------------------------


def test_a_state_keeps_its_variable_name(actor):
    open_state = state("open")
    with pytest.raises(ValidationError) as refused:
        services.update_state(open_state, actor=actor, name="opened")
    assert "cannot be changed" in refused.value.message_dict["name"][0]

    services.update_state(open_state, actor=actor, label_ja="オープン", state_group="")
    open_state.refresh_from_db()
    assert (open_state.name, open_state.label_ja) == ("open", "オープン")
    assert open_state.state_group == ""


def test_the_merged_state_is_internal(actor):
    merged = state("merged")
    with pytest.raises(ValidationError, match="internal state"):
        services.update_state(merged, actor=actor, label="Joined")
    with pytest.raises(ValidationError, match="internal state"):
        services.invalidate_state(merged, actor=actor)
    with pytest.raises(ValidationError) as refused:
        services.create_state(
            actor=actor, name="joined", label="Joined", state_type=StateType.MERGED
        )
    assert "state_type" in refused.value.message_dict
    merged.refresh_from_db()
    assert (merged.label, merged.valid) == ("Merged", True)
    assert not TicketState.objects.filter(name="joined").exists()


def test_a_state_that_starts_new_tickets_of_a_type_cannot_be_invalidated(actor):
    with pytest.raises(ValidationError) as refused:
        services.invalidate_state(state("new"), actor=actor)
    assert "New tickets of these ticket types start in this state" in str(refused.value)
    assert "incident" in str(refused.value)
    with pytest.raises(ValidationError):
        services.update_state(state("new"), actor=actor, valid=False)
    assert state("new").valid

    services.invalidate_state(state("declined"), actor=actor)
    assert state("declined").valid is False


# Default flags -----------------------------------------------------------------------------------


def test_making_a_priority_the_default_takes_the_flag_from_the_old_one(actor):
    services.update_priority(priority("high"), actor=actor, is_default=True)

    assert list(Priority.objects.filter(is_default=True).values_list("name", flat=True)) == ["high"]
    cleared = history_of(priority("medium")).get()
    assert cleared.changes == {"is_default": [True, False]}
    assert cleared.actor == actor

    urgent = services.create_priority(
        actor=actor, name="urgent", level=6, label="Urgent", color="#000000", is_default=True
    )
    assert list(Priority.objects.filter(is_default=True)) == [urgent]


def test_the_default_priority_stays_until_another_one_takes_over(actor):
    medium = priority("medium")
    with pytest.raises(ValidationError) as refused:
        services.update_priority(medium, actor=actor, is_default=False)
    assert "make another priority the default" in refused.value.message_dict["is_default"][0]
    with pytest.raises(ValidationError) as refused:
        services.invalidate_priority(medium, actor=actor)
    assert "default priority" in refused.value.message_dict["valid"][0]
    with pytest.raises(ValidationError):
        services.update_priority(priority("low"), actor=actor, is_default=True, valid=False)
    assert list(Priority.objects.filter(is_default=True)) == [medium]
    assert Priority.objects.filter(valid=False).count() == 0


def test_making_a_type_the_default_takes_the_flag_from_the_old_one(actor):
    services.update_ticket_type(ticket_type("incident"), actor=actor, is_default=True)

    assert list(TicketType.objects.filter(is_default=True).values_list("name", flat=True)) == [
        "incident"
    ]
    with pytest.raises(ValidationError):
        services.invalidate_ticket_type(ticket_type("incident"), actor=actor)


def test_a_new_type_starts_with_its_state_of_a_new_ticket(actor):
    task = services.create_ticket_type(
        actor=actor, name="task", label="Task", label_ja="タスク", default_state=state("open")
    )

    assert [(link.state.name, link.initial) for link in task.state_links.all()] == [("open", True)]
    assert task.created_by == actor


def test_a_types_state_of_a_new_ticket_must_be_allowed_for_a_new_ticket(actor):
    incident = ticket_type("incident")
    with pytest.raises(ValidationError) as refused:
        services.update_ticket_type(incident, actor=actor, default_state=state("resolved"))
    assert "not allowed for a new ticket" in refused.value.message_dict["default_state"][0]

    services.update_ticket_type(incident, actor=actor, default_state=state("open"))
    assert ticket_type("incident").default_state.name == "open"


# Workflows ---------------------------------------------------------------------------------------


def workflow_of(name):
    kind = ticket_type(name)
    links = TicketTypeState.objects.filter(ticket_type=kind).select_related("state")
    return (
        {link.state.name for link in links},
        {link.state.name for link in links if link.initial},
        {
            (transition.from_state.name, transition.to_state.name)
            for transition in TicketTypeTransition.objects.filter(ticket_type=kind).select_related(
                "from_state", "to_state"
            )
        },
    )


def states(*names):
    return [state(name) for name in names]


def pairs(*texts):
    return [tuple(state(name) for name in text.split(">")) for text in texts]


def test_set_type_workflow_replaces_the_workflow_and_logs_a_summary(actor):
    request = ticket_type("request")
    services.set_type_workflow(
        request,
        actor=actor,
        states=states("new", "open", "in_progress", "closed", "planning"),
        initial_states=states("new", "planning"),
        transitions=pairs("new>open", "open>in_progress", "in_progress>closed", "new>planning"),
    )

    allowed, initial, transitions = workflow_of("request")
    assert allowed == {"new", "open", "in_progress", "closed", "planning"}
    assert initial == {"new", "planning"}
    assert transitions == {
        ("new", "open"),
        ("open", "in_progress"),
        ("in_progress", "closed"),
        ("new", "planning"),
    }
    entry = history_of(request).get()
    assert entry.actor == actor
    assert entry.changes["states_added"] == "planning"
    assert entry.changes["states_removed"] == (
        "awaiting_approval, cancelled, completed, declined, pending"
    )
    assert entry.changes["initial_states_added"] == "planning"
    assert entry.changes["initial_states_removed"] == "closed, in_progress, open"
    assert "new → planning" in entry.changes["transitions_added"]
    assert "new → awaiting_approval" in entry.changes["transitions_removed"]


def test_saving_the_same_workflow_writes_no_entry(actor):
    incident = ticket_type("incident")
    allowed, initial, transitions = workflow_of("incident")
    services.set_type_workflow(
        incident,
        actor=actor,
        states=states(*allowed),
        initial_states=states(*initial),
        transitions=pairs(*(f"{a}>{b}" for a, b in transitions)),
    )
    assert not history_of(incident).exists()
    assert workflow_of("incident") == (allowed, initial, transitions)


@pytest.mark.parametrize(
    ("workflow", "field", "message"),
    [
        (
            {"states": ("open", "closed"), "initial": ("open",)},
            "states",
            "“New” is the state of a new ticket of this type: it must stay allowed.",
        ),
        (
            {"states": ("new", "open"), "initial": ("open",)},
            "initial_states",
            "“New” is the state of a new ticket of this type: it must stay allowed for a new "
            "ticket.",
        ),
        (
            {"states": ("new", "open"), "initial": ("new", "closed")},
            "initial_states",
            "Only allowed states can be allowed for a new ticket: Closed.",
        ),
        (
            {"states": ("new", "open"), "initial": ("new",), "transitions": ("new>closed",)},
            "transitions",
            "Transitions can only join allowed states: New → Closed.",
        ),
        (
            {"states": ("new", "open"), "initial": ("new",), "transitions": ("open>open",)},
            "transitions",
            "A state cannot follow itself: Open.",
        ),
        (
            {"states": ("new", "merged"), "initial": ("new",)},
            "states",
            "The internal state “merged” cannot be part of a workflow.",
        ),
    ],
)
def test_a_bad_workflow_is_refused_and_changes_nothing(actor, workflow, field, message):
    before = workflow_of("incident")

    with pytest.raises(ValidationError) as refused:
        services.set_type_workflow(
            ticket_type("incident"),
            actor=actor,
            states=states(*workflow["states"]),
            initial_states=states(*workflow["initial"]),
            transitions=pairs(*workflow.get("transitions", ())),
        )

    assert message in refused.value.message_dict[field]
    assert workflow_of("incident") == before
    assert not AuditLogEntry.objects.exists()


def test_a_state_that_tickets_of_the_type_are_in_cannot_be_removed(actor):
    queue = QueueFactory()
    for _number in range(3):
        TicketFactory(queue=queue, ticket_type=ticket_type("incident"), state=state("open"))
    TicketFactory(queue=queue, ticket_type=ticket_type("problem"), state=state("open"))
    before = workflow_of("incident")

    with pytest.raises(ValidationError) as refused:
        services.set_type_workflow(
            ticket_type("incident"),
            actor=actor,
            states=states("new", "in_progress", "closed"),
            initial_states=states("new"),
            transitions=pairs("new>in_progress", "in_progress>closed"),
        )

    assert refused.value.message_dict["states"] == [
        "3 tickets of this type are in the state “Open”: move them to another state before "
        "removing the state from the workflow."
    ]
    assert workflow_of("incident") == before


def test_removing_a_state_removes_its_transitions(actor):
    services.set_type_workflow(
        ticket_type("problem"),
        actor=actor,
        states=states("new", "open", "closed"),
        initial_states=states("new"),
        transitions=pairs("new>open", "open>closed"),
    )
    assert workflow_of("problem") == (
        {"new", "open", "closed"},
        {"new"},
        {("new", "open"), ("open", "closed")},
    )


# System addresses and templates ------------------------------------------------------------------


def test_a_system_address_that_a_valid_queue_uses_cannot_be_invalidated(actor):
    address = SystemAddressFactory(email="it@example.com")
    QueueFactory(name="Network", system_address=address)
    QueueFactory(name="Old", system_address=address, valid=False)

    with pytest.raises(ValidationError) as refused:
        services.invalidate_system_address(address, actor=actor)
    assert refused.value.message_dict["valid"] == [
        "A valid contact person (queue) sends from this address: Network. Choose another "
        "system address for it before invalidating this one."
    ]
    with pytest.raises(ValidationError):
        services.update_system_address(address, actor=actor, valid=False)
    address.refresh_from_db()
    assert address.valid

    Queue.objects.filter(name="Network").update(valid=False)
    services.invalidate_system_address(address, actor=actor)
    address.refresh_from_db()
    assert address.valid is False


def test_templates_are_created_and_changed_with_their_queues_in_the_history(actor):
    network = QueueFactory(name="Network")
    misc = Queue.objects.get(name="Misc")

    template = services.create_template(
        actor=actor,
        name="Reset password",
        template_type="answer",
        subject="Your password",
        text="Please use the link below.",
        next_state=state("closed"),
        queues=[network],
    )
    services.update_template(template, actor=actor, subject="Password reset", queues=[misc])

    template = StandardTemplate.objects.get(pk=template.pk)
    assert [queue.name for queue in template.queues.all()] == ["Misc"]
    created, changed = history_of(template).order_by("at", "id")
    assert created.changes["queues"] == ["Network"]
    assert changed.changes["queues"] == [["Network"], ["Misc"]]
    assert changed.changes["subject"] == ["Your password", "Password reset"]
    with pytest.raises(ValidationError):
        services.update_template(template, actor=actor, next_state=state("merged"))


# Dynamic fields per screen -----------------------------------------------------------------------


def test_the_ticket_screens_are_registered_with_the_visibilities_of_the_tickets_area():
    assert [key for key, _label in screens_for("ticket")] == DynamicFieldScreen.values
    assert [value for value, _label in SCREEN_VISIBILITY_CHOICES] == ScreenVisibility.values
    assert screens_for("customer_user") == ()


def test_screen_definitions_resolve_the_required_flag_per_screen():
    def field(name, order, screens, **extra):
        return DynamicField.objects.create(
            object_type="ticket",
            name=name,
            label=name.title(),
            field_type="text",
            order=order,
            screens=screens,
            **extra,
        )

    field("cause", 1, {"ticket_close": "required", "ticket_edit": "shown"})
    field("impact", 2, {"ticket_create": "shown", "ticket_close": "shown"})
    field("legacy", 3, {"ticket_close": "shown"}, valid=False)
    field("always", 4, {"ticket_close": "shown"}, required=True)

    close = [(item.name, item.required) for item in screen_definitions("ticket", "ticket_close")]
    edit = [(item.name, item.required) for item in screen_definitions("ticket", "ticket_edit")]

    assert close == [("cause", True), ("impact", False), ("always", True)]
    assert edit == [("cause", False)]
    assert screen_definitions("ticket", "ticket_zoom") == []
    assert DynamicField.objects.get(name="cause").required is False  # nothing saved


@pytest.mark.parametrize(
    ("object_type", "screens", "message"),
    [
        ("ticket", {"ticket_nowhere": "shown"}, "is not a screen of this object type"),
        ("ticket", {"ticket_close": "always"}, "is not a screen setting"),
        ("customer_user", {"ticket_close": "shown"}, "have no per-screen settings"),
    ],
)
def test_bad_screen_settings_are_refused(object_type, screens, message):
    definition = DynamicField(
        object_type=object_type, name="x", label="X", field_type="text", screens=screens
    )
    with pytest.raises(ValidationError) as refused:
        validate_definition(definition)
    assert message in refused.value.message_dict["screens"][0]
