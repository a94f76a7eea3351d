import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from opsdesk.accounts.models import (
    Agent,
    AgentGroupPermission,
    Group,
    Role,
    RoleGroupPermission,
)
from opsdesk.accounts.selectors import has_group_permission
from opsdesk.accounts.services import create_api_token
from opsdesk.accounts.tests.factories import AgentFactory, GroupFactory, RoleFactory
from opsdesk.core.models import AuditAction, AuditLogEntry

pytestmark = pytest.mark.django_db

NEW_AGENT = {
    "login": "carol",
    "first_name": "Carol",
    "last_name": "Clark",
    "email": "carol@example.com",
    "password": "a-long-unusual-passphrase-7",
    "roles": ["itsm_user"],
}


@pytest.fixture
def api(admin_agent):
    """An API client signed in as an administrator."""
    client = APIClient()
    client.force_authenticate(admin_agent)
    return client


def client_for(agent):
    client = APIClient()
    if agent is not None:
        client.force_authenticate(agent)
    return client


def fresh(agent):
    """The agent as stored now (the selectors cache answers on the object)."""
    return Agent.objects.get(pk=agent.pk)


# Permissions ---------------------------------------------------------------------------------


ADMIN_ENDPOINTS = [
    ("get", "api-v1:agent-list"),
    ("get", "api-v1:agent-detail"),
    ("post", "api-v1:agent-list"),
    ("patch", "api-v1:agent-detail"),
    ("delete", "api-v1:agent-detail"),
    ("post", "api-v1:agent-group-permissions"),
    ("get", "api-v1:group-list"),
    ("get", "api-v1:group-detail"),
    ("post", "api-v1:group-list"),
    ("get", "api-v1:role-list"),
    ("get", "api-v1:role-detail"),
    ("post", "api-v1:role-list"),
    ("post", "api-v1:role-group-permissions"),
]


def _url(name, *, agent, group, role):
    if name.startswith("api-v1:agent-") and not name.endswith("-list"):
        return reverse(name, args=[agent.pk])
    if name == "api-v1:group-detail":
        return reverse(name, args=[group.pk])
    if name.startswith("api-v1:role-") and not name.endswith("-list"):
        return reverse(name, args=[role.pk])
    return reverse(name)


@pytest.mark.parametrize(("method", "name"), ADMIN_ENDPOINTS)
def test_administration_endpoints_refuse_anonymous_callers_and_agents_without_admin(
    method, name, plain_agent, make_agent, roles
):
    target = make_agent("itsm_user", login="target")
    urls = {"agent": target, "group": Group.objects.get(name="users"), "role": roles["itsm_user"]}
    url = _url(name, **urls)

    anonymous = getattr(client_for(None), method)(url, {}, format="json")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Token"
    assert "detail" in anonymous.json()

    for agent in (plain_agent, make_agent("itsm_manager", login="manager")):
        refused = getattr(client_for(agent), method)(url, {}, format="json")
        assert refused.status_code == 403
        assert refused.json()["detail"]

    assert fresh(target).is_active


@pytest.mark.parametrize("name", ["agent", "group", "role"])
def test_administrators_list_and_show_agents_groups_and_roles(name, api, admin_agent, roles):
    objects = {
        "agent": admin_agent,
        "group": Group.objects.get(name="admin"),
        "role": roles["itsm_admin"],
    }
    listed = api.get(reverse(f"api-v1:{name}-list"))
    assert listed.status_code == 200
    assert listed.json()["count"] >= 1

    shown = api.get(reverse(f"api-v1:{name}-detail", args=[objects[name].pk]))
    assert shown.status_code == 200
    assert shown.json()["id"] == objects[name].pk


def test_superusers_are_administrators_without_any_role(db, roles):
    superuser = Agent.objects.create_superuser("root", "root@example.com", "x")
    superuser.roles.clear()
    assert client_for(superuser).get(reverse("api-v1:agent-list")).status_code == 200


def test_an_administrator_token_reaches_the_administration_endpoints(admin_agent, plain_agent):
    _, raw = create_api_token(agent=admin_agent, name="script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get(reverse("api-v1:agent-list")).status_code == 200

    _, raw = create_api_token(agent=plain_agent, name="script")
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get(reverse("api-v1:agent-list")).status_code == 403


# Agents ----------------------------------------------------------------------------------------


def test_an_administrator_creates_an_agent(api, admin_agent):
    response = api.post(reverse("api-v1:agent-list"), NEW_AGENT, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert "password" not in body
    assert body["login"] == "carol"
    assert body["roles"] == ["itsm_user"]
    assert body["valid"] is True
    agent = Agent.objects.get(login="carol")
    assert body["id"] == agent.pk
    assert agent.email == "carol@example.com"
    assert agent.check_password(NEW_AGENT["password"])
    assert [role.name for role in agent.roles.all()] == ["itsm_user"]
    assert agent.created_by == admin_agent
    assert has_group_permission(agent, "rw", "users")
    assert AuditLogEntry.objects.filter(
        action=AuditAction.CREATE, object_id=str(agent.pk), actor=admin_agent
    ).exists()


def test_an_agent_created_without_a_password_cannot_sign_in_with_one(api):
    data = {key: value for key, value in NEW_AGENT.items() if key != "password"}
    assert api.post(reverse("api-v1:agent-list"), data, format="json").status_code == 201
    assert not Agent.objects.get(login="carol").has_usable_password()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"login": "ADMIN1"}, "login"),  # logins are unique whatever their case
        ({"email": "Admin1@Example.com"}, "email"),
        ({"password": "12345678"}, "password"),
        ({"password": "carol@example.com"}, "password"),  # the same as the email address
        ({"roles": ["no_such_role"]}, "roles"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"language": "xx"}, "language"),
        (
            {"out_of_office_start": "2030-05-02", "out_of_office_end": "2030-05-01"},
            "out_of_office_end",
        ),
        ({"login": ""}, "login"),
    ],
)
def test_an_invalid_agent_is_refused_with_field_messages_and_nothing_is_created(
    api, admin_agent, change, field
):
    agents_before = Agent.objects.count()
    audit_before = AuditLogEntry.objects.count()

    response = api.post(reverse("api-v1:agent-list"), {**NEW_AGENT, **change}, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    messages = response.json()[field]
    assert messages and all(isinstance(message, str) and message for message in messages)
    assert Agent.objects.count() == agents_before
    assert AuditLogEntry.objects.count() == audit_before


def test_an_administrator_changes_an_agent(api, make_agent, roles):
    agent = make_agent("itsm_viewer", login="dave", first_name="Dave")
    url = reverse("api-v1:agent-detail", args=[agent.pk])

    response = api.patch(url, {"first_name": "David", "roles": ["itsm_manager"]}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["first_name"] == "David"
    assert response.json()["roles"] == ["itsm_manager"]
    stored = fresh(agent)
    assert stored.first_name == "David"
    assert [role.name for role in stored.roles.all()] == ["itsm_manager"]
    assert stored.login == "dave"  # untouched by a partial update


def test_a_full_update_replaces_the_fields_and_sets_a_new_password(api, make_agent):
    agent = make_agent("itsm_user", login="erin")
    data = {**NEW_AGENT, "login": "erin2", "email": "erin2@example.com", "roles": []}

    response = api.put(reverse("api-v1:agent-detail", args=[agent.pk]), data, format="json")

    assert response.status_code == 200, response.json()
    assert "password" not in response.json()
    stored = fresh(agent)
    assert (stored.login, stored.email) == ("erin2", "erin2@example.com")
    assert stored.roles.count() == 0
    assert stored.check_password(NEW_AGENT["password"])


def test_an_invalid_change_is_refused_and_changes_nothing(api, make_agent):
    agent = make_agent("itsm_user", login="frank", first_name="Frank")
    other = make_agent(None, login="grace")
    url = reverse("api-v1:agent-detail", args=[agent.pk])

    bad_email = api.patch(url, {"first_name": "Franz", "email": "nope"}, format="json")
    taken_login = api.patch(url, {"first_name": "Franz", "login": "GRACE"}, format="json")
    taken_email = api.patch(url, {"email": other.email.upper()}, format="json")

    assert bad_email.status_code == taken_login.status_code == taken_email.status_code == 400
    assert "email" in bad_email.json()
    assert "login" in taken_login.json()
    assert "email" in taken_email.json()
    stored = fresh(agent)
    assert (stored.first_name, stored.login, stored.email) == ("Frank", "frank", agent.email)


def test_the_api_never_shows_a_password_or_its_hash(api, admin_agent):
    listed = api.get(reverse("api-v1:agent-list")).content.decode()
    shown = api.get(reverse("api-v1:agent-detail", args=[admin_agent.pk])).content.decode()
    for text in (listed, shown):
        assert "password" not in text
        assert admin_agent.password not in text
        assert "totp_secret" not in text


def test_delete_invalidates_an_agent_and_keeps_the_row(api, make_agent, admin_agent):
    agent = make_agent("itsm_user", login="henry")
    _, raw = create_api_token(agent=agent, name="script")

    response = api.delete(reverse("api-v1:agent-detail", args=[agent.pk]))

    assert response.status_code == 200
    assert response.json()["valid"] is False
    stored = fresh(agent)
    assert stored.is_active is False
    assert stored.changed_by == admin_agent
    assert AuditLogEntry.objects.filter(
        action=AuditAction.INVALIDATE, object_id=str(agent.pk)
    ).exists()
    # The invalid agent's token no longer works.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get(reverse("api-v1:me")).status_code == 401
    # Re-validating is an ordinary update.
    url = reverse("api-v1:agent-detail", args=[agent.pk])
    assert api.patch(url, {"valid": True}, format="json").status_code == 200
    assert fresh(agent).is_active


def test_an_administrator_cannot_invalidate_themselves(api, admin_agent):
    response = api.delete(reverse("api-v1:agent-detail", args=[admin_agent.pk]))

    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    assert fresh(admin_agent).is_active


def test_setting_valid_to_false_by_patch_follows_the_rules_of_invalidation(
    api, admin_agent, make_agent
):
    myself = api.patch(
        reverse("api-v1:agent-detail", args=[admin_agent.pk]),
        {"valid": False, "first_name": "Changed"},
        format="json",
    )
    other = make_agent(None, login="quinn")
    invalidated = api.patch(
        reverse("api-v1:agent-detail", args=[other.pk]), {"valid": False}, format="json"
    )

    assert myself.status_code == 400
    assert (fresh(admin_agent).is_active, fresh(admin_agent).first_name) == (
        True,
        admin_agent.first_name,
    )
    assert invalidated.status_code == 200
    assert invalidated.json()["valid"] is False
    assert AuditLogEntry.objects.filter(
        action=AuditAction.INVALIDATE, object_id=str(other.pk)
    ).exists()


def test_the_agent_list_filters_by_validity_role_and_search(api, make_agent, admin_agent):
    make_agent("itsm_user", login="ivy", first_name="Ivy", last_name="Ito")
    make_agent("itsm_viewer", login="jack", first_name="Jack", email="jack@corp.example")
    make_agent("itsm_user", login="kim", is_active=False)
    url = reverse("api-v1:agent-list")

    def logins(**params):
        response = api.get(url, params)
        assert response.status_code == 200, response.json()
        return sorted(item["login"] for item in response.json()["results"])

    assert logins(valid="false") == ["kim"]
    assert logins(valid="true") == ["admin1", "ivy", "jack"]
    assert logins(role="itsm_user") == ["ivy", "kim"]
    assert logins(role=["itsm_user", "itsm_viewer"]) == ["ivy", "jack", "kim"]
    assert logins(q="IVY ITO") == ["ivy"]
    assert logins(q="corp.example") == ["jack"]
    assert logins(q="i", valid="true", role="itsm_user") == ["ivy"]

    unknown_role = api.get(url, {"role": "nope"})
    assert unknown_role.status_code == 400
    assert unknown_role.json()["role"]


def test_the_agent_list_is_paginated(api, make_agent):
    for number in range(5):
        make_agent(None, login=f"page{number}")
    response = api.get(reverse("api-v1:agent-list"), {"limit": 2, "offset": 2})
    body = response.json()
    assert body["count"] == 6
    assert len(body["results"]) == 2
    assert body["next"] and body["previous"]


def token_client(agent):
    """A client that signs every request with a personal API token, as scripts do."""
    _, raw = create_api_token(agent=agent, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def test_the_agent_list_needs_the_same_queries_for_few_and_many_agents(
    admin_agent, make_agent, roles, django_assert_max_num_queries
):
    client = token_client(admin_agent)
    users = Group.objects.get(name="users")
    url = reverse("api-v1:agent-list")

    def add_agents(count):
        for _ in range(count):
            agent = make_agent("itsm_user")
            agent.roles.add(roles["itsm_viewer"])
            AgentGroupPermission.objects.create(agent=agent, group=users, permission="note")

    add_agents(2)
    assert client.get(url).status_code == 200  # the first use of a token records it
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add_agents(20)
    # token, the caller's grants (direct, via roles), count, agents, their roles, their grants
    with django_assert_max_num_queries(7):
        response = client.get(url)
    assert len(response.json()["results"]) == 23
    assert len(few.captured_queries) == 7


def test_the_agent_shows_its_roles_and_direct_group_permissions(api, make_agent):
    agent = make_agent("itsm_viewer", login="lena")
    faq = Group.objects.get(name="faq")
    AgentGroupPermission.objects.create(agent=agent, group=faq, permission="note")
    AgentGroupPermission.objects.create(agent=agent, group=faq, permission="create")

    body = api.get(reverse("api-v1:agent-detail", args=[agent.pk])).json()

    assert body["roles"] == ["itsm_viewer"]
    assert body["group_permissions"] == [{"group": "faq", "permissions": ["create", "note"]}]


def test_the_group_permission_action_changes_what_the_agent_may_do(api, make_agent, admin_agent):
    agent = make_agent(None, login="mia")
    url = reverse("api-v1:agent-group-permissions", args=[agent.pk])
    assert not has_group_permission(fresh(agent), "note", "users")

    granted = api.post(url, {"group": "users", "permissions": ["ro", "note"]}, format="json")

    assert granted.status_code == 200, granted.json()
    assert granted.json()["group_permissions"] == [
        {"group": "users", "permissions": ["note", "ro"]}
    ]
    assert has_group_permission(fresh(agent), "note", "users")
    assert not has_group_permission(fresh(agent), "priority", "users")

    removed = api.post(url, {"group": "users", "permissions": []}, format="json")

    assert removed.status_code == 200
    assert removed.json()["group_permissions"] == []
    assert not has_group_permission(fresh(agent), "ro", "users")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"group": "users", "permissions": ["ro", "fly"]}, "permissions"),
        ({"group": "no-such-group", "permissions": ["ro"]}, "group"),
        ({"permissions": ["ro"]}, "group"),
        ({"group": "users"}, "permissions"),
    ],
)
def test_a_bad_group_permission_request_is_refused_and_changes_nothing(
    api, make_agent, data, field
):
    agent = make_agent(None, login="nina")
    AgentGroupPermission.objects.create(
        agent=agent, group=Group.objects.get(name="users"), permission="ro"
    )

    response = api.post(
        reverse("api-v1:agent-group-permissions", args=[agent.pk]), data, format="json"
    )

    assert response.status_code == 400
    assert response.json()[field]
    assert list(agent.group_permissions.values_list("permission", flat=True)) == ["ro"]


def test_an_unknown_agent_is_a_json_404(api):
    response = api.get(reverse("api-v1:agent-detail", args=[999999]))
    assert response.status_code == 404
    assert response.json()["detail"]


# Groups ----------------------------------------------------------------------------------------


def test_an_administrator_creates_changes_and_invalidates_a_group(api, admin_agent):
    created = api.post(
        reverse("api-v1:group-list"), {"name": "network", "comment": "Routers"}, format="json"
    )
    assert created.status_code == 201, created.json()
    group = Group.objects.get(name="network")
    assert group.created_by == admin_agent
    url = reverse("api-v1:group-detail", args=[group.pk])

    changed = api.patch(url, {"comment": "Routers and switches"}, format="json")
    assert changed.status_code == 200
    group.refresh_from_db()
    assert group.comment == "Routers and switches"

    invalidated = api.delete(url)
    assert invalidated.status_code == 200
    assert invalidated.json()["valid"] is False
    group.refresh_from_db()
    assert group.valid is False


def test_a_group_name_must_be_unique(api):
    response = api.post(reverse("api-v1:group-list"), {"name": "users"}, format="json")
    assert response.status_code == 400
    assert response.json()["name"]
    assert Group.objects.filter(name="users").count() == 1


def test_default_groups_keep_their_names_and_the_admin_group_stays_valid(api):
    admin = Group.objects.get(name="admin")
    url = reverse("api-v1:group-detail", args=[admin.pk])

    renamed = api.patch(url, {"name": "administrators"}, format="json")
    invalidated = api.delete(url)
    patched = api.patch(url, {"valid": False}, format="json")

    assert renamed.status_code == 400
    assert renamed.json()["name"]
    assert invalidated.status_code == patched.status_code == 400
    admin.refresh_from_db()
    assert (admin.name, admin.valid) == ("admin", True)


def test_invalidating_a_group_takes_its_permissions_away(api, make_agent):
    group = GroupFactory(name="lab")
    agent = make_agent(None, login="olga")
    AgentGroupPermission.objects.create(agent=agent, group=group, permission="rw")
    assert has_group_permission(fresh(agent), "ro", "lab")

    api.delete(reverse("api-v1:group-detail", args=[group.pk]))

    assert not has_group_permission(fresh(agent), "ro", "lab")
    assert AgentGroupPermission.objects.filter(agent=agent, group=group).exists()


def test_the_group_list_filters_by_validity_and_search(api):
    GroupFactory(name="network", comment="Routers")
    GroupFactory(name="old", valid=False)
    url = reverse("api-v1:group-list")

    invalid = api.get(url, {"valid": "false"}).json()["results"]
    found = api.get(url, {"q": "router"}).json()["results"]

    assert [item["name"] for item in invalid] == ["old"]
    assert [item["name"] for item in found] == ["network"]


# Roles -----------------------------------------------------------------------------------------


def test_an_administrator_creates_a_role_with_members(api, make_agent):
    agent = make_agent(None, login="paul")

    response = api.post(
        reverse("api-v1:role-list"),
        {"name": "night_shift", "comment": "Out of hours", "agents": ["PAUL"]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["agents"] == ["paul"]
    role = Role.objects.get(name="night_shift")
    assert list(role.agents.all()) == [agent]


def test_unknown_role_members_are_refused_and_nothing_is_created(api):
    response = api.post(
        reverse("api-v1:role-list"), {"name": "night_shift", "agents": ["ghost"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["agents"]
    assert not Role.objects.filter(name="night_shift").exists()


def test_changing_a_roles_members_and_permissions_changes_what_its_agents_may_do(api, make_agent):
    role = RoleFactory(name="shift")
    rita, sam = make_agent(None, login="rita"), make_agent(None, login="sam")
    role_url = reverse("api-v1:role-detail", args=[role.pk])

    members = api.patch(role_url, {"agents": ["rita", "sam"]}, format="json")
    assert members.status_code == 200, members.json()
    assert members.json()["agents"] == sorted(members.json()["agents"])

    granted = api.post(
        reverse("api-v1:role-group-permissions", args=[role.pk]),
        {"group": "stats", "permissions": ["ro"]},
        format="json",
    )
    assert granted.status_code == 200, granted.json()
    assert granted.json()["group_permissions"] == [{"group": "stats", "permissions": ["ro"]}]
    assert RoleGroupPermission.objects.filter(role=role, permission="ro").count() == 1
    assert has_group_permission(fresh(rita), "ro", "stats")
    assert has_group_permission(fresh(sam), "ro", "stats")

    api.patch(role_url, {"agents": ["rita"]}, format="json")
    assert not has_group_permission(fresh(sam), "ro", "stats")

    invalidated = api.delete(role_url)
    assert invalidated.status_code == 200
    assert Role.objects.get(pk=role.pk).valid is False
    assert not has_group_permission(fresh(rita), "ro", "stats")


def test_the_role_list_filters_by_agent(api, make_agent):
    make_agent("itsm_viewer", login="tom")
    response = api.get(reverse("api-v1:role-list"), {"agent": "TOM"})
    assert [item["name"] for item in response.json()["results"]] == ["itsm_viewer"]


def test_the_role_list_needs_no_query_per_role(
    admin_agent, make_agent, django_assert_max_num_queries
):
    client = token_client(admin_agent)
    for _ in range(5):
        make_agent("itsm_user")
    client.get(reverse("api-v1:role-list"))
    # token, the caller's grants (direct, via roles), count, roles, their agents, their grants
    with django_assert_max_num_queries(7):
        response = client.get(reverse("api-v1:role-list"))
    assert response.json()["count"] == 4
    members = {item["name"]: item["agents"] for item in response.json()["results"]}
    assert len(members["itsm_user"]) == 5


def test_the_group_list_needs_no_query_per_group(admin_agent, django_assert_max_num_queries):
    client = token_client(admin_agent)
    client.get(reverse("api-v1:group-list"))
    with django_assert_max_num_queries(5):
        response = client.get(reverse("api-v1:group-list"))
    assert response.json()["count"] == Group.objects.count()


# Me --------------------------------------------------------------------------------------------


def test_me_shows_any_agent_their_profile_and_effective_permissions(make_agent):
    agent = make_agent("itsm_viewer", login="uma")
    AgentGroupPermission.objects.create(
        agent=agent, group=Group.objects.get(name="stats"), permission="ro"
    )

    response = client_for(agent).get(reverse("api-v1:me"))

    assert response.status_code == 200
    body = response.json()
    assert body["login"] == "uma"
    assert body["roles"] == ["itsm_viewer"]
    assert body["is_admin"] is False
    assert "password" not in body
    assert {"group": "stats", "permissions": ["ro"]} in body["group_permissions"]
    assert {"group": "users", "permissions": ["ro"]} in body["group_permissions"]


def test_me_for_an_agent_without_roles_and_for_an_administrator(plain_agent, admin_agent):
    plain = client_for(plain_agent).get(reverse("api-v1:me")).json()
    admin = client_for(admin_agent).get(reverse("api-v1:me")).json()

    assert plain["group_permissions"] == []
    assert admin["is_admin"] is True
    assert {
        "group": "admin",
        "permissions": sorted(["create", "move_into", "note", "owner", "priority", "ro", "rw"]),
    } in admin["group_permissions"]


def test_me_refuses_anonymous_callers():
    assert client_for(None).get(reverse("api-v1:me")).status_code == 401


def test_me_is_read_only(plain_agent):
    response = client_for(plain_agent).patch(reverse("api-v1:me"), {"first_name": "X"})
    assert response.status_code == 405
    assert AgentFactory._meta.model.objects.get(pk=plain_agent.pk).first_name != "X"
