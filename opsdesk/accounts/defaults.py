"""The product's default groups and the four roles by function (manual 1.2.2, accounts.md)."""

from django.utils.translation import gettext_lazy as _

from .choices import Permission

RO, RW = Permission.RO.value, Permission.RW.value
CREATE, NOTE = Permission.CREATE.value, Permission.NOTE.value

# name -> comment
DEFAULT_GROUPS = {
    "admin": _("Access to Admin"),
    "users": _("Base agents: tickets and customers"),
    "stats": _("Statistics (Reports)"),
    "faq": _("FAQ: read (ro) and write (rw) articles"),
    "faq_admin": _("FAQ: language and category management"),
    "faq_approval": _("FAQ: approve articles"),
    "itsm-configitem": _("CMDB: read (ro) and manage (rw) configuration items"),
    "customer_admin": _("Customer Administration"),
    "queue_view": _("Ticket queue view"),
}

# role -> (comment, {group: [permissions]})
DEFAULT_ROLES = {
    "itsm_admin": (
        _("Administrator: manages the system"),
        {group: [RW] for group in DEFAULT_GROUPS},
    ),
    "itsm_manager": (
        _("Operation Manager: checks the system's status and whether operation is proper"),
        {
            "users": [RW],
            "customer_admin": [RW],
            "queue_view": [RW],
            "faq": [RW],
            "faq_approval": [RW],
            "itsm-configitem": [RW],
            "stats": [RW],
        },
    ),
    "itsm_user": (
        _("Operation Agent: registers, changes and deletes in day-to-day work"),
        {"users": [RW], "faq": [RW], "itsm-configitem": [RO]},
    ),
    "itsm_viewer": (
        _("Viewer: browses and searches"),
        {"users": [RO], "faq": [RO], "itsm-configitem": [RO]},
    ),
}
