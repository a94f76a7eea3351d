"""Every change of a ticket: one function per operation, for the UI, the API, mail and automation.

Each operation runs in one transaction, locks the ticket row while it changes it, checks the
actor's permission (``permissions.require``), enforces the ticket type's workflow, writes ticket
history and emits an event (``opsdesk.core.events``) that notifications and automation listen to.

``actor`` is the agent doing the change, or ``None`` for changes made by a customer, mail or a job;
then ``actor_label`` says who it was ("GenericAgent: nightly close") and no agent permission
applies: the caller (customer portal, postmaster, job) has checked what it may do.
"""

import datetime
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from opsdesk.accounts.models import Agent
from opsdesk.core import events
from opsdesk.core import links as core_links
from opsdesk.core.dynamic_fields import apply_json_values
from opsdesk.core.models import LinkType
from opsdesk.customers.models import CustomerCompany, CustomerUser

from . import fulltext, links, selectors
from .choices import Channel, HistoryType, SenderType, StateType
from .html import html_to_text, sanitize_html
from .models import (
    Article,
    Attachment,
    Priority,
    Queue,
    Ticket,
    TicketHistory,
    TicketState,
    TicketType,
    TicketWatcher,
    TimeAccounting,
)
from .numbers import next_ticket_number
from .permissions import TicketAction, can, require

logger = logging.getLogger(__name__)

TITLE_MAX_LENGTH = 255


@dataclass(frozen=True)
class AttachmentUpload:
    """A file to attach: from a form upload, the API or a parsed mail."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"
    content_id: str = ""
    inline: bool = False

    @classmethod
    def from_uploaded_file(cls, upload) -> "AttachmentUpload":
        return cls(
            filename=upload.name,
            content=upload.read(),
            content_type=getattr(upload, "content_type", None) or "application/octet-stream",
        )


@dataclass
class ArticleDraft:
    """The content of a new article (first article of a ticket, note, reply...)."""

    channel: str
    sender_type: str
    subject: str = ""
    body: str = ""
    body_html: str = ""
    is_visible_for_customer: bool = False
    from_address: str = ""
    to_addresses: str = ""
    cc_addresses: str = ""
    bcc_addresses: str = ""
    reply_to: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    references: str = ""
    attachments: Sequence[AttachmentUpload] = ()
    source: bytes | None = None
    time_units: Decimal | int | str = 0


# Helpers ------------------------------------------------------------------------------------------


def _label(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Agent):
        return f"{value.full_name} ({value.login})"
    if isinstance(value, Queue):
        return value.full_name
    if isinstance(value, TicketState | Priority | TicketType):
        return value.name
    if isinstance(value, CustomerCompany):
        return value.customer_id
    if isinstance(value, CustomerUser):
        return value.login
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value)


def _record(
    ticket: Ticket,
    history_type: str,
    *,
    actor,
    actor_label: str = "",
    field: str = "",
    old: Any = None,
    new: Any = None,
    article: Article | None = None,
    comment: str = "",
) -> TicketHistory:
    return TicketHistory.objects.create(
        ticket=ticket,
        article=article,
        history_type=history_type,
        field=field,
        old_value=_label(old),
        new_value=_label(new),
        comment=comment,
        queue_id=ticket.queue_id,
        state_id=ticket.state_id,
        priority_id=ticket.priority_id,
        ticket_type_id=ticket.ticket_type_id,
        owner_id=ticket.owner_id,
        created_by=actor,
        actor_label=actor_label,
    )


def _emit(name: str, ticket: Ticket, actor, **data) -> None:
    events.emit(name, object_id=ticket.pk, actor_id=getattr(actor, "pk", None), **data)


def _check(actor, action: str, ticket_or_queue) -> None:
    if actor is not None:
        require(actor, action, ticket_or_queue)


def _locked_row(ticket: Ticket) -> Ticket:
    """Re-read the ticket with a row lock; the caller's object is refreshed from it."""
    fresh = Ticket.objects.select_for_update().get(pk=ticket.pk)
    for field in Ticket._meta.concrete_fields:
        setattr(ticket, field.attname, getattr(fresh, field.attname))
    for name in ("queue", "state", "priority", "ticket_type", "owner", "responsible"):
        # Drop cached related objects whose key changed under us.
        cached = ticket._state.fields_cache.get(name)
        if cached is not None and cached.pk != getattr(ticket, f"{name}_id"):
            del ticket._state.fields_cache[name]
    return ticket


def _touch(ticket: Ticket, actor, *fields: str) -> None:
    ticket.changed_by = actor
    ticket.save(update_fields=[*fields, "changed_at", "changed_by"])


def _require_valid(obj, message: str) -> None:
    if obj is None or not getattr(obj, "valid", True):
        raise ValidationError(message)


def _check_pending_time(state: TicketState, pending_until) -> datetime.datetime | None:
    """A pending state needs a future pending time; other states have none."""
    if state.state_type != StateType.PENDING_REMINDER:
        return None
    if pending_until is None:
        raise ValidationError(
            {"pending_until": _("The state “%s” needs a pending time.") % state.display_label}
        )
    if pending_until <= timezone.now():
        raise ValidationError({"pending_until": _("The pending time must be in the future.")})
    return pending_until


def check_attachments(attachments: Iterable[AttachmentUpload]) -> None:
    """Refuse any file over ``OPSDESK_ATTACHMENT_MAX_SIZE`` before anything is stored."""
    limit = settings.OPSDESK_ATTACHMENT_MAX_SIZE
    too_big = [item for item in attachments if len(item.content) > limit]
    if too_big:
        raise ValidationError(
            {
                "attachments": [
                    _("“%(name)s” is %(size)s; files may be at most %(limit)s.")
                    % {
                        "name": item.filename,
                        "size": filesizeformat(len(item.content)),
                        "limit": filesizeformat(limit),
                    }
                    for item in too_big
                ]
            }
        )


def _store_attachment(article: Article, upload: AttachmentUpload) -> Attachment:
    digest = hashlib.sha256(upload.content).hexdigest()
    name = f"tickets/attachments/{digest[:2]}/{digest[2:4]}/{digest}"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(upload.content))
    return Attachment.objects.create(
        article=article,
        file=name,
        filename=(upload.filename or "attachment")[:255],
        content_type=(upload.content_type or "application/octet-stream")[:255],
        size=len(upload.content),
        sha256=digest,
        content_id=upload.content_id[:255],
        inline=upload.inline,
    )


def _time_units(value) -> Decimal:
    try:
        units = Decimal(str(value or 0))
    except InvalidOperation as error:
        raise ValidationError({"time_units": _("Enter a number of time units.")}) from error
    if not units.is_finite():  # "NaN" parses, and comparing it would raise
        raise ValidationError({"time_units": _("Enter a number of time units.")})
    if units < 0 or units >= Decimal("100000000"):
        raise ValidationError({"time_units": _("Time units must be between 0 and 99999999.")})
    return units.quantize(Decimal("0.01"))


def _clean_extra(values: dict, *, stored: dict | None = None) -> dict:
    """Validate dynamic field values (by field name) with their definitions; return the new
    ``extra``. ``None`` clears a field; unknown names are refused."""
    result, errors = apply_json_values("ticket", values, stored)
    if errors:
        raise ValidationError({"extra": [f"{name}: {' '.join(m)}" for name, m in errors.items()]})
    return result


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("A ticket needs a title.")})
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError({"title": _("A title has at most %d characters.") % TITLE_MAX_LENGTH})
    return title


def _set_field(
    ticket: Ticket,
    field: str,
    value,
    *,
    actor,
    actor_label: str,
    history_type: str,
    event: str,
) -> Ticket:
    """Set one attribute of a locked ticket row, with its history row and event."""
    old = getattr(ticket, field)
    setattr(ticket, field, value)
    _touch(ticket, actor, field)
    _record(
        ticket,
        history_type,
        actor=actor,
        actor_label=actor_label,
        field=field,
        old=old,
        new=value,
    )
    _emit(event, ticket, actor, old=_label(old), new=_label(value))
    return ticket


def _check_customer(
    customer_user: CustomerUser | None, customer_company: CustomerCompany | None
) -> CustomerCompany | None:
    """The ticket's company: the one given (one of the user's) or the user's primary company."""
    if customer_user is not None and customer_company is None:
        return customer_user.company
    if customer_user is None or customer_company is None:
        return customer_company
    if customer_company.pk not in customer_user.company_ids():
        raise ValidationError(
            {
                "customer_company": _("%(user)s does not belong to the customer %(company)s.")
                % {"user": customer_user.login, "company": customer_company.customer_id}
            }
        )
    return customer_company


# Create -----------------------------------------------------------------------------------------

# (channel, sender type) of a ticket's first article -> history type of that article
FIRST_ARTICLE_HISTORY: dict[tuple[str, str], str] = {
    (Channel.PHONE, SenderType.CUSTOMER): HistoryType.PHONE_CALL_CUSTOMER,
    (Channel.PHONE, SenderType.AGENT): HistoryType.PHONE_CALL_AGENT,
    (Channel.EMAIL, SenderType.AGENT): HistoryType.EMAIL_AGENT,
    (Channel.EMAIL, SenderType.CUSTOMER): HistoryType.EMAIL_CUSTOMER,
    (Channel.WEB, SenderType.CUSTOMER): HistoryType.WEB_REQUEST_CUSTOMER,
}


@transaction.atomic
def create_ticket(
    *,
    actor: Agent | None,
    title: str,
    queue: Queue,
    article: ArticleDraft,
    customer_user: CustomerUser | None = None,
    customer_company: CustomerCompany | None = None,
    customer_address: str = "",
    ticket_type: TicketType | None = None,
    state: TicketState | None = None,
    priority: Priority | None = None,
    owner: Agent | None = None,
    responsible: Agent | None = None,
    pending_until: datetime.datetime | None = None,
    extra: dict | None = None,
    actor_label: str = "",
    number: str | None = None,
) -> Ticket:
    """Open a ticket with its first article (OTOBO TicketCreate + ArticleCreate).

    Owner defaults to the creating agent, type and priority to the defaults, state to the
    type's default state; the state must be one the type allows for a new ticket.
    """
    _require_valid(queue, _("Choose a valid contact person (queue)."))
    _check(actor, TicketAction.CREATE, queue)
    title = _clean_title(title)
    ticket_type = ticket_type or selectors.default_ticket_type()
    _require_valid(ticket_type, _("Choose a valid ticket type."))
    state = state or ticket_type.default_state
    if not selectors.initial_states(ticket_type).filter(pk=state.pk).exists():
        raise ValidationError(
            {
                "state": _("A new ticket of type “%(type)s” cannot start in the state “%(state)s”.")
                % {"type": ticket_type.display_label, "state": state.display_label}
            }
        )
    pending_until = _check_pending_time(state, pending_until)
    priority = priority or selectors.default_priority()
    _require_valid(priority, _("Choose a valid priority."))
    customer_company = _check_customer(customer_user, customer_company)
    if owner is None and actor is not None:
        owner = actor
    if owner is not None and owner != actor:
        _check_candidate(owner, selectors.owner_candidates(queue), "owner")
    if responsible is not None:
        _check_candidate(responsible, selectors.responsible_candidates(queue), "responsible")
    elif owner is not None:
        responsible = owner  # OTOBO's ResponsibleAutoSet: the first owner is responsible
    check_attachments(article.attachments)
    extra_values = _clean_extra(extra or {}) if extra else {}

    now = timezone.now()
    ticket = Ticket.objects.create(
        number=number or next_ticket_number(),
        title=title,
        queue=queue,
        state=state,
        priority=priority,
        ticket_type=ticket_type,
        customer_user=customer_user,
        customer_company=customer_company,
        customer_address="" if customer_user else (customer_address or "").strip(),
        owner=owner,
        responsible=responsible,
        pending_until=pending_until,
        closed_at=now if state.is_closed else None,
        extra=extra_values,
        created_by=actor,
        changed_by=actor,
    )
    _record(
        ticket,
        HistoryType.NEW_TICKET,
        actor=actor,
        actor_label=actor_label,
        new=ticket.number,
        comment=f"{queue.full_name} / {state.name} / {priority.name} / {ticket_type.name}",
    )
    history_type = FIRST_ARTICLE_HISTORY.get(
        (article.channel, article.sender_type), HistoryType.ADD_NOTE
    )
    _create_article(
        ticket, article, actor=actor, actor_label=actor_label, history_type=history_type
    )
    _emit("TicketCreate", ticket, actor, number=ticket.number)
    return ticket


def _check_candidate(agent: Agent, candidates, field: str) -> None:
    if not candidates.filter(pk=agent.pk).exists():
        messages = {
            "owner": _("%(agent)s may not own tickets of this contact person."),
            "responsible": _(
                "%(agent)s may not be responsible for tickets of this contact person."
            ),
        }
        raise ValidationError({field: messages[field] % {"agent": agent.full_name}})


# Articles ---------------------------------------------------------------------------------------


def _create_article(
    ticket: Ticket,
    draft: ArticleDraft,
    *,
    actor,
    actor_label: str,
    history_type: str,
    store_files: bool = True,
) -> Article:
    """Create the article, its attachments and history. ``store_files=False`` leaves writing the
    source and attachment files to the caller (``_store_files``), e.g. after a mail went out."""
    if draft.channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel “%s”.") % draft.channel})
    if draft.sender_type not in SenderType.values:
        raise ValidationError({"sender_type": _("Unknown sender type “%s”.") % draft.sender_type})
    body_html = sanitize_html(draft.body_html)
    body = draft.body or (html_to_text(body_html) if body_html else "")
    if not (body.strip() or draft.attachments):
        raise ValidationError({"body": _("Write a text.")})
    units = _time_units(draft.time_units)
    check_attachments(draft.attachments)
    article = Article.objects.create(
        ticket=ticket,
        channel=draft.channel,
        sender_type=draft.sender_type,
        is_visible_for_customer=draft.is_visible_for_customer,
        from_address=draft.from_address[:500],
        to_addresses=draft.to_addresses,
        cc_addresses=draft.cc_addresses,
        bcc_addresses=draft.bcc_addresses,
        reply_to=draft.reply_to[:500],
        subject=(draft.subject or ticket.title)[:500],
        body=body,
        body_html=body_html,
        message_id=draft.message_id[:500],
        in_reply_to=draft.in_reply_to[:500],
        references=draft.references,
        time_units=units,
        created_by=actor,
    )
    if store_files:
        _store_files(article, draft)
    _record(
        ticket,
        history_type,
        actor=actor,
        actor_label=actor_label,
        article=article,
        new=article.subject,
    )
    if units:
        TimeAccounting.objects.create(ticket=ticket, article=article, agent=actor, units=units)
        _record(
            ticket,
            HistoryType.TIME_ACCOUNTING,
            actor=actor,
            actor_label=actor_label,
            article=article,
            new=units,
        )
    _emit(
        "ArticleCreate",
        ticket,
        actor,
        article_id=article.pk,
        channel=article.channel,
        sender_type=article.sender_type,
        is_visible_for_customer=article.is_visible_for_customer,
    )
    return article


def _store_files(article: Article, draft: ArticleDraft) -> None:
    """Write the draft's original source and attachments to storage (and their rows)."""
    if draft.source is not None:
        article.source.save(
            f"{article.ticket.number}-{article.pk}.eml", ContentFile(draft.source), save=False
        )
        Article.objects.filter(pk=article.pk).update(source=article.source.name)
    for upload in draft.attachments:
        _store_attachment(article, upload)
    fulltext.index_article(article)


# Which action an article needs: notes need ``note``, phone calls and mail ``rw``.
def _article_action(draft: ArticleDraft) -> str:
    if draft.channel == Channel.INTERNAL:
        return TicketAction.NOTE
    if draft.channel == Channel.PHONE:
        return TicketAction.PHONE
    return TicketAction.REPLY


ARTICLE_HISTORY: dict[str, str] = {
    Channel.INTERNAL: HistoryType.ADD_NOTE,
    Channel.PHONE: HistoryType.PHONE_CALL_AGENT,
    Channel.EMAIL: HistoryType.EMAIL_AGENT,
    Channel.WEB: HistoryType.WEB_REQUEST_CUSTOMER,
    Channel.CHAT: HistoryType.ADD_NOTE,
}


@transaction.atomic
def add_article(
    ticket: Ticket,
    draft: ArticleDraft,
    *,
    actor: Agent | None,
    actor_label: str = "",
    history_type: str | None = None,
    next_state: TicketState | None = None,
    pending_until: datetime.datetime | None = None,
) -> Article:
    """Add an article (note, phone call, customer message...), optionally changing the state.

    Notes need ``note`` permission, phone calls and mail ``rw``. A phone call from the customer is
    recorded with sender type customer (history PhoneCallCustomer). Changing the state with
    ``next_state`` needs the state permission as well (``rw``), so ``note`` alone cannot.
    An article for a merged ticket lands in the ticket it was merged into (permission and
    history there).
    """
    ticket = selectors.merge_target(ticket)
    _check(actor, _article_action(draft), ticket)
    if next_state is not None and next_state.pk != ticket.state_id:
        _check(actor, TicketAction.STATE, ticket)
    _locked_row(ticket)
    if ticket.merged_into_id is not None:  # merged meanwhile: follow it, checking again
        return add_article(
            ticket,
            draft,
            actor=actor,
            actor_label=actor_label,
            history_type=history_type,
            next_state=next_state,
            pending_until=pending_until,
        )
    if history_type is None:
        history_type = ARTICLE_HISTORY.get(draft.channel, HistoryType.ADD_NOTE)
        if draft.channel == Channel.PHONE and draft.sender_type == SenderType.CUSTOMER:
            history_type = HistoryType.PHONE_CALL_CUSTOMER
        if draft.channel == Channel.EMAIL and draft.sender_type == SenderType.CUSTOMER:
            history_type = HistoryType.FOLLOW_UP
    article = _create_article(
        ticket, draft, actor=actor, actor_label=actor_label, history_type=history_type
    )
    if next_state is not None and next_state.pk != ticket.state_id:
        _change_state(ticket, next_state, pending_until, actor=actor, actor_label=actor_label)
    else:
        _touch(ticket, actor)
    return article


def add_note(
    ticket: Ticket,
    *,
    actor: Agent | None,
    subject: str,
    body: str,
    is_visible_for_customer: bool = False,
    attachments: Sequence[AttachmentUpload] = (),
    time_units=0,
    next_state: TicketState | None = None,
    pending_until: datetime.datetime | None = None,
    actor_label: str = "",
) -> Article:
    """An internal note (or an external one, visible to the customer in the portal)."""
    draft = ArticleDraft(
        channel=Channel.INTERNAL,
        sender_type=SenderType.AGENT if actor is not None else SenderType.SYSTEM,
        subject=subject,
        body=body,
        is_visible_for_customer=is_visible_for_customer,
        from_address=actor.full_name if actor is not None else actor_label,
        attachments=attachments,
        time_units=time_units,
    )
    return add_article(
        ticket,
        draft,
        actor=actor,
        actor_label=actor_label,
        next_state=next_state,
        pending_until=pending_until,
    )


def add_phone_call(
    ticket: Ticket,
    *,
    actor: Agent,
    subject: str,
    body: str,
    inbound: bool,
    attachments: Sequence[AttachmentUpload] = (),
    time_units=0,
    next_state: TicketState | None = None,
    pending_until: datetime.datetime | None = None,
) -> Article:
    """Record a phone call: inbound (the customer called) or outbound (the agent called)."""
    draft = ArticleDraft(
        channel=Channel.PHONE,
        sender_type=SenderType.CUSTOMER if inbound else SenderType.AGENT,
        subject=subject,
        body=body,
        is_visible_for_customer=True,
        from_address=ticket.customer_display if inbound else actor.full_name,
        attachments=attachments,
        time_units=time_units,
    )
    return add_article(
        ticket, draft, actor=actor, next_state=next_state, pending_until=pending_until
    )


# Attributes -------------------------------------------------------------------------------------


def _change_state(
    ticket: Ticket,
    state: TicketState,
    pending_until: datetime.datetime | None,
    *,
    actor,
    actor_label: str,
    enforce_workflow: bool = True,
) -> None:
    """The state change itself; the caller holds the row lock and checked permission."""
    _require_valid(state, _("Choose a valid state."))
    links.check_parent_close(ticket, state)
    old_state = ticket.state
    if enforce_workflow and not selectors.is_transition_allowed(
        ticket.ticket_type, old_state, state
    ):
        raise ValidationError(
            {
                "state": _(
                    "A ticket of type “%(type)s” cannot go from “%(from)s” to “%(to)s”. "
                    "Allowed next states: %(allowed)s."
                )
                % {
                    "type": ticket.ticket_type.display_label,
                    "from": old_state.display_label,
                    "to": state.display_label,
                    "allowed": ", ".join(s.display_label for s in selectors.next_states(ticket))
                    or _("none"),
                }
            }
        )
    old_pending = ticket.pending_until
    ticket.pending_until = _check_pending_time(state, pending_until)
    ticket.state = state
    fields = ["state", "pending_until"]
    if state.is_closed:
        ticket.closed_at = timezone.now()
        fields.append("closed_at")
        if ticket.locked:
            ticket.locked = False
            ticket.lock_changed_at = timezone.now()
            fields += ["locked", "lock_changed_at"]
            _record(ticket, HistoryType.UNLOCK, actor=actor, actor_label=actor_label)
    elif ticket.closed_at is not None:  # reopened: no longer closed
        ticket.closed_at = None
        fields.append("closed_at")
    _touch(ticket, actor, *fields)
    _record(
        ticket,
        HistoryType.STATE_UPDATE,
        actor=actor,
        actor_label=actor_label,
        field="state",
        old=old_state,
        new=state,
    )
    if ticket.pending_until != old_pending and ticket.pending_until is not None:
        _record(
            ticket,
            HistoryType.SET_PENDING_TIME,
            actor=actor,
            actor_label=actor_label,
            field="pending_until",
            old=old_pending,
            new=ticket.pending_until,
        )
    _emit("TicketStateUpdate", ticket, actor, old=old_state.name, new=state.name)


@transaction.atomic
def set_state(
    ticket: Ticket,
    *,
    actor: Agent | None,
    state: TicketState,
    pending_until: datetime.datetime | None = None,
    actor_label: str = "",
    enforce_workflow: bool = True,
) -> Ticket:
    """Change the state along the type's workflow; pending states need a future pending time,
    closing unlocks the ticket. ``enforce_workflow=False`` is for internal moves such as merge."""
    _check(actor, TicketAction.STATE, ticket)
    _locked_row(ticket)
    if state.pk == ticket.state_id:
        if state.is_pending:
            return set_pending_time(
                ticket, actor=actor, pending_until=pending_until, actor_label=actor_label
            )
        return ticket
    _change_state(
        ticket,
        state,
        pending_until,
        actor=actor,
        actor_label=actor_label,
        enforce_workflow=enforce_workflow,
    )
    return ticket


@transaction.atomic
def set_pending_time(
    ticket: Ticket,
    *,
    actor: Agent | None,
    pending_until: datetime.datetime | None,
    actor_label: str = "",
) -> Ticket:
    _check(actor, TicketAction.PENDING, ticket)
    _locked_row(ticket)
    if not ticket.state.is_pending:
        raise ValidationError(
            {"pending_until": _("Only a ticket in a pending state has a pending time.")}
        )
    old = ticket.pending_until
    ticket.pending_until = _check_pending_time(ticket.state, pending_until)
    if old == ticket.pending_until:
        return ticket
    _touch(ticket, actor, "pending_until")
    _record(
        ticket,
        HistoryType.SET_PENDING_TIME,
        actor=actor,
        actor_label=actor_label,
        field="pending_until",
        old=old,
        new=ticket.pending_until,
    )
    _emit("TicketPendingTimeUpdate", ticket, actor)
    return ticket


@transaction.atomic
def move_ticket(
    ticket: Ticket, *, actor: Agent | None, queue: Queue, actor_label: str = ""
) -> Ticket:
    """Move to another queue: needs ``move_into`` on both queues; the ticket is unlocked
    (OTOBO's ForceUnlockOnMove)."""
    _check(actor, TicketAction.MOVE, ticket)
    _require_valid(queue, _("Choose a valid contact person (queue)."))
    if (
        actor is not None
        and not selectors.queues_for(actor, TicketAction.MOVE).filter(pk=queue.pk).exists()
    ):
        raise ValidationError({"queue": _("You may not move tickets into “%s”.") % queue.full_name})
    _locked_row(ticket)
    if queue.pk == ticket.queue_id:
        return ticket
    old = ticket.queue
    ticket.queue = queue
    fields = ["queue"]
    if ticket.locked:
        ticket.locked = False
        ticket.lock_changed_at = timezone.now()
        fields += ["locked", "lock_changed_at"]
    _touch(ticket, actor, *fields)
    _record(
        ticket,
        HistoryType.MOVE,
        actor=actor,
        actor_label=actor_label,
        field="queue",
        old=old,
        new=queue,
    )
    if "locked" in fields:
        _record(ticket, HistoryType.UNLOCK, actor=actor, actor_label=actor_label)
    _emit("TicketQueueUpdate", ticket, actor, old=old.pk, new=queue.pk)
    return ticket


@transaction.atomic
def set_owner(
    ticket: Ticket,
    *,
    actor: Agent | None,
    owner: Agent | None,
    actor_label: str = "",
) -> Ticket:
    """Give the ticket to ``owner`` (who needs ``owner`` permission on the queue); ``None``
    gives it to nobody and unlocks it."""
    _check(actor, TicketAction.OWNER, ticket)
    if owner is not None:
        _check_candidate(owner, selectors.owner_candidates(ticket.queue), "owner")
    _locked_row(ticket)
    if getattr(owner, "pk", None) == ticket.owner_id:
        return ticket
    old = ticket.owner
    ticket.owner = owner
    fields = ["owner"]
    if owner is None and ticket.locked:
        ticket.locked = False
        ticket.lock_changed_at = timezone.now()
        fields += ["locked", "lock_changed_at"]
    if owner is not None and ticket.responsible_id is None:
        ticket.responsible = owner
        fields.append("responsible")
    _touch(ticket, actor, *fields)
    _record(
        ticket,
        HistoryType.OWNER_UPDATE,
        actor=actor,
        actor_label=actor_label,
        field="owner",
        old=old,
        new=owner,
    )
    _emit(
        "TicketOwnerUpdate",
        ticket,
        actor,
        old=getattr(old, "pk", None),
        new=getattr(owner, "pk", None),
    )
    return ticket


@transaction.atomic
def set_responsible(
    ticket: Ticket, *, actor: Agent | None, responsible: Agent | None, actor_label: str = ""
) -> Ticket:
    _check(actor, TicketAction.RESPONSIBLE, ticket)
    if responsible is not None:
        _check_candidate(responsible, selectors.responsible_candidates(ticket.queue), "responsible")
    _locked_row(ticket)
    if getattr(responsible, "pk", None) == ticket.responsible_id:
        return ticket
    return _set_field(
        ticket,
        "responsible",
        responsible,
        actor=actor,
        actor_label=actor_label,
        history_type=HistoryType.RESPONSIBLE_UPDATE,
        event="TicketResponsibleUpdate",
    )


@transaction.atomic
def set_priority(
    ticket: Ticket, *, actor: Agent | None, priority: Priority, actor_label: str = ""
) -> Ticket:
    _check(actor, TicketAction.PRIORITY, ticket)
    _require_valid(priority, _("Choose a valid priority."))
    _locked_row(ticket)
    if priority.pk == ticket.priority_id:
        return ticket
    return _set_field(
        ticket,
        "priority",
        priority,
        actor=actor,
        actor_label=actor_label,
        history_type=HistoryType.PRIORITY_UPDATE,
        event="TicketPriorityUpdate",
    )


@transaction.atomic
def set_type(
    ticket: Ticket, *, actor: Agent | None, ticket_type: TicketType, actor_label: str = ""
) -> Ticket:
    """Change the type; the current state must be part of the new type's workflow."""
    _check(actor, TicketAction.TYPE, ticket)
    _require_valid(ticket_type, _("Choose a valid ticket type."))
    _locked_row(ticket)
    if ticket_type.pk == ticket.ticket_type_id:
        return ticket
    if not selectors.allowed_states(ticket_type).filter(pk=ticket.state_id).exists():
        raise ValidationError(
            {
                "ticket_type": _(
                    "The state “%(state)s” is not part of the workflow of “%(type)s”; "
                    "change the state first."
                )
                % {"state": ticket.state.display_label, "type": ticket_type.display_label}
            }
        )
    return _set_field(
        ticket,
        "ticket_type",
        ticket_type,
        actor=actor,
        actor_label=actor_label,
        history_type=HistoryType.TYPE_UPDATE,
        event="TicketTypeUpdate",
    )


@transaction.atomic
def set_title(ticket: Ticket, *, actor: Agent | None, title: str, actor_label: str = "") -> Ticket:
    _check(actor, TicketAction.TITLE, ticket)
    title = _clean_title(title)
    _locked_row(ticket)
    if title == ticket.title:
        return ticket
    return _set_field(
        ticket,
        "title",
        title,
        actor=actor,
        actor_label=actor_label,
        history_type=HistoryType.TITLE_UPDATE,
        event="TicketTitleUpdate",
    )


@transaction.atomic
def set_customer(
    ticket: Ticket,
    *,
    actor: Agent | None,
    customer_user: CustomerUser | None = None,
    customer_company: CustomerCompany | None = None,
    customer_address: str = "",
    actor_label: str = "",
) -> Ticket:
    """Change the ticket's customer user (or bare address) and company."""
    _check(actor, TicketAction.CUSTOMER, ticket)
    customer_company = _check_customer(customer_user, customer_company)
    _locked_row(ticket)
    before = (ticket.customer_user, ticket.customer_company, ticket.customer_address)
    ticket.customer_user = customer_user
    ticket.customer_company = customer_company
    ticket.customer_address = "" if customer_user else (customer_address or "").strip()
    after = (ticket.customer_user, ticket.customer_company, ticket.customer_address)
    if [getattr(v, "pk", v) for v in before] == [getattr(v, "pk", v) for v in after]:
        return ticket
    _touch(ticket, actor, "customer_user", "customer_company", "customer_address")
    _record(
        ticket,
        HistoryType.CUSTOMER_UPDATE,
        actor=actor,
        actor_label=actor_label,
        field="customer",
        old=" / ".join(_label(v) for v in before if v),
        new=" / ".join(_label(v) for v in after if v),
    )
    _emit("TicketCustomerUpdate", ticket, actor)
    return ticket


@transaction.atomic
def set_dynamic_fields(
    ticket: Ticket, *, actor: Agent | None, values: dict, actor_label: str = ""
) -> Ticket:
    """Set dynamic field values by name (``None`` clears one); one history row per change."""
    _check(actor, TicketAction.DYNAMIC_FIELDS, ticket)
    _locked_row(ticket)
    old_extra = dict(ticket.extra or {})
    new_extra = _clean_extra(values, stored=old_extra)
    changed = sorted(
        name
        for name in set(old_extra) | set(new_extra)
        if old_extra.get(name) != new_extra.get(name)
    )
    if not changed:
        return ticket
    ticket.extra = new_extra
    _touch(ticket, actor, "extra")
    for name in changed:
        _record(
            ticket,
            HistoryType.DYNAMIC_FIELD_UPDATE,
            actor=actor,
            actor_label=actor_label,
            field=name,
            old=_extra_label(old_extra.get(name)),
            new=_extra_label(new_extra.get(name)),
        )
        _emit(f"TicketDynamicFieldUpdate_{name}", ticket, actor, field=name)
    return ticket


def _extra_label(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


@transaction.atomic
def lock_ticket(ticket: Ticket, *, actor: Agent, actor_label: str = "") -> Ticket:
    """Lock the ticket to ``actor``, who becomes its owner (OTOBO AgentTicketLock)."""
    _check(actor, TicketAction.LOCK, ticket)
    _locked_row(ticket)
    if ticket.locked:
        if ticket.owner_id == actor.pk:
            return ticket
        raise ValidationError(
            _("The ticket is already locked by %s.")
            % (ticket.owner.full_name if ticket.owner else _("nobody"))
        )
    old_owner = ticket.owner
    ticket.locked = True
    ticket.lock_changed_at = timezone.now()
    ticket.owner = actor
    fields = ["locked", "lock_changed_at", "owner"]
    if ticket.responsible_id is None:
        ticket.responsible = actor
        fields.append("responsible")
    _touch(ticket, actor, *fields)
    _record(ticket, HistoryType.LOCK, actor=actor, actor_label=actor_label)
    if getattr(old_owner, "pk", None) != actor.pk:
        _record(
            ticket,
            HistoryType.OWNER_UPDATE,
            actor=actor,
            actor_label=actor_label,
            field="owner",
            old=old_owner,
            new=actor,
        )
        _emit("TicketOwnerUpdate", ticket, actor)
    _emit("TicketLockUpdate", ticket, actor, locked=True)
    return ticket


@transaction.atomic
def unlock_ticket(ticket: Ticket, *, actor: Agent | None, actor_label: str = "") -> Ticket:
    _check(actor, TicketAction.LOCK, ticket)
    _locked_row(ticket)
    if not ticket.locked:
        return ticket
    ticket.locked = False
    ticket.lock_changed_at = timezone.now()
    _touch(ticket, actor, "locked", "lock_changed_at")
    _record(ticket, HistoryType.UNLOCK, actor=actor, actor_label=actor_label)
    _emit("TicketLockUpdate", ticket, actor, locked=False)
    return ticket


@transaction.atomic
def watch_ticket(ticket: Ticket, *, actor: Agent) -> Ticket:
    _check(actor, TicketAction.WATCH, ticket)
    _, created = TicketWatcher.objects.get_or_create(ticket=ticket, agent=actor)
    if created:
        _record(ticket, HistoryType.SUBSCRIBE, actor=actor, new=actor)
        _emit("TicketSubscribe", ticket, actor)
    return ticket


@transaction.atomic
def unwatch_ticket(ticket: Ticket, *, actor: Agent) -> Ticket:
    deleted, _ = TicketWatcher.objects.filter(ticket=ticket, agent=actor).delete()
    if deleted:
        _record(ticket, HistoryType.UNSUBSCRIBE, actor=actor, old=actor)
        _emit("TicketUnsubscribe", ticket, actor)
    return ticket


@transaction.atomic
def account_time(
    ticket: Ticket, *, actor: Agent, units, article: Article | None = None
) -> TimeAccounting:
    """Account working time on the ticket (in the units the organisation uses, e.g. minutes)."""
    _check(actor, TicketAction.TIME, ticket)
    amount = _time_units(units)
    if amount <= 0:
        raise ValidationError({"time_units": _("Enter more than 0 time units.")})
    _locked_row(ticket)
    entry = TimeAccounting.objects.create(ticket=ticket, article=article, agent=actor, units=amount)
    _touch(ticket, actor)
    _record(ticket, HistoryType.TIME_ACCOUNTING, actor=actor, article=article, new=amount)
    _emit("TicketAccountTime", ticket, actor, units=str(amount))
    return entry


# Outgoing mail ----------------------------------------------------------------------------------

EMAIL_HISTORY = {
    "reply": HistoryType.SEND_ANSWER,
    "forward": HistoryType.FORWARD,
    "email": HistoryType.EMAIL_AGENT,
}


@transaction.atomic
def send_email(
    ticket: Ticket,
    *,
    actor: Agent | None,
    to: str,
    subject: str,
    body: str,
    cc: str = "",
    bcc: str = "",
    kind: str = "reply",
    replied: Article | None = None,
    attachments: Sequence[AttachmentUpload] = (),
    time_units=0,
    is_visible_for_customer: bool = True,
    next_state: TicketState | None = None,
    pending_until: datetime.datetime | None = None,
    actor_label: str = "",
) -> Article:
    """Send a mail from the ticket's queue (reply, reply all, forward, or a new mail) and keep it
    as an article with its exact source.

    The subject carries ``[Ticket#<number>]``; Message-ID, In-Reply-To and References thread it
    with ``replied``. The mail is handed to the mail server inside the transaction: if that
    fails, nothing is stored and the caller gets a ValidationError saying why.
    """
    from . import outbound

    if kind not in EMAIL_HISTORY:
        raise ValidationError(_("Unknown kind of mail “%s”.") % kind)
    recipients = outbound.split_addresses(to)
    if not recipients:
        raise ValidationError({"to": _("Enter at least one recipient.")})
    _check(actor, TicketAction.REPLY, ticket)
    check_attachments(attachments)
    _locked_row(ticket)
    message_id = outbound.message_id_for(ticket.queue)
    in_reply_to, references = outbound.threading_headers(replied)
    message = outbound.build_message(
        ticket=ticket,
        subject=subject,
        body=body,
        to=recipients,
        cc=outbound.split_addresses(cc),
        bcc=outbound.split_addresses(bcc),
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        attachments=attachments,
    )
    draft = ArticleDraft(
        channel=Channel.EMAIL,
        sender_type=SenderType.AGENT if actor is not None else SenderType.SYSTEM,
        subject=str(message.subject),
        body=body,
        is_visible_for_customer=is_visible_for_customer,
        from_address=message.from_email,
        to_addresses=", ".join(recipients),
        cc_addresses=", ".join(message.cc),
        bcc_addresses=", ".join(message.bcc),
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        attachments=attachments,
        source=message.message().as_bytes(),
        time_units=time_units,
    )
    history_type = EMAIL_HISTORY[kind]
    article = _create_article(
        ticket,
        draft,
        actor=actor,
        actor_label=actor_label,
        history_type=history_type,
        store_files=False,  # written once the mail is out: a refused mail leaves no files
    )
    if next_state is not None and next_state.pk != ticket.state_id:
        _change_state(ticket, next_state, pending_until, actor=actor, actor_label=actor_label)
    else:
        _touch(ticket, actor)
    _deliver(message, ticket)
    _store_files(article, draft)
    _emit("ArticleSend", ticket, actor, article_id=article.pk)
    return article


def _deliver(message, ticket: Ticket) -> None:
    """Hand ``message`` to the mail server; a failure becomes a ValidationError that rolls the
    caller's transaction back (smtplib's errors and connection errors are OSErrors)."""
    try:
        message.send(fail_silently=False)
    except OSError as error:
        logger.warning("Mail for ticket %s could not be sent: %s", ticket.number, error)
        raise ValidationError(
            _("The mail could not be sent (%(error)s); nothing was saved. Try again later.")
            % {"error": error}
        ) from error


def create_email_ticket(
    *,
    actor: Agent | None,
    title: str,
    queue: Queue,
    to: str,
    body: str,
    cc: str = "",
    bcc: str = "",
    customer_user: CustomerUser | None = None,
    customer_company: CustomerCompany | None = None,
    customer_address: str = "",
    ticket_type: TicketType | None = None,
    state: TicketState | None = None,
    priority: Priority | None = None,
    owner: Agent | None = None,
    responsible: Agent | None = None,
    pending_until: datetime.datetime | None = None,
    extra: dict | None = None,
    attachments: Sequence[AttachmentUpload] = (),
    time_units=0,
    with_salutation_and_signature: bool = True,
    actor_label: str = "",
) -> Ticket:
    """Open a ticket by mailing the customer (OTOBO AgentTicketEmail): the first article is the
    sent mail, kept with its exact source (history EmailAgent).

    The mail goes out from the queue's system address with ``[Ticket#<number>] title`` as subject
    and its own Message-ID; the queue's salutation and signature frame ``body`` unless
    ``with_salutation_and_signature`` is off. It is handed to the mail server inside the
    transaction: if that fails, nothing is stored (no rows, no files) and the caller gets a
    ValidationError saying why.
    """
    from . import outbound

    if not outbound.split_addresses(to):
        raise ValidationError({"to": _("Enter at least one recipient.")})
    if not (body or "").strip():
        raise ValidationError({"body": _("Write a text.")})
    check_attachments(attachments)
    # The number is taken in a short transaction of its own, so that the day's counter is not
    # held while the mail server answers (a refused mail leaves a gap in the numbers).
    number = next_ticket_number()
    with transaction.atomic():
        recipients = outbound.split_addresses(to)
        message_id = outbound.message_id_for(queue)
        cc_list, bcc_list = outbound.split_addresses(cc), outbound.split_addresses(bcc)
        draft = ArticleDraft(
            channel=Channel.EMAIL,
            sender_type=SenderType.AGENT if actor is not None else SenderType.SYSTEM,
            subject=title,
            body=body,
            is_visible_for_customer=True,
            from_address=queue.system_address.formatted,
            to_addresses=", ".join(recipients),
            cc_addresses=", ".join(cc_list),
            bcc_addresses=", ".join(bcc_list),
            message_id=message_id,
            time_units=time_units,
            # The attachments and the source are written once the mail is out (below).
        )
        ticket = create_ticket(
            actor=actor,
            title=title,
            queue=queue,
            article=draft,
            customer_user=customer_user,
            customer_company=customer_company,
            customer_address=customer_address,
            ticket_type=ticket_type,
            state=state,
            priority=priority,
            owner=owner,
            responsible=responsible,
            pending_until=pending_until,
            extra=extra,
            actor_label=actor_label,
            number=number,
        )
        # The subject (with the number) and the salutation's placeholders need the new ticket,
        # so the article is completed here, in the transaction that created it.
        article = ticket.articles.get()
        # A template's placeholders ({customer_name}...) are filled now that the ticket exists.
        text = outbound.fill(body, outbound.placeholders(ticket, actor))
        mail_body = (
            outbound.reply_body(ticket, actor, text) if with_salutation_and_signature else text
        )
        message = outbound.build_message(
            ticket=ticket,
            subject=ticket.title,
            body=mail_body,
            to=recipients,
            cc=cc_list,
            bcc=bcc_list,
            message_id=message_id,
            in_reply_to="",
            references="",
            attachments=attachments,
        )
        article.subject = message.subject[:500]
        article.body = mail_body
        article.save(update_fields=["subject", "body"])
        # The article's history row names it by its subject (the time accounting row by its units).
        TicketHistory.objects.filter(ticket=ticket, article=article).exclude(
            history_type=HistoryType.TIME_ACCOUNTING
        ).update(new_value=article.subject)
        source = message.message().as_bytes()
        _deliver(message, ticket)
        _store_files(
            article,
            ArticleDraft(
                channel=draft.channel,
                sender_type=draft.sender_type,
                source=source,
                attachments=attachments,
            ),
        )
        _emit("ArticleSend", ticket, actor, article_id=article.pk)
        return ticket


def unlock_timed_out_tickets(now: datetime.datetime | None = None) -> int:
    """Unlock the tickets whose queue's unlock timeout has passed since their last change, each
    in its own transaction (history "Unlock" by "System: unlock timeout"); returns how many."""
    unlocked = 0
    for ticket in selectors.tickets_past_unlock_timeout(now or timezone.now()):
        unlock_ticket(ticket, actor=None, actor_label=_("System: unlock timeout"))
        unlocked += 1
    return unlocked


# Merge, split, bulk -------------------------------------------------------------------------------


def _merged_state() -> TicketState:
    state = (
        TicketState.objects.filter(state_type=StateType.MERGED, valid=True).order_by("id").first()
    )
    if state is None:
        raise ValidationError(
            _("There is no valid state of type “merged”; an administrator must add one.")
        )
    return state


def _is_merged(ticket: Ticket) -> bool:
    return ticket.merged_into_id is not None or ticket.state.state_type == StateType.MERGED


@transaction.atomic
def merge_ticket(
    ticket: Ticket, *, into: Ticket, actor: Agent | None, actor_label: str = ""
) -> Ticket:
    """Merge ``ticket`` into ``into`` (OTOBO TicketMerge); returns ``into``, the surviving ticket.

    Needs ``rw`` (merge) on both. The source's articles (with their attachments and search index
    rows), time accounting and watchers move to the target, its links are re-pointed, and the
    target becomes its parent (ParentChild). The source keeps its history, gets an internal note
    "Merged ticket A into B", goes to the state of type ``merged`` (outside the workflow), points
    at the target (``merged_into``) and is unlocked; both get history ``Merged``. Follow-ups to
    the source land in the target (``add_article``, ``selectors.find_follow_up_ticket``). Both
    rows are locked in the order of their keys, so that two merges of the same pair cannot
    deadlock.
    """
    from .models import ArticleSearchIndex

    if ticket.pk == into.pk:
        raise ValidationError({"into": _("A ticket cannot be merged into itself.")})
    for item in sorted((ticket, into), key=lambda each: each.pk):
        _locked_row(item)
    _check(actor, TicketAction.MERGE, ticket)
    _check(actor, TicketAction.MERGE, into)
    if _is_merged(ticket):
        raise ValidationError(
            _("Ticket %(number)s is already merged; it cannot be merged again.")
            % {"number": ticket.number}
        )
    if _is_merged(into):
        target = selectors.merge_target(into)
        raise ValidationError(
            {
                "into": _(
                    "Ticket %(number)s was itself merged into %(target)s; merge into that "
                    "ticket instead."
                )
                % {"number": into.number, "target": target.number}
            }
        )
    merged_state = _merged_state()

    Article.objects.filter(ticket=ticket).update(ticket=into)
    ArticleSearchIndex.objects.filter(ticket=ticket).update(ticket=into)
    TimeAccounting.objects.filter(ticket=ticket).update(ticket=into)
    watching_target = TicketWatcher.objects.filter(ticket=into).values("agent")
    TicketWatcher.objects.filter(ticket=ticket).exclude(agent__in=watching_target).update(
        ticket=into
    )
    TicketWatcher.objects.filter(ticket=ticket).delete()  # those already watching the target
    core_links.move_links(ticket, into, actor=actor)
    core_links.add_link(actor=actor, source=into, target=ticket, link_type=LinkType.PARENT_CHILD)

    text = _("Merged ticket %(source)s into %(target)s.") % {
        "source": ticket.number,
        "target": into.number,
    }
    _create_article(
        ticket,
        ArticleDraft(
            channel=Channel.INTERNAL,
            sender_type=SenderType.AGENT if actor is not None else SenderType.SYSTEM,
            subject=text,
            body=text,
            from_address=actor.full_name if actor is not None else actor_label,
        ),
        actor=actor,
        actor_label=actor_label,
        history_type=HistoryType.ADD_NOTE,
    )
    ticket.merged_into = into
    _change_state(
        ticket, merged_state, None, actor=actor, actor_label=actor_label, enforce_workflow=False
    )
    _touch(ticket, actor, "merged_into")
    _touch(into, actor)
    for item in (ticket, into):
        _record(
            item,
            HistoryType.MERGED,
            actor=actor,
            actor_label=actor_label,
            old=ticket.number,
            new=into.number,
            comment=text,
        )
    _emit("TicketMerge", ticket, actor, main_ticket_id=into.pk, main_ticket_number=into.number)
    return into


@transaction.atomic
def split_article(
    article: Article,
    *,
    actor: Agent | None,
    queue: Queue,
    title: str = "",
    link_type: str = LinkType.PARENT_CHILD,
    actor_label: str = "",
) -> Ticket:
    """A new ticket in ``queue`` from a copy of ``article`` (OTOBO's split), linked to the article's
    ticket: the original is the parent (``LinkType.PARENT_CHILD``, the default) or linked
    ``LinkType.NORMAL``.

    Needs ``ro`` on the original and ``create`` in ``queue``. Customer, priority and type are
    copied (the defaults where these are no longer valid), the title defaults to the article's
    subject. The copy keeps channel, sender type, visibility, addresses, text and HTML, and the
    attachments (by content: the storage keeps one file per content); not the Message-ID, so that
    replies to the original mail still land in the original ticket. History on both tickets.
    """
    original = article.ticket
    _check(actor, TicketAction.SPLIT, original)
    if link_type not in LinkType.values:
        raise ValidationError({"link_type": _("Unknown link type “%s”.") % link_type})
    uploads = [
        AttachmentUpload(
            filename=item.filename,
            content=_read_stored(item),
            content_type=item.content_type,
            content_id=item.content_id,
            inline=item.inline,
        )
        for item in article.attachments.all()
    ]
    draft = ArticleDraft(
        channel=article.channel,
        sender_type=article.sender_type,
        subject=article.subject,
        body=article.body,
        body_html=article.body_html,
        is_visible_for_customer=article.is_visible_for_customer,
        from_address=article.from_address,
        to_addresses=article.to_addresses,
        cc_addresses=article.cc_addresses,
        bcc_addresses=article.bcc_addresses,
        reply_to=article.reply_to,
        attachments=uploads,
    )
    new_ticket = create_ticket(
        actor=actor,
        actor_label=actor_label,
        title=(title or "").strip() or article.subject or original.title,
        queue=queue,
        article=draft,
        customer_user=original.customer_user,
        customer_company=original.customer_company,
        customer_address=original.customer_address,
        ticket_type=original.ticket_type if original.ticket_type.valid else None,
        priority=original.priority if original.priority.valid else None,
    )
    # Splitting needs only ``ro`` on the original, linking ``rw``: the link is part of the split
    # (checked above), made in the agent's name where they may link, else by the system for them.
    may_link = actor is None or (
        can(actor, TicketAction.LINK, original) and can(actor, TicketAction.LINK, new_ticket)
    )
    core_links.add_link(
        actor=actor if may_link else None,
        actor_label=actor_label or ("" if may_link else _label(actor)),
        source=original,
        target=new_ticket,
        link_type=link_type,
    )
    _record(
        original,
        HistoryType.MISC,
        actor=actor,
        actor_label=actor_label,
        article=article,
        new=new_ticket.number,
        comment=_("Article split into the new ticket %(number)s.") % {"number": new_ticket.number},
    )
    _record(
        new_ticket,
        HistoryType.MISC,
        actor=actor,
        actor_label=actor_label,
        old=original.number,
        comment=_("Split from an article of ticket %(number)s.") % {"number": original.number},
    )
    _emit("TicketSplit", new_ticket, actor, original_ticket_id=original.pk, article_id=article.pk)
    return new_ticket


def _read_stored(attachment: Attachment) -> bytes:
    try:
        with attachment.file.open("rb") as stored:
            return stored.read()
    except (FileNotFoundError, ValueError) as error:
        raise ValidationError(
            _("The file “%(name)s” of the article is missing from the storage.")
            % {"name": attachment.filename}
        ) from error


# Bulk action (OTOBO AgentTicketBulk) -------------------------------------------------------------

BULK_LINK_TOGETHER_LIMIT = 50  # "link together" makes a link per pair of tickets


class BulkLock:
    KEEP = ""
    LOCK = "lock"
    UNLOCK = "unlock"


class BulkMerge:
    NONE = ""
    INTO_TICKET = "ticket"
    INTO_OLDEST = "oldest"


@dataclass
class BulkChanges:
    """What a bulk action does to each ticket; ``None`` / empty leaves an attribute alone."""

    state: TicketState | None = None
    pending_until: datetime.datetime | None = None
    queue: Queue | None = None
    owner: Agent | None = None
    responsible: Agent | None = None
    priority: Priority | None = None
    ticket_type: TicketType | None = None
    lock: str = BulkLock.KEEP
    note_subject: str = ""
    note_body: str = ""
    note_visible_for_customer: bool = False
    merge: str = BulkMerge.NONE
    merge_into: Ticket | None = None
    link_parent: Ticket | None = None
    link_together: bool = False
    unlock_after: bool = False

    def is_empty(self) -> bool:
        return not (
            self.state
            or self.queue
            or self.owner
            or self.responsible
            or self.priority
            or self.ticket_type
            or self.lock
            or self.note_body.strip()
            or self.merge
            or self.link_parent
            or self.link_together
            or self.unlock_after
        )


@dataclass
class BulkOutcome:
    """One ticket of a bulk action: what was done, or why nothing was (``refused``)."""

    ticket: Ticket
    done: list[str]
    refused: str = ""

    @property
    def ok(self) -> bool:
        return not self.refused


@dataclass
class BulkReport:
    outcomes: list[BulkOutcome]

    @property
    def succeeded(self) -> list[BulkOutcome]:
        return [item for item in self.outcomes if item.ok]

    @property
    def refused(self) -> list[BulkOutcome]:
        return [item for item in self.outcomes if not item.ok]


def bulk_action(ticket_ids: Iterable[int], *, actor: Agent, changes: BulkChanges) -> BulkReport:
    """Apply ``changes`` to each selected ticket that ``actor`` may see, **one transaction per
    ticket**, each change through its service (which checks its permission). A ticket whose
    change is refused (``PermissionDenied``, ``ValidationError``) keeps none of the changes and
    is reported with the reason; the others are changed.

    Order per ticket: note, type, priority, state, contact person, owner, responsible, lock or
    unlock, link, merge, then "unlock after the action". "Link together" links each ticket with
    the selected tickets changed before it (Normal), so the changed tickets end up linked pairwise;
    "merge into the oldest" merges every other selected ticket into the oldest one.
    """
    if changes.is_empty():
        raise ValidationError(_("Choose at least one change."))
    tickets = selectors.tickets_for_bulk(actor, ticket_ids)
    if changes.link_together and len(tickets) > BULK_LINK_TOGETHER_LIMIT:
        raise ValidationError(
            _("Link together at most %(limit)d tickets at a time.")
            % {"limit": BULK_LINK_TOGETHER_LIMIT}
        )
    merge_into = changes.merge_into if changes.merge == BulkMerge.INTO_TICKET else None
    if changes.merge == BulkMerge.INTO_OLDEST:
        merge_into = tickets[0] if tickets else None
    if changes.merge == BulkMerge.INTO_TICKET and merge_into is None:
        raise ValidationError({"merge_into": _("Enter the number of the ticket to merge into.")})

    outcomes: list[BulkOutcome] = []
    linked: list[Ticket] = []
    for ticket in tickets:
        done: list[str] = []
        try:
            with transaction.atomic():
                _bulk_one(ticket, actor, changes, done, merge_into=merge_into, linked=linked)
        except (PermissionDenied, ValidationError) as error:
            reasons = error.messages if isinstance(error, ValidationError) else [str(error)]
            outcomes.append(BulkOutcome(ticket=ticket, done=[], refused=" ".join(reasons)))
        else:
            outcomes.append(BulkOutcome(ticket=ticket, done=done))
            linked.append(ticket)
    return BulkReport(outcomes=outcomes)


def _bulk_one(
    ticket: Ticket,
    actor: Agent,
    changes: BulkChanges,
    done: list[str],
    *,
    merge_into: Ticket | None,
    linked: list[Ticket],
) -> None:
    """The changes of one ticket (inside its transaction); appends what it did to ``done``."""
    if changes.note_body.strip():
        add_note(
            ticket,
            actor=actor,
            subject=changes.note_subject,
            body=changes.note_body,
            is_visible_for_customer=changes.note_visible_for_customer,
        )
        done.append(_("note added"))
    if changes.ticket_type and changes.ticket_type.pk != ticket.ticket_type_id:
        set_type(ticket, actor=actor, ticket_type=changes.ticket_type)
        done.append(_("type: %s") % changes.ticket_type.display_label)
    if changes.priority and changes.priority.pk != ticket.priority_id:
        set_priority(ticket, actor=actor, priority=changes.priority)
        done.append(_("priority: %s") % changes.priority.display_label)
    if changes.state and (changes.state.pk != ticket.state_id or changes.state.is_pending):
        set_state(
            ticket,
            actor=actor,
            state=changes.state,
            pending_until=changes.pending_until if changes.state.is_pending else None,
        )
        done.append(_("state: %s") % changes.state.display_label)
    if changes.queue and changes.queue.pk != ticket.queue_id:
        move_ticket(ticket, actor=actor, queue=changes.queue)
        done.append(_("contact person: %s") % changes.queue.full_name)
    if changes.owner and changes.owner.pk != ticket.owner_id:
        set_owner(ticket, actor=actor, owner=changes.owner)
        done.append(_("owner: %s") % changes.owner.full_name)
    if changes.responsible and changes.responsible.pk != ticket.responsible_id:
        set_responsible(ticket, actor=actor, responsible=changes.responsible)
        done.append(_("responsible: %s") % changes.responsible.full_name)
    if changes.lock == BulkLock.LOCK:
        lock_ticket(ticket, actor=actor)
        done.append(_("locked"))
    elif changes.lock == BulkLock.UNLOCK and ticket.locked:
        unlock_ticket(ticket, actor=actor)
        done.append(_("unlocked"))
    if changes.link_parent is not None and changes.link_parent.pk != ticket.pk:
        core_links.add_link(
            actor=actor,
            source=changes.link_parent,
            target=ticket,
            link_type=LinkType.PARENT_CHILD,
        )
        done.append(_("child of %s") % changes.link_parent.number)
    if changes.link_together:
        key = core_links.object_key(ticket)
        for partner in linked:  # pairs already linked keep their link (and its type)
            if core_links.link_between(core_links.object_key(partner), key) is None:
                core_links.add_link(
                    actor=actor, source=partner, target=ticket, link_type=LinkType.NORMAL
                )
        if linked:
            done.append(_("linked with %d tickets") % len(linked))
    if merge_into is not None and merge_into.pk != ticket.pk:
        merge_ticket(ticket, into=merge_into, actor=actor)
        done.append(_("merged into %s") % merge_into.number)
    elif changes.unlock_after and ticket.locked:
        unlock_ticket(ticket, actor=actor)
        done.append(_("unlocked"))
