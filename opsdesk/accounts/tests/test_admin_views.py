"""Admin screens of agents, groups and roles, and the audit log page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from opsdesk.accounts.models import Agent, Group, Role
from opsdesk.accounts.selectors import has_group_permission
from opsdesk.accounts.services import set_agent_group_permissions, update_group
from opsdesk.accounts.tests.factories import PASSWORD, AgentFactory, GroupFactory, RoleFactory
from opsdesk.core.models import AuditAction, AuditLogEntry
from opsdesk.core.services import history_of

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "lantern-Orchid-4417"


@pytest.fixture
def world(roles, plain_agent):
    """One object of each kind for the screens that show an object."""
    return {
        "agent": plain_agent,
        "group": Group.objects.get(name="users"),
        "role": roles["itsm_user"],
    }


SCREENS = [
    ("agent_list", None),
    ("agent_add", None),
    ("agent_import", None),
    ("agent_detail", "agent"),
    ("agent_edit", "agent"),
    ("group_list", None),
    ("group_add", None),
    ("group_detail", "group"),
    ("group_edit", "group"),
    ("group_permissions", "group"),
    ("role_list", None),
    ("role_add", None),
    ("role_detail", "role"),
    ("role_edit", "role"),
    ("role_permissions", "role"),
    ("role_members", "role"),
]


def screen_url(name, kind, world):
    return reverse(f"accounts_admin:{name}", args=[world[kind].pk] if kind else [])


@pytest.mark.parametrize("name, kind", SCREENS)
def test_admin_screens_need_rw_on_admin(name, kind, world, client, make_agent, admin_agent):
    url = screen_url(name, kind, world)

    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))

    client.force_login(world["agent"])  # no role at all
    assert client.get(url).status_code == 403
    client.force_login(make_agent("itsm_manager"))  # everything but Admin
    assert client.get(url).status_code == 403

    client.force_login(admin_agent)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("kind", ["agent", "group", "role"])
def test_invalidate_needs_rw_on_admin(kind, world, client, make_agent):
    target = world[kind] if kind != "group" else GroupFactory()
    url = reverse(f"accounts_admin:{kind}_invalidate", args=[target.pk])
    assert client.post(url).status_code == 302
    client.force_login(make_agent("itsm_manager"))
    assert client.post(url).status_code == 403
    target.refresh_from_db()
    assert getattr(target, "is_active" if kind == "agent" else "valid")


# Agents -----------------------------------------------------------------------------------------


def agent_form(**overrides):
    data = {
        "title": "Ms",
        "first_name": "Hanako",
        "last_name": "Yamada",
        "login": "hyamada",
        "email": "hanako@example.com",
        "phone": "03-1234-5678",
        "mobile": "",
        "new_password": GOOD_PASSWORD,
        "language": "ja",
        "time_zone": "Asia/Tokyo",
        "is_active": "on",
        "roles": [],
        "out_of_office_start": "",
        "out_of_office_end": "",
        "out_of_office_note": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_add_agent_through_the_ui(admin_client, admin_agent, roles):
    response = admin_client.post(
        reverse("accounts_admin:agent_add"),
        agent_form(roles=[roles["itsm_user"].pk, roles["itsm_viewer"].pk]),
    )
    agent = Agent.objects.get(login="hyamada")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts_admin:agent_detail", args=[agent.pk])
    assert (agent.first_name, agent.last_name, agent.email) == (
        "Hanako",
        "Yamada",
        "hanako@example.com",
    )
    assert (agent.language, agent.time_zone, agent.is_active) == ("ja", "Asia/Tokyo", True)
    assert set(agent.roles.values_list("name", flat=True)) == {"itsm_user", "itsm_viewer"}
    assert agent.check_password(GOOD_PASSWORD)
    assert agent.created_by == admin_agent
    entry = history_of(agent).get()
    assert entry.action == AuditAction.CREATE
    assert entry.actor == admin_agent
    assert entry.changes["roles"] == ["itsm_user", "itsm_viewer"]
    assert "password" not in entry.changes


def test_add_agent_requires_a_good_password_and_a_free_login(admin_client, roles):
    AgentFactory(login="taken", email="taken@example.com")
    response = admin_client.post(
        reverse("accounts_admin:agent_add"),
        agent_form(login="TAKEN", email="Taken@example.com", new_password="12345678"),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "new_password" in form.errors
    assert "This password is entirely numeric." in response.content.decode()
    assert "An agent with this login already exists." in str(form.errors)
    assert "An agent with this email address already exists." in str(form.errors)
    assert not Agent.objects.filter(login="TAKEN").exists()

    missing = admin_client.post(reverse("accounts_admin:agent_add"), agent_form(new_password=""))
    assert "new_password" in missing.context["form"].errors


def test_out_of_office_needs_both_days_in_order(admin_client, roles):
    response = admin_client.post(
        reverse("accounts_admin:agent_add"),
        agent_form(out_of_office_start="2025-05-10", out_of_office_end="2025-05-01"),
    )
    assert "out_of_office_end" in response.context["form"].errors
    response = admin_client.post(
        reverse("accounts_admin:agent_add"), agent_form(out_of_office_start="2025-05-10")
    )
    assert "out_of_office_end" in response.context["form"].errors


def test_edit_agent_keeps_the_password_when_left_empty(admin_client, admin_agent, roles):
    agent = AgentFactory(login="tsato", first_name="Taro", last_name="Sato", email="t@example.com")
    agent.roles.add(roles["itsm_viewer"])
    response = admin_client.post(
        reverse("accounts_admin:agent_edit", args=[agent.pk]),
        agent_form(
            login="tsato",
            first_name="Taro",
            last_name="Satou",
            email="t@example.com",
            new_password="",
            roles=[roles["itsm_user"].pk],
            out_of_office_start="2025-08-11",
            out_of_office_end="2025-08-15",
            out_of_office_note="Obon",
        ),
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.last_name == "Satou"
    assert agent.check_password(PASSWORD)
    assert list(agent.roles.values_list("name", flat=True)) == ["itsm_user"]
    assert str(agent.out_of_office_end) == "2025-08-15"
    entry = history_of(agent).get()
    assert entry.action == AuditAction.UPDATE
    assert entry.actor == admin_agent
    assert entry.changes["last_name"] == ["Sato", "Satou"]
    assert entry.changes["roles"] == [["itsm_viewer"], ["itsm_user"]]
    assert "password" not in entry.changes


def test_edit_agent_changes_the_password(admin_client, roles):
    agent = AgentFactory(login="pw", first_name="P", last_name="W", email="pw@example.com")
    admin_client.post(
        reverse("accounts_admin:agent_edit", args=[agent.pk]),
        agent_form(login="pw", first_name="P", last_name="W", email="pw@example.com"),
    )
    agent.refresh_from_db()
    assert agent.check_password(GOOD_PASSWORD)
    assert history_of(agent).get().changes["password"] == ["***", "***"]


def test_editing_valid_back_on_reactivates_a_locked_out_agent(admin_client, roles):
    agent = AgentFactory(login="locked", email="locked@example.com")
    Agent.objects.filter(pk=agent.pk).update(is_active=False, failed_login_count=10)
    admin_client.post(
        reverse("accounts_admin:agent_edit", args=[agent.pk]),
        agent_form(
            login="locked",
            first_name=agent.first_name,
            last_name=agent.last_name,
            email="locked@example.com",
            new_password="",
        ),
    )
    agent.refresh_from_db()
    assert agent.is_active
    assert agent.failed_login_count == 0


def test_agent_detail_shows_fields_and_history(admin_client, admin_agent, roles):
    admin_client.post(reverse("accounts_admin:agent_add"), agent_form())
    agent = Agent.objects.get(login="hyamada")
    body = admin_client.get(
        reverse("accounts_admin:agent_detail", args=[agent.pk])
    ).content.decode()
    assert "hanako@example.com" in body
    assert "Asia/Tokyo" in body
    assert 'data-testid="history"' in body
    assert "Created" in body or "created" in body


def test_invalidate_agent(admin_client, admin_agent, world):
    agent = world["agent"]
    response = admin_client.post(reverse("accounts_admin:agent_invalidate", args=[agent.pk]))
    assert response["Location"] == reverse("accounts_admin:agent_detail", args=[agent.pk])
    agent.refresh_from_db()
    assert not agent.is_active
    entry = history_of(agent).get()
    assert (entry.action, entry.actor, entry.changes) == (
        AuditAction.INVALIDATE,
        admin_agent,
        {"is_active": [True, False]},
    )
    assert Agent.objects.filter(pk=agent.pk).exists()


def test_an_administrator_cannot_invalidate_themselves(admin_client, admin_agent):
    response = admin_client.post(
        reverse("accounts_admin:agent_invalidate", args=[admin_agent.pk]), follow=True
    )
    assert "You cannot invalidate your own account." in response.content.decode()
    admin_agent.refresh_from_db()
    assert admin_agent.is_active


def test_agent_list_filters_and_searches(admin_client, roles):
    viewer = AgentFactory(login="viewer1", first_name="Kenji")
    viewer.roles.add(roles["itsm_viewer"])
    AgentFactory(login="gone", is_active=False)
    url = reverse("accounts_admin:agent_list")

    by_role = admin_client.get(url, {"role": roles["itsm_viewer"].pk})
    assert [row.record.login for row in by_role.context["table"].paginated_rows] == ["viewer1"]
    invalid = admin_client.get(url, {"valid": "false"})
    assert [row.record.login for row in invalid.context["table"].paginated_rows] == ["gone"]
    search = admin_client.get(url, {"q": "kenji"})
    assert [row.record.login for row in search.context["table"].paginated_rows] == ["viewer1"]
    body = admin_client.get(url).content.decode()
    assert "itsm_viewer" in body
    assert reverse("accounts_admin:agent_add") in body


def test_agent_list_uses_the_page_size_preference(admin_client, admin_agent, roles):
    AgentFactory.create_batch(12)
    admin_agent.page_size = 10
    admin_agent.save()
    response = admin_client.get(reverse("accounts_admin:agent_list"))
    assert len(response.context["table"].paginated_rows) == 10
    assert "?page=2" in response.content.decode()


def test_agent_list_query_count_is_pinned(admin_client, roles, django_assert_max_num_queries):
    url = reverse("accounts_admin:agent_list")
    for count in (3, 40):
        for agent in AgentFactory.create_batch(count):
            agent.roles.add(roles["itsm_user"], roles["itsm_viewer"])
        with django_assert_max_num_queries(11):
            admin_client.get(url)
        with django_assert_max_num_queries(11):
            admin_client.get(url, {"export": "csv"})


def test_agent_csv_export(admin_client, roles):
    agent = AgentFactory(
        login="yamada",
        first_name="太郎",
        last_name="山田",
        email="yamada@example.com",
        phone="+81 3",
    )
    agent.roles.add(roles["itsm_user"], roles["itsm_viewer"])
    AgentFactory(login="other")
    response = admin_client.get(
        reverse("accounts_admin:agent_list"), {"q": "山田", "export": "csv"}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="agents.csv"' in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.content.decode("utf-8-sig").splitlines() == [
        "login,first_name,last_name,email,title,phone,mobile,language,roles,valid",
        "yamada,太郎,山田,yamada@example.com,,'+81 3,,en,itsm_user|itsm_viewer,yes",
    ]


# Agent CSV import -------------------------------------------------------------------------------


def upload(text: str, encoding: str = "utf-8-sig"):
    return SimpleUploadedFile("agents.csv", text.encode(encoding), content_type="text/csv")


def preview(client, text, encoding="utf-8-sig"):
    return client.post(reverse("accounts_admin:agent_import"), {"file": upload(text, encoding)})


def confirm(client, response):
    return client.post(
        reverse("accounts_admin:agent_import"), {"confirm": "1", "token": response.context["token"]}
    )


HEADER = "login,first_name,last_name,email,title,phone,mobile,language,roles,valid\n"


def test_import_with_bad_rows_reports_their_lines_and_imports_nothing(admin_client, roles):
    AgentFactory(login="existing", email="existing@example.com")
    text = (
        HEADER
        + "alice,Alice,Able,alice@example.com,,,,en,itsm_user,yes\n"
        + "bob,Bob,Baker,not-an-email,,,,en,,yes\n"
        + "carol,Carol,Cook,carol@example.com,,,,en,itsm_wizard,yes\n"
        + "ALICE,Alice,Again,alice2@example.com,,,,en,,yes\n"
        + "dave,Dave,Dunn,EXISTING@example.com,,,,en,,yes\n"
    )
    response = preview(admin_client, text)
    body = response.content.decode()
    errors = [(error.line, error.message) for error in response.context["plan"].errors]
    assert [line for line, _ in errors] == [3, 4, 5, 6]
    assert "Enter a valid email address." in errors[0][1]
    assert "Unknown role: itsm_wizard." in errors[1][1]
    assert "also on line 2" in errors[2][1]
    assert "“existing” already uses this email address" in errors[3][1]
    assert "Line 3" in body
    assert 'name="confirm"' not in body

    # Even a forced confirmation imports nothing.
    admin_client.post(
        reverse("accounts_admin:agent_import"), {"confirm": "1", "token": response.context["token"]}
    )
    assert not Agent.objects.filter(login__in=["alice", "bob", "carol", "dave"]).exists()


def test_good_import_creates_agents_with_roles(admin_client, admin_agent, roles):
    text = (
        HEADER
        + "alice,Alice,Able,alice@example.com,Dr,03-1,090-1,ja,itsm_user|itsm_viewer,yes\n"
        + "bob,Bob,Baker,bob@example.com,,,,,,no\n"
    )
    response = preview(admin_client, text)
    assert response.context["plan"].ok
    assert "2 to create" in response.content.decode()
    assert not Agent.objects.filter(login="alice").exists()

    done = confirm(admin_client, response)
    assert done.status_code == 302
    alice = Agent.objects.get(login="alice")
    assert (alice.title, alice.phone, alice.mobile, alice.language) == ("Dr", "03-1", "090-1", "ja")
    assert set(alice.roles.values_list("name", flat=True)) == {"itsm_user", "itsm_viewer"}
    assert not alice.has_usable_password()
    bob = Agent.objects.get(login="bob")
    assert (bob.is_active, bob.language, bob.roles.count()) == (False, "en", 0)
    assert history_of(alice).get().actor == admin_agent
    follow = admin_client.get(done["Location"])
    assert "2 created" in follow.content.decode()


def test_import_updates_existing_agents_by_login(admin_client, roles):
    agent = AgentFactory(login="alice", first_name="Alice", last_name="Old", email="a@example.com")
    agent.roles.add(roles["itsm_viewer"])
    text = "login;first_name;last_name;email;roles\nALICE;Alice;New;a@example.com;itsm_user\n"
    response = preview(admin_client, text)
    plan = response.context["plan"]
    assert [row.changes for row in plan.rows] == [
        {"last_name": ["Old", "New"], "roles": ["itsm_viewer", "itsm_user"]}
    ]
    confirm(admin_client, response)
    agent.refresh_from_db()
    assert agent.last_name == "New"
    assert list(agent.roles.values_list("name", flat=True)) == ["itsm_user"]
    assert agent.title == ""  # a column left out of the file keeps its value


def test_shift_jis_import(admin_client, roles):
    text = (
        "login,first_name,last_name,email,roles\r\n"
        "tanaka,一郎,田中,tanaka@example.jp,itsm_viewer\r\n"
        "suzuki,花子,鈴木,suzuki@example.jp,\r\n"
    )
    response = preview(admin_client, text, encoding="cp932")
    assert response.context["plan"].ok
    assert "田中" in response.content.decode()
    confirm(admin_client, response)
    tanaka = Agent.objects.get(login="tanaka")
    assert (tanaka.first_name, tanaka.last_name) == ("一郎", "田中")
    assert list(tanaka.roles.values_list("name", flat=True)) == ["itsm_viewer"]
    assert Agent.objects.get(login="suzuki").last_name == "鈴木"


def test_export_then_import_changes_nothing(admin_client, roles):
    agent = AgentFactory(login="round", phone="+81 3 0000", title="=1+1")
    agent.roles.add(roles["itsm_user"])
    exported = admin_client.get(reverse("accounts_admin:agent_list"), {"export": "csv"})
    response = admin_client.post(
        reverse("accounts_admin:agent_import"),
        {"file": SimpleUploadedFile("agents.csv", exported.content, content_type="text/csv")},
    )
    plan = response.context["plan"]
    assert plan.ok
    assert {row.action for row in plan.rows} == {"unchanged"}


# Groups -----------------------------------------------------------------------------------------


def test_add_and_edit_a_group(admin_client, admin_agent, roles):
    admin_client.post(
        reverse("accounts_admin:group_add"), {"name": "network", "comment": "LAN", "valid": "on"}
    )
    group = Group.objects.get(name="network")
    assert group.created_by == admin_agent
    admin_client.post(
        reverse("accounts_admin:group_edit", args=[group.pk]),
        {"name": "network", "comment": "LAN and WAN", "valid": "on"},
    )
    group.refresh_from_db()
    assert group.comment == "LAN and WAN"
    assert [entry.action for entry in history_of(group)] == [AuditAction.UPDATE, AuditAction.CREATE]


def test_default_groups_keep_their_names(admin_client, roles):
    users = Group.objects.get(name="users")
    response = admin_client.post(
        reverse("accounts_admin:group_edit", args=[users.pk]), {"name": "people", "valid": "on"}
    )
    assert response.status_code == 200
    assert "cannot be renamed" in str(response.context["form"].errors["name"])
    assert Group.objects.filter(name="users").exists()


def test_invalidate_group_but_never_admin(admin_client, roles):
    group = GroupFactory(name="old-team")
    admin_client.post(reverse("accounts_admin:group_invalidate", args=[group.pk]))
    group.refresh_from_db()
    assert not group.valid
    admin = Group.objects.get(name="admin")
    admin_client.post(reverse("accounts_admin:group_invalidate", args=[admin.pk]))
    admin.refresh_from_db()
    assert admin.valid


def test_group_detail_shows_who_holds_which_permission(admin_client, roles, world):
    group = GroupFactory(name="network")
    set_agent_group_permissions(agent=world["agent"], group=group, permissions=["ro", "note"])
    role = RoleFactory(name="netops")
    role.agents.add(AgentFactory(login="netperson", first_name="Net", last_name="Person"))
    from opsdesk.accounts.services import set_role_group_permissions

    set_role_group_permissions(role=role, group=group, permissions=["rw"])
    body = admin_client.get(
        reverse("accounts_admin:group_detail", args=[group.pk])
    ).content.decode()
    assert "netops" in body
    assert "read and write" in body
    assert "Net Person" in body
    assert world["agent"].login in body
    assert "read only, note" in body


def test_group_permission_matrix_changes_grants(admin_client, admin_agent, roles, world):
    group = GroupFactory(name="network")
    agent, role = world["agent"], RoleFactory(name="netops")
    member = AgentFactory(login="member")
    member.roles.add(role)
    url = reverse("accounts_admin:group_permissions", args=[group.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert f'name="agent_{agent.pk}"' in page.content.decode()

    response = admin_client.post(
        url, {f"agent_{agent.pk}": ["ro", "move_into"], f"role_{role.pk}": ["rw"]}
    )
    assert response["Location"] == reverse("accounts_admin:group_detail", args=[group.pk])
    assert has_group_permission(Agent.objects.get(pk=agent.pk), "move_into", group)
    assert not has_group_permission(Agent.objects.get(pk=agent.pk), "note", group)
    assert has_group_permission(Agent.objects.get(pk=member.pk), "priority", group)
    assert history_of(agent).get().changes == {"group:network": [[], ["move_into", "ro"]]}

    # Unticking everything removes the grants again.
    admin_client.post(url, {})
    assert not has_group_permission(Agent.objects.get(pk=agent.pk), "ro", group)
    assert not has_group_permission(Agent.objects.get(pk=member.pk), "ro", group)


def test_group_permission_matrix_refuses_unknown_keys(admin_client, roles, world):
    group = GroupFactory()
    response = admin_client.post(
        reverse("accounts_admin:group_permissions", args=[group.pk]),
        {f"agent_{world['agent'].pk}": ["fly"]},
    )
    assert response.status_code == 200
    assert not has_group_permission(world["agent"], "ro", group)


# Roles ------------------------------------------------------------------------------------------


def test_add_edit_and_invalidate_a_role(admin_client, admin_agent, roles):
    admin_client.post(
        reverse("accounts_admin:role_add"),
        {"name": "night", "comment": "night shift", "valid": "on"},
    )
    role = Role.objects.get(name="night")
    admin_client.post(
        reverse("accounts_admin:role_edit", args=[role.pk]),
        {"name": "night-shift", "comment": "night shift", "valid": "on"},
    )
    role.refresh_from_db()
    assert role.name == "night-shift"
    admin_client.post(reverse("accounts_admin:role_invalidate", args=[role.pk]))
    role.refresh_from_db()
    assert not role.valid
    assert [entry.action for entry in history_of(role)] == [
        AuditAction.INVALIDATE,
        AuditAction.UPDATE,
        AuditAction.CREATE,
    ]


def test_role_permission_matrix_changes_grants(admin_client, roles):
    role = RoleFactory(name="netops")
    agent = AgentFactory()
    agent.roles.add(role)
    network, faq = GroupFactory(name="network"), Group.objects.get(name="faq")
    url = reverse("accounts_admin:role_permissions", args=[role.pk])
    assert admin_client.get(url).status_code == 200
    admin_client.post(url, {f"group_{network.pk}": ["ro", "create"], f"group_{faq.pk}": ["rw"]})
    agent = Agent.objects.get(pk=agent.pk)
    assert has_group_permission(agent, "create", network)
    assert not has_group_permission(agent, "note", network)
    assert has_group_permission(agent, "note", faq)
    body = admin_client.get(reverse("accounts_admin:role_detail", args=[role.pk])).content.decode()
    assert "read only, create" in body


def test_role_members_page_sets_who_has_the_role(admin_client, admin_agent, roles):
    role = RoleFactory(name="netops")
    first, second = AgentFactory(login="first"), AgentFactory(login="second")
    first.roles.add(role)
    url = reverse("accounts_admin:role_members", args=[role.pk])
    assert admin_client.get(url).status_code == 200
    admin_client.post(url, {"agents": [second.pk]})
    assert list(role.agents.values_list("login", flat=True)) == ["second"]
    assert history_of(role).get().changes == {"agents": [["first"], ["second"]]}


def test_role_list_counts_members_with_pinned_queries(
    admin_client, roles, django_assert_max_num_queries
):
    for role in RoleFactory.create_batch(20):
        role.agents.add(AgentFactory())
    with django_assert_max_num_queries(9):
        response = admin_client.get(reverse("accounts_admin:role_list"))
    assert "itsm_admin" in response.content.decode()


def test_group_list_query_count_is_pinned(admin_client, roles, django_assert_max_num_queries):
    GroupFactory.create_batch(30)
    with django_assert_max_num_queries(9):
        admin_client.get(reverse("accounts_admin:group_list"), {"valid": "true"})


def test_detail_query_counts_do_not_grow_with_grants_and_history(
    admin_client, admin_agent, roles, django_assert_max_num_queries
):
    group = GroupFactory(name="network")
    role = RoleFactory(name="netops")
    from opsdesk.accounts.services import set_role_group_permissions

    for number in range(10):
        agent = AgentFactory()
        agent.roles.add(role, roles["itsm_user"])
        set_agent_group_permissions(agent=agent, group=group, permissions=["ro"], actor=admin_agent)
        update_group(group=group, actor=admin_agent, comment=f"comment {number}")
    set_role_group_permissions(role=role, group=group, permissions=["rw"], actor=admin_agent)
    pins = [
        ("accounts_admin:agent_detail", agent.pk, 11),
        ("accounts_admin:group_detail", group.pk, 12),
        ("accounts_admin:role_detail", role.pk, 12),
        ("accounts_admin:group_permissions", group.pk, 12),
        ("accounts_admin:role_permissions", role.pk, 10),
    ]
    for name, pk, most in pins:
        with django_assert_max_num_queries(most):
            assert admin_client.get(reverse(name, args=[pk])).status_code == 200


# Audit log --------------------------------------------------------------------------------------


def test_audit_log_lists_changes_for_admins_only(client, admin_agent, plain_agent, roles):
    group = GroupFactory(name="network", comment="LAN")
    update_group(group=group, actor=admin_agent, comment="WAN")
    url = reverse("core:audit_log")

    assert client.get(url).status_code == 302
    client.force_login(plain_agent)
    assert client.get(url).status_code == 403

    client.force_login(admin_agent)
    body = client.get(url).content.decode()
    assert "network" in body
    assert "LAN → WAN" in body
    assert admin_agent.full_name in body


def test_audit_log_filters_by_object_type_and_actor(client, admin_agent, make_agent, roles):
    other_admin = make_agent("itsm_admin", login="admin2")
    group = GroupFactory(name="network")
    update_group(group=group, actor=admin_agent, comment="by first")
    update_group(group=group, actor=other_admin, comment="by second")
    set_agent_group_permissions(
        agent=other_admin, group=group, permissions=["ro"], actor=admin_agent
    )
    client.force_login(admin_agent)
    url = reverse("core:audit_log")

    by_actor = client.get(url, {"actor": other_admin.pk})
    assert [row.record.actor for row in by_actor.context["table"].paginated_rows] == [other_admin]

    agent_type = (
        AuditLogEntry.objects.filter(action=AuditAction.UPDATE)
        .exclude(object_repr="network")[0]
        .content_type
    )
    by_type = client.get(url, {"content_type": agent_type.pk})
    assert [row.record.object_repr for row in by_type.context["table"].paginated_rows] == [
        str(other_admin)
    ]


def test_audit_log_query_count_is_pinned(client, admin_agent, roles, django_assert_max_num_queries):
    client.force_login(admin_agent)
    for number in range(30):
        group = GroupFactory(name=f"team{number}")
        update_group(group=group, actor=admin_agent, comment=f"comment {number}")
    with django_assert_max_num_queries(11):
        response = client.get(reverse("core:audit_log"))
    assert response.status_code == 200
