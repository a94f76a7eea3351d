"""Search templates (saved ticket searches): private or shared with a role, run, overwrite and
delete; only the owner changes a template, criteria are checked before they are stored."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from opsdesk.accounts.models import Group, Role
from opsdesk.tickets import search_services
from opsdesk.tickets.models import TicketSearchProfile

from .factories import TicketFactory, agent_with, grant

pytestmark = pytest.mark.django_db

SEARCH = reverse("tickets:search")


def searcher(queue, **fields):
    agent = agent_with(queue, "rw", **fields)
    return grant(agent, Group.objects.get_or_create(name="users")[0], "ro")


@pytest.fixture
def role(db):
    return Role.objects.create(name="Network team")


@pytest.fixture
def alice(queue, role):
    agent = searcher(queue, login="alice")
    agent.roles.add(role)
    return agent


@pytest.fixture
def bob(queue, role):
    agent = searcher(queue, login="bob")
    agent.roles.add(role)
    return agent


@pytest.fixture
def carol(queue):
    return searcher(queue, login="carol")  # without the role


# Services -----------------------------------------------------------------------------------------


def test_a_private_template_is_seen_by_its_owner_only(alice, bob):
    profile = search_services.save_search_profile(
        actor=alice, name="My VPN tickets", criteria={"title": ["vpn"], "page": ["3"]}
    )
    assert profile.criteria == {"title": ["vpn"]}
    assert list(search_services.search_profiles_for(alice)) == [profile]
    assert list(search_services.search_profiles_for(bob)) == []


def test_a_template_shared_with_a_role_is_seen_by_its_holders(alice, bob, carol, role):
    profile = search_services.save_search_profile(
        actor=alice, name="Network", criteria={"state": ["new", "open"]}, roles=[role]
    )
    assert list(search_services.search_profiles_for(bob)) == [profile]
    assert list(search_services.search_profiles_for(carol)) == []
    role.valid = False
    role.save()
    assert list(search_services.search_profiles_for(bob)) == []


def test_one_shares_only_with_own_roles_unless_administrator(carol, role, admin_agent):
    with pytest.raises(ValidationError) as refused:
        search_services.save_search_profile(
            actor=carol, name="x", criteria={"title": ["a"]}, roles=[role]
        )
    assert "roles" in refused.value.message_dict
    assert not TicketSearchProfile.objects.exists()
    shared = search_services.save_search_profile(
        actor=admin_agent, name="x", criteria={"title": ["a"]}, roles=[role]
    )
    assert list(shared.shared_with_roles.all()) == [role]


def test_names_are_unique_per_owner(alice, bob):
    search_services.save_search_profile(actor=alice, name="Mine", criteria={"title": ["a"]})
    with pytest.raises(ValidationError) as duplicate:
        search_services.save_search_profile(actor=alice, name="Mine", criteria={"title": ["b"]})
    assert duplicate.value.message_dict == {
        "name": ["You already have a search template with this name."]
    }
    search_services.save_search_profile(actor=bob, name="Mine", criteria={"title": ["c"]})
    replaced = search_services.save_search_profile(
        actor=alice, name="Mine", criteria={"title": ["d"]}, replace=True
    )
    assert replaced.criteria == {"title": ["d"]}
    assert TicketSearchProfile.objects.filter(owner=alice).count() == 1


@pytest.mark.parametrize(
    "criteria",
    [
        {"state": ["bogus"]},
        {"created_after": ["yesterday"]},
        {"fulltext": ['"unclosed']},
        {},
        {"page": ["2"]},
    ],
)
def test_bad_criteria_are_refused(alice, criteria):
    with pytest.raises(ValidationError) as refused:
        search_services.save_search_profile(actor=alice, name="bad", criteria=criteria)
    assert "criteria" in refused.value.message_dict
    assert not TicketSearchProfile.objects.exists()


def test_only_the_owner_changes_or_deletes(alice, bob, role):
    profile = search_services.save_search_profile(
        actor=alice, name="Shared", criteria={"title": ["a"]}, roles=[role]
    )
    with pytest.raises(PermissionDenied):
        search_services.update_search_profile(profile, actor=bob, criteria={"title": ["b"]})
    with pytest.raises(PermissionDenied):
        search_services.delete_search_profile(profile, actor=bob)
    search_services.update_search_profile(
        profile, actor=alice, name="Renamed", criteria={"title": ["b"]}, roles=[]
    )
    profile.refresh_from_db()
    assert (profile.name, profile.criteria) == ("Renamed", {"title": ["b"]})
    assert list(search_services.search_profiles_for(bob)) == []
    search_services.delete_search_profile(profile, actor=alice)
    assert not TicketSearchProfile.objects.exists()


# Screens ------------------------------------------------------------------------------------------


def test_save_run_overwrite_and_delete_on_the_screen(alice, client, queue):
    TicketFactory(queue=queue, title="VPN one")
    TicketFactory(queue=queue, title="VPN two")
    client.force_login(alice)
    page = client.get(SEARCH, {"title": "vpn"}).content.decode()
    assert 'data-testid="save-template"' in page

    saved = client.post(
        reverse("tickets:search_profile_save"), {"name": "VPN", "query": "title=vpn"}
    )
    profile = TicketSearchProfile.objects.get(owner=alice)
    assert saved["Location"] == f"{SEARCH}?title=vpn&profile={profile.pk}"
    assert profile.criteria == {"title": ["vpn"]}

    listed = client.get(SEARCH).content.decode()
    assert 'data-testid="search-template"' in listed and ">VPN</a>" in listed

    run = client.get(reverse("tickets:search_profile_run", args=[profile.pk]))
    assert run["Location"] == f"{SEARCH}?title=vpn&profile={profile.pk}"
    assert 'data-testid="ticket-table"' in client.get(run["Location"]).content.decode()

    client.post(
        reverse("tickets:search_profile_overwrite", args=[profile.pk]), {"query": "title=mail"}
    )
    profile.refresh_from_db()
    assert profile.criteria == {"title": ["mail"]}

    client.post(reverse("tickets:search_profile_delete", args=[profile.pk]))
    assert not TicketSearchProfile.objects.exists()


def test_a_bad_save_changes_nothing_and_says_why(alice, client):
    client.force_login(alice)
    response = client.post(
        reverse("tickets:search_profile_save"), {"name": "Bad", "query": "state=bogus"}, follow=True
    )
    assert "There is no state “bogus”." in response.content.decode()
    assert not TicketSearchProfile.objects.exists()


def test_shared_templates_are_read_only_and_others_are_not_found(alice, bob, carol, client, role):
    shared = search_services.save_search_profile(
        actor=alice, name="Shared", criteria={"title": ["a"]}, roles=[role]
    )
    private = search_services.save_search_profile(
        actor=alice, name="Private", criteria={"title": ["a"]}
    )
    client.force_login(bob)
    page = client.get(SEARCH, {"title": "a"}).content.decode()
    assert "Shared by" in page and "Private" not in page
    assert 'data-testid="delete-template"' not in page
    assert client.get(reverse("tickets:search_profile_run", args=[shared.pk])).status_code == 302
    delete = reverse("tickets:search_profile_delete", args=[shared.pk])
    assert client.post(delete).status_code == 403
    overwrite = reverse("tickets:search_profile_overwrite", args=[shared.pk])
    assert client.post(overwrite, {"query": "title=b"}).status_code == 403
    assert client.get(reverse("tickets:search_profile_run", args=[private.pk])).status_code == 404
    assert (
        client.post(reverse("tickets:search_profile_delete", args=[private.pk])).status_code == 404
    )
    client.force_login(carol)
    assert client.get(reverse("tickets:search_profile_run", args=[shared.pk])).status_code == 404
    shared.refresh_from_db()
    assert shared.criteria == {"title": ["a"]}
