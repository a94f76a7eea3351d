"""Signing in and out (accounts.md "Log in / log out", manual 1.2.1)."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from opsdesk.accounts.choices import StartView
from opsdesk.accounts.tests.factories import PASSWORD

LOGIN_URL = "/accounts/login/"
WRONG_LOGIN = "Login failed: wrong login or password, or the account is invalid."


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def sign_in(client, username, password=PASSWORD, follow=False, **extra):
    data = {"username": username, "password": password, **extra}
    return client.post(LOGIN_URL, data, follow=follow)


@pytest.fixture
def alice(make_agent):
    return make_agent("itsm_user", login="Alice", email="alice.smith@example.com")


def test_login_page_shows_the_form_and_the_lost_password_link(client, db):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert 'name="username"' in response.text
    assert reverse("accounts:password_reset") in response.text


@pytest.mark.parametrize("username", ["Alice", "alice", "ALICE"])
def test_login_with_login_is_case_insensitive(client, alice, username):
    response = sign_in(client, username)
    assert response.status_code == 302
    assert response.url == reverse("core:dashboard")
    assert signed_in(client)
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_login_with_email_ignores_case_and_opens_the_dashboard(client, alice):
    response = sign_in(client, "Alice.Smith@EXAMPLE.com", follow=True)
    assert response.redirect_chain[-1][0] == reverse("core:dashboard")
    assert response.status_code == 200
    assert f"Welcome, {alice.first_name}" in response.text
    alice.refresh_from_db()
    assert alice.last_login is not None


def test_login_sets_the_language_cookie_of_the_agent(client, make_agent):
    make_agent("itsm_user", login="hanako", language="ja")
    response = sign_in(client, "hanako")
    assert response.cookies["django_language"].value == "ja"


def test_wrong_password_shows_a_message_and_starts_no_session(client, alice):
    response = sign_in(client, "alice", "not-the-password")
    assert response.status_code == 200
    assert WRONG_LOGIN in response.text
    assert not signed_in(client)


def test_unknown_login_gets_the_same_message(client, db):
    response = sign_in(client, "nobody-here", "whatever-123")
    assert response.status_code == 200
    assert WRONG_LOGIN in response.text
    assert not signed_in(client)


def test_invalid_agent_cannot_sign_in_even_with_the_right_password(client, make_agent):
    make_agent("itsm_user", login="gone", is_active=False)
    response = sign_in(client, "gone")
    assert WRONG_LOGIN in response.text
    assert not signed_in(client)


def test_signed_in_agent_visiting_the_login_page_goes_to_the_start_page(client, alice):
    client.force_login(alice)
    response = client.get(LOGIN_URL)
    assert response.status_code == 302
    assert response.url == reverse("core:dashboard")


def test_view_after_login_preference_opens_tickets(client, make_agent):
    make_agent("itsm_user", login="ticketeer", start_view=StartView.TICKETS)
    response = sign_in(client, "ticketeer")
    assert response.url == reverse("core:area_tickets")


def test_view_after_login_falls_back_to_dashboard_without_ticket_access(client, make_agent):
    make_agent(None, login="noaccess", start_view=StartView.TICKETS)
    response = sign_in(client, "noaccess")
    assert response.url == reverse("core:dashboard")


# The next parameter.


def test_next_on_the_same_host_is_honoured(client, alice):
    target = reverse("core:search") + "?q=printer"
    response = client.post(
        f"{LOGIN_URL}?next={target}", {"username": "alice", "password": PASSWORD}
    )
    assert response.url == target


def test_next_in_the_form_is_honoured(client, alice):
    response = sign_in(client, "alice", next=reverse("core:area_tickets"))
    assert response.url == reverse("core:area_tickets")


@pytest.mark.parametrize(
    "target",
    ["https://evil.example.com/", "//evil.example.com/x", "http://testserver.evil.com/"],
)
def test_next_to_another_host_is_ignored(client, alice, target):
    response = sign_in(client, "alice", next=target)
    assert response.status_code == 302
    assert response.url == reverse("core:dashboard")


def test_login_page_keeps_a_safe_next_in_the_form_only(client, db):
    response = client.get(LOGIN_URL, {"next": "https://evil.example.com/"})
    assert '<input type="hidden" name="next" value="">' in response.text
    response = client.get(LOGIN_URL, {"next": "/search/"})
    assert 'value="/search/"' in response.text


def test_anonymous_visitor_is_sent_to_login_with_next(client, db):
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 302
    assert response.url == f"{LOGIN_URL}?next=/"


# Logging out.


def test_logout_needs_post(client, alice):
    client.force_login(alice)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert signed_in(client)


def test_logout_ends_the_session(client, alice):
    sign_in(client, "alice")
    response = client.post(reverse("accounts:logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:login")
    assert "You have been logged out." in response.text
    assert not signed_in(client)
    assert client.get(reverse("core:dashboard")).status_code == 302


def test_log_out_everywhere_ends_the_other_sessions_too(client, alice):
    other = Client()
    sign_in(client, "alice")
    sign_in(other, "alice")
    assert other.get(reverse("core:dashboard")).status_code == 200

    response = client.post(reverse("accounts:logout_everywhere"), follow=True)
    assert "You have been logged out on every device." in response.text
    assert not signed_in(client)

    response = other.get(reverse("core:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN_URL)
    alice.refresh_from_db()
    assert alice.session_generation == 1

    # Signing in again afterwards works as usual.
    sign_in(other, "alice")
    assert other.get(reverse("core:dashboard")).status_code == 200


def test_log_out_everywhere_needs_a_signed_in_agent_and_post(client, alice):
    assert client.post(reverse("accounts:logout_everywhere")).status_code == 302
    client.force_login(alice)
    assert client.get(reverse("accounts:logout_everywhere")).status_code == 405


# Idle session expiry.


def test_session_cookie_lives_for_the_idle_timeout_and_is_renewed_each_request(client, alice):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    response = sign_in(client, "alice")
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE
    response = client.get(reverse("core:dashboard"))
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE


def test_idle_timeout_is_configurable(client, alice, settings):
    settings.SESSION_COOKIE_AGE = 600
    client.force_login(alice)
    response = client.get(reverse("core:dashboard"))
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 600
    assert 599 <= client.session.get_expiry_age() <= 600
