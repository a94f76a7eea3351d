"""Ticket search results as CSV and Excel (XLSX) files.

Rows are read in batches (``iterator()``) with their relations joined (``select_related``): one
query per batch, never one per ticket, and the CSV is streamed as it is read. Times are written in
the agent's time zone, labels in their language: both are taken when the download starts, since a
streamed body is produced after the request's time zone and language have been reset.
Text cells are written as text: a cell starting with ``=``, ``+``, ``-`` or ``@`` is quoted in
CSV (``csv_safe``) and never becomes a formula in XLSX.
"""

import csv
import datetime
import tempfile
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from opsdesk.core.csv_import import csv_safe

from .models import Ticket

EXPORT_RELATED = (
    "state",
    "priority",
    "queue",
    "ticket_type",
    "owner",
    "responsible",
    "customer_company",
    "customer_user",
)
BATCH_SIZE = 1000
CSV_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_headers() -> list[str]:
    """Column titles in the current language."""
    return [
        _("Ticket number"),
        capfirst(pgettext("ticket", "title")),
        _("Created"),
        _("Changed"),
        _("Closed"),
        capfirst(_("state")),
        capfirst(_("priority")),
        capfirst(_("contact person")),
        capfirst(_("type")),
        capfirst(_("owner")),
        capfirst(_("responsible")),
        capfirst(_("lock")),
        _("Customer ID"),
        capfirst(_("customer user")),
        capfirst(_("customer email")),
    ]


@dataclass(frozen=True)
class ExportSettings:
    """What the rows need from the request, fixed when the download starts."""

    zone: datetime.tzinfo
    language: str
    locked: str
    unlocked: str

    @classmethod
    def for_agent(cls, agent) -> "ExportSettings":
        try:
            zone: datetime.tzinfo = zoneinfo.ZoneInfo(agent.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, AttributeError):
            zone = timezone.get_current_timezone()
        return cls(
            zone=zone,
            language=translation.get_language() or "en",
            locked=_("locked"),
            unlocked=_("unlocked"),
        )


def export_queryset(queryset, limit: int):
    """At most ``limit`` tickets of ``queryset`` (in its order), with what a row shows."""
    return queryset.select_related(*EXPORT_RELATED)[:limit]


def ticket_rows(queryset, settings: ExportSettings) -> Iterator[list]:
    """One list of values per ticket: text, local naive datetimes, or None."""

    def local(moment):
        return timezone.localtime(moment, settings.zone).replace(tzinfo=None) if moment else None

    ticket: Ticket
    for ticket in queryset.iterator(chunk_size=BATCH_SIZE):
        customer_user = ticket.customer_user
        yield [
            ticket.number,
            ticket.title,
            local(ticket.created_at),
            local(ticket.changed_at),
            local(ticket.closed_at),
            ticket.state.label_for(settings.language),
            ticket.priority.label_for(settings.language),
            ticket.queue.full_name,
            ticket.ticket_type.label_for(settings.language),
            ticket.owner.login if ticket.owner else "",
            ticket.responsible.login if ticket.responsible else "",
            settings.locked if ticket.locked else settings.unlocked,
            ticket.customer_company.customer_id if ticket.customer_company else "",
            customer_user.login if customer_user else "",
            customer_user.email if customer_user else ticket.customer_address,
        ]


class _Echo:
    """A file-like object whose ``write`` returns what it is given (for streaming CSV)."""

    def write(self, value):
        return value


def _csv_cell(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.strftime(CSV_TIME_FORMAT)
    return csv_safe(value)


def csv_lines(queryset, settings: ExportSettings, headers: list[str]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that Excel reads UTF-8 (Japanese) correctly
    yield writer.writerow([csv_safe(header) for header in headers])
    for row in ticket_rows(queryset, settings):
        yield writer.writerow([_csv_cell(value) for value in row])


def csv_response(queryset, *, agent, filename: str) -> StreamingHttpResponse:
    settings = ExportSettings.for_agent(agent)
    response = StreamingHttpResponse(
        csv_lines(queryset, settings, export_headers()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def write_xlsx(queryset, settings: ExportSettings, headers: list[str], output) -> None:
    """The workbook, row by row (``constant_memory``: a written row leaves memory)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    sheet = workbook.add_worksheet(_("Tickets")[:31])
    bold = workbook.add_format({"bold": True})
    moment_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    widths = [18, 40, 19, 19, 19, 16, 12, 24, 16, 14, 14, 10, 14, 16, 28]
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    for column, header in enumerate(headers):
        sheet.write_string(0, column, header, bold)
    sheet.freeze_panes(1, 0)
    for index, row in enumerate(ticket_rows(queryset, settings), start=1):
        for column, value in enumerate(row):
            if isinstance(value, datetime.datetime):
                sheet.write_datetime(index, column, value, moment_format)
            elif value:
                sheet.write_string(index, column, str(value))
    workbook.close()


def xlsx_response(queryset, *, agent, filename: str) -> FileResponse:
    settings = ExportSettings.for_agent(agent)
    output = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it, which removes it)
    write_xlsx(queryset, settings, export_headers(), output)
    output.seek(0)
    return FileResponse(
        output, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )
