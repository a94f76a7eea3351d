"""The generic object views with their defaults, on plain group screens (see generic_urls.py)."""

import pytest
from django import forms
from django.urls import reverse

from opsdesk.accounts.models import Group
from opsdesk.accounts.tests.factories import GroupFactory
from opsdesk.core.generic import apply_bootstrap, change_lines, csv_safe
from opsdesk.core.models import AuditAction, AuditLogEntry
from opsdesk.core.services import history_of, record_change

pytestmark = [pytest.mark.django_db, pytest.mark.urls("opsdesk.core.tests.generic_urls")]


def url(name, *args):
    return reverse(f"generic_test:group_{name}", args=args)


@pytest.fixture
def group(roles):
    return GroupFactory(name="support", comment="first line")


@pytest.mark.parametrize("screen", ["list", "add", "import", "detail", "edit", "delete"])
def test_every_generic_view_checks_permission_on_the_server(
    screen, group, client, plain_agent, admin_agent
):
    target = url(screen, group.pk) if screen in {"detail", "edit", "delete"} else url(screen)

    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))

    client.force_login(plain_agent)
    assert client.get(target).status_code == 403

    client.force_login(admin_agent)
    assert client.get(target).status_code == 200


def test_invalidate_is_post_only_and_checks_permission(group, client, plain_agent, admin_agent):
    target = url("invalidate", group.pk)
    assert client.post(target).status_code == 302
    client.force_login(plain_agent)
    assert client.post(target).status_code == 403
    client.force_login(admin_agent)
    assert client.get(target).status_code == 405
    group.refresh_from_db()
    assert group.valid


def test_list_filters_searches_sorts_and_pages_with_the_agent_page_size(admin_client, admin_agent):
    for number in range(12):
        GroupFactory(name=f"team-{number:02}", valid=number % 2 == 0)
    admin_agent.page_size = 5
    admin_agent.save()

    response = admin_client.get(url("list"), {"q": "team", "valid": "true", "sort": "-name"})
    table = response.context["table"]
    assert table.paginator.count == 6
    assert table.paginator.per_page == 5
    assert [row.record.name for row in table.paginated_rows] == [
        "team-10",
        "team-08",
        "team-06",
        "team-04",
        "team-02",
    ]
    assert 'name="q"' in response.content.decode()

    second = admin_client.get(url("list"), {"q": "team", "valid": "true", "page": 2})
    assert [row.record.name for row in second.context["table"].paginated_rows] == ["team-10"]


def test_list_answers_htmx_with_the_table_only(admin_client, group):
    full = admin_client.get(url("list"))
    partial = admin_client.get(url("list"), {"q": "supp"}, HTTP_HX_REQUEST="true")
    assert "<html" in full.content.decode()
    body = partial.content.decode()
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="object-list"')
    assert "support" in body
    restore = admin_client.get(
        url("list"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in restore.content.decode()


def test_list_exports_the_filtered_list_as_csv_with_a_bom(admin_client, group):
    GroupFactory(name="東京チーム", comment="=cmd|' /C calc'!A0")
    response = admin_client.get(url("list"), {"q": "チーム", "export": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf")
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Name,Comment,Valid"
    assert lines[1:] == ["東京チーム,'=cmd|' /C calc'!A0,yes"]


def test_list_query_count_does_not_grow_with_rows(admin_client, django_assert_max_num_queries):
    GroupFactory.create_batch(3)
    with django_assert_max_num_queries(9):
        admin_client.get(url("list"))
    GroupFactory.create_batch(30)
    with django_assert_max_num_queries(9):
        admin_client.get(url("list"))


def test_detail_shows_fields_and_history(admin_client, admin_agent, group):
    record_change(
        actor=admin_agent,
        instance=group,
        action=AuditAction.UPDATE,
        changes={"comment": ["old text", "first line"]},
    )
    response = admin_client.get(url("detail", group.pk))
    body = response.content.decode()
    assert "first line" in body
    assert "old text → first line" in body
    assert admin_agent.full_name in body


def test_add_sets_created_by_and_writes_an_audit_entry(admin_client, admin_agent, roles):
    response = admin_client.post(url("add"), {"name": "network", "comment": "wires", "valid": "on"})
    group = Group.objects.get(name="network")
    assert response.status_code == 302
    assert response["Location"] == url("detail", group.pk)
    assert group.created_by == admin_agent
    assert group.changed_by == admin_agent
    entry = history_of(group).get()
    assert entry.action == AuditAction.CREATE
    assert entry.actor == admin_agent
    assert entry.changes["comment"] == "wires"


def test_edit_writes_what_changed(admin_client, admin_agent, group):
    admin_client.post(url("edit", group.pk), {"name": "support", "comment": "second line"})
    group.refresh_from_db()
    assert group.comment == "second line"
    assert not group.valid
    entry = history_of(group).get()
    assert entry.action == AuditAction.UPDATE
    assert entry.changes == {"comment": ["first line", "second line"], "valid": [True, False]}
    assert group.changed_by == admin_agent


def test_edit_shows_field_errors_and_saves_nothing(admin_client, group):
    GroupFactory(name="taken")
    response = admin_client.post(url("edit", group.pk), {"name": "taken", "comment": ""})
    assert response.status_code == 200
    body = response.content.decode()
    assert "is-invalid" in body
    assert "Group with this Name already exists." in body
    group.refresh_from_db()
    assert group.name == "support"
    assert not AuditLogEntry.objects.exists()


def test_invalidate_sets_valid_off_and_logs_it(admin_client, admin_agent, group):
    response = admin_client.post(url("invalidate", group.pk))
    assert response.status_code == 302
    group.refresh_from_db()
    assert not group.valid
    entry = history_of(group).get()
    assert entry.action == AuditAction.INVALIDATE
    assert entry.changes == {"valid": [True, False]}


def test_delete_removes_an_object_without_history(admin_client, admin_agent, roles):
    admin_client.post(url("add"), {"name": "temporary", "valid": "on"})
    group = Group.objects.get(name="temporary")
    page = admin_client.get(url("delete", group.pk))
    assert "Do you really want to delete" in page.content.decode()
    response = admin_client.post(url("delete", group.pk))
    assert response["Location"] == url("list")
    assert not Group.objects.filter(name="temporary").exists()
    assert AuditLogEntry.objects.filter(action=AuditAction.DELETE).count() == 1


def test_delete_refuses_an_object_with_history(admin_client, group):
    admin_client.post(url("edit", group.pk), {"name": "support", "comment": "changed"})
    page = admin_client.get(url("delete", group.pk))
    assert "invalidate it instead" in page.content.decode()
    admin_client.post(url("delete", group.pk))
    assert Group.objects.filter(pk=group.pk).exists()


def test_import_previews_then_imports(admin_client, roles, settings):
    upload = _csv_upload("name;comment\nsupport-2;erste\nnetwork;zweite\n".encode("cp932"))
    preview = admin_client.post(url("import"), {"file": upload})
    body = preview.content.decode()
    assert "2 to create" in body
    assert not Group.objects.filter(name="network").exists()

    token = preview.context["token"]
    done = admin_client.post(url("import"), {"confirm": "1", "token": token})
    assert done.status_code == 302
    assert Group.objects.filter(name__in=["support-2", "network"]).count() == 2

    again = admin_client.post(url("import"), {"confirm": "1", "token": token})
    assert "The preview has expired" in again.content.decode()


def test_import_reports_a_failing_service_and_imports_nothing(admin_client, roles):
    preview = admin_client.post(url("import"), {"file": _csv_upload(b"name\nfine\nboom\n")})
    response = admin_client.post(url("import"), {"confirm": "1", "token": preview.context["token"]})
    body = response.content.decode()
    assert "Line 3" in body
    assert "refused by the service" in body
    assert not Group.objects.filter(name="fine").exists()


def test_import_refuses_an_unreadable_file(admin_client, roles):
    response = admin_client.post(url("import"), {"file": _csv_upload(b"colour\nred\n")})
    assert "Unknown columns: colour" in response.content.decode()
    assert response.context["plan"] is None


def test_change_lines_render_updates_and_creations(admin_agent, roles):
    group = Group.objects.get(name="users")
    update = record_change(
        actor=admin_agent,
        instance=group,
        action=AuditAction.UPDATE,
        changes={"valid": [True, False], "group:admin": [[], ["ro", "rw"]]},
    )
    lines = [(line.field, line.old, line.new, line.paired) for line in change_lines(update)]
    assert lines == [("Valid", "yes", "no", True), ("group:admin", "—", "ro, rw", True)]
    creation = record_change(
        actor=admin_agent, instance=group, action=AuditAction.CREATE, changes={"name": "users"}
    )
    assert [(line.field, line.new, line.paired) for line in change_lines(creation)] == [
        ("Name", "users", False)
    ]


def test_apply_bootstrap_and_csv_safe():
    class SampleForm(forms.Form):
        name = forms.CharField()
        kind = forms.ChoiceField(choices=[("a", "A")])
        flag = forms.BooleanField(required=False)

    form = apply_bootstrap(SampleForm({"kind": "a"}))
    assert form.fields["name"].widget.attrs["class"] == "form-control is-invalid"
    assert form.fields["kind"].widget.attrs["class"] == "form-select"
    assert form.fields["flag"].widget.attrs["class"] == "form-check-input"
    assert csv_safe("+81 3") == "'+81 3"
    assert csv_safe(None) == ""
    assert csv_safe(5) == "5"


def _csv_upload(content: bytes, name: str = "data.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")
