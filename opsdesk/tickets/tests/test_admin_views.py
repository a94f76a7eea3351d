"""The ticket settings under Admin (/admin/tickets/) and the ticket screens of dynamic fields."""

import pytest
from django.urls import reverse

from opsdesk.accounts.models import Group
from opsdesk.core.models import AuditAction, AuditLogEntry, DynamicField
from opsdesk.core.services import history_of
from opsdesk.tickets import admin_services
from opsdesk.tickets.models import (
    Priority,
    Queue,
    Salutation,
    Signature,
    StandardTemplate,
    SystemAddress,
    TicketType,
    TicketTypeState,
    TicketTypeTransition,
)
from opsdesk.tickets.tests.factories import (
    QueueFactory,
    StandardTemplateFactory,
    SystemAddressFactory,
    TicketFactory,
    priority,
    state,
    ticket_type,
)

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"tickets_admin:{name}", args=args)


@pytest.fixture
def world():
    """One object of each kind for the screens that show an object."""
    return {
        "queue": QueueFactory(name="Network"),
        "state": state("open"),
        "priority": priority("high"),
        "type": ticket_type("incident"),
        "system_address": SystemAddress.objects.get(email="opsdesk@localhost"),
        "salutation": Salutation.objects.order_by("pk").first(),
        "signature": Signature.objects.order_by("pk").first(),
        "template": StandardTemplateFactory(name="Thanks"),
    }


KINDS = (
    "queue",
    "state",
    "priority",
    "type",
    "system_address",
    "salutation",
    "signature",
    "template",
)
SCREENS = [("home", None)]
for _kind in KINDS:
    SCREENS += [
        (f"{_kind}_list", None),
        (f"{_kind}_add", None),
        (f"{_kind}_detail", _kind),
        (f"{_kind}_edit", _kind),
    ]
SCREENS.append(("type_workflow", "type"))


def screen_url(name, kind, world):
    return url(name, world[kind].pk) if kind else url(name)


def test_the_screens_live_under_admin_tickets():
    assert url("home") == "/admin/tickets/"
    assert url("queue_list") == "/admin/tickets/queues/"
    assert url("type_workflow", 7) == "/admin/tickets/types/7/workflow/"
    assert url("system_address_invalidate", 3) == "/admin/tickets/system-addresses/3/invalidate/"


@pytest.mark.parametrize("name, kind", SCREENS)
def test_the_screens_need_rw_on_admin(name, kind, world, client, make_agent, admin_agent):
    target = screen_url(name, kind, world)

    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))

    for role in (None, "itsm_manager", "itsm_user"):
        client.force_login(make_agent(role))
        assert client.get(target).status_code == 403

    client.force_login(admin_agent)
    assert client.get(target).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_agents_without_admin_cannot_change_anything(kind, world, client, make_agent):
    client.force_login(make_agent("itsm_manager"))
    target = world[kind]

    assert client.post(url(f"{kind}_add"), {"name": "x"}).status_code == 403
    assert client.post(url(f"{kind}_edit", target.pk), {"name": "x"}).status_code == 403
    assert client.post(url(f"{kind}_invalidate", target.pk)).status_code == 403
    assert client.post(url("type_workflow", world["type"].pk), {"states": []}).status_code == 403

    target.refresh_from_db()
    assert target.valid
    assert not AuditLogEntry.objects.exists()


def test_the_home_page_lists_the_ticket_settings(admin_client):
    page = admin_client.get(url("home")).content.decode()

    for name in (
        "queue_list",
        "state_list",
        "priority_list",
        "type_list",
        "system_address_list",
        "salutation_list",
        "signature_list",
        "template_list",
    ):
        assert f'href="{url(name)}"' in page
    assert "Contact persons (queues)" in page
    assert "and the transitions between them" in page
    assert reverse("dynamic_fields:dynamic_field_list") + "?object_type=ticket" in page


# Contact persons (queues) -------------------------------------------------------------------------


def queue_form(**overrides):
    misc = Queue.objects.get(name="Misc")
    data = {
        "name": "Support",
        "parent": "",
        "group": Group.objects.get(name="users").pk,
        "unlock_timeout": "30",
        "follow_up_policy": "reject",
        "follow_up_lock": "on",
        "system_address": misc.system_address_id,
        "salutation": misc.salutation_id,
        "signature": misc.signature_id,
        "comment": "First line",
        "valid": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_an_administrator_creates_a_queue_and_a_sub_queue(admin_client, admin_agent):
    response = admin_client.post(url("queue_add"), queue_form())
    support = Queue.objects.get(full_name="Support")
    assert response.status_code == 302
    assert response["Location"] == url("queue_detail", support.pk)
    assert (support.unlock_timeout, support.follow_up_policy, support.follow_up_lock) == (
        30,
        "reject",
        True,
    )
    assert support.created_by == admin_agent

    add_child = admin_client.get(url("queue_add") + f"?parent={support.pk}")
    assert add_child.context["form"].initial["parent"] == support.pk
    admin_client.post(url("queue_add"), queue_form(name="Network", parent=support.pk))

    detail = admin_client.get(url("queue_detail", support.pk)).content.decode()
    assert "Support::Network" in detail
    assert "First line" in detail
    assert history_of(Queue.objects.get(full_name="Support::Network")).get().actor == admin_agent


def test_a_taken_full_name_is_refused_next_to_the_name(admin_client):
    response = admin_client.post(url("queue_add"), queue_form(name="misc"))

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "name": [
            "A contact person (queue) named “Misc” exists already; choose another name or parent."
        ]
    }
    assert Queue.objects.filter(full_name__iexact="misc").count() == 1


def test_renaming_a_parent_in_the_ui_renames_its_sub_queues(admin_client):
    support = QueueFactory(name="Support")
    network = QueueFactory(name="Network", parent=support)
    QueueFactory(name="WAN", parent=network)

    response = admin_client.post(
        url("queue_edit", support.pk),
        queue_form(name="Helpdesk", group=support.group_id),
    )

    assert response.status_code == 302
    assert set(
        Queue.objects.filter(name__in=["Helpdesk", "Network", "WAN"]).values_list(
            "full_name", flat=True
        )
    ) == {"Helpdesk", "Helpdesk::Network", "Helpdesk::Network::WAN"}
    page = admin_client.get(url("queue_detail", network.pk)).content.decode()
    assert "Support::Network → Helpdesk::Network" in page


def test_a_queue_cannot_be_moved_below_itself_in_the_ui(admin_client):
    support = QueueFactory(name="Support")
    network = QueueFactory(name="Network", parent=support)

    edit = admin_client.get(url("queue_edit", support.pk))
    offered = list(edit.context["form"].fields["parent"].queryset)
    assert support not in offered and network not in offered

    response = admin_client.post(
        url("queue_edit", support.pk), queue_form(parent=network.pk, group=support.group_id)
    )

    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    support.refresh_from_db()
    assert support.parent is None
    assert not AuditLogEntry.objects.filter(action=AuditAction.UPDATE).exists()


def test_the_queue_list_shows_the_hierarchy_searches_filters_and_exports(admin_client):
    support = QueueFactory(name="Support")
    QueueFactory(name="Network", parent=support)
    QueueFactory(name="Archive", valid=False)

    def rows(**params):
        response = admin_client.get(url("queue_list"), params)
        assert response.status_code == 200
        return [row.record.full_name for row in response.context["table"].rows]

    assert rows()[:3] == ["Archive", "Change", "Incident"]
    assert rows(q="netw") == ["Support::Network"]
    assert rows(valid="false") == ["Archive"]
    assert "Archive" not in rows(valid="true")
    page = admin_client.get(url("queue_list")).content.decode()
    assert "padding-left: 1.5rem" in page
    assert f'href="{url("queue_detail", support.pk)}"' in page

    export = admin_client.get(url("queue_list"), {"export": "csv", "q": "support"})
    assert export["Content-Type"].startswith("text/csv")
    text = export.content.decode("utf-8-sig")
    assert "Support::Network" in text
    assert "Misc" not in text


def test_the_queue_list_needs_no_query_per_queue(admin_client, django_assert_max_num_queries):
    parent = None
    for number in range(40):
        parent = QueueFactory(name=f"Q{number}", parent=parent if number % 4 else None)
    admin_client.get(url("queue_list"))

    # Session, agent, permissions (2), group filter choices, count, rows, session save (3).
    with django_assert_max_num_queries(10):
        response = admin_client.get(url("queue_list"), {"per_page": 100})
    assert len(response.context["table"].rows) > 40
    with django_assert_max_num_queries(10):
        admin_client.get(url("queue_list"), {"q": "Q", "sort": "group", "valid": "true"})


def test_invalidating_a_queue_with_open_tickets_warns_with_the_count(admin_client):
    queue = QueueFactory(name="Network")
    TicketFactory(queue=queue)
    TicketFactory(queue=queue)
    TicketFactory(queue=queue, state=state("closed"))

    before = admin_client.get(url("queue_detail", queue.pk)).content.decode()
    assert "2 open tickets are in this contact person (queue)" in before

    response = admin_client.post(url("queue_invalidate", queue.pk), follow=True)

    queue.refresh_from_db()
    assert queue.valid is False
    page = response.content.decode()
    assert "2 open tickets are still in this invalid contact person (queue)" in page
    assert "This contact person (queue) is invalid but 2 open tickets are still in it" in page


# States, priorities, types -----------------------------------------------------------------------


def test_the_state_list_shows_the_vocabulary(admin_client):
    response = admin_client.get(url("state_list"), {"per_page": 50})
    names = [row.record.name for row in response.context["table"].rows]
    assert names[:3] == ["new", "open", "in_progress"]
    assert "merged" in names
    page = response.content.decode()
    assert "保留中(期限付)" in page
    assert (
        admin_client.get(url("state_list"), {"state_type": "closed"})
        .context["table"]
        .paginator.count
        == 4
    )


def test_a_state_is_edited_but_keeps_its_variable_name(admin_client, admin_agent):
    pending = state("pending")
    edit = admin_client.get(url("state_edit", pending.pk))
    assert edit.context["form"].fields["name"].disabled
    assert "merged" not in dict(edit.context["form"].fields["state_type"].choices)

    response = admin_client.post(
        url("state_edit", pending.pk),
        {
            "name": "waiting",
            "label": "Pending",
            "label_ja": "保留中",
            "state_type": "pending_reminder",
            "state_group": "in_progress",
            "comment": "",
            "valid": "on",
        },
    )

    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.name, pending.label_ja, pending.state_group) == (
        "pending",
        "保留中",
        "in_progress",
    )
    assert history_of(pending).get().actor == admin_agent


def test_the_merged_state_is_shown_but_not_editable(admin_client):
    merged = state("merged")
    detail = admin_client.get(url("state_detail", merged.pk))
    page = detail.content.decode()
    assert "This state is internal" in page
    assert url("state_edit", merged.pk) not in page
    assert url("state_invalidate", merged.pk) not in page

    response = admin_client.get(url("state_edit", merged.pk))
    assert response.status_code == 302
    response = admin_client.post(url("state_edit", merged.pk), {"label": "X"}, follow=True)
    assert "internal state" in response.content.decode()
    response = admin_client.post(url("state_invalidate", merged.pk), follow=True)
    assert "internal state" in response.content.decode()
    merged.refresh_from_db()
    assert (merged.label, merged.valid) == ("Merged", True)


def priority_form(**overrides):
    data = {
        "name": "urgent",
        "level": "6",
        "label": "Urgent",
        "label_ja": "緊急",
        "color": "#ff0000",
        "valid": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_setting_a_priority_as_default_clears_the_old_default(admin_client):
    edit = admin_client.get(url("priority_edit", priority("high").pk)).content.decode()
    assert 'type="color"' in edit

    response = admin_client.post(url("priority_add"), priority_form(is_default="on"))

    assert response.status_code == 302
    assert list(Priority.objects.filter(is_default=True).values_list("name", flat=True)) == [
        "urgent"
    ]
    assert history_of(priority("medium")).get().changes == {"is_default": [True, False]}
    listing = admin_client.get(url("priority_list")).content.decode()
    assert "#ff0000" in listing


def test_the_default_priority_cannot_be_invalidated(admin_client):
    medium = priority("medium")
    response = admin_client.post(url("priority_invalidate", medium.pk), follow=True)
    assert "make another priority the default before invalidating it" in (response.content.decode())
    medium.refresh_from_db()
    assert medium.valid


def type_form(kind, **overrides):
    data = {
        "name": kind.name,
        "label": kind.label,
        "label_ja": kind.label_ja,
        "default_state": kind.default_state_id,
        "restrict_transitions": "on" if kind.restrict_transitions else "",
        "comment": "",
        "valid": "on",
    }
    if kind.is_default:
        data["is_default"] = "on"
    data.update(overrides)
    return {key: value for key, value in data.items() if value}


def test_a_type_is_made_the_default_through_its_form(admin_client):
    incident = ticket_type("incident")
    response = admin_client.post(
        url("type_edit", incident.pk), type_form(incident, is_default="on")
    )
    assert response.status_code == 302
    assert list(TicketType.objects.filter(is_default=True)) == [incident]


def test_a_new_type_gets_its_first_workflow_state(admin_client):
    response = admin_client.post(
        url("type_add"),
        {"name": "task", "label": "Task", "default_state": state("open").pk, "valid": "on"},
    )
    task = TicketType.objects.get(name="task")
    assert response.status_code == 302
    assert [link.state.name for link in task.state_links.all()] == ["open"]


def test_the_type_page_shows_its_workflow(admin_client, django_assert_max_num_queries):
    incident = ticket_type("incident")
    with django_assert_max_num_queries(12):
        response = admin_client.get(url("type_detail", incident.pk))
    page = response.content.decode()
    assert "Edit workflow" in page
    assert url("type_workflow", incident.pk) in page
    assert "Investigating · new ticket" not in page
    assert "New · new ticket · default" in page
    assert "Resolved →</th><td>Open, In progress, Closed</td>" in page
    assert "Closed →</th><td>Open</td>" in page


def workflow_post(states, initial, transitions):
    return {
        "states": [state(name).pk for name in states],
        "initial_states": [state(name).pk for name in initial],
        "transitions": [
            f"{state(a).pk}:{state(b).pk}" for a, b in (pair.split(">") for pair in transitions)
        ],
    }


def test_the_workflow_page_shows_the_matrix(admin_client):
    incident = ticket_type("incident")
    response = admin_client.get(url("type_workflow", incident.pk))
    page = response.content.decode()

    open_state, closed = state("open"), state("closed")
    assert f'name="states" value="{open_state.pk}" id="state-{open_state.pk}" checked' in page
    assert f'name="states" value="{state("planning").pk}" id="state-{state("planning").pk}">' in (
        page
    )
    assert (
        f'value="{closed.pk}:{open_state.pk}" id="transition-{closed.pk}:{open_state.pk}" '
        "checked" in page
    )
    assert f'value="{open_state.pk}:{closed.pk}"' in page
    assert f'value="{state("merged").pk}"' not in page
    assert len(response.context["grid"]) == 8


def test_the_workflow_is_saved_from_the_matrix(admin_client, admin_agent):
    problem = ticket_type("problem")
    response = admin_client.post(
        url("type_workflow", problem.pk),
        workflow_post(
            ["new", "open", "closed", "planning"],
            ["new", "open"],
            ["new>open", "open>closed", "new>planning", "planning>closed", "closed>open"],
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == url("type_detail", problem.pk)
    assert set(
        TicketTypeState.objects.filter(ticket_type=problem).values_list("state__name", flat=True)
    ) == {"new", "open", "closed", "planning"}
    assert TicketTypeTransition.objects.filter(ticket_type=problem).count() == 5
    entry = history_of(problem).get()
    assert entry.actor == admin_agent
    assert entry.changes["states_added"] == "planning"
    page = admin_client.get(url("type_detail", problem.pk)).content.decode()
    assert "Transitions added:</span> new → planning" in page
    assert "Allowed states added:</span> planning" in page


def test_a_bad_workflow_is_shown_with_its_message_and_changes_nothing(admin_client):
    incident = ticket_type("incident")
    TicketFactory(ticket_type=incident, state=state("in_progress"))
    TicketFactory(ticket_type=incident, state=state("in_progress"))
    before = set(incident.state_links.values_list("state__name", "initial"))

    response = admin_client.post(
        url("type_workflow", incident.pk),
        workflow_post(["new", "open", "closed"], ["open"], ["new>open", "open>closed"]),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "2 tickets of this type are in the state “In progress”: move them to another state "
        "before removing the state from the workflow." in page
    )
    assert "it must stay allowed for a new ticket" in page
    # The matrix shows what was posted, for correcting it.
    assert len(response.context["grid"]) == 3
    assert set(incident.state_links.values_list("state__name", "initial")) == before
    assert not history_of(incident).exists()


# System addresses, salutations, signatures, templates --------------------------------------------


def test_a_system_address_in_use_cannot_be_invalidated(admin_client):
    address = SystemAddressFactory(email="it@example.com", display_name="IT")
    network = QueueFactory(name="Network", system_address=address)
    detail = admin_client.get(url("system_address_detail", address.pk)).content.decode()
    assert "Network" in detail

    response = admin_client.post(url("system_address_invalidate", address.pk), follow=True)
    page = response.content.decode()
    assert "A valid contact person (queue) sends from this address: Network." in page
    edit = admin_client.post(
        url("system_address_edit", address.pk),
        {"email": "it@example.com", "display_name": "IT", "comment": ""},
    )
    assert edit.status_code == 200
    assert "sends from this address" in str(edit.context["form"].errors["valid"])
    address.refresh_from_db()
    assert address.valid

    admin_services.invalidate_queue(network, actor=None)
    admin_client.post(url("system_address_invalidate", address.pk))
    address.refresh_from_db()
    assert address.valid is False


def test_salutations_document_and_check_their_placeholders(admin_client):
    form = admin_client.get(url("salutation_add")).content.decode()
    for placeholder in ("{customer_name}", "{agent_name}", "{ticket_number}", "{title}", "{queue}"):
        assert placeholder in form

    refused = admin_client.post(
        url("salutation_add"),
        {"name": "Formal", "text": "Dear {customer},\n", "comment": "", "valid": "on"},
    )
    assert refused.status_code == 200
    assert "Unknown placeholder: {customer}." in refused.context["form"].errors["text"][0]

    created = admin_client.post(
        url("salutation_add"),
        {"name": "Formal", "text": "Dear {customer_name},\n", "comment": "", "valid": "on"},
    )
    assert created.status_code == 302
    salutation = Salutation.objects.get(name="Formal")
    detail = admin_client.get(url("salutation_detail", salutation.pk)).content.decode()
    assert "Dear {customer_name}," in detail


def test_signatures_are_invalidated_not_deleted(admin_client):
    signature = Signature.objects.create(name="Old", text="Bye")
    response = admin_client.post(url("signature_invalidate", signature.pk))
    assert response.status_code == 302
    signature.refresh_from_db()
    assert signature.valid is False
    assert history_of(signature).get().action == AuditAction.INVALIDATE


def test_a_template_is_created_for_some_queues(admin_client, django_assert_max_num_queries):
    network = QueueFactory(name="Network")
    misc = Queue.objects.get(name="Misc")
    response = admin_client.post(
        url("template_add"),
        {
            "name": "Reset password",
            "template_type": "answer",
            "subject": "Password",
            "text": "Use the link.",
            "next_state": state("closed").pk,
            "queues": [network.pk, misc.pk],
            "comment": "",
            "valid": "on",
        },
    )
    assert response.status_code == 302
    template = StandardTemplate.objects.get(name="Reset password")
    assert {queue.name for queue in template.queues.all()} == {"Network", "Misc"}
    assert "merged" not in {
        item.name
        for item in admin_client.get(url("template_add"))
        .context["form"]
        .fields["next_state"]
        .queryset
    }

    for _number in range(20):
        StandardTemplateFactory().queues.set([network, misc])
    with django_assert_max_num_queries(10):
        listing = admin_client.get(url("template_list"), {"per_page": 50})
    assert "Misc, Network" in listing.content.decode()


# Dynamic fields of tickets -----------------------------------------------------------------------


def field_form(**overrides):
    data = {
        "object_type": "ticket",
        "name": "root_cause",
        "label": "Root cause",
        "label_ja": "根本原因",
        "field_type": "text",
        "choices": "",
        "default_value": "",
        "regex": "",
        "regex_message": "",
        "help_text": "",
        "order": "1",
        "valid": "on",
        "screen__ticket__ticket_close": "required",
        "screen__ticket__ticket_edit": "shown",
        "screen__ticket__ticket_zoom": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_screens_of_a_ticket_field_are_saved(admin_client):
    form = admin_client.get(reverse("dynamic_fields:dynamic_field_add")).content.decode()
    assert "Ticket zoom sidebar" in form
    assert 'name="screen__ticket__ticket_create"' in form

    response = admin_client.post(reverse("dynamic_fields:dynamic_field_add"), field_form())

    field = DynamicField.objects.get(name="root_cause")
    assert response.status_code == 302
    assert field.screens == {"ticket_close": "required", "ticket_edit": "shown"}
    detail = admin_client.get(response["Location"]).content.decode()
    assert "Ticket dynamic fields action: shown, Close: shown and required" in detail

    edit_url = reverse("dynamic_fields:dynamic_field_edit", args=[field.pk])
    edit = admin_client.get(edit_url).content.decode()
    assert 'name="screen__ticket__ticket_close" value="required"' in edit
    admin_client.post(
        edit_url,
        field_form(
            **{"screen__ticket__ticket_close": "shown", "screen__ticket__ticket_create": "shown"}
        ),
    )
    field.refresh_from_db()
    assert field.screens == {
        "ticket_close": "shown",
        "ticket_edit": "shown",
        "ticket_create": "shown",
    }
    entry = AuditLogEntry.objects.filter(action=AuditAction.UPDATE, object_id=str(field.pk)).get()
    assert entry.changes["screens.ticket_close"] == ["required", "shown"]
    detail = admin_client.get(reverse("dynamic_fields:dynamic_field_detail", args=[field.pk]))
    assert "Screen: Close:" in detail.content.decode()


def test_fields_of_other_object_types_have_no_screens(admin_client):
    response = admin_client.post(
        reverse("dynamic_fields:dynamic_field_add"),
        field_form(object_type="customer_user", name="shirt"),
    )
    assert response.status_code == 302
    field = DynamicField.objects.get(name="shirt")
    assert field.screens == {}
    edit = admin_client.get(reverse("dynamic_fields:dynamic_field_edit", args=[field.pk]))
    assert "screen__" not in edit.content.decode()
    detail = admin_client.get(reverse("dynamic_fields:dynamic_field_detail", args=[field.pk]))
    assert "Screens" not in detail.content.decode()


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("queue", "Service Desk"),
        ("state", "awaiting_backout"),
        ("priority", "very_high"),
        ("type", "rfc::emergency"),
        ("system_address", "opsdesk@localhost"),
        ("salutation", "system standard salutation (ja)"),
        ("signature", "system standard signature (en)"),
        ("template", "Need more information"),
    ],
)
def test_every_list_exports_csv(admin_client, kind, expected):
    response = admin_client.get(url(f"{kind}_list"), {"export": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert expected in text
    assert "<" not in text.replace("<opsdesk@localhost>", "")  # values, not HTML
