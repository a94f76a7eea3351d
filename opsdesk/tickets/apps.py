from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "opsdesk.tickets"
    label = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        from opsdesk.core.dynamic_fields import register_object_type, register_screens

        post_migrate.connect(seed_ticket_defaults, sender=self)

        from .choices import DynamicFieldScreen
        from .models import Ticket
        from .search import register_search

        register_search()

        from .links import register_ticket_links

        register_ticket_links()

        register_object_type(
            "ticket",
            Ticket,
            reserved=(
                "number",
                "title",
                "queue",
                "state",
                "priority",
                "type",
                "owner",
                "responsible",
                "customer",
                "customer_id",
                "customer_user",
                "lock",
                "pending_until",
                "articles",
                "article",
                "service",
                "sla",
            ),
        )
        register_screens("ticket", DynamicFieldScreen.choices)


def seed_ticket_defaults(sender, using="default", **kwargs):
    """After ``migrate`` (and the test runner's flush): the default states, types, queues..."""
    if "tickets_queue" not in connections[using].introspection.table_names():
        return  # migrated to a point before the tickets tables
    from .defaults import ensure_ticket_defaults

    ensure_ticket_defaults()
