"""CSV import shared by every area: decode, read, validate every row, then import all or nothing.

A file is read in three steps. ``decode_csv`` turns the uploaded bytes into text (UTF-8 with or
without BOM, else Shift_JIS/cp932 as Excel writes it on Japanese Windows). ``plan_import`` reads
the rows (``,`` or ``;`` as separator, detected on the header line), lets a ``RowImporter``
validate each one and returns an ``ImportPlan``: the rows to create or update and every bad row
with its line number. ``run_import`` applies a plan without errors in one transaction through
the importer, which calls the area's service functions (or writes every row at once in its
``apply_all``); a row failing at that point rolls the whole import back.

By choice (``partial=True``) ``run_import`` imports the valid rows of a plan with errors instead;
``rejected_rows_csv`` gives the rejected lines as a CSV file (their values plus an ``error``
column) that can be corrected and imported again: readers ignore that column.
"""

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connections, models, router, transaction
from django.utils.translation import gettext as _

from .models import AuditAction, AuditLogEntry
from .services import _SKIPPED_FIELDS, _display

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
# Characters that make a spreadsheet read a cell as a formula; exports prefix such cells with "'".
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The column of a rejected-rows file saying why a line was refused; reading a file ignores it.
REJECTED_COLUMN = "error"


class CsvFormatError(ValueError):
    """The file as a whole cannot be imported (undecodable, empty, wrong header)."""


class ImportFailed(Exception):
    """A row failed while importing; the transaction was rolled back."""

    def __init__(self, line: int, message: str):
        super().__init__(f"{line}: {message}")
        self.line = line
        self.message = message


@dataclass
class CsvRow:
    line: int  # line number in the file, the header being line 1
    values: dict[str, str]


@dataclass
class RowError:
    line: int
    message: str
    cells: list[str] | None = None  # the line's values in the file's column order, if readable


@dataclass
class PlannedRow:
    line: int
    action: str  # CREATE, UPDATE or UNCHANGED
    values: dict[str, str]  # as read from the file, for the preview
    data: dict[str, Any] = field(default_factory=dict)  # cleaned, for the service
    instance: Any = None  # the existing object an update changes
    changes: dict[str, list] = field(default_factory=dict)  # field -> [old, new] of an update
    cells: list[str] = field(default_factory=list)  # the values in the file's column order


@dataclass
class ImportPlan:
    columns: list[str]
    rows: list[PlannedRow]
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors

    def rows_to(self, action: str) -> list[PlannedRow]:
        return [row for row in self.rows if row.action == action]

    def reject(self, row: PlannedRow, message: str) -> None:
        """Move a planned row to the errors (a partial import could not write it)."""
        self.rows.remove(row)
        self.errors.append(RowError(row.line, message, row.cells))
        self.errors.sort(key=lambda error: error.line)


class RowImporter:
    """What an area declares to import one model: its columns, row validation and the write.

    ``unique_columns`` must not repeat within the file (compared without case); ``prepare`` may load
    everything the rows refer to in a few queries before ``validate`` is called for each row.
    """

    columns: tuple[str, ...] = ()
    required_columns: tuple[str, ...] = ()
    unique_columns: tuple[str, ...] = ()
    description = ""  # shown above the upload form: what a row does, how values are written

    def prepare(self, rows: list[CsvRow]) -> None:
        """Load what the rows refer to (existing objects, related names) in bulk."""

    def validate(self, row: CsvRow) -> PlannedRow:
        """Return the planned row or raise ValidationError explaining what is wrong."""
        raise NotImplementedError

    def apply(self, row: PlannedRow, *, actor) -> Any:
        """Write one planned row through the area's service."""
        raise NotImplementedError

    def apply_all(self, rows: list[PlannedRow], *, actor) -> None:
        """Write the rows to create or update, inside the import's transaction.

        By default row by row through ``apply``. An importer of many rows overrides this to write
        them in bulk (with their audit entries); it raises ImportFailed to refuse the import.
        """
        for row in rows:
            try:
                self.apply(row, actor=actor)
            except ValidationError as error:
                raise ImportFailed(row.line, error_message(error)) from error


def decode_csv(data: bytes) -> str:
    """Text of an uploaded CSV file: UTF-8 (a BOM is dropped), else Shift_JIS (cp932)."""
    if not data.strip():
        raise CsvFormatError(_("The file is empty."))
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvFormatError(_("The file is neither UTF-8 nor Shift_JIS encoded text."))


def detect_delimiter(text: str) -> str:
    """``;`` when the header line holds more semicolons than commas, else ``,``."""
    header = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    return ";" if header.count(";") > header.count(",") else ","


def normalise_column(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower().replace(" ", "_")


def cell_value(raw: str) -> str:
    """A cell's text, without surrounding blanks or the quote an export put before a formula."""
    value = raw.strip()
    if value.startswith("'") and value[1:2] and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def read_rows(
    text: str, *, columns, required_columns=()
) -> tuple[list[str], list[CsvRow], list[RowError]]:
    """The header's columns, the non-blank data rows and the rows whose shape is wrong.

    Column names are compared without case and spaces count as "_"; rows and the returned names use
    the spelling of ``columns``. Unknown or repeated columns, and missing required ones, make the
    whole file unreadable (CsvFormatError). An ``error`` column (of a rejected-rows file) is
    skipped unless the importer has one.
    """
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text))
    try:
        header = next(reader)
    except StopIteration:
        raise CsvFormatError(_("The file is empty.")) from None
    except csv.Error as error:
        raise CsvFormatError(_("The header line cannot be read: %s") % error) from None
    spelling = {normalise_column(column): column for column in columns}
    names = [normalise_column(name) for name in header]
    while names and not names[-1]:
        names.pop()  # a trailing separator, as some spreadsheets write
    if not names:
        raise CsvFormatError(_("The first line must name the columns."))
    skipped = REJECTED_COLUMN if REJECTED_COLUMN not in spelling else None
    unknown = [name for name in names if name not in spelling and name != skipped]
    if unknown:
        raise CsvFormatError(
            _("Unknown columns: %(unknown)s. Known columns: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(columns)}
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise CsvFormatError(_("Columns named more than once: %s.") % ", ".join(repeated))
    names = [spelling.get(name, name) for name in names]
    missing = [name for name in required_columns if name not in names]
    if missing:
        raise CsvFormatError(_("Missing columns: %s.") % ", ".join(missing))

    width = len(names)
    kept = [index for index, name in enumerate(names) if name != skipped]
    names = [names[index] for index in kept]
    rows: list[CsvRow] = []
    errors: list[RowError] = []
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.append(RowError(line, _("The line cannot be read: %s") % error))
            break
        if not any(value.strip() for value in record):
            continue
        while len(record) > width and not record[-1].strip():
            record.pop()
        record = [cell_value(value) for value in record]
        if len(record) > width:
            errors.append(
                RowError(
                    line,
                    _("%(count)d values but only %(columns)d columns.")
                    % {"count": len(record), "columns": width},
                    [record[index] for index in kept] + record[width:],
                )
            )
            continue
        record += [""] * (width - len(record))
        values = {name: record[index] for name, index in zip(names, kept, strict=True)}
        rows.append(CsvRow(line, values))
    return names, rows, errors


def error_message(error: ValidationError) -> str:
    """One line of text for a ValidationError, naming the fields it concerns."""
    if hasattr(error, "error_dict"):
        parts = []
        for name, messages in error.message_dict.items():
            text = " ".join(messages)
            parts.append(text if name == NON_FIELD_ERRORS else f"{name}: {text}")
        return "; ".join(parts)
    return " ".join(error.messages)


def plan_import(text: str, importer: RowImporter) -> ImportPlan:
    """Read and validate every row; the plan lists every bad row, not only the first."""
    names, rows, errors = read_rows(
        text, columns=importer.columns, required_columns=importer.required_columns
    )
    first_seen: dict[tuple[str, str], int] = {}
    clean_rows = []
    for row in rows:
        duplicate = None
        for column in importer.unique_columns:
            value = row.values.get(column, "").lower()
            if not value:
                continue
            seen = first_seen.setdefault((column, value), row.line)
            if seen != row.line and duplicate is None:
                duplicate = _("%(column)s “%(value)s” is also on line %(line)d.") % {
                    "column": column,
                    "value": row.values[column],
                    "line": seen,
                }
        if duplicate:
            errors.append(RowError(row.line, duplicate, [row.values.get(n, "") for n in names]))
        else:
            clean_rows.append(row)
    importer.prepare(clean_rows)
    planned = []
    for row in clean_rows:
        try:
            planned_row = importer.validate(row)
        except ValidationError as error:
            cells = [row.values.get(name, "") for name in names]
            errors.append(RowError(row.line, error_message(error), cells))
        else:
            planned_row.cells = [row.values.get(name, "") for name in names]
            planned.append(planned_row)
    errors.sort(key=lambda error: error.line)
    return ImportPlan(columns=names, rows=planned, errors=errors)


def run_import(
    plan: ImportPlan, importer: RowImporter, *, actor, partial: bool = False
) -> dict[str, int]:
    """Apply a plan in one transaction; returns how many rows were created/updated/rejected.

    All or nothing by default: a plan with errors is refused, and ImportFailed (after rolling
    everything back) is raised when the importer refuses a row. With ``partial`` the valid rows are
    imported and the bad ones stay in ``plan.errors``; rows that the importer's ``apply`` refuses
    join them (each row is written in its own savepoint). An importer with its own ``apply_all``
    still imports its rows all or nothing.
    """
    if not plan.ok and not partial:
        raise ValueError("A plan with errors cannot be imported.")
    changing = [row for row in plan.rows if row.action != UNCHANGED]
    with transaction.atomic():
        if partial and type(importer).apply_all is RowImporter.apply_all:
            for row in changing:
                try:
                    with transaction.atomic():
                        importer.apply(row, actor=actor)
                except ValidationError as error:
                    plan.reject(row, error_message(error))
        else:
            importer.apply_all(changing, actor=actor)
    counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0}
    for row in plan.rows:
        counts[row.action] += 1
    counts["rejected"] = len(plan.errors)
    return counts


def csv_safe(value) -> str:
    """A cell that no spreadsheet runs as a formula (the import strips the added quote)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def rejected_rows_csv(plan: ImportPlan) -> str:
    """The plan's bad lines as CSV text: the file's columns plus ``error`` with the reason."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([*plan.columns, REJECTED_COLUMN])
    for error in plan.errors:
        cells = list(error.cells) if error.cells is not None else []
        cells += [""] * (len(plan.columns) - len(cells))
        # Extra values of an over-long line stay after the reason, so that nothing is lost.
        row = [*cells[: len(plan.columns)], error.message, *cells[len(plan.columns) :]]
        writer.writerow([csv_safe(value) for value in row])
    return buffer.getvalue()


# Bulk writes for importers' ``apply_all`` -------------------------------------------------------

BULK_BATCH_SIZE = 500


def bulk_update(model: type[models.Model], objects: list, fields) -> None:
    """Save ``fields`` of many objects: one UPDATE statement run for all rows (executemany).

    Much faster than ``QuerySet.bulk_update``, whose CASE WHEN expressions grow with rows times
    fields. No signals, no ``auto_now``: set such fields (``changed_at``) yourself.
    """
    if not objects:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(meta.db_table),
        ", ".join(f"{quote(field.column)} = %s" for field in columns),
        quote(meta.pk.column),
    )
    params = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns]
        + [meta.pk.get_db_prep_save(obj.pk, connection)]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), BULK_BATCH_SIZE):
            cursor.executemany(sql, params[start : start + BULK_BATCH_SIZE])


class Snapshotter:
    """``services.snapshot`` for many objects of one model, giving the same dict: the fields and
    the choice labels (in the current language) are looked up once, not once per object."""

    def __init__(self, model: type[models.Model]):
        self.fields = [
            field
            for field in model._meta.concrete_fields
            if field.name not in _SKIPPED_FIELDS and field.editable and not field.primary_key
        ]
        self.labels = {
            field.name: {value: str(label) for value, label in field.flatchoices}
            for field in self.fields
            if field.choices
        }

    def __call__(self, instance: models.Model, extra: dict | None = None) -> dict:
        data = {}
        for model_field in self.fields:
            name = model_field.name
            value = getattr(instance, name)
            if isinstance(value, dict):
                for key, item in value.items():
                    data[f"{name}.{key}"] = _display(item)
                continue
            labels = self.labels.get(name)
            if labels is not None and value not in (None, ""):
                value = labels.get(value, value)
            data[name] = _display(value)
        for key, value in (extra or {}).items():
            data[key] = _display(value)
        return data


def bulk_record_changes(actor, model: type[models.Model], entries) -> None:
    """One audit entry per (object, action, changes), as ``services.record_change`` writes them,
    inserted in bulk; updates that changed nothing get none."""
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    actor = actor if getattr(actor, "is_authenticated", False) else None
    AuditLogEntry.objects.bulk_create(
        (
            AuditLogEntry(
                actor=actor,
                action=action,
                content_type=content_type,
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                changes=changes or {},
            )
            for obj, action, changes in entries
            if changes or action != AuditAction.UPDATE
        ),
        batch_size=BULK_BATCH_SIZE,
    )
