"""The generic link model's registry and services (opsdesk/core/links.py), with two small object
types made for the test (groups and roles of the accounts area) beside the registered tickets:
possible links, canonical storage, replacing, cycles, visibility, callbacks, events, move."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from opsdesk.accounts.models import Group, Role
from opsdesk.accounts.tests.factories import AgentFactory, GroupFactory, RoleFactory
from opsdesk.core import links
from opsdesk.core.events import capture_events
from opsdesk.core.links import LinkableType, Relation
from opsdesk.core.models import Link, LinkType

pytestmark = pytest.mark.django_db

calls: list[tuple] = []


def record(kind):
    def callback(obj, *, other, link_type, relation, actor, actor_label):
        calls.append((kind, obj.name, other.name, relation, actor_label))

    return callback


def visible_groups(agent):
    """The test's rule: agents see groups whose name does not start with "secret"."""
    return Group.objects.exclude(name__startswith="secret")


GROUPS = LinkableType(
    key="test_group",
    label="Group",
    plural_label="Groups",
    model=Group,
    label_of=lambda group: group.name,
    url_of=lambda group: f"/groups/{group.pk}/",
    visible_to=visible_groups,
    can_link=lambda agent, group: not group.name.startswith("readonly"),
    search=lambda agent, text, limit: list(
        visible_groups(agent).filter(name__contains=text)[:limit]
    ),
    possible_links={"test_group": (LinkType.NORMAL, LinkType.PARENT_CHILD)},
    on_linked=record("linked"),
    on_unlinked=record("unlinked"),
)
ROLES = LinkableType(
    key="test_role",
    label="Role",
    plural_label="Roles",
    model=Role,
    label_of=lambda role: role.name,
    url_of=lambda role: f"/roles/{role.pk}/",
    visible_to=lambda agent: Role.objects.all(),
    can_link=lambda agent, role: True,
    search=lambda agent, text, limit: [],
    api_field="name",
    possible_links={"test_group": (LinkType.NORMAL,)},  # the other side need not declare it
)


@pytest.fixture(autouse=True)
def test_types():
    calls.clear()
    links.register_object_type(GROUPS)
    links.register_object_type(ROLES)
    yield
    links.unregister_object_type("test_group")
    links.unregister_object_type("test_role")


@pytest.fixture
def agent(db):
    return AgentFactory()


def make(*names):
    return [GroupFactory(name=name) for name in names]


# Registry -----------------------------------------------------------------------------------------


def test_the_registry_knows_types_and_possible_links():
    assert [item.key for item in links.object_types()][:1] == ["ticket"]
    assert links.object_type("test_group") is GROUPS
    assert links.allowed_link_types("test_group", "test_role") == (LinkType.NORMAL,)
    assert links.allowed_link_types("test_role", "test_group") == (LinkType.NORMAL,)
    assert links.allowed_link_types("test_role", "test_role") == ()
    assert links.allowed_link_types("ticket", "ticket") == (LinkType.NORMAL, LinkType.PARENT_CHILD)
    assert links.allowed_link_types("ticket", "test_group") == ()
    assert [item.key for item in links.linkable_types_for("test_role")] == ["test_group"]
    with pytest.raises(ValidationError, match="not a type of object"):
        links.object_type("spaceship")


def test_object_key_and_api_keys(agent):
    (group,) = make("ops")
    role = RoleFactory(name="auditor")
    assert links.object_key(group) == ("test_group", group.pk)
    assert GROUPS.api_key(group) == str(group.pk)
    assert GROUPS.from_api_key(str(group.pk)) == group
    assert GROUPS.from_api_key("x") is None
    assert ROLES.api_key(role) == "auditor"
    assert ROLES.from_api_key("auditor", agent=agent) == role
    with pytest.raises(ValidationError, match="cannot be linked"):
        links.object_key(agent)  # agents are not registered


# Adding and removing ------------------------------------------------------------------------------


def test_normal_links_are_stored_once_whatever_the_direction(agent):
    first, second = make("a", "b")
    link = links.add_link(actor=agent, source=second, target=first, link_type=LinkType.NORMAL)
    assert (link.source_id, link.target_id) == (first.pk, second.pk)
    same = links.add_link(actor=agent, source=first, target=second, link_type=LinkType.NORMAL)
    assert same.pk == link.pk
    assert Link.objects.count() == 1
    assert calls == [
        ("linked", "a", "b", Relation.NORMAL, ""),
        ("linked", "b", "a", Relation.NORMAL, ""),
    ]


def test_replacing_a_link_counts_as_removal_and_addition(agent):
    first, second = make("a", "b")
    links.add_link(actor=agent, source=first, target=second, link_type=LinkType.NORMAL)
    calls.clear()
    with capture_events() as events:
        link = links.add_link(
            actor=agent,
            source=second,
            target=first,
            link_type=LinkType.PARENT_CHILD,
            actor_label="test",
        )
    assert (link.source_id, link.target_id, link.link_type) == (
        second.pk,
        first.pk,
        LinkType.PARENT_CHILD,
    )
    assert [event.name for event in events] == ["LinkDelete", "LinkAdd"]
    assert calls == [
        ("unlinked", "a", "b", Relation.NORMAL, "test"),
        ("unlinked", "b", "a", Relation.NORMAL, "test"),
        ("linked", "b", "a", Relation.CHILD, "test"),
        ("linked", "a", "b", Relation.PARENT, "test"),
    ]


def test_refusals(agent):
    first, second = make("a", "b")
    role = RoleFactory()
    with pytest.raises(ValidationError, match="itself"):
        links.add_link(actor=agent, source=first, target=first, link_type=LinkType.NORMAL)
    with pytest.raises(ValidationError) as refused:
        links.add_link(actor=agent, source=first, target=role, link_type=LinkType.PARENT_CHILD)
    assert "link_type" in refused.value.error_dict
    with pytest.raises(ValidationError):
        links.add_link(actor=agent, source=first, target=second, link_type="sibling")
    with pytest.raises(ValidationError, match="cannot be linked"):
        links.add_link(actor=agent, source=first, target=agent, link_type=LinkType.NORMAL)
    (readonly,) = make("readonly-x")
    with pytest.raises(PermissionDenied):
        links.add_link(actor=agent, source=readonly, target=first, link_type=LinkType.NORMAL)
    assert not Link.objects.exists()
    assert calls == []


def test_cycles_are_refused_across_generations(agent):
    a, b, c, d = make("a", "b", "c", "d")
    for parent, child in ((a, b), (b, c), (c, d)):
        links.add_link(actor=agent, source=parent, target=child, link_type=LinkType.PARENT_CHILD)
    with pytest.raises(ValidationError, match="cannot become its child"):
        links.add_link(actor=agent, source=d, target=a, link_type=LinkType.PARENT_CHILD)
    assert links.ancestors(("test_group", d.pk)) == {
        ("test_group", a.pk),
        ("test_group", b.pk),
        ("test_group", c.pk),
    }
    # a second parent is fine (a diamond is no cycle)
    links.add_link(actor=agent, source=a, target=d, link_type=LinkType.PARENT_CHILD)


def test_remove_link_needs_permission_on_both_ends(agent):
    first, readonly = make("a", "readonly-b")
    link = links.add_link(actor=None, source=first, target=readonly, link_type=LinkType.NORMAL)
    with pytest.raises(PermissionDenied):
        links.remove_link(actor=agent, link=link)
    links.remove_link(actor=None, link=link)
    assert not Link.objects.exists()


def test_a_link_whose_other_end_is_gone_can_still_be_removed(agent):
    first, second = make("a", "b")
    link = links.add_link(actor=agent, source=first, target=second, link_type=LinkType.NORMAL)
    Group.objects.filter(pk=second.pk).delete()
    assert links.links_of(first, agent=agent) == []
    calls.clear()
    links.remove_link(actor=agent, link=link)
    assert not Link.objects.exists()
    assert calls == []  # no history on a side that no longer exists


# Reading ------------------------------------------------------------------------------------------


def test_links_of_groups_by_type_and_relation_and_hides_what_the_agent_may_not_see(
    agent, django_assert_num_queries
):
    me, parent, child, peer, secret = make("me", "parent", "child", "peer", "secret-1")
    role = RoleFactory(name="auditor")
    links.add_link(actor=None, source=parent, target=me, link_type=LinkType.PARENT_CHILD)
    links.add_link(actor=None, source=me, target=child, link_type=LinkType.PARENT_CHILD)
    links.add_link(actor=None, source=me, target=peer, link_type=LinkType.NORMAL)
    links.add_link(actor=None, source=me, target=secret, link_type=LinkType.NORMAL)
    links.add_link(actor=None, source=role, target=me, link_type=LinkType.NORMAL)
    with django_assert_num_queries(3):  # links, groups, roles
        groups = links.links_of(me, agent=agent)
    shown = [
        (group.object_type.key, group.relation, [item.label for item in group.items])
        for group in groups
    ]
    assert shown == [
        ("test_group", "parent", ["parent"]),
        ("test_group", "child", ["child"]),
        ("test_group", "normal", ["peer"]),
        ("test_role", "normal", ["auditor"]),
    ]
    assert groups[0].relation_label == "Parent"
    assert groups[0].items[0].url == f"/groups/{parent.pk}/"
    everything = links.links_of(me, agent=None)  # system view: the secret group too
    assert sum(len(group.items) for group in everything) == 5


def test_move_links(agent):
    old, new, x, y, z = make("old", "new", "x", "y", "z")
    links.add_link(actor=None, source=x, target=old, link_type=LinkType.PARENT_CHILD)
    links.add_link(actor=None, source=old, target=y, link_type=LinkType.NORMAL)
    links.add_link(actor=None, source=new, target=y, link_type=LinkType.NORMAL)  # duplicate
    links.add_link(actor=None, source=old, target=new, link_type=LinkType.PARENT_CHILD)  # self
    links.add_link(actor=None, source=new, target=z, link_type=LinkType.PARENT_CHILD)
    links.add_link(actor=None, source=old, target=z, link_type=LinkType.NORMAL)  # duplicate too
    assert links.move_links(old, new, actor=agent) == 1
    assert not Link.objects.filter(links.links_query("test_group", old.pk)).exists()
    kept = {(item.relation, item.label) for item in links.linked_objects(new, agent=agent)}
    assert kept == {(Relation.PARENT, "x"), (Relation.NORMAL, "y"), (Relation.CHILD, "z")}
    assert links.move_links(new, new, actor=agent) == 0


def test_move_links_drops_a_link_that_would_close_a_cycle(agent):
    old, new, x = make("old", "new", "x")
    links.add_link(actor=None, source=new, target=x, link_type=LinkType.PARENT_CHILD)
    links.add_link(actor=None, source=x, target=old, link_type=LinkType.PARENT_CHILD)
    links.move_links(old, new, actor=agent)
    assert list(Link.objects.values_list("source_id", "target_id")) == [(new.pk, x.pk)]


# API with another object type ---------------------------------------------------------------------


def test_the_api_links_objects_of_other_types(agent):
    (group,) = make("ops")
    role = RoleFactory(name="auditor")
    client = APIClient()
    client.force_authenticate(agent)
    response = client.post(
        "/api/v1/links/",
        {
            "source": {"type": "test_role", "key": "auditor"},
            "target": {"type": "test_group", "key": str(group.pk)},
            "link_type": "normal",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    listed = client.get("/api/v1/links/", {"object": "test_role:auditor"}).json()
    assert [(item["relation"], item["object"]["label"]) for item in listed] == [("normal", "ops")]
    assert Link.objects.get().source_type in {"test_group", "test_role"}
    assert role.pk
