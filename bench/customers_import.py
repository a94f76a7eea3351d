"""Times the CSV import of 10,000 customer companies and 10,000 customer users through the screens.

For each file: upload and preview, then confirm (which reads and checks the file again, then writes
every row with its audit entry), then the export and the re-import of the export (every row
unchanged), and of a file changing every row (every row updated). Half of the names are Japanese;
the companies file is UTF-8 with "," and the customer users file Shift_JIS with ";".
"""

import argparse
import csv
import io
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsdesk.settings")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

PREFIX = "BENCH"
EXPECTED = {  # what the preview says when every row does the same
    "create": "%(count)d to create",
    "update": "%(count)d to update",
    "unchanged": "%(count)d lines change nothing",
}
JAPANESE_NAMES = ("田中", "鈴木", "佐藤", "高橋", "渡辺", "伊藤", "山本", "中村")
JAPANESE_GIVEN = ("太郎", "花子", "一郎", "美咲", "健太", "由美")


def reset() -> None:
    """Remove what an earlier run created (a bench database only: customers are never deleted)."""
    from opsdesk.core.models import AuditLogEntry, DynamicField
    from opsdesk.customers.models import CustomerCompany, CustomerUser

    users = CustomerUser.objects.filter(login__startswith=PREFIX.lower())
    companies = CustomerCompany.objects.filter(customer_id__startswith=PREFIX)
    for queryset in (users, companies):
        ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
        for start in range(0, len(ids), 900):
            AuditLogEntry.objects.filter(
                content_type__model=queryset.model._meta.model_name,
                object_id__in=ids[start : start + 900],
            ).delete()
        queryset.delete()
    DynamicField.objects.filter(name__startswith="bench_").delete()


def define_fields() -> None:
    """One extra field per object type, so that the dynamic-field columns are timed too."""
    from opsdesk.core.models import DynamicField

    DynamicField.objects.create(
        object_type="customer_company", name="bench_contract", label="Contract", field_type="text"
    )
    DynamicField.objects.create(
        object_type="customer_user", name="bench_vip", label="VIP", field_type="checkbox"
    )


def csv_text(rows, delimiter=",") -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue()


def companies_file(count: int) -> bytes:
    rows = [["customer_id", "name", "street", "zip", "city", "country", "url", "validity"]]
    for n in range(count):
        japanese = n % 2 == 0
        rows.append(
            [
                f"{PREFIX}-{n:05d}",
                f"株式会社{JAPANESE_NAMES[n % 8]}{n:05d}" if japanese else f"Company {n:05d} Ltd.",
                f"{n} 丸の内" if japanese else f"{n} Main Street",
                f"100-{n % 10000:04d}",
                "東京" if japanese else "Berlin",
                "日本" if japanese else "Germany",
                f"https://c{n}.example.com",
                "valid",
            ]
        )
    rows[0].append("bench_contract")
    for row in rows[1:]:
        row.append(f"C-{row[0]}")
    return ("\ufeff" + csv_text(rows)).encode("utf-8")


def users_file(count: int, companies: int) -> bytes:
    rows = [
        [
            "login",
            "first_name",
            "last_name",
            "email",
            "phone",
            "customer_id",
            "additional_customer_ids",
            "role",
            "language",
            "time_zone",
            "bench_vip",
        ]
    ]
    for n in range(count):
        japanese = n % 2 == 0
        rows.append(
            [
                f"{PREFIX.lower()}{n:05d}",
                JAPANESE_GIVEN[n % 6] if japanese else f"First{n}",
                JAPANESE_NAMES[n % 8] if japanese else f"Last{n}",
                f"{PREFIX.lower()}{n:05d}@example.com",
                f"03-{n:04d}",
                f"{PREFIX}-{n % companies:05d}",
                f"{PREFIX}-{(n + 1) % companies:05d}" if n % 3 == 0 else "",
                "manager" if n % 10 == 0 else "user",
                "ja" if japanese else "en",
                "Asia/Tokyo" if japanese else "Europe/Berlin",
                "yes" if n % 7 == 0 else "no",
            ]
        )
    return csv_text(rows, delimiter=";").encode("cp932")


class Screen:
    """Upload → preview → confirm through the real import screen, timed."""

    def __init__(self, client: Client, url_name: str, rows: int):
        self.client = client
        self.url = reverse(url_name)
        self.rows = rows

    def run(self, label: str, content: bytes, expect: str) -> None:
        upload = SimpleUploadedFile("data.csv", content, content_type="text/csv")
        with CaptureQueriesContext(connection) as preview_queries:
            start = time.perf_counter()
            preview = self.client.post(self.url, {"file": upload})
            preview_seconds = time.perf_counter() - start
        page = preview.content.decode()
        token = re.search(r'name="token" value="([^"]+)"', page)
        assert token and 'data-testid="import-errors"' not in page, page[-3000:]
        expected = EXPECTED[expect] % {"count": self.rows}
        assert expected in page, f"{expected!r} not on the preview"
        with CaptureQueriesContext(connection) as confirm_queries:
            start = time.perf_counter()
            done = self.client.post(self.url, {"confirm": "1", "token": token.group(1)})
            confirm_seconds = time.perf_counter() - start
        assert done.status_code == 302, done.status_code
        total = preview_seconds + confirm_seconds
        print(
            f"{label:<44} preview {preview_seconds:5.2f} s ({len(preview_queries):3d} q)  "
            f"confirm {confirm_seconds:5.2f} s ({len(confirm_queries):3d} q)  "
            f"total {total:5.2f} s  [{self.rows} {expect}]"
        )


def export(client: Client, url_name: str, label: str) -> bytes:
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.get(reverse(url_name), {"export": "csv", "q": PREFIX})
        content = b"".join(response) if response.streaming else response.content
        seconds = time.perf_counter() - start
    assert response.status_code == 200
    print(f"{label:<44} {seconds:5.2f} s ({len(queries)} queries)")
    return content


def changed(content: bytes, encoding: str, **changes) -> bytes:
    """The exported file with each column of ``changes`` set on every row to
    ``changes[column](row as a dict)``."""
    text = content.decode(encoding)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    for row in rows[1:]:
        values = dict(zip(rows[0], row, strict=True))
        for column, value in changes.items():
            row[rows[0].index(column)] = value(values)
    return csv_text(rows).encode(encoding)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    options = parser.parse_args()

    call_command("migrate", verbosity=0)
    reset()
    define_fields()
    from opsdesk.accounts.models import Agent

    admin = Agent.objects.filter(is_superuser=True).first() or Agent.objects.create_superuser(
        "bench-admin", "bench-admin@example.com", "bench-password-1"
    )
    client = Client(SERVER_NAME="localhost")
    client.force_login(admin)
    print(f"database: {connection.vendor}, {options.rows} rows per file")

    companies = Screen(client, "customers:company_import", options.rows)
    users = Screen(client, "customers:customer_user_import", options.rows)
    companies.run("companies, new (UTF-8, ',')", companies_file(options.rows), "create")
    users.run(
        "customer users, new (Shift_JIS, ';')", users_file(options.rows, options.rows), "create"
    )

    exported = export(client, "customers:company_list", "companies export")
    companies.run("companies, export re-imported", exported, "unchanged")
    cities = changed(exported, "utf-8-sig", city=lambda row: f"City {row['customer_id']}")
    companies.run("companies, every row changed", cities, "update")

    exported = export(client, "customers:customer_user_list", "customer users export")
    as_shift_jis = exported.decode("utf-8-sig").encode("cp932")
    users.run("customer users, export re-imported (Shift_JIS)", as_shift_jis, "unchanged")

    def other_company(row):
        number = (int(row["customer_id"].rsplit("-", 1)[1]) + 2) % options.rows
        return f"{PREFIX}-{number:05d}"

    moved = changed(
        exported,
        "utf-8-sig",
        phone=lambda row: "06" + row["phone"][2:],
        additional_customer_ids=other_company,
    )
    users.run("customer users, every row changed", moved, "update")


if __name__ == "__main__":
    main()
