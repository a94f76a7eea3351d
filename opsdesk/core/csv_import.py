"""CSV import shared by every area: decode, read, validate every row, then import all or nothing.

A file is read in three steps. ``decode_csv`` turns the uploaded bytes into text (UTF-8 with or
without BOM, else Shift_JIS/cp932 as Excel writes it on Japanese Windows). ``plan_import`` reads
the rows (``,`` or ``;`` as separator, detected on the header line), lets a ``RowImporter``
validate each one and returns an ``ImportPlan``: the rows to create or update and every bad row
with its line number. ``run_import`` applies a plan without errors in one transaction through
the importer, which calls the area's service functions; a row failing at that point rolls the
whole import back.
"""

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
# Characters that make a spreadsheet read a cell as a formula; exports prefix such cells with "'".
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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

    Column names are compared without case; unknown or repeated columns, and missing required ones,
    make the whole file unreadable (CsvFormatError).
    """
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text))
    try:
        header = next(reader)
    except StopIteration:
        raise CsvFormatError(_("The file is empty.")) from None
    except csv.Error as error:
        raise CsvFormatError(_("The header line cannot be read: %s") % error) from None
    names = [normalise_column(name) for name in header]
    while names and not names[-1]:
        names.pop()  # a trailing separator, as some spreadsheets write
    if not names:
        raise CsvFormatError(_("The first line must name the columns."))
    unknown = [name for name in names if name not in columns]
    if unknown:
        raise CsvFormatError(
            _("Unknown columns: %(unknown)s. Known columns: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(columns)}
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise CsvFormatError(_("Columns named more than once: %s.") % ", ".join(repeated))
    missing = [name for name in required_columns if name not in names]
    if missing:
        raise CsvFormatError(_("Missing columns: %s.") % ", ".join(missing))

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
        while len(record) > len(names) and not record[-1].strip():
            record.pop()
        if len(record) > len(names):
            errors.append(
                RowError(
                    line,
                    _("%(count)d values but only %(columns)d columns.")
                    % {"count": len(record), "columns": len(names)},
                )
            )
            continue
        record += [""] * (len(names) - len(record))
        rows.append(
            CsvRow(
                line, {name: cell_value(value) for name, value in zip(names, record, strict=True)}
            )
        )
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
            errors.append(RowError(row.line, duplicate))
        else:
            clean_rows.append(row)
    importer.prepare(clean_rows)
    planned = []
    for row in clean_rows:
        try:
            planned_row = importer.validate(row)
        except ValidationError as error:
            errors.append(RowError(row.line, error_message(error)))
        else:
            planned_row.cells = [row.values.get(name, "") for name in names]
            planned.append(planned_row)
    errors.sort(key=lambda error: error.line)
    return ImportPlan(columns=names, rows=planned, errors=errors)


def run_import(plan: ImportPlan, importer: RowImporter, *, actor) -> dict[str, int]:
    """Apply a plan without errors in one transaction; returns how many rows were created/updated.

    Raises ImportFailed (after rolling everything back) when a service refuses a row.
    """
    if not plan.ok:
        raise ValueError("A plan with errors cannot be imported.")
    counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0}
    with transaction.atomic():
        for row in plan.rows:
            if row.action != UNCHANGED:
                try:
                    importer.apply(row, actor=actor)
                except ValidationError as error:
                    raise ImportFailed(row.line, error_message(error)) from error
            counts[row.action] += 1
    return counts
