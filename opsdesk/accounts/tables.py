"""Tables of the accounts admin screens."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opsdesk.core.generic import ObjectTable, ValidityColumn

from .models import Agent, Group, Role


class AgentTable(ObjectTable):
    login = tables.Column(linkify=("accounts_admin:agent_detail", [tables.A("pk")]))
    name = tables.Column(
        verbose_name=capfirst(gettext_lazy("name")),
        accessor="full_name",
        order_by=("last_name", "first_name"),
    )
    email = tables.Column()
    roles = tables.ManyToManyColumn(orderable=False)
    is_active = ValidityColumn()
    last_login = tables.DateTimeColumn(
        verbose_name=capfirst(gettext_lazy("last login")), short=True
    )

    class Meta(ObjectTable.Meta):
        model = Agent
        fields = ("login", "name", "email", "roles", "is_active", "last_login")
        order_by = ("name",)

    def render_name(self, value, record):
        if record.is_out_of_office():
            return format_html(
                '{} <span class="badge text-bg-warning">{}</span>', value, _("out of office")
            )
        return value

    def value_name(self, value):
        return value


class GroupTable(ObjectTable):
    name = tables.Column(linkify=("accounts_admin:group_detail", [tables.A("pk")]))
    comment = tables.Column()
    valid = ValidityColumn()
    changed_at = tables.DateTimeColumn(short=True)

    class Meta(ObjectTable.Meta):
        model = Group
        fields = ("name", "comment", "valid", "changed_at")


class RoleTable(ObjectTable):
    name = tables.Column(linkify=("accounts_admin:role_detail", [tables.A("pk")]))
    comment = tables.Column()
    member_count = tables.Column(verbose_name=capfirst(gettext_lazy("agents")))
    valid = ValidityColumn()
    changed_at = tables.DateTimeColumn(short=True)

    class Meta(ObjectTable.Meta):
        model = Role
        fields = ("name", "comment", "member_count", "valid", "changed_at")
