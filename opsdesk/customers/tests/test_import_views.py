"""The CSV import screens of Customer Administration (opsdesk.customers.import_views)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from opsdesk.core.services import history_of
from opsdesk.customers.models import CustomerCompany, CustomerUser
from opsdesk.customers.tests.factories import CustomerCompanyFactory, CustomerUserFactory

pytestmark = pytest.mark.django_db

COMPANY_IMPORT = "customers:company_import"
USER_IMPORT = "customers:customer_user_import"


def upload(client, url_name, content: bytes):
    file = SimpleUploadedFile("data.csv", content, content_type="text/csv")
    return client.post(reverse(url_name), {"file": file})


def confirm(client, url_name, preview, **extra):
    data = {"token": preview.context["token"], **extra}
    if "partial" not in extra:
        data["confirm"] = "1"
    return client.post(reverse(url_name), data)


@pytest.mark.parametrize("url_name", [COMPANY_IMPORT, USER_IMPORT])
def test_import_screens_need_customer_administration(url_name, client, make_agent):
    target = reverse(url_name)
    assert client.get(target).status_code == 302  # to the sign-in page

    client.force_login(make_agent("itsm_user", login="user1"))
    assert client.get(target).status_code == 403
    file = SimpleUploadedFile("data.csv", b"customer_id,name\nX,Y\n", content_type="text/csv")
    assert client.post(target, {"file": file}).status_code == 403
    assert client.post(target, {"confirm": "1", "token": "x"}).status_code == 403

    client.force_login(make_agent("itsm_manager", login="manager1"))
    page = client.get(target)
    assert page.status_code == 200
    assert "Columns left out of the file keep their values." in page.content.decode()


def test_company_upload_preview_confirm(admin_client, admin_agent):
    CustomerCompanyFactory(customer_id="ACME", name="Acme Ltd.", city="Osaka")
    content = "customer_id;name;city\nNEW-1;株式会社新;東京\nacme;Acme Ltd.;Kyoto\n"
    preview = upload(admin_client, COMPANY_IMPORT, content.encode("cp932"))
    body = preview.content.decode()
    assert "1 to create" in body
    assert "1 to update" in body
    assert "株式会社新" in body
    assert "Osaka → Kyoto" in body
    assert not CustomerCompany.objects.filter(customer_id="NEW-1").exists()

    done = confirm(admin_client, COMPANY_IMPORT, preview)
    assert done["Location"] == reverse("customers:company_list")
    new = CustomerCompany.objects.get(customer_id="NEW-1")
    assert (new.name, new.city, new.created_by) == ("株式会社新", "東京", admin_agent)
    assert CustomerCompany.objects.get(customer_id="ACME").city == "Kyoto"
    assert history_of(new).get().actor == admin_agent
    follow = admin_client.get(done["Location"])
    assert "Import finished: 1 created, 1 updated, 0 unchanged." in follow.content.decode()


def test_bad_rows_are_listed_and_nothing_is_imported(admin_client):
    CustomerCompanyFactory(customer_id="ACME", name="Acme Ltd.")
    content = (
        "login,first_name,last_name,email,customer_id\n"
        "alice,Alice,Able,alice@example.com,ACME\n"
        "bob,Bob,Baker,bob@example.com,NOPE\n"
    )
    preview = upload(admin_client, USER_IMPORT, content.encode())
    body = preview.content.decode()
    assert "Line 3" in body
    assert "No customer with Customer ID “NOPE” exists." in body
    assert 'name="confirm"' not in body
    confirm(admin_client, USER_IMPORT, preview)
    assert not CustomerUser.objects.exists()


def test_partial_import_and_rejected_lines_download(admin_client):
    CustomerCompanyFactory(customer_id="ACME", name="Acme Ltd.")
    content = (
        "login;first_name;last_name;email;customer_id\n"
        "alice;Alice;Able;alice@example.com;ACME\n"
        "bob;ボブ;Baker;bob@example.com;NOPE\n"
    )
    preview = upload(admin_client, USER_IMPORT, content.encode("cp932"))
    done = confirm(admin_client, USER_IMPORT, preview, partial="1")
    assert list(CustomerUser.objects.values_list("login", flat=True)) == ["alice"]
    page = admin_client.get(done["Location"])
    assert "1 line was rejected and not imported." in page.content.decode()
    download = admin_client.get(reverse(USER_IMPORT) + page.context["rejected"]["url"])
    assert 'filename="customer-users-rejected.csv"' in download["Content-Disposition"]
    assert download.content.decode("utf-8-sig").splitlines() == [
        "login,first_name,last_name,email,customer_id,error",
        "bob,ボブ,Baker,bob@example.com,NOPE,"
        "customer_id: No customer with Customer ID “NOPE” exists.",
    ]


def test_an_expired_preview_imports_nothing(admin_client):
    preview = upload(admin_client, COMPANY_IMPORT, b"customer_id,name\nNEW-1,New\n")
    response = admin_client.post(reverse(COMPANY_IMPORT), {"confirm": "1", "token": "stale"})
    assert "The preview has expired" in response.content.decode()
    # Another screen's preview is no preview of this one.
    other = admin_client.post(
        reverse(USER_IMPORT), {"confirm": "1", "token": preview.context["token"]}
    )
    assert "The preview has expired" in other.content.decode()
    assert not CustomerCompany.objects.filter(customer_id="NEW-1").exists()


def test_list_exports_import_again_unchanged(admin_client):
    tokyo = CustomerCompanyFactory(customer_id="TOKYO", name="東京商事", city="東京")
    CustomerUserFactory(
        login="tanaka",
        first_name="太郎",
        last_name="田中",
        phone="+81 3 0000",
        company=tokyo,
        additional_companies=[CustomerCompanyFactory(customer_id="OSAKA", name="大阪商事")],
    )
    for list_name, import_name, count in (
        ("customers:company_list", COMPANY_IMPORT, 2),
        ("customers:customer_user_list", USER_IMPORT, 1),
    ):
        exported = admin_client.get(reverse(list_name), {"export": "csv"})
        content = b"".join(exported) if exported.streaming else exported.content
        assert content.startswith(b"\xef\xbb\xbf")
        as_shift_jis = content.decode("utf-8-sig").encode("cp932")
        preview = upload(admin_client, import_name, as_shift_jis)
        plan = preview.context["plan"]
        assert plan.ok, plan.errors
        assert [row.action for row in plan.rows] == ["unchanged"] * count
