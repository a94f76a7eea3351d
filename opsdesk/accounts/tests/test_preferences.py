"""Personal preferences (manual 1.3): User Profile, Miscellaneous, API tokens."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from opsdesk.accounts import services
from opsdesk.accounts.models import Agent, ApiToken
from opsdesk.accounts.tests.factories import PASSWORD
from opsdesk.core.models import AuditLogEntry

PROFILE_URL = "/accounts/preferences/profile/"
MISC_URL = "/accounts/preferences/misc/"
TOKENS_URL = "/accounts/preferences/api-tokens/"


@pytest.fixture
def agent(make_agent):
    return make_agent(
        "itsm_user",
        login="frank",
        first_name="Frank",
        last_name="Ocean",
        email="frank@example.com",
    )


@pytest.fixture
def frank(client, agent):
    client.force_login(agent)
    return client


def profile_data(**changes):
    data = {
        "section": "profile",
        "first_name": "Frank",
        "last_name": "Ocean",
        "email": "frank@example.com",
        "language": "en",
        "time_zone": "UTC",
        "out_of_office_start": "",
        "out_of_office_end": "",
        "out_of_office_note": "",
    }
    data.update(changes)
    return data


def stored(agent) -> Agent:
    return Agent.objects.get(pk=agent.pk)


# Who may open the pages.


@pytest.mark.parametrize(
    "name", ["accounts:profile", "accounts:preferences_misc", "accounts:api_tokens"]
)
def test_anonymous_visitors_are_sent_to_login(client, db, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"
    assert client.post(url, {}).status_code == 302


@pytest.mark.parametrize(
    "name", ["accounts:profile", "accounts:preferences_misc", "accounts:api_tokens"]
)
def test_any_agent_even_without_roles_may_open_them(client, plain_agent, name):
    client.force_login(plain_agent)
    assert client.get(reverse(name)).status_code == 200


def test_url_names_and_the_avatar_menu(frank):
    assert reverse("accounts:profile") == PROFILE_URL
    assert reverse("accounts:preferences_misc") == MISC_URL
    assert reverse("accounts:api_tokens") == TOKENS_URL
    response = frank.get(reverse("core:dashboard"))
    for url in (PROFILE_URL, MISC_URL, TOKENS_URL):
        assert f'href="{url}"' in response.text
    # Notification Settings arrive with a later issue.
    with pytest.raises(NoReverseMatch):
        reverse("accounts:notification_settings")


# User Profile.


def test_profile_shows_the_agents_data_and_initials(frank, agent):
    response = frank.get(PROFILE_URL)
    assert 'data-testid="avatar-initials" aria-hidden="true">FO</span>' in response.text
    assert 'value="frank@example.com"' in response.text
    assert '<option value="Asia/Tokyo">Asia/Tokyo</option>' in response.text


def test_profile_saves_name_email_zone_and_absence(frank, agent):
    response = frank.post(
        PROFILE_URL,
        profile_data(
            first_name="Francis",
            email="Francis@Example.COM",
            time_zone="Asia/Tokyo",
            out_of_office_start="2030-05-01",
            out_of_office_end="2030-05-03",
            out_of_office_note="Conference",
        ),
        follow=True,
    )
    assert response.redirect_chain[-1][0] == PROFILE_URL + "#profile"
    assert "Your profile has been saved." in response.text
    saved = stored(agent)
    assert saved.first_name == "Francis"
    assert saved.email == "Francis@example.com"
    assert saved.time_zone == "Asia/Tokyo"
    assert saved.out_of_office_start == datetime.date(2030, 5, 1)
    assert saved.out_of_office_end == datetime.date(2030, 5, 3)
    assert saved.out_of_office_note == "Conference"
    assert saved.changed_by == agent
    assert 'data-testid="avatar-initials" aria-hidden="true">FO</span>' in response.text

    entry = AuditLogEntry.objects.filter(object_id=str(agent.pk)).first()
    assert entry.actor == agent
    assert entry.changes["first_name"] == ["Frank", "Francis"]
    assert entry.changes["time_zone"] == ["UTC", "Asia/Tokyo"]


def test_profile_refuses_an_email_another_agent_has_whatever_the_case(frank, agent, make_agent):
    make_agent("itsm_user", login="grace", email="grace@example.com")
    response = frank.post(
        PROFILE_URL, profile_data(first_name="Changed", email="GRACE@example.com")
    )
    assert response.status_code == 200
    assert "An agent with this email address already exists." in response.text
    saved = stored(agent)
    assert saved.email == "frank@example.com"
    assert saved.first_name == "Frank"
    assert not AuditLogEntry.objects.filter(object_id=str(agent.pk)).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "Select a valid choice."),
        ({"language": "xx"}, "Select a valid choice."),
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"first_name": ""}, "This field is required."),
        (
            {"out_of_office_start": "2030-05-03", "out_of_office_end": "2030-05-01"},
            "The out-of-office period cannot end before it starts.",
        ),
        (
            {"out_of_office_start": "2030-05-03"},
            "Give both the first and the last day, or neither.",
        ),
    ],
)
def test_profile_bad_input_changes_nothing(frank, agent, changes, message):
    response = frank.post(PROFILE_URL, profile_data(last_name="Changed", **changes))
    assert response.status_code == 200
    assert message in response.text
    assert "is-invalid" in response.text
    saved = stored(agent)
    assert saved.last_name == "Ocean"
    assert saved.language == "en"
    assert saved.time_zone == "UTC"
    assert saved.out_of_office_start is None


def test_switching_to_japanese_persists_and_renders_the_profile_in_japanese(frank, agent):
    response = frank.post(PROFILE_URL, profile_data(language="ja"))
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "ja"
    assert stored(agent).language == "ja"

    response = frank.get(PROFILE_URL)
    assert '<html lang="ja">' in response.text
    # Also in a new session, whatever the browser asks for.
    other = Client(headers={"accept-language": "en"})
    other.force_login(stored(agent))
    assert '<html lang="ja">' in other.get(PROFILE_URL).text

    frank.post(PROFILE_URL, profile_data(language="en"))
    assert '<html lang="en">' in frank.get(PROFILE_URL).text


def test_profile_changes_only_the_signed_in_agent(frank, agent, make_agent):
    other = make_agent("itsm_user", login="henry", first_name="Henry")
    frank.post(PROFILE_URL, profile_data(first_name="Frankie", login="henry", pk=other.pk))
    assert stored(agent).first_name == "Frankie"
    assert stored(agent).login == "frank"
    assert stored(other).first_name == "Henry"


def test_update_profile_service_rejects_other_fields(agent):
    with pytest.raises(ValueError):
        services.update_profile(agent=agent, is_superuser=True)
    assert not stored(agent).is_superuser


def test_update_profile_service_leaves_the_object_alone_on_errors(agent):
    with pytest.raises(ValidationError) as error:
        services.update_profile(agent=agent, first_name="X", time_zone="Nowhere/City")
    assert error.value.message_dict == {"time_zone": ["Choose a time zone from the list."]}
    assert agent.first_name == "Frank"


# Password change.


def password_data(current=PASSWORD, new="Copper-kettle-93", again=None):
    return {
        "section": "password",
        "current_password": current,
        "new_password": new,
        "new_password_again": again or new,
    }


def test_password_change_keeps_this_session_and_ends_others(frank, agent):
    other = Client()
    other.force_login(agent)
    response = frank.post(PROFILE_URL, password_data(), follow=True)
    assert "Your password has been changed." in response.text
    assert stored(agent).check_password("Copper-kettle-93")
    assert frank.get(reverse("core:dashboard")).status_code == 200
    assert other.get(reverse("core:dashboard")).status_code == 302

    entry = AuditLogEntry.objects.filter(object_id=str(agent.pk)).first()
    assert entry.changes == {"password": ["***", "***"]}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (password_data(current="wrong-password"), "current_password", "entered incorrectly"),
        (password_data(new="12345678"), "new_password", "This password is too common."),
        (password_data(new="short"), "new_password", "This password is too short."),
        (password_data(again="Copper-kettle-94"), "new_password_again", "differ"),
    ],
)
def test_password_change_bad_input_changes_nothing(frank, agent, data, field, message):
    response = frank.post(PROFILE_URL, data)
    assert response.status_code == 200
    assert message in str(response.context["password_form"].errors[field])
    assert stored(agent).check_password(PASSWORD)
    assert frank.get(reverse("core:dashboard")).status_code == 200


# Miscellaneous.


def misc_data(**changes):
    data = {
        "page_size": "25",
        "refresh_interval": "0",
        "article_order": "asc",
        "start_view": "dashboard",
        "quote_on_reply": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_miscellaneous_preferences_are_saved(frank, agent):
    response = frank.get(MISC_URL)
    assert '<option value="35">35</option>' in response.text
    assert "15 minutes" in response.text

    response = frank.post(
        MISC_URL,
        misc_data(
            page_size="50",
            refresh_interval="120",
            article_order="desc",
            start_view="tickets",
            quote_on_reply=None,
        ),
        follow=True,
    )
    assert "Your preferences have been saved." in response.text
    saved = stored(agent)
    assert saved.page_size == 50
    assert saved.refresh_interval == 120
    assert saved.article_order == "desc"
    assert saved.start_view == "tickets"
    assert saved.quote_on_reply is False
    entry = AuditLogEntry.objects.filter(object_id=str(agent.pk)).first()
    assert entry.changes["page_size"] == ["25", "50"]  # as shown: the choice labels


@pytest.mark.parametrize(
    "changes",
    [
        {"page_size": "30"},
        {"refresh_interval": "45"},
        {"article_order": "sideways"},
        {"start_view": "admin"},
    ],
)
def test_miscellaneous_bad_input_changes_nothing(frank, agent, changes):
    data = misc_data(article_order="desc", quote_on_reply=None)
    data.update(changes)
    response = frank.post(MISC_URL, data)
    assert response.status_code == 200
    assert "Select a valid choice." in response.text
    saved = stored(agent)
    assert (saved.page_size, saved.article_order, saved.quote_on_reply) == (25, "asc", True)


def test_update_preferences_service_checks_the_choices(agent):
    with pytest.raises(ValidationError) as error:
        services.update_preferences(agent=agent, page_size=7)
    assert "page_size" in error.value.message_dict
    with pytest.raises(ValueError):
        services.update_preferences(agent=agent, email="x@example.com")


# API tokens.


def test_creating_a_token_shows_the_raw_value_exactly_once(frank, agent):
    response = frank.post(TOKENS_URL, {"name": "Monitoring", "expires_on": ""}, follow=True)
    assert response.redirect_chain[-1][0] == TOKENS_URL
    token = ApiToken.objects.get(agent=agent)
    raw = response.context["new_token"]["raw"]
    assert raw.startswith("odk_")
    assert raw in response.text
    assert token.token_hash == ApiToken.hash(raw)
    assert token.name == "Monitoring"
    assert token.expires_at is None
    assert f"{token.prefix}…" in response.text

    again = frank.get(TOKENS_URL)
    assert raw not in again.text
    assert "Monitoring" in again.text
    assert f"{token.prefix}…" in again.text


def test_a_token_with_an_expiry_day_stops_after_that_day(frank, agent):
    day = timezone.localdate() + datetime.timedelta(days=10)
    frank.post(TOKENS_URL, {"name": "CI", "expires_on": day.isoformat()})
    token = ApiToken.objects.get(agent=agent)
    assert timezone.localtime(token.expires_at).date() == day + datetime.timedelta(days=1)
    assert token.is_usable


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "   "}, "This field is required."),
        ({"name": "Old", "expires_on": "2000-01-01"}, "The day lies in the past."),
        ({"name": "Odd", "expires_on": "someday"}, "Enter a valid date."),
    ],
)
def test_bad_token_input_creates_nothing(frank, agent, data, message):
    response = frank.post(TOKENS_URL, data)
    assert response.status_code == 200
    assert message in response.text
    assert not ApiToken.objects.exists()


def test_revoking_a_token_keeps_it_listed_as_revoked(frank, agent):
    token, raw = services.create_api_token(agent=agent, name="Backup script")
    response = frank.post(reverse("accounts:api_token_revoke", args=[token.pk]), follow=True)
    assert "has been revoked" in response.text
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert not token.is_usable
    assert 'data-status="revoked"' in response.text
    assert "Backup script" in response.text


def test_revoke_needs_post(frank, agent):
    token, _raw = services.create_api_token(agent=agent, name="Keep")
    assert frank.get(reverse("accounts:api_token_revoke", args=[token.pk])).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_another_agents_token_is_not_found(frank, make_agent):
    other = make_agent("itsm_user", login="irene")
    token, _raw = services.create_api_token(agent=other, name="Irene's")
    response = frank.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "Irene&#x27;s" not in frank.get(TOKENS_URL).text


def test_token_list_shows_expired_tokens(frank, agent):
    token, _raw = services.create_api_token(
        agent=agent, name="Old", expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    response = frank.get(TOKENS_URL)
    assert 'data-status="expired"' in response.text


@pytest.mark.parametrize(("url", "queries"), [(TOKENS_URL, 8), (PROFILE_URL, 7), (MISC_URL, 7)])
def test_query_counts_are_pinned(frank, agent, django_assert_max_num_queries, url, queries):
    for number in range(15):
        services.create_api_token(agent=agent, name=f"token {number}")
    with django_assert_max_num_queries(queries):
        response = frank.get(url)
    assert response.status_code == 200
