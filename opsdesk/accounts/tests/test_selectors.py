import pytest

from opsdesk.accounts.models import AgentGroupPermission, RoleGroupPermission
from opsdesk.accounts.selectors import (
    agents_with_group_permission,
    group_names_with_permission,
    group_permissions,
    groups_with_permission,
    has_group_permission,
)
from opsdesk.accounts.tests.factories import AgentFactory, GroupFactory, RoleFactory

pytestmark = pytest.mark.django_db


def test_permission_is_the_union_of_direct_and_role_grants():
    group = GroupFactory(name="support")
    agent = AgentFactory()
    role = RoleFactory()
    AgentGroupPermission.objects.create(agent=agent, group=group, permission="note")
    RoleGroupPermission.objects.create(role=role, group=group, permission="ro")
    agent.roles.add(role)

    assert group_permissions(agent)["support"] == {"note", "ro"}
    assert has_group_permission(agent, "ro", group)
    assert has_group_permission(agent, "note", "support")
    assert not has_group_permission(agent, "priority", "support")


def test_rw_implies_every_other_permission():
    group = GroupFactory(name="support")
    agent = AgentFactory()
    AgentGroupPermission.objects.create(agent=agent, group=group, permission="rw")
    for key in ("ro", "move_into", "create", "note", "owner", "priority", "rw"):
        assert has_group_permission(agent, key, group)


def test_invalid_roles_and_groups_grant_nothing():
    valid_group, invalid_group = GroupFactory(), GroupFactory(valid=False)
    invalid_role = RoleFactory(valid=False)
    agent = AgentFactory()
    agent.roles.add(invalid_role)
    RoleGroupPermission.objects.create(role=invalid_role, group=valid_group, permission="rw")
    AgentGroupPermission.objects.create(agent=agent, group=invalid_group, permission="rw")
    assert group_permissions(agent) == {}


def test_groups_with_permission_lists_groups_per_permission():
    first, second, _third = (
        GroupFactory(name="g1"),
        GroupFactory(name="g2"),
        GroupFactory(name="g3"),
    )
    agent = AgentFactory()
    role = RoleFactory()
    agent.roles.add(role)
    AgentGroupPermission.objects.create(agent=agent, group=first, permission="ro")
    RoleGroupPermission.objects.create(role=role, group=second, permission="rw")
    assert group_names_with_permission(agent, "ro") == {"g1", "g2"}
    assert set(groups_with_permission(agent, "priority")) == {second}


def test_answers_are_cached_on_the_agent(django_assert_num_queries):
    group = GroupFactory()
    agent = AgentFactory()
    AgentGroupPermission.objects.create(agent=agent, group=group, permission="ro")
    with django_assert_num_queries(2):  # direct grants + role grants, once
        for _ in range(5):
            has_group_permission(agent, "ro", group)
            group_names_with_permission(agent, "note")


def test_superuser_holds_everything_on_valid_groups():
    group = GroupFactory()
    agent = AgentFactory(is_superuser=True)
    assert has_group_permission(agent, "priority", group)


def test_agents_with_group_permission_counts_roles_and_direct_grants():
    group = GroupFactory()
    direct, via_role, neither = AgentFactory(), AgentFactory(), AgentFactory()
    inactive = AgentFactory(is_active=False)
    role = RoleFactory()
    via_role.roles.add(role)
    inactive.roles.add(role)
    AgentGroupPermission.objects.create(agent=direct, group=group, permission="owner")
    RoleGroupPermission.objects.create(role=role, group=group, permission="rw")
    assert set(agents_with_group_permission("owner", group)) == {direct, via_role}
    assert neither not in agents_with_group_permission("owner", group)


def test_default_roles_follow_the_manual(roles):
    admin = AgentFactory()
    admin.roles.add(roles["itsm_admin"])
    viewer = AgentFactory()
    viewer.roles.add(roles["itsm_viewer"])
    assert has_group_permission(admin, "rw", "admin")
    assert has_group_permission(viewer, "ro", "users")
    assert not has_group_permission(viewer, "note", "users")
    assert not has_group_permission(viewer, "ro", "admin")
