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
    Snapshotter,
    bulk_record_changes,
    bulk_update,
    cell_value,
    decode_csv,
    detect_delimiter,
    error_message,
    plan_import,
    read_rows,
    rejected_rows_csv,
    run_import,
)
from opsdesk.core.models import AuditAction, AuditLogEntry
from opsdesk.core.services import snapshot

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


# Partial imports, rejected rows and the bulk helpers ---------------------------------------------


def test_read_rows_uses_the_importers_spelling_and_skips_an_error_column():
    names, rows, errors = read_rows(
        "Name;Error;Comment\nsupport;old reason;first\nx;y;z;surplus\n",
        columns=("Name", "comment"),
    )
    assert names == ["Name", "comment"]
    assert [row.values for row in rows] == [{"Name": "support", "comment": "first"}]
    assert [(error.line, error.cells) for error in errors] == [(3, ["x", "z", "surplus"])]


def test_rejected_rows_csv_keeps_the_values_and_adds_the_reason():
    text = "name;comment\ngood;1\nbad1;=2+2\nGOOD;dup\nx;y;surplus\n"
    plan = plan_import(text, NameImporter())
    rejected = rejected_rows_csv(plan)
    assert rejected.splitlines() == [
        "name,comment,error",
        "bad1,'=2+2,name: is bad",
        "GOOD,dup,name “GOOD” is also on line 2.",
        "x,y,3 values but only 2 columns.,surplus",
    ]
    # Corrected, the file of rejected lines imports again (its error column is ignored).
    corrected = rejected.replace("bad1", "fixed").replace("GOOD,dup", "other,dup")
    again = plan_import(corrected.replace(",surplus", ""), NameImporter())
    assert again.ok
    assert [row.values for row in again.rows] == [
        {"name": "fixed", "comment": "=2+2"},
        {"name": "other", "comment": "dup"},
        {"name": "x", "comment": "y"},
    ]


@pytest.mark.django_db
def test_partial_import_writes_the_valid_rows_and_keeps_the_rejected_ones(admin_agent):
    plan = plan_import("name,comment\nsupport,1\nbad,2\nboom,3\nnetwork,4\n", GroupImporter())
    counts = run_import(plan, GroupImporter(), actor=admin_agent, partial=True)
    assert counts == {"create": 2, "update": 0, "unchanged": 0, "rejected": 2}
    assert Group.objects.filter(name__in=["support", "network"]).count() == 2
    assert not Group.objects.filter(name="boom").exists()
    assert [(error.line, error.message, error.cells) for error in plan.errors] == [
        (3, "name: is bad", ["bad", "2"]),
        (4, "refused by the service", ["boom", "3"]),
    ]


class BulkGroupImporter(GroupImporter):
    """Writes every row at once; a "boom" row refuses the whole import."""

    def apply_all(self, rows, *, actor):
        self.applied = [row.line for row in rows]
        if any(row.data["name"].startswith("boom") for row in rows):
            raise ImportFailed(rows[0].line, "refused in bulk")
        Group.objects.bulk_create(Group(name=row.data["name"]) for row in rows)


@pytest.mark.django_db
def test_run_import_uses_the_importers_apply_all(admin_agent):
    importer = BulkGroupImporter()
    plan = plan_import("name\nsupport\nold-unchanged\nbad\nnetwork\n", importer)
    plan.rows[1].action = "unchanged"
    counts = run_import(plan, importer, actor=admin_agent, partial=True)
    assert importer.applied == [2, 5]  # unchanged rows are not handed over
    assert counts == {"create": 2, "update": 0, "unchanged": 1, "rejected": 1}
    assert Group.objects.filter(name__in=["support", "network"]).count() == 2

    plan = plan_import("name\nfine\nboom\n", importer)
    with pytest.raises(ImportFailed, match="refused in bulk"):
        run_import(plan, importer, actor=admin_agent)
    assert not Group.objects.filter(name="fine").exists()


@pytest.mark.django_db
def test_bulk_update_and_bulk_record_changes(admin_agent, roles, django_assert_max_num_queries):
    groups = [Group.objects.create(name=f"team-{n}") for n in range(3)]
    for number, group in enumerate(groups):
        group.comment = f"comment {number}"
        group.valid = number != 1
    with django_assert_max_num_queries(2):
        bulk_update(Group, groups, ["comment", "valid"])
        bulk_record_changes(
            admin_agent,
            Group,
            [(group, AuditAction.UPDATE, {"comment": ["", group.comment]}) for group in groups]
            + [(groups[0], AuditAction.UPDATE, {})],  # changed nothing: no entry
        )
    stored = Group.objects.filter(name__startswith="team-").order_by("name")
    assert [(group.comment, group.valid) for group in stored] == [
        ("comment 0", True),
        ("comment 1", False),
        ("comment 2", True),
    ]
    entries = AuditLogEntry.objects.filter(object_id__in=[str(group.pk) for group in groups])
    assert sorted(entry.changes["comment"][1] for entry in entries) == [
        "comment 0",
        "comment 1",
        "comment 2",
    ]
    assert {entry.actor for entry in entries} == {admin_agent}


@pytest.mark.django_db
def test_snapshotter_gives_what_snapshot_gives(admin_agent, roles):
    from opsdesk.customers.models import CustomerCompany

    company = CustomerCompany.objects.create(
        customer_id="SNAP", name="Snap", validity="invalid-temporarily", extra={"size": 5}
    )
    group = Group.objects.get(name="users")
    assert Snapshotter(CustomerCompany)(company) == snapshot(company)
    assert Snapshotter(Group)(group, {"members": ["b", "a"]}) == snapshot(
        group, {"members": ["b", "a"]}
    )
