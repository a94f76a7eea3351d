"""The manual's main menu and what each entry requires (accounts.md, manual 1.2.2).

Every entry names the permission it needs as (permission, group). The same requirement guards the
entry's page on the server, so the menu matrix and the 403s cannot drift apart. Entries of areas
that have no screen yet have ``url_name=None``: the area page lists them as not yet available.
"""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .permissions import Requirement, agent_meets

RO, RW = "ro", "rw"


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str
    url_name: str | None = None
    required: Requirement = None
    children: tuple["MenuItem", ...] = field(default_factory=tuple)
    description: str = ""

    @property
    def url(self) -> str | None:
        if not self.url_name:
            return None
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


MENU: tuple[MenuItem, ...] = (
    MenuItem("dashboard", _("Dashboard"), "core:dashboard"),
    MenuItem(
        "customers",
        _("Customers"),
        "core:area_customers",
        (RO, "users"),
        (
            MenuItem(
                "customer_information_center", _("Customer Information Center"), None, (RO, "users")
            ),
            MenuItem(
                "customer_user_information_center",
                _("Customer User Information Center"),
                None,
                (RO, "users"),
            ),
            MenuItem(
                "customer_administration",
                _("Customer Administration"),
                "customers:company_list",
                (RW, "customer_admin"),
            ),
        ),
    ),
    MenuItem(
        "tickets",
        _("Tickets"),
        "core:area_tickets",
        (RO, "users"),
        (
            MenuItem(
                "ticket_queue_view", _("Queue view"), "tickets:queue_view", (RO, "queue_view")
            ),
            MenuItem("ticket_status_view", _("Status view"), "tickets:status_view", (RO, "users")),
            MenuItem(
                "ticket_escalation_view",
                _("Escalation view"),
                "tickets:escalation_view",
                (RO, "users"),
            ),
            MenuItem("ticket_locked", _("Locked tickets"), "tickets:locked_list", (RO, "users")),
            MenuItem("ticket_watched", _("Watched tickets"), "tickets:watched_list", (RO, "users")),
            MenuItem(
                "ticket_responsible",
                _("Responsible tickets"),
                "tickets:responsible_list",
                (RO, "users"),
            ),
            MenuItem("ticket_new_phone", _("New phone ticket"), "tickets:new_phone", (RW, "users")),
            MenuItem("ticket_new_email", _("New email ticket"), "tickets:new_email", (RW, "users")),
            MenuItem("ticket_search", _("Search"), "tickets:search", (RO, "users")),
        ),
    ),
    MenuItem(
        "faq",
        _("FAQ"),
        "core:area_faq",
        (RO, "faq"),
        (
            MenuItem("faq_explorer", _("Explorer"), None, (RO, "faq")),
            MenuItem("faq_new", _("New"), None, (RW, "faq")),
            MenuItem("faq_journal", _("Journal"), None, (RO, "faq")),
            MenuItem("faq_search", _("Search"), None, (RO, "faq")),
            MenuItem("faq_language_management", _("Language Management"), None, (RW, "faq_admin")),
            MenuItem("faq_category_management", _("Category Management"), None, (RW, "faq_admin")),
        ),
    ),
    MenuItem(
        "cmdb",
        _("CMDB"),
        "core:area_cmdb",
        (RO, "itsm-configitem"),
        (
            MenuItem("cmdb_overview", _("Overview"), None, (RO, "itsm-configitem")),
            MenuItem("cmdb_new", _("New"), None, (RW, "itsm-configitem")),
            MenuItem("cmdb_search", _("Search"), None, (RO, "itsm-configitem")),
            MenuItem("cmdb_class_management", _("Class Management"), None, (RW, "admin")),
            MenuItem("cmdb_import_export", _("Import/Export"), None, (RW, "admin")),
        ),
    ),
    MenuItem(
        "reports",
        _("Reports"),
        "core:area_reports",
        (RO, "stats"),
        (MenuItem("statistics", _("Statistics"), None, (RO, "stats")),),
    ),
    MenuItem(
        "admin",
        _("Admin"),
        "core:admin_home",
        (RW, "admin"),
        (
            MenuItem("admin_agents", _("Agents"), "accounts_admin:agent_list", (RW, "admin")),
            MenuItem("admin_groups", _("Groups"), "accounts_admin:group_list", (RW, "admin")),
            MenuItem("admin_roles", _("Roles"), "accounts_admin:role_list", (RW, "admin")),
            MenuItem(
                "admin_queues",
                _("Contact persons (queues)"),
                "tickets_admin:queue_list",
                (RW, "admin"),
            ),
            MenuItem(
                "admin_ticket_settings",
                _("Ticket settings"),
                "tickets_admin:home",
                (RW, "admin"),
                description=_(
                    "States, priorities, types and workflows, system addresses, salutations, "
                    "signatures, templates"
                ),
            ),
            MenuItem(
                "admin_dynamic_fields",
                _("Dynamic fields"),
                "dynamic_fields:dynamic_field_list",
                (RW, "admin"),
            ),
            MenuItem("admin_audit_log", _("Audit log"), "core:audit_log", (RW, "admin")),
        ),
    ),
)


def find(key: str) -> MenuItem:
    for item in MENU:
        if item.key == key:
            return item
        for child in item.children:
            if child.key == key:
                return child
    raise KeyError(key)


def menu_for(agent) -> list[tuple[MenuItem, list[MenuItem]]]:
    """The top-level entries the agent may see, each with its permitted children."""
    return [
        (item, [child for child in item.children if agent_meets(agent, child.required)])
        for item in MENU
        if agent_meets(agent, item.required)
    ]


def visible_keys(agent) -> set[str]:
    """Keys of every entry (top-level and children) shown to the agent."""
    keys = set()
    for item, children in menu_for(agent):
        keys.add(item.key)
        keys.update(child.key for child in children)
    return keys
