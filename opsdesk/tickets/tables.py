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
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
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
        # core/generic/table.html with the rows from rows_html() (one Python loop per page).
        template_name = "tickets/lists/ticket_table.html"
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

    # Rows in Python ------------------------------------------------------------------------------
    # django-tables2 renders every cell through its accessor, ``call_with_appropriate`` (signature
    # inspection) and a template loop: about 3 ms of CPU per row. rows_html() builds the
    # same <tr>/<td> markup directly, with the URLs, translations and labels a page repeats looked
    # up once. Columns without a ``_cell_<name>`` method (a subclass's own) still go through
    # django-tables2. Keep the ``_cell_`` methods in step with the ``render_`` methods above, and
    # the <tr> attributes with Meta.row_attrs and row_class().

    def rows_html(self) -> SafeString:
        """The <tr> elements of the current page (what the bootstrap5 template's row loop gives)."""
        columns = []
        for column in self.columns:
            td = column.attrs["td"].as_html()
            fast = getattr(self, f"_cell_{column.name}", None)
            columns.append((column.name, f"<td {td}>", fast, column.default))
        rows = self.paginated_rows
        self._cell_cache: dict = {}
        parts = []
        for counter, row in enumerate(rows):
            record = row.record
            parity = "odd" if counter % 2 else "even"
            css = self.row_class(record)
            css = f"{css} {parity}" if css else parity
            parts.append(f'<tr data-ticket="{record.pk}" class="{css}">')
            for name, td, fast, default in columns:
                if fast is None:
                    cell = conditional_escape(row.get_cell(name))
                else:
                    cell = fast(record)
                    if cell is None:
                        cell = conditional_escape(default)
                parts.append(f"{td}{cell}</td>")
            parts.append("</tr>")
        return mark_safe("".join(parts))

    def _once(self, key, make):
        """A value computed once per rows_html() call (URL patterns, translations, labels)."""
        cache = self._cell_cache
        if key not in cache:
            cache[key] = make()
        return cache[key]

    def _url(self, name: str, pk: int) -> str:
        pattern = self._once(("url", name), lambda: reverse(name, args=[987654321]))
        return pattern.replace("987654321", str(pk))

    def _cell_select(self, record) -> str:
        label = self._once("select", lambda: _("Select ticket %(number)s"))
        return (
            '<input class="form-check-input" type="checkbox" name="ticket" value="{}" '
            'form="ticket-bulk-form" aria-label="{}">'.format(
                record.pk, escape(label % {"number": record.number})
            )
        )

    def _cell_number(self, record) -> str:
        return '<a href="{}" class="text-nowrap" data-testid="ticket-link">{}</a>'.format(
            escape(self._url("tickets:zoom", record.pk)), escape(record.number)
        )

    def _cell_age(self, record) -> str | None:
        value = record.created_at
        if value is None:
            return None
        title, age = escape(exact_time(value)), escape(timesince(value))
        return f'<span class="text-nowrap" title="{title}">{age}</span>'

    def _cell_title(self, record) -> str | None:
        if record.title in (None, ""):
            return None
        label = self._once("preview", lambda: escape(_("Preview of the last article")))
        pk = record.pk
        return (
            '<div class="d-flex align-items-start gap-1">'
            '<button type="button" class="btn btn-sm btn-link p-0 text-decoration-none" '
            f'hx-get="{escape(self._url("tickets:preview", pk))}" '
            f'hx-target="#ticket-preview-{pk}" hx-swap="innerHTML" hx-push-url="false" '
            f'title="{label}" aria-label="{label}" data-testid="preview-button">&#9656;</button>'
            f'<span class="ticket-title">{escape(record.title)}</span></div>'
            f'<div id="ticket-preview-{pk}" class="ticket-preview" aria-live="polite"></div>'
        )

    def _cell_customer(self, record) -> str:
        return conditional_escape(self.render_customer(record))

    def _cell_state(self, record) -> str:
        state = record.state
        return self._once(("state", state.pk), lambda: escape(state.display_label))

    def _cell_priority(self, record) -> str:
        priority = record.priority
        return self._once(("priority", priority.pk), lambda: self.render_priority(priority))

    def _cell_queue(self, record) -> str:
        queue = record.queue
        return self._once(("queue", queue.pk), lambda: escape(queue.full_name))

    def _cell_owner(self, record) -> str | None:
        owner = record.owner
        if owner is None:
            return None
        return self._once(("owner", owner.pk), lambda: escape(self.render_owner(owner)))

    def _cell_lock(self, record) -> str:
        return self._once(("lock", bool(record.locked)), lambda: self.render_lock(record.locked))

    def _cell_escalation(self, record) -> str | None:
        if record.escalation_at is None:
            return None
        return self.render_escalation(record.escalation_at)
