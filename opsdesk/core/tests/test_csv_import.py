"""CSV reading and the all-or-nothing import plan (opsdesk.core.csv_import)."""

import pytest
from django.core.exceptions import ValidationError

from opsdesk.accounts.models import Group
from opsdesk.accounts.services import create_group
from opsdesk.core.csv_import import (
    CREATE,
    UPDATE,
    CsvFormatError,
    CsvRow,
    ImportFailed,
    PlannedRow,
    RowImporter,
    cell_value,
    decode_csv,
    detect_delimiter,
    error_message,
    plan_import,
    read_rows,
    run_import,
)

COLUMNS = ("name", "comment")


class NameImporter(RowImporter):
    """A database-free importer: names starting with "bad" are refused, "old" ones are updates."""

    columns = COLUMNS
    required_columns = ("name",)
    unique_columns = ("name",)

    def __init__(self):
        self.prepared = None

    def prepare(self, rows):
        self.prepared = [row.line for row in rows]

    def validate(self, row: CsvRow) -> PlannedRow:
        name = row.values["name"]
        if name.startswith("bad"):
            raise ValidationError({"name": "is bad"})
        action = UPDATE if name.startswith("old") else CREATE
        return PlannedRow(row.line, action, row.values, data=dict(row.values))


class GroupImporter(NameImporter):
    """Creates groups through the service; a name starting with "boom" fails while importing."""

    def apply(self, row, *, actor):
        if row.data["name"].startswith("boom"):
            raise ValidationError("refused by the service")
        return create_group(actor=actor, name=row.data["name"], comment=row.data.get("comment", ""))


def test_decode_utf8_with_and_without_bom():
    text = "name,comment\n日本語,メモ\n"
    assert decode_csv(text.encode("utf-8")) == text
    assert decode_csv(b"\xef\xbb\xbf" + text.encode("utf-8")) == text


def test_decode_shift_jis():
    text = "name,comment\n運用チーム,ＩＴ部門～東京\n"
    assert decode_csv(text.encode("cp932")) == text
    assert decode_csv("name\n東京\n".encode("shift_jis")) == "name\n東京\n"


def test_decode_refuses_empty_and_binary_files():
    with pytest.raises(CsvFormatError):
        decode_csv(b"  \n")
    with pytest.raises(CsvFormatError):
        decode_csv(b"\x80\x81\xff\xfe\x00\xfd")


def test_delimiter_is_detected_on_the_header():
    assert detect_delimiter("name,comment\na;b,c\n") == ","
    assert detect_delimiter("name;comment\n1,5;x\n") == ";"
    assert detect_delimiter("name\nx\n") == ","


def test_read_rows_with_semicolons_quotes_and_line_numbers():
    text = 'Name;Comment\n\nsupport;"first; line\nsecond line"\n  ops  ;\n'
    names, rows, errors = read_rows(text, columns=COLUMNS)
    assert names == ["name", "comment"]
    assert errors == []
    assert [(row.line, row.values) for row in rows] == [
        (3, {"name": "support", "comment": "first; line\nsecond line"}),
        (5, {"name": "ops", "comment": ""}),
    ]


def test_read_rows_fills_short_rows_and_reports_long_ones():
    names, rows, errors = read_rows("name,comment\na\nb,c,d\ne,f,,\n", columns=COLUMNS)
    assert [row.values for row in rows] == [
        {"name": "a", "comment": ""},
        {"name": "e", "comment": "f"},
    ]
    assert [(error.line, error.message) for error in errors] == [
        (3, "3 values but only 2 columns.")
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ("name,colour\nx,y\n", "Unknown columns: colour"),
        ("comment\nx\n", "Missing columns: name"),
        ("name,Name\nx,y\n", "Columns named more than once: name"),
        (",\n", "The first line must name the columns"),
    ],
)
def test_read_rows_refuses_bad_headers(text, message):
    with pytest.raises(CsvFormatError, match=message):
        read_rows(text, columns=COLUMNS, required_columns=("name",))


def test_cell_value_strips_the_quote_an_export_put_before_a_formula():
    assert cell_value("'=SUM(A1)") == "=SUM(A1)"
    assert cell_value(" '+81 3 1234 ") == "+81 3 1234"
    assert cell_value("'quoted'") == "'quoted'"


def test_error_message_names_the_fields():
    assert error_message(ValidationError({"email": ["Enter a valid email address."]})) == (
        "email: Enter a valid email address."
    )
    assert error_message(ValidationError("Whole row wrong.")) == "Whole row wrong."


def test_plan_lists_every_bad_row_with_its_line():
    text = "name,comment\ngood,1\nbad1,2\nold,3\nGOOD,4\nbad2,5\n"
    importer = NameImporter()
    plan = plan_import(text, importer)
    assert not plan.ok
    assert [(error.line, error.message) for error in plan.errors] == [
        (3, "name: is bad"),
        (5, "name “GOOD” is also on line 2."),
        (6, "name: is bad"),
    ]
    assert [row.line for row in plan.rows_to(CREATE)] == [2]
    assert [row.line for row in plan.rows_to(UPDATE)] == [4]
    assert plan.rows_to(CREATE)[0].cells == ["good", "1"]
    assert importer.prepared == [2, 3, 4, 6]  # the repeated line is not validated again


@pytest.mark.django_db
def test_run_import_creates_every_row_in_one_go(admin_agent):
    plan = plan_import("name,comment\nsupport,first\nnetwork,second\n", GroupImporter())
    counts = run_import(plan, GroupImporter(), actor=admin_agent)
    assert counts["create"] == 2
    assert set(
        Group.objects.filter(name__in=["support", "network"]).values_list("comment", flat=True)
    ) == {
        "first",
        "second",
    }


@pytest.mark.django_db
def test_run_import_rolls_everything_back_when_a_row_fails(admin_agent):
    plan = plan_import("name,comment\nsupport,first\nboom,second\n", GroupImporter())
    with pytest.raises(ImportFailed) as failure:
        run_import(plan, GroupImporter(), actor=admin_agent)
    assert failure.value.line == 3
    assert not Group.objects.filter(name="support").exists()


def test_run_import_refuses_a_plan_with_errors():
    plan = plan_import("name\nbad\n", NameImporter())
    with pytest.raises(ValueError):
        run_import(plan, NameImporter(), actor=None)
