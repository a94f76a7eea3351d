"""Export of ticket search results as CSV and XLSX: columns, the agent's time zone, no formulas,
permissions, the search limit and a constant number of queries."""

import csv
import datetime
import io
import re
import zipfile
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from opsdesk.accounts.models import Group
from opsdesk.customers.tests.factories import CustomerCompanyFactory, CustomerUserFactory
from opsdesk.tickets import services
from opsdesk.tickets.models import Ticket

from .factories import QueueFactory, TicketFactory, agent_with, grant

pytestmark = pytest.mark.django_db

CSV = reverse("tickets:search_export", args=["csv"])
XLSX = reverse("tickets:search_export", args=["xlsx"])
HEADER = [
    "Ticket number",
    "Title",
    "Created",
    "Changed",
    "Closed",
    "State",
    "Priority",
    "Contact person",
    "Type",
    "Owner",
    "Responsible",
    "Lock",
    "Customer ID",
    "Customer user",
    "Customer email",
]
CREATED = datetime.datetime(2026, 11, 24, 23, 30, tzinfo=datetime.UTC)  # 08:30 on the 25th in Tokyo


@pytest.fixture
def agent(queue):
    agent = agent_with(queue, "rw", login="exporter", time_zone="Asia/Tokyo")
    return grant(agent, Group.objects.get_or_create(name="users")[0], "ro")


@pytest.fixture
def ticket(queue, agent):
    company = CustomerCompanyFactory(customer_id="ACME")
    customer = CustomerUserFactory(login="jdoe", email="jdoe@acme.example", company=company)
    ticket = TicketFactory(queue=queue, title='=HYPERLINK("http://evil") 接続できません')
    services.set_customer(ticket, actor=agent, customer_user=customer, customer_company=company)
    services.lock_ticket(ticket, actor=agent)
    services.set_responsible(ticket, actor=agent, responsible=agent)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=CREATED)
    return Ticket.objects.get(pk=ticket.pk)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_has_the_columns_in_the_agents_time_zone(agent, ticket, client, queue):
    client.force_login(agent)
    response = client.get(CSV, {"title": "接続"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="tickets.csv"' in response["Content-Disposition"]
    header, row = csv_rows(response)
    assert header == HEADER
    assert row == [
        ticket.number,
        '\'=HYPERLINK("http://evil") 接続できません',  # no formula
        "2026-11-25 08:30:00",
        row[3],
        "",
        "New",
        "Medium",
        queue.full_name,
        "Unclassified",
        "exporter",
        "exporter",
        "locked",
        "ACME",
        "jdoe",
        "jdoe@acme.example",
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row[3])


def xlsx_cells(response) -> list[list[str]]:
    """The first sheet's cells as text, read from the XML in the zip (shared or inline strings)."""
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    namespace = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        shared = []
        if "xl/sharedStrings.xml" in archive.namelist():
            root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
            shared = [
                "".join(t.text or "" for t in si.iter(f"{{{namespace['m']}}}t")) for si in root
            ]
        sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iterfind(".//m:sheetData/m:row", namespace):
        cells = []
        for cell in row.iterfind("m:c", namespace):
            kind = cell.get("t")
            assert cell.find("m:f", namespace) is None  # never a formula
            if kind == "s":
                cells.append(shared[int(cell.find("m:v", namespace).text)])
            elif kind == "inlineStr":
                cells.append("".join(t.text or "" for t in cell.iter(f"{{{namespace['m']}}}t")))
            else:
                cells.append(cell.find("m:v", namespace).text)
        rows.append(cells)
    return rows


def test_xlsx_has_the_same_rows_with_real_dates(agent, ticket, client):
    client.force_login(agent)
    response = client.get(XLSX, {"title": "接続"})
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="tickets.xlsx"' in response["Content-Disposition"]
    header, row = xlsx_cells(response)
    assert header == HEADER
    assert row[0] == ticket.number
    assert row[1] == '=HYPERLINK("http://evil") 接続できません'  # text, not a formula
    # Excel's serial date of 2026-11-25 08:30 (Tokyo): days since 1899-12-30
    serial = (datetime.datetime(2026, 11, 25, 8, 30) - datetime.datetime(1899, 12, 30)) / (
        datetime.timedelta(days=1)
    )
    assert float(row[2]) == pytest.approx(serial)
    assert row[-3:] == ["ACME", "jdoe", "jdoe@acme.example"]


def test_exports_contain_only_tickets_the_agent_may_see(agent, ticket, client):
    TicketFactory(queue=QueueFactory(), title="Secret 接続")
    client.force_login(agent)
    assert [row[1] for row in csv_rows(client.get(CSV, {"title": "接続"}))[1:]] == [
        '\'=HYPERLINK("http://evil") 接続できません'
    ]
    assert len(xlsx_cells(client.get(XLSX, {"title": "接続"}))) == 2


def test_exports_stop_at_the_search_limit(agent, client, queue, settings):
    settings.OPSDESK_TICKET_SEARCH_LIMIT = 2
    for index in range(3):
        TicketFactory(queue=queue, title=f"t{index}")
    client.force_login(agent)
    assert len(csv_rows(client.get(CSV, {"search": "1"}))) == 3
    assert len(xlsx_cells(client.get(XLSX, {"search": "1"}))) == 3


def test_a_bad_search_is_not_exported(agent, client):
    client.force_login(agent)
    response = client.get(CSV, {"state": "bogus"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('tickets:search')}?state=bogus"
    assert client.get(reverse("tickets:search_export", args=["pdf"])).status_code == 404


def test_exports_need_access(client, plain_agent):
    assert client.get(CSV).status_code == 302
    client.force_login(plain_agent)
    assert client.get(CSV).status_code == 403


@pytest.mark.parametrize("kind", [CSV, XLSX])
@pytest.mark.parametrize("rows", [2, 20])
def test_exports_need_the_same_queries_for_2_and_20_tickets(
    agent, client, queue, rows, kind, django_assert_max_num_queries
):
    responsible = agent_with(queue, "rw")
    for index in range(rows):
        created = TicketFactory(queue=queue, title=f"t{index}", customer_user=CustomerUserFactory())
        services.set_responsible(created, actor=None, responsible=responsible, actor_label="t")
    client.force_login(agent)
    # session (read, and save: 3), agent, grants (2), tickets with their relations
    with django_assert_max_num_queries(8):
        response = client.get(kind, {"search": "1"})
        content = b"".join(response.streaming_content)
    assert content
