"""The generic import screen's choice to import the valid lines and download the rejected ones
(plain group screens of generic_urls.py; the all-or-nothing path is in test_generic.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from opsdesk.accounts.models import Group

pytestmark = [pytest.mark.django_db, pytest.mark.urls("opsdesk.core.tests.generic_urls")]

URL = "generic_test:group_import"


def preview(client, content: bytes):
    upload = SimpleUploadedFile("groups.csv", content, content_type="text/csv")
    return client.post(reverse(URL), {"file": upload})


def test_a_file_with_bad_lines_offers_the_partial_import_but_imports_nothing(admin_client, roles):
    response = preview(admin_client, b"name;comment\nsupport-2;first\nbad;second\n")
    body = response.content.decode()
    assert "Line 3" in body
    assert "Import the 1 valid line and download the rejected ones" in body
    assert 'name="confirm"' not in body
    # The default stays all or nothing: confirming imports nothing.
    admin_client.post(reverse(URL), {"confirm": "1", "token": response.context["token"]})
    assert not Group.objects.filter(name="support-2").exists()


def test_partial_import_then_download_of_the_rejected_lines(admin_client, roles):
    content = "name;comment\nsupport-2;erste\nbad-1;zweite\nnetwork;dritte\nboom;vierte\n"
    response = preview(admin_client, content.encode("cp932"))
    token = response.context["token"]

    done = admin_client.post(reverse(URL), {"partial": "1", "token": token})
    assert done.status_code == 302
    assert set(
        Group.objects.filter(name__in=["support-2", "network", "boom"]).values_list(
            "name", flat=True
        )
    ) == {"support-2", "network"}

    page = admin_client.get(done["Location"])
    body = page.content.decode()
    assert "Import finished: 2 created, 0 updated, 0 unchanged." in body
    assert "2 lines were rejected and not imported." in body
    download_url = page.context["rejected"]["url"]
    assert download_url in body

    download = admin_client.get(reverse(URL) + download_url)
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="groups-rejected.csv"' in download["Content-Disposition"]
    assert download.content.startswith(b"\xef\xbb\xbf")
    assert download.content.decode("utf-8-sig").splitlines() == [
        "name,comment,error",
        "bad-1,zweite,name: is bad",
        "boom,vierte,refused by the service",
    ]
    # The import's token is spent.
    again = admin_client.post(reverse(URL), {"partial": "1", "token": token})
    assert "The preview has expired" in again.content.decode()


def test_rejected_lines_of_another_token_are_not_served(admin_client, roles):
    response = admin_client.get(reverse(URL), {"download": "guessed"})
    assert response.status_code == 200
    assert "no longer available" in response.content.decode()
    page = admin_client.get(reverse(URL), {"rejected": "guessed"})
    assert page.context["rejected"] is None


def test_a_file_without_bad_lines_imports_all_and_goes_to_the_list(admin_client, roles):
    response = preview(admin_client, b"name\nsupport-2\n")
    done = admin_client.post(reverse(URL), {"partial": "1", "token": response.context["token"]})
    assert done["Location"] == reverse("generic_test:group_list")
    assert Group.objects.filter(name="support-2").exists()


def test_the_preview_lists_a_limited_number_of_rows_but_counts_them_all(
    admin_client, roles, monkeypatch
):
    from opsdesk.core.tests.generic_urls import ImportView

    monkeypatch.setattr(ImportView, "preview_limit", 2)
    response = preview(admin_client, b"name\na1\na2\na3\na4\n")
    body = response.content.decode()
    assert "4 to create" in body
    assert "… and 2 more lines to create." in body
    assert len(response.context["to_create"]) == 2


def test_partial_import_needs_the_permission(client, plain_agent, roles):
    client.force_login(plain_agent)
    assert client.post(reverse(URL), {"partial": "1", "token": "x"}).status_code == 403
    assert client.get(reverse(URL), {"download": "x"}).status_code == 403
