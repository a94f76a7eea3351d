"""The ticket list table shared by the queue view, the status view, the personal lists (locked,
watched, responsible, escalation) and the search results.

Every column reads only the ticket row and the relations in ``selectors.TICKET_LIST_RELATED``, so
a page costs one query whatever its size. Only columns whose order a database index or a small
join can serve are sortable; the rest ignore ``?sort=``.
"""

import django_tables2 as tables
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from opsdesk.core.generic import ObjectTable

# Bootstrap Icons' "lock-fill" (MIT): drawn the same everywhere, unlike an emoji.
LOCK_ICON = mark_safe(
    '<svg xmlns="http://www.w3.org/2000/svg" width="14" height="14" fill="currentColor" '
    'viewBox="0 0 16 16" aria-hidden="true"><path d="M8 1a2 2 0 0 1 2 2v4H6V3a2 2 0 0 1 2-2m3 '
    '6V3a3 3 0 0 0-6 0v4a2 2 0 0 0-2 2v5a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2V9a2 2 0 0 0-2-2"/></svg>'
)


def exact_time(value) -> str:
    """The full date and time in the viewer's time zone (for ``title`` tooltips)."""
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


class SelectColumn(tables.Column):
    """A checkbox ``ticket`` = pk per row, tied to the list's bulk form by its ``form`` attribute
    (so that the table need not sit inside the form); the header checks the whole page."""

    def __init__(self, **kwargs):
        kwargs.setdefault("accessor", "pk")
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("exclude_from_export", True)
        kwargs.setdefault(
            "attrs", {"th": {"class": "ticket-select"}, "td": {"class": "ticket-select"}}
        )
        super().__init__(**kwargs)

    @property
    def header(self):
        return format_html(
            '<input class="form-check-input" type="checkbox" data-select-all title="{0}" '
            'aria-label="{0}">',
            _("Select all tickets on this page"),
        )

    def render(self, value, record):
        return format_html(
            '<input class="form-check-input" type="checkbox" name="ticket" value="{}" '
            'form="ticket-bulk-form" aria-label="{}">',
            value,
            _("Select ticket %(number)s") % {"number": record.number},
        )


class TicketTable(ObjectTable):
    """Number, age, title (with the last article's preview), customer, state, priority, queue,
    owner, lock and escalation time of tickets.

    ``highlight_queue_ids``: unlocked tickets of these queues (the agent's My Queues) get the
    class ``ticket-available``."""

    select = SelectColumn(verbose_name="")
    number = tables.Column(verbose_name=gettext_lazy("Ticket#"), order_by=("number",))
    age = tables.Column(
        verbose_name=gettext_lazy("Age"), accessor="created_at", order_by=("-created_at", "-id")
    )
    title = tables.Column(verbose_name=capfirst(pgettext_lazy("ticket", "title")))
    customer = tables.Column(
        verbose_name=capfirst(gettext_lazy("customer")),
        accessor="pk",
        orderable=False,
    )
    state = tables.Column(verbose_name=capfirst(gettext_lazy("state")), order_by=("state_id",))
    priority = tables.Column(
        verbose_name=capfirst(gettext_lazy("priority")), order_by=("priority__level",)
    )
    queue = tables.Column(
        verbose_name=capfirst(gettext_lazy("contact person")), order_by=("queue__full_name",)
    )
    owner = tables.Column(verbose_name=capfirst(gettext_lazy("owner")), orderable=False)
    lock = tables.Column(
        verbose_name=gettext_lazy("Lock"), accessor="locked", orderable=False, empty_values=()
    )
    escalation = tables.Column(
        verbose_name=gettext_lazy("Escalation"),
        accessor="escalation_at",
        order_by=("escalation_at",),
    )

    class Meta(ObjectTable.Meta):
        template_name = "core/generic/table.html"
        empty_text = gettext_lazy("No tickets.")
        attrs = {
            "class": "table table-sm table-hover align-middle ticket-table",
            "thead": {"hx-boost": "true"},
            "data-testid": "ticket-table",
        }
        row_attrs = {"data-ticket": lambda record: record.pk}

    def __init__(self, *args, highlight_queue_ids=(), **kwargs):
        self.highlight_queue_ids = frozenset(highlight_queue_ids)
        row_attrs = dict(self._meta.row_attrs)
        row_attrs["class"] = self.row_class
        kwargs.setdefault("row_attrs", row_attrs)
        super().__init__(*args, **kwargs)

    def row_class(self, record) -> str:
        if (
            self.highlight_queue_ids
            and not record.locked
            and record.queue_id in self.highlight_queue_ids
        ):
            return "ticket-available table-info"
        return ""

    def order_escalation(self, queryset, is_descending):
        # Tickets without a deadline last in both directions (NULLs sort differently per database).
        field = F("escalation_at")
        order = field.desc(nulls_last=True) if is_descending else field.asc(nulls_last=True)
        return queryset.order_by(order, "id"), True

    def render_number(self, value, record):
        return format_html(
            '<a href="{}" class="text-nowrap" data-testid="ticket-link">{}</a>',
            reverse("tickets:zoom", args=[record.pk]),
            value,
        )

    def render_age(self, value):
        return format_html(
            '<span class="text-nowrap" title="{}">{}</span>', exact_time(value), timesince(value)
        )

    def render_title(self, value, record):
        return format_html(
            '<div class="d-flex align-items-start gap-1">'
            '<button type="button" class="btn btn-sm btn-link p-0 text-decoration-none" '
            'hx-get="{}" hx-target="#ticket-preview-{}" hx-swap="innerHTML" hx-push-url="false" '
            'title="{}" aria-label="{}" data-testid="preview-button">&#9656;</button>'
            '<span class="ticket-title">{}</span></div>'
            '<div id="ticket-preview-{}" class="ticket-preview" aria-live="polite"></div>',
            reverse("tickets:preview", args=[record.pk]),
            record.pk,
            _("Preview of the last article"),
            _("Preview of the last article"),
            value,
            record.pk,
        )

    def render_customer(self, record):
        name = (
            record.customer_user.full_name if record.customer_user_id else record.customer_address
        )
        company = record.customer_company.name if record.customer_company_id else ""
        if not name and not company:
            return "—"
        if company:
            return format_html(
                '{}<div class="small text-body-secondary">{}</div>', name or "", company
            )
        return name

    def render_state(self, value):
        return value.display_label

    def render_priority(self, value):
        return format_html(
            '<span class="badge priority-badge" style="background-color: {}">{}</span>',
            value.color,
            value.display_label,
        )

    def render_queue(self, value):
        return value.full_name

    def render_owner(self, value):
        return value.full_name or value.login

    def render_lock(self, value):
        if value:
            return format_html(
                '<span class="text-warning-emphasis" title="{0}" data-testid="locked">{1}'
                '<span class="visually-hidden">{0}</span></span>',
                _("locked"),
                LOCK_ICON,
            )
        return format_html('<span class="visually-hidden">{}</span>', _("unlocked"))

    def render_escalation(self, value):
        now = timezone.now()
        if value <= now:
            return format_html(
                '<span class="badge text-bg-danger" title="{}">{}</span>',
                exact_time(value),
                _("escalated %(time)s ago") % {"time": timesince(value, now)},
            )
        return format_html(
            '<span class="text-nowrap" title="{}">{}</span>',
            exact_time(value),
            _("in %(time)s") % {"time": timeuntil(value, now)},
        )

    def value_lock(self, value):
        return "yes" if value else "no"
