"""Tables of the ticket settings lists under Admin."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opsdesk.core.generic import ObjectTable, ValidityColumn

from .admin_services import QUEUE_SEPARATOR
from .choices import StateType
from .models import (
    Priority,
    Queue,
    Salutation,
    Signature,
    StandardTemplate,
    SystemAddress,
    TicketState,
    TicketType,
)


class DefaultFlagColumn(tables.BooleanColumn):
    """A "default" badge on screen, yes/no in exports."""

    def render(self, value, record, bound_column):
        if value:
            return format_html('<span class="badge text-bg-primary">{}</span>', _("default"))
        return ""

    def value(self, record, value, bound_column):
        return "yes" if value else "no"


# Contact persons (queues) -----------------------------------------------------------------------


class QueueTable(ObjectTable):
    """The hierarchy: sub-queues indented under their parents (ordered by full name)."""

    full_name = tables.Column(verbose_name=capfirst(gettext_lazy("contact person (queue)")))
    group = tables.Column(order_by=("group__name",))
    system_address = tables.Column(order_by=("system_address__email",))
    follow_up_policy = tables.Column()
    unlock_timeout = tables.Column()
    valid = ValidityColumn()
    changed_at = tables.DateTimeColumn(short=True)

    class Meta(ObjectTable.Meta):
        model = Queue
        fields = (
            "full_name",
            "group",
            "system_address",
            "follow_up_policy",
            "unlock_timeout",
            "valid",
            "changed_at",
        )
        order_by = ("full_name",)

    def render_full_name(self, value, record):
        path, separator, name = value.rpartition(QUEUE_SEPARATOR)
        return format_html(
            '<span class="d-inline-block" style="padding-left: {}rem">{}<a href="{}">{}</a></span>',
            record.depth * 1.5,
            format_html('<span class="text-body-secondary">{}{}</span>', path, separator)
            if path
            else "",
            reverse("tickets_admin:queue_detail", args=[record.pk]),
            name,
        )

    def value_full_name(self, value):
        return value

    def value_system_address(self, value):
        return value.email


# States, priorities, types ----------------------------------------------------------------------


class StateTable(ObjectTable):
    name = tables.Column(linkify=("tickets_admin:state_detail", [tables.A("pk")]))
    label = tables.Column()
    label_ja = tables.Column()
    state_type = tables.Column()
    state_group = tables.Column()
    valid = ValidityColumn()

    class Meta(ObjectTable.Meta):
        model = TicketState
        fields = ("name", "label", "label_ja", "state_type", "state_group", "valid")
        order_by = ("id",)

    def render_name(self, value, record):
        if record.state_type == StateType.MERGED:
            return format_html(
                '{} <span class="badge text-bg-light border">{}</span>', value, _("internal")
            )
        return value

    def value_name(self, value):
        return value


class PriorityTable(ObjectTable):
    level = tables.Column()
    name = tables.Column(linkify=("tickets_admin:priority_detail", [tables.A("pk")]))
    label = tables.Column()
    label_ja = tables.Column()
    color = tables.Column()
    is_default = DefaultFlagColumn()
    valid = ValidityColumn()

    class Meta(ObjectTable.Meta):
        model = Priority
        fields = ("level", "name", "label", "label_ja", "color", "is_default", "valid")
        order_by = ("level",)

    def render_color(self, value):
        return format_html(
            '<span class="d-inline-block border rounded align-middle me-1" '
            'style="width:1rem;height:1rem;background:{}"></span><code>{}</code>',
            value,
            value,
        )

    def value_color(self, value):
        return value


class TicketTypeTable(ObjectTable):
    name = tables.Column(linkify=("tickets_admin:type_detail", [tables.A("pk")]))
    label = tables.Column()
    label_ja = tables.Column()
    default_state = tables.Column(order_by=("default_state__id",))
    restrict_transitions = tables.BooleanColumn()
    is_default = DefaultFlagColumn()
    valid = ValidityColumn()

    class Meta(ObjectTable.Meta):
        model = TicketType
        fields = (
            "name",
            "label",
            "label_ja",
            "default_state",
            "restrict_transitions",
            "is_default",
            "valid",
        )
        order_by = ("name",)

    def value_default_state(self, value):
        return value.name


# System addresses, salutations, signatures, templates -------------------------------------------


class SystemAddressTable(ObjectTable):
    email = tables.Column(linkify=("tickets_admin:system_address_detail", [tables.A("pk")]))
    display_name = tables.Column()
    comment = tables.Column()
    valid = ValidityColumn()
    changed_at = tables.DateTimeColumn(short=True)

    class Meta(ObjectTable.Meta):
        model = SystemAddress
        fields = ("email", "display_name", "comment", "valid", "changed_at")
        order_by = ("email",)


class SalutationTable(ObjectTable):
    name = tables.Column(linkify=("tickets_admin:salutation_detail", [tables.A("pk")]))
    comment = tables.Column()
    valid = ValidityColumn()
    changed_at = tables.DateTimeColumn(short=True)

    class Meta(ObjectTable.Meta):
        model = Salutation
        fields = ("name", "comment", "valid", "changed_at")
        order_by = ("name",)


class SignatureTable(ObjectTable):
    name = tables.Column(linkify=("tickets_admin:signature_detail", [tables.A("pk")]))
    comment = tables.Column()
    valid = ValidityColumn()
    changed_at = tables.DateTimeColumn(short=True)

    class Meta(ObjectTable.Meta):
        model = Signature
        fields = ("name", "comment", "valid", "changed_at")
        order_by = ("name",)


class StandardTemplateTable(ObjectTable):
    """Needs ``prefetch_related("queues")`` and ``select_related("next_state")``."""

    name = tables.Column(linkify=("tickets_admin:template_detail", [tables.A("pk")]))
    template_type = tables.Column()
    subject = tables.Column()
    next_state = tables.Column(order_by=("next_state__id",))
    queues = tables.ManyToManyColumn(
        verbose_name=capfirst(gettext_lazy("contact persons (queues)")),
        orderable=False,
        default="",
    )
    valid = ValidityColumn()

    class Meta(ObjectTable.Meta):
        model = StandardTemplate
        fields = ("name", "template_type", "subject", "next_state", "queues", "valid")
        order_by = ("name",)

    def render_queues(self, value, record):
        queues = list(value.all())
        if not queues:
            return format_html('<span class="text-body-secondary">{}</span>', _("every queue"))
        return ", ".join(queue.full_name for queue in queues)

    def value_queues(self, value, record):
        return "|".join(queue.full_name for queue in value.all())

    def value_next_state(self, value):
        return value.name if value is not None else ""
