"""The ticket services: each operation's permission check, rules, history rows and events."""

import datetime
import smtplib
from decimal import Decimal
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from opsdesk.accounts.tests.factories import AgentFactory
from opsdesk.core.events import capture_events
from opsdesk.core.models import DynamicField
from opsdesk.customers.tests.factories import CustomerCompanyFactory, CustomerUserFactory
from opsdesk.tickets import services
from opsdesk.tickets.choices import Channel, HistoryType, SenderType
from opsdesk.tickets.models import (
    Article,
    Attachment,
    SystemAddress,
    Ticket,
    TicketHistory,
    TicketWatcher,
    TimeAccounting,
)
from opsdesk.tickets.services import ArticleDraft, AttachmentUpload

from .factories import (
    QueueFactory,
    TicketFactory,
    agent_with,
    grant,
    priority,
    state,
    ticket_type,
)

pytestmark = pytest.mark.django_db


# Helpers ------------------------------------------------------------------------------------------


def history(ticket, *types):
    """(type, field, old, new) of the ticket's history rows (of ``types`` only, when given)."""
    rows = TicketHistory.objects.filter(ticket=ticket).order_by("id")
    if types:
        rows = rows.filter(history_type__in=types)
    return [(row.history_type, row.field, row.old_value, row.new_value) for row in rows]


def names(events):
    return [event.name for event in events]


def phone_draft(body="The VPN drops every ten minutes.", **fields):
    return ArticleDraft(
        channel=Channel.PHONE,
        sender_type=SenderType.CUSTOMER,
        body=body,
        is_visible_for_customer=True,
        **fields,
    )


def create(actor, queue, **fields):
    fields.setdefault("title", "VPN drops")
    fields.setdefault("article", phone_draft())
    return services.create_ticket(actor=actor, queue=queue, **fields)


def in_one_hour():
    return timezone.now() + datetime.timedelta(hours=1)


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


@pytest.fixture
def media(settings, tmp_path):
    """Files go to a fresh folder; returns it."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def ticket(queue, rw_agent):
    return TicketFactory(queue=queue, actor=rw_agent)


@pytest.fixture
def other_rw_agent(queue):
    return agent_with(queue, "rw", login="second-agent", first_name="Sam", last_name="Second")


# create_ticket ------------------------------------------------------------------------------------


def test_create_ticket_with_defaults_writes_history_and_emits_events(queue, rw_agent):
    with capture_events() as events:
        ticket = create(rw_agent, queue, title="  Mail server down  ")

    ticket.refresh_from_db()
    assert ticket.title == "Mail server down"
    assert ticket.state.name == "new"
    assert ticket.priority.name == "medium"
    assert ticket.ticket_type.name == "unclassified"
    assert ticket.owner == rw_agent
    assert ticket.responsible == rw_agent  # ResponsibleAutoSet: the first owner is responsible
    assert not ticket.locked
    assert ticket.closed_at is None
    assert ticket.created_by == rw_agent
    article = ticket.articles.get()
    assert (article.channel, article.sender_type, article.body) == (
        "phone",
        "customer",
        "The VPN drops every ten minutes.",
    )
    assert article.subject == "Mail server down"  # the title when the draft has no subject

    assert history(ticket) == [
        ("NewTicket", "", "", ticket.number),
        ("PhoneCallCustomer", "", "", "Mail server down"),
    ]
    new = TicketHistory.objects.get(ticket=ticket, history_type="NewTicket")
    assert new.comment == f"{queue.full_name} / new / medium / unclassified"
    # OTOBO's snapshot columns: the ticket's values after the change
    assert (new.queue, new.state, new.priority, new.ticket_type, new.owner, new.created_by) == (
        queue,
        state("new"),
        priority("medium"),
        ticket_type("unclassified"),
        rw_agent,
        rw_agent,
    )
    assert names(events) == ["ArticleCreate", "TicketCreate"]
    created = events[1]
    assert (created.object_id, created.actor_id, created.data) == (
        ticket.pk,
        rw_agent.pk,
        {"number": ticket.number},
    )
    assert events[0].data == {
        "article_id": article.pk,
        "channel": "phone",
        "sender_type": "customer",
        "is_visible_for_customer": True,
    }


def test_create_ticket_needs_create_permission_on_the_queue(queue, ro_agent):
    with pytest.raises(PermissionDenied, match="You may not create tickets in the contact person"):
        create(ro_agent, queue)
    assert not Ticket.objects.exists()

    creator = agent_with(queue, "create")
    assert create(creator, queue).owner == creator


def test_without_an_actor_no_agent_permission_applies(queue):
    ticket = create(None, queue, actor_label="Postmaster", customer_address=" a@example.com ")

    assert ticket.owner is None
    assert ticket.responsible is None
    assert ticket.customer_address == "a@example.com"
    row = TicketHistory.objects.get(ticket=ticket, history_type="NewTicket")
    assert (row.created_by, row.actor_label) == (None, "Postmaster")
    assert ticket.articles.get().created_by is None


@pytest.mark.parametrize("what", ["queue", "priority", "ticket_type"])
def test_create_ticket_refuses_invalid_master_data(queue, rw_agent, what):
    master = {"queue": queue, "priority": priority("high"), "ticket_type": ticket_type("incident")}
    type(master[what]).objects.filter(pk=master[what].pk).update(valid=False)
    master[what].refresh_from_db()

    with pytest.raises(ValidationError, match="Choose a valid"):
        create(rw_agent, **master)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("", "A ticket needs a title."),
        ("   ", "A ticket needs a title."),
        ("x" * 256, "A title has at most 255 characters."),
    ],
)
def test_create_ticket_checks_the_title(queue, rw_agent, title, message):
    with pytest.raises(ValidationError) as error:
        create(rw_agent, queue, title=title)
    assert error.value.message_dict == {"title": [message]}
    assert create(rw_agent, queue, title="x" * 255).title == "x" * 255


def test_a_new_ticket_starts_in_one_of_its_types_initial_states(queue, rw_agent):
    with pytest.raises(ValidationError) as error:
        create(rw_agent, queue, ticket_type=ticket_type("rfc"), state=state("completed"))
    assert error.value.message_dict == {
        "state": [
            "A new ticket of type “Request for change” cannot start in the state “Completed”."
        ]
    }
    with pytest.raises(ValidationError):  # not part of the incident workflow at all
        create(rw_agent, queue, ticket_type=ticket_type("incident"), state=state("planning"))
    assert not Ticket.objects.exists()

    rfc = create(rw_agent, queue, ticket_type=ticket_type("rfc"))
    assert rfc.state.name == "new"  # the type's default state
    release = create(rw_agent, queue, ticket_type=ticket_type("release"), state=state("planning"))
    assert release.state.name == "planning"


def test_a_new_closed_ticket_has_a_closing_time(queue, rw_agent):
    ticket = create(rw_agent, queue, ticket_type=ticket_type("incident"), state=state("closed"))
    assert ticket.closed_at is not None


def test_a_new_pending_ticket_needs_a_future_pending_time(queue, rw_agent):
    incident = ticket_type("incident")
    with pytest.raises(ValidationError) as error:
        create(rw_agent, queue, ticket_type=incident, state=state("pending"))
    assert error.value.message_dict == {
        "pending_until": ["The state “Pending” needs a pending time."]
    }
    with pytest.raises(ValidationError) as error:
        past = timezone.now() - datetime.timedelta(minutes=1)
        create(rw_agent, queue, ticket_type=incident, state=state("pending"), pending_until=past)
    assert error.value.message_dict == {
        "pending_until": ["The pending time must be in the future."]
    }
    assert not Ticket.objects.exists()

    later = in_one_hour()
    ticket = create(
        rw_agent, queue, ticket_type=incident, state=state("pending"), pending_until=later
    )
    assert ticket.pending_until == later
    # A pending time given with a state that is not pending is not kept.
    assert create(rw_agent, queue, pending_until=later).pending_until is None


def test_owner_and_responsible_need_their_permissions(queue, rw_agent):
    reader = agent_with(queue, "ro", first_name="Rita", last_name="Reader")
    owner = agent_with(queue, "owner")

    with pytest.raises(ValidationError) as error:
        create(rw_agent, queue, owner=reader)
    assert error.value.message_dict == {
        "owner": ["Rita Reader may not own tickets of this contact person."]
    }
    with pytest.raises(ValidationError) as error:
        create(rw_agent, queue, responsible=owner)  # responsible needs rw
    assert "responsible" in error.value.message_dict
    assert not Ticket.objects.exists()

    ticket = create(rw_agent, queue, owner=owner)
    assert (ticket.owner, ticket.responsible) == (owner, owner)
    ticket = create(rw_agent, queue, owner=owner, responsible=rw_agent)
    assert (ticket.owner, ticket.responsible) == (owner, rw_agent)


def test_customer_user_must_belong_to_the_given_company(queue, rw_agent):
    home, other, additional = CustomerCompanyFactory.create_batch(3)
    user = CustomerUserFactory(company=home, additional_companies=[additional])

    with pytest.raises(ValidationError) as error:
        create(rw_agent, queue, customer_user=user, customer_company=other)
    assert error.value.message_dict == {
        "customer_company": [f"{user.login} does not belong to the customer {other.customer_id}."]
    }
    assert not Ticket.objects.exists()

    assert create(rw_agent, queue, customer_user=user).customer_company == home
    chosen = create(rw_agent, queue, customer_user=user, customer_company=additional)
    assert chosen.customer_company == additional
    bare = create(rw_agent, queue, customer_company=other, customer_address="x@example.com")
    assert (bare.customer_user, bare.customer_company, bare.customer_address) == (
        None,
        other,
        "x@example.com",
    )
    # A customer user replaces a bare address.
    assert (
        create(rw_agent, queue, customer_user=user, customer_address="x@y.z").customer_address == ""
    )


def test_create_ticket_stores_valid_dynamic_fields_and_refuses_unknown_ones(queue, rw_agent):
    DynamicField.objects.create(
        object_type="ticket", name="AffectedSite", label="Affected site", field_type="text"
    )
    with pytest.raises(ValidationError) as error:
        create(rw_agent, queue, extra={"NoSuchField": "x"})
    assert error.value.message_dict == {
        "extra": ["NoSuchField: There is no field named “NoSuchField”."]
    }
    assert not Ticket.objects.exists()

    assert create(rw_agent, queue, extra={"AffectedSite": "Osaka"}).extra == {
        "AffectedSite": "Osaka"
    }


def test_the_first_article_is_checked(queue, rw_agent):
    with pytest.raises(ValidationError) as error:
        create(rw_agent, queue, article=phone_draft(body="  "))
    assert error.value.message_dict == {"body": ["Write a text."]}
    with pytest.raises(ValidationError) as error:
        create(rw_agent, queue, article=phone_draft(time_units="lots"))
    assert error.value.message_dict == {"time_units": ["Enter a number of time units."]}
    with pytest.raises(ValidationError) as error:
        create(rw_agent, queue, article=ArticleDraft(channel="fax", sender_type="agent", body="x"))
    assert error.value.message_dict == {"channel": ["Unknown channel “fax”."]}
    with pytest.raises(ValidationError) as error:
        create(rw_agent, queue, article=ArticleDraft(channel="phone", sender_type="bot", body="x"))
    assert error.value.message_dict == {"sender_type": ["Unknown sender type “bot”."]}
    assert not Ticket.objects.exists()  # the number, the ticket, everything rolled back


@pytest.mark.parametrize(
    ("channel", "sender_type", "history_type"),
    [
        ("phone", "customer", "PhoneCallCustomer"),
        ("phone", "agent", "PhoneCallAgent"),
        ("email", "agent", "EmailAgent"),
        ("web", "customer", "WebRequestCustomer"),
        ("internal", "agent", "AddNote"),
    ],
)
def test_the_first_articles_history_type_follows_its_channel(
    queue, rw_agent, channel, sender_type, history_type
):
    draft = ArticleDraft(channel=channel, sender_type=sender_type, body="Hello")
    ticket = create(rw_agent, queue, article=draft)
    assert history(ticket)[1][0] == history_type


def test_time_units_of_the_first_article_are_accounted(queue, rw_agent):
    ticket = create(rw_agent, queue, article=phone_draft(time_units="15"))

    entry = TimeAccounting.objects.get(ticket=ticket)
    assert (entry.units, entry.agent, entry.article) == (
        Decimal("15"),
        rw_agent,
        ticket.articles.get(),
    )
    assert history(ticket, "TimeAccounting") == [("TimeAccounting", "", "", "15.00")]


# Attachments --------------------------------------------------------------------------------------


def test_attachments_are_stored_once_per_content(queue, rw_agent, media):
    logo = AttachmentUpload("logo.png", b"\x89PNG same bytes", "image/png")
    copy = AttachmentUpload("copy-of-logo.png", b"\x89PNG same bytes", "image/png")
    other = AttachmentUpload("notes.txt", "メモ".encode(), "text/plain")
    first = create(rw_agent, queue, article=phone_draft(attachments=[logo, other]))
    second = create(rw_agent, queue, article=phone_draft(attachments=[copy]))

    rows = list(Attachment.objects.order_by("id"))
    assert [(row.filename, row.size, row.content_type) for row in rows] == [
        ("logo.png", 15, "image/png"),
        ("notes.txt", 6, "text/plain"),
        ("copy-of-logo.png", 15, "image/png"),
    ]
    assert rows[0].article.ticket == first
    assert rows[2].article.ticket == second
    assert rows[0].file.name == rows[2].file.name  # content-addressed: one file
    assert len(stored_files(media)) == 2
    assert rows[2].file.read() == b"\x89PNG same bytes"


def test_an_attachment_over_the_limit_is_refused_and_nothing_is_stored(
    queue, rw_agent, media, settings
):
    settings.OPSDESK_ATTACHMENT_MAX_SIZE = 10
    small = AttachmentUpload("small.txt", b"0123456789")
    big = AttachmentUpload("big.bin", b"01234567890")

    with pytest.raises(ValidationError) as error:
        create(rw_agent, queue, article=phone_draft(attachments=[small, big]))
    assert error.value.message_dict == {
        "attachments": ["“big.bin” is 11\xa0bytes; files may be at most 10\xa0bytes."]
    }
    ticket = create(rw_agent, queue)
    with pytest.raises(ValidationError):
        services.add_note(ticket, actor=rw_agent, subject="log", body="see", attachments=[big])
    with pytest.raises(ValidationError):
        services.send_email(
            ticket,
            actor=rw_agent,
            to="a@example.com",
            subject="s",
            body="b",
            attachments=[small, big],
        )

    assert Ticket.objects.count() == 1
    assert ticket.articles.count() == 1
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


# add_article, add_note, add_phone_call -----------------------------------------------------------


def test_an_agent_with_note_permission_adds_a_note(ticket, queue):
    noter = agent_with(queue, "note", first_name="Nora", last_name="Noter")
    with capture_events() as events:
        article = services.add_note(ticket, actor=noter, subject="Checked", body="Logs are clean.")

    assert (article.channel, article.sender_type, article.is_visible_for_customer) == (
        "internal",
        "agent",
        False,
    )
    assert (article.from_address, article.created_by) == ("Nora Noter", noter)
    assert history(ticket, "AddNote") == [("AddNote", "", "", "Checked")]
    assert names(events) == ["ArticleCreate"]
    ticket.refresh_from_db()
    assert ticket.changed_by == noter


def test_a_note_needs_note_permission(ticket, ro_agent):
    with pytest.raises(PermissionDenied, match="You may not add a note"):
        services.add_note(ticket, actor=ro_agent, subject="x", body="y")
    assert ticket.articles.count() == 1


def test_note_permission_alone_cannot_change_the_state(ticket, queue):
    noter = agent_with(queue, "note")
    with pytest.raises(PermissionDenied, match="change the state"):
        services.add_note(ticket, actor=noter, subject="x", body="y", next_state=state("closed"))
    ticket.refresh_from_db()
    assert ticket.state.name == "new"
    assert ticket.articles.count() == 1


def test_a_note_may_change_the_state_along_the_workflow(ticket, rw_agent):
    services.add_note(
        ticket,
        actor=rw_agent,
        subject="Waiting",
        body="Waiting for the vendor.",
        next_state=state("pending"),
        pending_until=in_one_hour(),
    )
    ticket.refresh_from_db()
    assert ticket.state.name == "pending"
    assert [row[0] for row in history(ticket)][2:] == ["AddNote", "StateUpdate", "SetPendingTime"]


def test_phone_calls_need_rw_and_record_who_called(ticket, queue, rw_agent):
    noter = agent_with(queue, "note")
    with pytest.raises(PermissionDenied, match="record a phone call"):
        services.add_phone_call(ticket, actor=noter, subject="s", body="b", inbound=True)

    inbound = services.add_phone_call(
        ticket, actor=rw_agent, subject="Called", body="Still broken.", inbound=True
    )
    outbound = services.add_phone_call(
        ticket, actor=rw_agent, subject="Called back", body="Try now.", inbound=False
    )
    assert (inbound.channel, inbound.sender_type, inbound.is_visible_for_customer) == (
        "phone",
        "customer",
        True,
    )
    assert outbound.sender_type == "agent"
    assert outbound.from_address == rw_agent.full_name
    assert history(ticket)[2:] == [
        ("PhoneCallCustomer", "", "", "Called"),
        ("PhoneCallAgent", "", "", "Called back"),
    ]


def test_add_article_history_types_html_and_time_units(ticket, rw_agent):
    follow_up = services.add_article(
        ticket,
        ArticleDraft(
            channel=Channel.EMAIL,
            sender_type=SenderType.CUSTOMER,
            subject="Re: VPN",
            body_html='<p onclick="x()">Still <b>down</b></p><script>alert(1)</script>',
            is_visible_for_customer=True,
        ),
        actor=None,
        actor_label="Postmaster",
    )
    assert follow_up.body_html == "<p>Still <b>down</b></p>"
    assert follow_up.body == "Still down"  # plain text derived from the HTML
    answer = services.add_article(
        ticket,
        ArticleDraft(channel="email", sender_type="agent", body="Restarted.", time_units="7.5"),
        actor=rw_agent,
        history_type=HistoryType.SEND_ANSWER,
    )
    assert history(ticket)[2:] == [
        ("FollowUp", "", "", "Re: VPN"),
        ("SendAnswer", "", "", ticket.title),
        ("TimeAccounting", "", "", "7.50"),
    ]
    assert TicketHistory.objects.get(history_type="FollowUp").actor_label == "Postmaster"
    assert TimeAccounting.objects.get().article == answer


def test_add_article_refuses_bad_input_and_changes_nothing(ticket, rw_agent):
    for draft, key in [
        (ArticleDraft(channel="internal", sender_type="agent"), "body"),
        (
            ArticleDraft(channel="internal", sender_type="agent", body="x", time_units="-1"),
            "time_units",
        ),
        (
            ArticleDraft(channel="internal", sender_type="agent", body="x", time_units="NaN"),
            "time_units",
        ),
    ]:
        with pytest.raises(ValidationError) as error:
            services.add_article(ticket, draft, actor=rw_agent)
        assert list(error.value.message_dict) == [key]
    with pytest.raises(ValidationError) as error:
        services.add_note(
            ticket, actor=rw_agent, subject="x", body="y", next_state=state("pending")
        )
    assert list(error.value.message_dict) == ["pending_until"]
    assert ticket.articles.count() == 1
    assert len(history(ticket)) == 2


# set_state, set_pending_time ----------------------------------------------------------------------


def test_a_transition_outside_the_workflow_is_refused_with_the_allowed_next_states(queue, rw_agent):
    rfc = create(rw_agent, queue, ticket_type=ticket_type("rfc"))
    with pytest.raises(ValidationError) as error:
        services.set_state(rfc, actor=rw_agent, state=state("completed"))
    assert error.value.message_dict == {
        "state": [
            "A ticket of type “Request for change” cannot go from “New” to “Completed”. "
            "Allowed next states: Awaiting approval, Cancelled."
        ]
    }
    rfc.refresh_from_db()
    assert rfc.state.name == "new"
    assert len(history(rfc)) == 2

    # a state the type does not have at all
    incident = create(rw_agent, queue, ticket_type=ticket_type("incident"))
    with pytest.raises(ValidationError, match="cannot go from “New” to “Planning”"):
        services.set_state(incident, actor=rw_agent, state=state("planning"))


def test_the_state_follows_the_workflow_and_writes_history(queue, rw_agent):
    rfc = create(rw_agent, queue, ticket_type=ticket_type("rfc"))
    with capture_events() as events:
        for name in ("awaiting_approval", "planning", "awaiting_implementation", "implementing"):
            services.set_state(rfc, actor=rw_agent, state=state(name))
    rfc.refresh_from_db()
    assert rfc.state.name == "implementing"
    assert history(rfc, "StateUpdate") == [
        ("StateUpdate", "state", "new", "awaiting_approval"),
        ("StateUpdate", "state", "awaiting_approval", "planning"),
        ("StateUpdate", "state", "planning", "awaiting_implementation"),
        ("StateUpdate", "state", "awaiting_implementation", "implementing"),
    ]
    last = TicketHistory.objects.filter(ticket=rfc).last()
    assert (last.state.name, last.created_by) == ("implementing", rw_agent)  # snapshot
    assert names(events) == ["TicketStateUpdate"] * 4
    assert events[-1].data == {"old": "awaiting_implementation", "new": "implementing"}

    # the same state again changes nothing
    services.set_state(rfc, actor=rw_agent, state=state("implementing"))
    assert len(history(rfc, "StateUpdate")) == 4


def test_set_state_needs_rw(ticket, queue, ro_agent):
    for agent in (ro_agent, agent_with(queue, "note", "owner", "priority", "move_into")):
        with pytest.raises(PermissionDenied, match="change the state"):
            services.set_state(ticket, actor=agent, state=state("open"))
    services.set_state(ticket, actor=None, state=state("open"), actor_label="GenericAgent")
    ticket.refresh_from_db()
    assert ticket.state.name == "open"
    assert TicketHistory.objects.filter(ticket=ticket).last().actor_label == "GenericAgent"


def test_an_invalid_state_is_refused(ticket, rw_agent):
    open_state = state("open")
    open_state.valid = False
    open_state.save()
    with pytest.raises(ValidationError, match="Choose a valid state."):
        services.set_state(ticket, actor=rw_agent, state=open_state)


def test_internal_moves_may_skip_the_workflow(queue, rw_agent):
    rfc = create(rw_agent, queue, ticket_type=ticket_type("rfc"))
    services.set_state(rfc, actor=None, state=state("completed"), enforce_workflow=False)
    rfc.refresh_from_db()
    assert rfc.state.name == "completed"


def test_pending_states_need_a_future_pending_time(ticket, rw_agent):
    with pytest.raises(ValidationError) as error:
        services.set_state(ticket, actor=rw_agent, state=state("pending"))
    assert error.value.message_dict == {
        "pending_until": ["The state “Pending” needs a pending time."]
    }
    with pytest.raises(ValidationError) as error:
        services.set_state(
            ticket,
            actor=rw_agent,
            state=state("pending"),
            pending_until=timezone.now() - datetime.timedelta(seconds=1),
        )
    assert error.value.message_dict == {
        "pending_until": ["The pending time must be in the future."]
    }
    ticket.refresh_from_db()
    assert (ticket.state.name, ticket.pending_until) == ("new", None)

    later = in_one_hour()
    services.set_state(ticket, actor=rw_agent, state=state("pending"), pending_until=later)
    ticket.refresh_from_db()
    assert ticket.pending_until == later
    assert history(ticket)[2:] == [
        ("StateUpdate", "state", "new", "pending"),
        ("SetPendingTime", "pending_until", "", later.isoformat()),
    ]

    # leaving the pending state drops the pending time
    services.set_state(ticket, actor=rw_agent, state=state("open"))
    ticket.refresh_from_db()
    assert ticket.pending_until is None


def test_set_pending_time(ticket, rw_agent, ro_agent):
    with pytest.raises(ValidationError) as error:
        services.set_pending_time(ticket, actor=rw_agent, pending_until=in_one_hour())
    assert error.value.message_dict == {
        "pending_until": ["Only a ticket in a pending state has a pending time."]
    }
    first = in_one_hour()
    services.set_state(ticket, actor=rw_agent, state=state("pending"), pending_until=first)
    with pytest.raises(PermissionDenied, match="set the pending time"):
        services.set_pending_time(ticket, actor=ro_agent, pending_until=first)
    with pytest.raises(ValidationError, match="must be in the future"):
        services.set_pending_time(
            ticket, actor=rw_agent, pending_until=timezone.now() - datetime.timedelta(hours=1)
        )
    with pytest.raises(ValidationError, match="needs a pending time"):
        services.set_pending_time(ticket, actor=rw_agent, pending_until=None)

    later = first + datetime.timedelta(days=1)
    with capture_events() as events:
        services.set_pending_time(ticket, actor=rw_agent, pending_until=later)
        services.set_pending_time(ticket, actor=rw_agent, pending_until=later)  # no change
        # set_state to the same pending state only moves the time
        services.set_state(
            ticket, actor=rw_agent, state=state("pending"), pending_until=later + later.resolution
        )
    ticket.refresh_from_db()
    assert ticket.pending_until == later + later.resolution
    assert history(ticket, "SetPendingTime")[1:] == [
        ("SetPendingTime", "pending_until", first.isoformat(), later.isoformat()),
        (
            "SetPendingTime",
            "pending_until",
            later.isoformat(),
            (later + later.resolution).isoformat(),
        ),
    ]
    assert names(events) == ["TicketPendingTimeUpdate"] * 2


def test_closing_unlocks_and_sets_the_closing_time_reopening_clears_it(ticket, rw_agent):
    services.lock_ticket(ticket, actor=rw_agent)
    services.set_state(ticket, actor=rw_agent, state=state("closed"))

    ticket.refresh_from_db()
    assert not ticket.locked
    assert ticket.closed_at is not None
    assert ticket.lock_changed_at is not None
    assert [row[0] for row in history(ticket)][-2:] == ["Unlock", "StateUpdate"]

    services.set_state(ticket, actor=rw_agent, state=state("open"))
    ticket.refresh_from_db()
    assert ticket.closed_at is None


# move_ticket --------------------------------------------------------------------------------------


def test_move_needs_move_into_on_both_queues_and_unlocks(ticket, queue, rw_agent):
    target = QueueFactory(name="Network")
    mover = agent_with(queue, "move_into")
    with pytest.raises(ValidationError) as error:
        services.move_ticket(ticket, actor=mover, queue=target)
    assert error.value.message_dict == {"queue": ["You may not move tickets into “Network”."]}
    with pytest.raises(PermissionDenied, match="move the ticket"):
        services.move_ticket(ticket, actor=agent_with(target, "rw"), queue=target)

    grant(mover, target.group, "move_into")
    services.lock_ticket(ticket, actor=rw_agent)
    with capture_events() as events:
        services.move_ticket(ticket, actor=mover, queue=target)

    ticket.refresh_from_db()
    assert ticket.queue == target
    assert not ticket.locked
    assert history(ticket)[-2:] == [
        ("Move", "queue", queue.full_name, "Network"),
        ("Unlock", "", "", ""),
    ]
    move = TicketHistory.objects.get(ticket=ticket, history_type="Move")
    assert (move.queue, move.created_by) == (target, mover)
    assert names(events) == ["TicketQueueUpdate"]
    assert events[0].data == {"old": queue.pk, "new": target.pk}

    services.move_ticket(ticket, actor=None, queue=target)  # already there: nothing
    assert len(history(ticket, "Move")) == 1


def test_move_refuses_an_invalid_queue(ticket, rw_agent):
    closed_desk = QueueFactory(group=ticket.queue.group, valid=False)
    with pytest.raises(ValidationError, match="Choose a valid contact person"):
        services.move_ticket(ticket, actor=rw_agent, queue=closed_desk)
    with pytest.raises(ValidationError, match="Choose a valid contact person"):
        services.move_ticket(ticket, actor=None, queue=closed_desk)


# set_owner, set_responsible -----------------------------------------------------------------------


def test_set_owner_needs_owner_permission_for_actor_and_new_owner(ticket, queue, ro_agent):
    owner_agent = agent_with(queue, "owner", first_name="Olga", last_name="Owner")
    reader = agent_with(queue, "ro", first_name="Rita", last_name="Reader")
    with pytest.raises(PermissionDenied, match="change the owner"):
        services.set_owner(ticket, actor=ro_agent, owner=owner_agent)
    with pytest.raises(ValidationError) as error:
        services.set_owner(ticket, actor=owner_agent, owner=reader)
    assert error.value.message_dict == {
        "owner": ["Rita Reader may not own tickets of this contact person."]
    }

    old = ticket.owner
    with capture_events() as events:
        services.set_owner(ticket, actor=owner_agent, owner=owner_agent)
    ticket.refresh_from_db()
    assert ticket.owner == owner_agent
    assert history(ticket, "OwnerUpdate") == [
        (
            "OwnerUpdate",
            "owner",
            f"{old.full_name} ({old.login})",
            f"Olga Owner ({owner_agent.login})",
        )
    ]
    assert TicketHistory.objects.get(history_type="OwnerUpdate").owner == owner_agent  # snapshot
    assert names(events) == ["TicketOwnerUpdate"]
    assert events[0].data == {"old": old.pk, "new": owner_agent.pk}


def test_owner_nobody_unlocks_and_an_owner_becomes_responsible_when_none(queue, rw_agent):
    ticket = create(None, queue)  # no owner, no responsible
    services.set_owner(ticket, actor=rw_agent, owner=None)
    assert history(ticket, "OwnerUpdate") == []  # nobody already

    services.set_owner(ticket, actor=None, owner=rw_agent)
    ticket.refresh_from_db()
    assert (ticket.owner, ticket.responsible) == (rw_agent, rw_agent)

    services.lock_ticket(ticket, actor=rw_agent)
    services.set_owner(ticket, actor=rw_agent, owner=None)
    ticket.refresh_from_db()
    assert (ticket.owner, ticket.locked, ticket.responsible) == (None, False, rw_agent)
    assert history(ticket, "OwnerUpdate")[-1] == (
        "OwnerUpdate",
        "owner",
        f"{rw_agent.full_name} ({rw_agent.login})",
        "",
    )


def test_set_responsible(ticket, queue, rw_agent, other_rw_agent):
    owner_agent = agent_with(queue, "owner")
    with pytest.raises(PermissionDenied, match="change the responsible agent"):
        services.set_responsible(ticket, actor=owner_agent, responsible=other_rw_agent)
    with pytest.raises(ValidationError) as error:
        services.set_responsible(ticket, actor=rw_agent, responsible=owner_agent)
    assert list(error.value.message_dict) == ["responsible"]

    with capture_events() as events:
        services.set_responsible(ticket, actor=rw_agent, responsible=other_rw_agent)
        services.set_responsible(ticket, actor=rw_agent, responsible=other_rw_agent)  # no change
        services.set_responsible(ticket, actor=rw_agent, responsible=None)
    assert history(ticket, "ResponsibleUpdate") == [
        (
            "ResponsibleUpdate",
            "responsible",
            f"{rw_agent.full_name} ({rw_agent.login})",
            f"Sam Second ({other_rw_agent.login})",
        ),
        ("ResponsibleUpdate", "responsible", f"Sam Second ({other_rw_agent.login})", ""),
    ]
    assert names(events) == ["TicketResponsibleUpdate"] * 2
    ticket.refresh_from_db()
    assert ticket.responsible is None


# set_priority, set_type, set_title ----------------------------------------------------------------


def test_set_priority(ticket, queue, ro_agent):
    prioritiser = agent_with(queue, "priority")
    with pytest.raises(PermissionDenied, match="change the priority"):
        services.set_priority(ticket, actor=ro_agent, priority=priority("high"))
    very_low = priority("very_low")
    very_low.valid = False
    very_low.save()
    with pytest.raises(ValidationError, match="Choose a valid priority."):
        services.set_priority(ticket, actor=prioritiser, priority=very_low)

    with capture_events() as events:
        services.set_priority(ticket, actor=prioritiser, priority=priority("very_high"))
        services.set_priority(ticket, actor=prioritiser, priority=priority("very_high"))
    ticket.refresh_from_db()
    assert ticket.priority.name == "very_high"
    assert history(ticket, "PriorityUpdate") == [
        ("PriorityUpdate", "priority", "medium", "very_high")
    ]
    assert TicketHistory.objects.get(history_type="PriorityUpdate").priority.name == "very_high"
    assert names(events) == ["TicketPriorityUpdate"]
    assert events[0].data == {"old": "medium", "new": "very_high"}


def test_set_type_keeps_the_state_within_the_new_types_workflow(queue, rw_agent, ro_agent):
    ticket = create(rw_agent, queue, ticket_type=ticket_type("incident"), state=state("open"))
    with pytest.raises(PermissionDenied, match="change the type"):
        services.set_type(ticket, actor=ro_agent, ticket_type=ticket_type("problem"))
    with pytest.raises(ValidationError) as error:
        services.set_type(ticket, actor=rw_agent, ticket_type=ticket_type("rfc"))
    assert error.value.message_dict == {
        "ticket_type": [
            "The state “Open” is not part of the workflow of “Request for change”; "
            "change the state first."
        ]
    }
    release = ticket_type("release")
    release.valid = False
    release.save()
    with pytest.raises(ValidationError, match="Choose a valid ticket type."):
        services.set_type(ticket, actor=rw_agent, ticket_type=release)

    with capture_events() as events:
        services.set_type(ticket, actor=rw_agent, ticket_type=ticket_type("problem"))
    ticket.refresh_from_db()
    assert ticket.ticket_type.name == "problem"
    assert history(ticket, "TypeUpdate") == [("TypeUpdate", "ticket_type", "incident", "problem")]
    assert names(events) == ["TicketTypeUpdate"]


def test_set_title(ticket, rw_agent, ro_agent):
    with pytest.raises(PermissionDenied, match="change the title"):
        services.set_title(ticket, actor=ro_agent, title="New")
    for title in ("", " ", "y" * 256):
        with pytest.raises(ValidationError) as error:
            services.set_title(ticket, actor=rw_agent, title=title)
        assert list(error.value.message_dict) == ["title"]

    old = ticket.title
    with capture_events() as events:
        services.set_title(ticket, actor=rw_agent, title=" プリンターが印刷できない ")
        services.set_title(ticket, actor=rw_agent, title="プリンターが印刷できない")
    ticket.refresh_from_db()
    assert ticket.title == "プリンターが印刷できない"
    assert history(ticket, "TitleUpdate") == [
        ("TitleUpdate", "title", old, "プリンターが印刷できない")
    ]
    assert names(events) == ["TicketTitleUpdate"]


# set_customer -------------------------------------------------------------------------------------


def test_set_customer(ticket, rw_agent, ro_agent):
    company, other = CustomerCompanyFactory.create_batch(2)
    user = CustomerUserFactory(company=company)
    with pytest.raises(PermissionDenied, match="change the customer"):
        services.set_customer(ticket, actor=ro_agent, customer_user=user)
    with pytest.raises(ValidationError) as error:
        services.set_customer(ticket, actor=rw_agent, customer_user=user, customer_company=other)
    assert list(error.value.message_dict) == ["customer_company"]

    with capture_events() as events:
        services.set_customer(ticket, actor=rw_agent, customer_user=user)
        services.set_customer(ticket, actor=rw_agent, customer_user=user)  # no change
        services.set_customer(
            ticket, actor=rw_agent, customer_company=other, customer_address="it@other.example"
        )
    ticket.refresh_from_db()
    assert (ticket.customer_user, ticket.customer_company, ticket.customer_address) == (
        None,
        other,
        "it@other.example",
    )
    assert history(ticket, "CustomerUpdate") == [
        ("CustomerUpdate", "customer", "", f"{user.login} / {company.customer_id}"),
        (
            "CustomerUpdate",
            "customer",
            f"{user.login} / {company.customer_id}",
            f"{other.customer_id} / it@other.example",
        ),
    ]
    assert names(events) == ["TicketCustomerUpdate"] * 2


# set_dynamic_fields -------------------------------------------------------------------------------


def test_set_dynamic_fields(ticket, rw_agent, ro_agent):
    DynamicField.objects.create(object_type="ticket", name="Site", label="Site", field_type="text")
    DynamicField.objects.create(
        object_type="ticket", name="Impact", label="Impact", field_type="integer"
    )
    with pytest.raises(PermissionDenied, match="change dynamic fields"):
        services.set_dynamic_fields(ticket, actor=ro_agent, values={"Site": "Osaka"})
    with pytest.raises(ValidationError) as error:
        services.set_dynamic_fields(ticket, actor=rw_agent, values={"Nope": "x", "Impact": "high"})
    assert error.value.message_dict == {
        "extra": [
            "Nope: There is no field named “Nope”.",
            "Impact: “high” is not a whole number.",
        ]
    }

    with capture_events() as events:
        services.set_dynamic_fields(ticket, actor=rw_agent, values={"Site": "Osaka", "Impact": 3})
        services.set_dynamic_fields(ticket, actor=rw_agent, values={"Site": "Osaka"})  # same
        services.set_dynamic_fields(ticket, actor=rw_agent, values={"Impact": None})
    ticket.refresh_from_db()
    assert ticket.extra == {"Site": "Osaka"}
    assert history(ticket, "TicketDynamicFieldUpdate") == [
        ("TicketDynamicFieldUpdate", "Impact", "", "3"),
        ("TicketDynamicFieldUpdate", "Site", "", "Osaka"),
        ("TicketDynamicFieldUpdate", "Impact", "3", ""),
    ]
    assert names(events) == [
        "TicketDynamicFieldUpdate_Impact",
        "TicketDynamicFieldUpdate_Site",
        "TicketDynamicFieldUpdate_Impact",
    ]


# lock_ticket, unlock_ticket -----------------------------------------------------------------------


def test_locking_makes_the_agent_owner_and_a_second_agent_is_refused(
    queue, rw_agent, other_rw_agent, ro_agent
):
    ticket = create(None, queue)
    with pytest.raises(PermissionDenied, match="lock or unlock"):
        services.lock_ticket(ticket, actor=ro_agent)

    with capture_events() as events:
        services.lock_ticket(ticket, actor=other_rw_agent)
        services.lock_ticket(ticket, actor=other_rw_agent)  # already mine: nothing
    ticket.refresh_from_db()
    assert (ticket.locked, ticket.owner, ticket.responsible) == (
        True,
        other_rw_agent,
        other_rw_agent,
    )
    assert ticket.lock_changed_at is not None
    assert history(ticket)[2:] == [
        ("Lock", "", "", ""),
        ("OwnerUpdate", "owner", "", f"Sam Second ({other_rw_agent.login})"),
    ]
    assert names(events) == ["TicketOwnerUpdate", "TicketLockUpdate"]
    assert events[1].data == {"locked": True}

    with pytest.raises(ValidationError) as error:
        services.lock_ticket(ticket, actor=rw_agent)
    assert error.value.messages == ["The ticket is already locked by Sam Second."]
    ticket.refresh_from_db()
    assert ticket.owner == other_rw_agent

    with capture_events() as events:
        services.unlock_ticket(ticket, actor=rw_agent)
        services.unlock_ticket(ticket, actor=rw_agent)  # already unlocked: nothing
    ticket.refresh_from_db()
    assert not ticket.locked
    assert ticket.owner == other_rw_agent  # unlocking keeps the owner
    assert history(ticket)[-1] == ("Unlock", "", "", "")
    assert names(events) == ["TicketLockUpdate"]
    with pytest.raises(PermissionDenied):
        services.unlock_ticket(ticket, actor=ro_agent)


def test_locking_my_own_ticket_writes_no_owner_change(ticket, rw_agent):
    services.lock_ticket(ticket, actor=rw_agent)
    assert [row[0] for row in history(ticket)][2:] == ["Lock"]


# watch_ticket, unwatch_ticket ---------------------------------------------------------------------


def test_watching_needs_ro_and_is_recorded_once(ticket, ro_agent):
    stranger = AgentFactory()
    with pytest.raises(PermissionDenied, match="watch the ticket"):
        services.watch_ticket(ticket, actor=stranger)

    with capture_events() as events:
        services.watch_ticket(ticket, actor=ro_agent)
        services.watch_ticket(ticket, actor=ro_agent)
    assert list(TicketWatcher.objects.values_list("agent__login", flat=True)) == ["ro-agent"]
    assert history(ticket, "Subscribe") == [
        ("Subscribe", "", "", f"{ro_agent.full_name} (ro-agent)")
    ]
    assert names(events) == ["TicketSubscribe"]

    with capture_events() as events:
        services.unwatch_ticket(ticket, actor=ro_agent)
        services.unwatch_ticket(ticket, actor=ro_agent)
    assert not TicketWatcher.objects.exists()
    assert history(ticket, "Unsubscribe") == [
        ("Unsubscribe", "", f"{ro_agent.full_name} (ro-agent)", "")
    ]
    assert names(events) == ["TicketUnsubscribe"]


# account_time -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("units", "message"),
    [
        ("abc", "Enter a number of time units."),
        ("NaN", "Enter a number of time units."),
        ("-5", "Time units must be between 0 and 99999999."),
        ("100000000", "Time units must be between 0 and 99999999."),
        ("0", "Enter more than 0 time units."),
        (None, "Enter more than 0 time units."),
    ],
)
def test_account_time_refuses_bad_units(ticket, rw_agent, units, message):
    with pytest.raises(ValidationError) as error:
        services.account_time(ticket, actor=rw_agent, units=units)
    assert error.value.message_dict == {"time_units": [message]}
    assert not TimeAccounting.objects.exists()


def test_account_time(ticket, rw_agent, ro_agent):
    with pytest.raises(PermissionDenied, match="account time"):
        services.account_time(ticket, actor=ro_agent, units=5)
    article = ticket.articles.get()
    with capture_events() as events:
        entry = services.account_time(ticket, actor=rw_agent, units="12.5", article=article)
    assert (entry.units, entry.agent, entry.article) == (Decimal("12.50"), rw_agent, article)
    assert history(ticket, "TimeAccounting") == [("TimeAccounting", "", "", "12.50")]
    assert names(events) == ["TicketAccountTime"]
    assert events[0].data == {"units": "12.50"}


# send_email ---------------------------------------------------------------------------------------


@pytest.fixture
def mail_queue(queue):
    queue.system_address = SystemAddress.objects.create(
        email="support@opsdesk.example", display_name="OpsDesk Support"
    )
    queue.save()
    return queue


def test_a_reply_is_threaded_tagged_sent_from_the_queue_and_kept_with_its_source(
    mail_queue, rw_agent, mailoutbox, media
):
    ticket = create(rw_agent, mail_queue, title="Mail server down")
    customer_mail = services.add_article(
        ticket,
        ArticleDraft(
            channel="email",
            sender_type="customer",
            subject="Mail server down",
            body="Nothing arrives since 9:00.",
            from_address="Jane Doe <jane@acme.example.com>",
            message_id="<second@acme.example.com>",
            references="<first@acme.example.com>",
        ),
        actor=None,
    )
    log = AttachmentUpload("smtp.log", b"451 4.7.1 try again later", "text/plain")

    with capture_events() as events:
        reply = services.send_email(
            ticket,
            actor=rw_agent,
            to="Jane Doe <jane@acme.example.com>",
            cc="boss@acme.example.com",
            bcc="audit@opsdesk.example",
            subject="Re: Mail server down",
            body="We restarted the mail gateway.",
            replied=customer_mail,
            attachments=[log],
            time_units=10,
            next_state=state("open"),
        )

    assert len(mailoutbox) == 1
    sent = mailoutbox[0]
    tag = f"[Ticket#{ticket.number}]"
    assert sent.subject == f"{tag} Re: Mail server down"
    assert sent.from_email == "OpsDesk Support <support@opsdesk.example>"
    assert sent.to == ["Jane Doe <jane@acme.example.com>"]
    assert sent.cc == ["boss@acme.example.com"]
    assert sent.bcc == ["audit@opsdesk.example"]
    message = sent.message()
    assert message["Message-ID"] == reply.message_id
    assert reply.message_id.startswith("<") and reply.message_id.endswith("@opsdesk.example>")
    assert message["In-Reply-To"] == "<second@acme.example.com>"
    assert message["References"] == "<first@acme.example.com> <second@acme.example.com>"
    assert message["X-OpsDesk-Ticket"] == ticket.number
    assert sent.attachments[0][:2] == ("smtp.log", "451 4.7.1 try again later")

    reply.refresh_from_db()
    assert (reply.channel, reply.sender_type, reply.is_visible_for_customer) == (
        "email",
        "agent",
        True,
    )
    assert reply.subject == f"{tag} Re: Mail server down"
    assert reply.from_address == "OpsDesk Support <support@opsdesk.example>"
    assert (reply.to_addresses, reply.cc_addresses, reply.bcc_addresses) == (
        "Jane Doe <jane@acme.example.com>",
        "boss@acme.example.com",
        "audit@opsdesk.example",
    )
    assert (reply.in_reply_to, reply.references) == (
        "<second@acme.example.com>",
        "<first@acme.example.com> <second@acme.example.com>",
    )
    assert reply.time_units == Decimal("10")
    assert [a.filename for a in reply.attachments.all()] == ["smtp.log"]
    source = message_from_bytes(reply.source.read(), policy=email_policy.default)
    assert source["Message-ID"] == reply.message_id
    assert source["Subject"] == f"{tag} Re: Mail server down"
    assert "Bcc" not in source  # the kept source is what the recipients got
    assert source.get_body(("plain",)).get_content().strip() == "We restarted the mail gateway."

    ticket.refresh_from_db()
    assert ticket.state.name == "open"
    assert [row[0] for row in history(ticket)][3:] == [
        "SendAnswer",
        "TimeAccounting",
        "StateUpdate",
    ]
    assert names(events) == ["ArticleCreate", "TicketStateUpdate", "ArticleSend"]


@pytest.mark.parametrize(
    ("kind", "history_type"), [("forward", "Forward"), ("email", "EmailAgent")]
)
def test_forward_and_new_mail_history(ticket, rw_agent, mailoutbox, media, kind, history_type):
    services.send_email(
        ticket, actor=rw_agent, to="x@example.com", subject="Fwd", body="b", kind=kind
    )
    assert history(ticket)[-1][0] == history_type
    assert mailoutbox[0].message()["In-Reply-To"] is None


def test_send_email_refuses_bad_input_and_needs_rw(ticket, queue, rw_agent, ro_agent, mailoutbox):
    with pytest.raises(ValidationError) as error:
        services.send_email(ticket, actor=rw_agent, to=" , ", subject="s", body="b")
    assert error.value.message_dict == {"to": ["Enter at least one recipient."]}
    with pytest.raises(ValidationError, match="Unknown kind of mail “fax”."):
        services.send_email(
            ticket, actor=rw_agent, to="a@example.com", subject="s", body="b", kind="fax"
        )
    for agent in (ro_agent, agent_with(queue, "note")):
        with pytest.raises(PermissionDenied, match="send email"):
            services.send_email(ticket, actor=agent, to="a@example.com", subject="s", body="b")
    rfc = create(rw_agent, queue, ticket_type=ticket_type("rfc"))
    with pytest.raises(ValidationError, match="Allowed next states: Awaiting approval, Cancelled"):
        services.send_email(
            rfc,
            actor=rw_agent,
            to="a@example.com",
            subject="s",
            body="b",
            next_state=state("awaiting_backout"),
        )
    assert mailoutbox == []
    assert ticket.articles.count() == 1
    assert rfc.articles.count() == 1


def test_when_the_mail_server_refuses_nothing_is_stored(
    ticket, rw_agent, mailoutbox, media, monkeypatch
):
    def refuse(self, messages):
        raise smtplib.SMTPException("554 relay denied")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    rows_before = TicketHistory.objects.count()

    with capture_events() as events, pytest.raises(ValidationError) as error:
        services.send_email(
            ticket,
            actor=rw_agent,
            to="jane@acme.example.com",
            subject="Re: VPN",
            body="Fixed.",
            attachments=[AttachmentUpload("fix.txt", b"restart the tunnel")],
            time_units=5,
            next_state=state("closed"),
        )
    assert error.value.messages == [
        "The mail could not be sent (554 relay denied); nothing was saved. Try again later."
    ]
    assert ticket.articles.count() == 1
    assert not Attachment.objects.exists()
    assert not TimeAccounting.objects.exists()
    assert TicketHistory.objects.count() == rows_before
    assert stored_files(media) == []  # neither the source nor the attachment
    ticket.refresh_from_db()
    assert ticket.state.name == "new"
    assert "ArticleSend" not in names(events)
    assert mailoutbox == []


def test_a_mail_without_an_agent_is_sent_by_the_system(ticket, mailoutbox, media):
    article = services.send_email(
        ticket,
        actor=None,
        to="a@example.com",
        subject="Reminder",
        body="Still there?",
        actor_label="GenericAgent",
    )
    assert article.sender_type == "system"
    assert article.created_by is None
    assert TicketHistory.objects.filter(ticket=ticket).last().actor_label == "GenericAgent"


def test_article_rows_are_the_stored_conversation(ticket, rw_agent):
    """The services keep articles immutable: each action adds a row, none rewrites one."""
    first = ticket.articles.get()
    services.add_note(ticket, actor=rw_agent, subject="n", body="note")
    first_again = Article.objects.get(pk=first.pk)
    assert (first_again.body, first_again.subject) == (first.body, first.subject)
    assert ticket.articles.count() == 2
