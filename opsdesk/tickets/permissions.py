"""Who may do what to a ticket: one table, used by the services, the views and the API.

Permissions are OTOBO's, on the group of the ticket's queue (manual 1.2.2, accounts.md): ``ro``
to see a ticket, ``note`` to add notes, ``move_into`` to move it (into a queue whose group grants
``move_into`` too), ``owner`` to change the owner, ``priority`` to change the priority,
``create`` to open tickets in a queue, ``rw`` for everything; ``rw`` implies all the others.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from opsdesk.accounts.choices import Permission
from opsdesk.accounts.selectors import group_names_with_permission, has_group_permission


class TicketAction(TextChoices):
    VIEW = "view", _("see the ticket")
    WATCH = "watch", _("watch the ticket")
    NOTE = "note", _("add a note")
    MOVE = "move", _("move the ticket")
    OWNER = "owner", _("change the owner")
    PRIORITY = "priority", _("change the priority")
    CREATE = "create", _("create tickets")
    LOCK = "lock", _("lock or unlock the ticket")
    RESPONSIBLE = "responsible", _("change the responsible agent")
    STATE = "state", _("change the state")
    PENDING = "pending", _("set the pending time")
    TITLE = "title", _("change the title")
    TYPE = "type", _("change the type")
    CUSTOMER = "customer", _("change the customer")
    DYNAMIC_FIELDS = "dynamic_fields", _("change dynamic fields")
    REPLY = "reply", _("send email")
    PHONE = "phone", _("record a phone call")
    TIME = "time", _("account time")
    LINK = "link", _("link the ticket")
    MERGE = "merge", _("merge the ticket")
    SPLIT = "split", _("split an article into a new ticket")


ACTION_PERMISSION: dict[str, str] = {
    TicketAction.VIEW: Permission.RO,
    TicketAction.WATCH: Permission.RO,
    TicketAction.NOTE: Permission.NOTE,
    TicketAction.MOVE: Permission.MOVE_INTO,
    TicketAction.OWNER: Permission.OWNER,
    TicketAction.PRIORITY: Permission.PRIORITY,
    TicketAction.CREATE: Permission.CREATE,
    # Splitting reads the source ticket; the new ticket needs ``create`` in its queue.
    TicketAction.SPLIT: Permission.RO,
}


def permission_for(action: str) -> str:
    """The group permission an action needs (``rw`` unless the table says otherwise)."""
    return ACTION_PERMISSION.get(action, Permission.RW)


def can(agent, action: str, queue_or_ticket) -> bool:
    """May ``agent`` do ``action`` on a ticket (or on tickets of a queue)?"""
    queue = getattr(queue_or_ticket, "queue", queue_or_ticket)
    return has_group_permission(agent, permission_for(action), queue.group.name)


def allowed_actions(agent, ticket) -> frozenset[str]:
    """Every action ``agent`` may do on ``ticket`` (for showing the zoom's menu). Splitting is
    offered only to agents who may create tickets in some contact person."""
    actions = {action for action in TicketAction.values if can(agent, action, ticket)}
    if TicketAction.SPLIT in actions and not group_names_for(agent, TicketAction.CREATE):
        actions.discard(TicketAction.SPLIT)
    return frozenset(actions)


def require(agent, action: str, queue_or_ticket) -> None:
    """Raise ``PermissionDenied`` with a clear message unless ``can(...)``."""
    if not can(agent, action, queue_or_ticket):
        queue = getattr(queue_or_ticket, "queue", queue_or_ticket)
        raise PermissionDenied(
            _("You may not %(action)s in the contact person “%(queue)s”.")
            % {"action": TicketAction(action).label, "queue": queue.full_name}
        )


def group_names_for(agent, action: str) -> frozenset[str]:
    return group_names_with_permission(agent, permission_for(action))
