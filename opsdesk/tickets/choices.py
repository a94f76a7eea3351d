"""Fixed vocabularies of the tickets area (the data-driven ones are models: states, types...)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class StateType(models.TextChoices):
    """Drives behaviour; fixed like OTOBO's state types (tickets.md)."""

    NEW = "new", _("new")
    OPEN = "open", _("open")
    PENDING_REMINDER = "pending_reminder", _("pending reminder")
    CLOSED = "closed", _("closed")
    REMOVED = "removed", _("removed")
    MERGED = "merged", _("merged")


# State types of tickets that still need work ("open tickets" in OTOBO: Ticket::ViewableStateType).
OPEN_STATE_TYPES = (StateType.NEW, StateType.OPEN, StateType.PENDING_REMINDER)
# State types that end a ticket's life.
CLOSED_STATE_TYPES = (StateType.CLOSED, StateType.REMOVED, StateType.MERGED)


class StateGroup(models.TextChoices):
    """The groups the information centers and dashboard count; data, editable per state."""

    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    PENDING = "pending", _("Pending")
    CLOSED = "closed", _("Closed")


class FollowUpPolicy(models.TextChoices):
    """What a customer's reply to a closed ticket of the queue does (OTOBO follow_up_possible)."""

    REOPEN = "reopen", _("reopen the ticket")
    REJECT = "reject", _("reject the reply")
    NEW_TICKET = "new_ticket", _("create a new ticket")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    INTERNAL = "internal", _("Note")
    CHAT = "chat", _("Chat")
    WEB = "web", _("Web (customer portal)")


class SenderType(models.TextChoices):
    AGENT = "agent", _("agent")
    CUSTOMER = "customer", _("customer")
    SYSTEM = "system", _("system")


class TemplateType(models.TextChoices):
    """Where a standard template (standard answer) is offered."""

    ANSWER = "answer", _("Reply")
    CREATE = "create", _("New ticket")
    EMAIL = "email", _("Email")
    FORWARD = "forward", _("Forward")
    NOTE = "note", _("Note")
    PHONE_CALL = "phone_call", _("Phone call")


class DynamicFieldScreen(models.TextChoices):
    """Ticket screens whose dynamic fields administrators switch on (per-screen visibility)."""

    CREATE = "ticket_create", _("New ticket")
    EDIT = "ticket_edit", _("Ticket dynamic fields action")
    CLOSE = "ticket_close", pgettext_lazy("ticket action", "Close")
    ZOOM = "ticket_zoom", _("Ticket zoom sidebar")


class ScreenVisibility(models.TextChoices):
    HIDDEN = "", _("hidden")
    SHOWN = "shown", _("shown")
    REQUIRED = "required", _("shown and required")


class HistoryType(models.TextChoices):
    """Ticket history row types (OTOBO's ticket_history_type names, tickets.md)."""

    NEW_TICKET = "NewTicket", _("Ticket created")
    FOLLOW_UP = "FollowUp", _("Follow-up received")
    STATE_UPDATE = "StateUpdate", _("State changed")
    MOVE = "Move", _("Moved")
    OWNER_UPDATE = "OwnerUpdate", _("Owner changed")
    RESPONSIBLE_UPDATE = "ResponsibleUpdate", _("Responsible changed")
    PRIORITY_UPDATE = "PriorityUpdate", _("Priority changed")
    LOCK = "Lock", _("Locked")
    UNLOCK = "Unlock", _("Unlocked")
    ADD_NOTE = "AddNote", _("Note added")
    SEND_ANSWER = "SendAnswer", _("Reply sent")
    FORWARD = "Forward", _("Forwarded")
    EMAIL_CUSTOMER = "EmailCustomer", _("Email from the customer")
    EMAIL_AGENT = "EmailAgent", _("Email sent to the customer")
    PHONE_CALL_CUSTOMER = "PhoneCallCustomer", _("Phone call from the customer")
    PHONE_CALL_AGENT = "PhoneCallAgent", _("Phone call to the customer")
    WEB_REQUEST_CUSTOMER = "WebRequestCustomer", _("Request from the customer portal")
    CUSTOMER_UPDATE = "CustomerUpdate", _("Customer changed")
    SET_PENDING_TIME = "SetPendingTime", _("Pending time set")
    TYPE_UPDATE = "TypeUpdate", _("Type changed")
    TITLE_UPDATE = "TitleUpdate", _("Title changed")
    DYNAMIC_FIELD_UPDATE = "TicketDynamicFieldUpdate", _("Dynamic field changed")
    TIME_ACCOUNTING = "TimeAccounting", _("Time accounted")
    SUBSCRIBE = "Subscribe", _("Watching started")
    UNSUBSCRIBE = "Unsubscribe", _("Watching stopped")
    SERVICE_UPDATE = "ServiceUpdate", _("Service changed")
    SLA_UPDATE = "SLAUpdate", _("SLA changed")
    LINK_ADD = "TicketLinkAdd", _("Link added")
    LINK_DELETE = "TicketLinkDelete", _("Link removed")
    MERGED = "Merged", _("Merged")
    ARCHIVE_FLAG_UPDATE = "ArchiveFlagUpdate", _("Archive flag changed")
    MISC = "Misc", _("Other")
