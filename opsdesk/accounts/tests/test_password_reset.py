"""The lost-password flow (accounts.md "Log in / log out", manual 1.2.1)."""

import re
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from opsdesk.accounts import services
from opsdesk.accounts.models import Agent
from opsdesk.accounts.tests.factories import PASSWORD
from opsdesk.core.models import AuditLogEntry

REQUEST_URL = "/accounts/password/reset/"
DONE_URL = "/accounts/password/reset/sent/"
SAME_ANSWER = "If an account with that login or email address exists, we have sent it an email"
INVALID_LINK = "This password reset link is invalid or has expired"
NEW_PASSWORD = "Lantern-orbit-57"


@pytest.fixture(autouse=True)
def forget_request_counts():
    cache.clear()  # the per-address counter lives in the cache
    yield
    cache.clear()


@pytest.fixture
def erin(make_agent):
    return make_agent("itsm_user", login="erin", email="erin.jones@example.com")


def reset_link(mail) -> str:
    match = re.search(r"http://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)", mail.body)
    assert match, mail.body
    return match.group(1)


def open_link_and_set(client, link, password=NEW_PASSWORD, again=None):
    """Follow the mailed link (which redirects to a token-free URL) and submit the form."""
    response = client.get(link)
    assert response.status_code == 302
    form_url = response.url
    assert form_url.endswith("/set-password/")
    return client.post(form_url, {"new_password1": password, "new_password2": again or password})


def sign_in(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_names_resolve_under_accounts_password():
    assert reverse("accounts:password_reset") == REQUEST_URL
    assert reverse("accounts:password_reset_done") == DONE_URL
    assert reverse("accounts:password_reset_complete") == "/accounts/password/reset/complete/"
    assert (
        reverse("accounts:password_reset_confirm", args=["MQ", "abc-123"])
        == "/accounts/password/reset/MQ/abc-123/"
    )


def test_password_reset_end_to_end(client, erin, mailoutbox):
    login_page = client.get(reverse("accounts:login"))
    assert REQUEST_URL in login_page.text
    assert "Lost your password?" in login_page.text

    assert client.get(REQUEST_URL).status_code == 200
    response = client.post(REQUEST_URL, {"username": "ERIN"}, follow=True)
    assert response.redirect_chain[-1][0] == DONE_URL
    assert SAME_ANSWER in response.text
    assert "The link works for 60 minutes" in response.text

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["erin.jones@example.com"]
    assert mail.subject == "Reset your OpsDesk password"
    assert "Your login is: erin" in mail.body
    link = reset_link(mail)

    response = open_link_and_set(client, link)
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_complete")
    response = client.get(response.url)
    assert "Your new password is set." in response.text

    # The new password works, the old one does not.
    other = Client()
    assert sign_in(other, "erin", PASSWORD).status_code == 200
    response = sign_in(other, "erin", NEW_PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("core:dashboard")

    # The link works only once.
    assert INVALID_LINK in Client().get(link).text

    entry = AuditLogEntry.objects.filter(object_id=str(erin.pk)).first()
    assert entry.changes == {"password": ["***", "***"]}
    assert NEW_PASSWORD not in str(entry.changes)


def test_request_by_email_ignores_case(client, erin, mailoutbox):
    client.post(REQUEST_URL, {"username": "Erin.Jones@EXAMPLE.COM"})
    assert [mail.to for mail in mailoutbox] == [["erin.jones@example.com"]]


def test_unknown_account_gets_the_same_answer_and_no_mail(client, erin, mailoutbox):
    known = client.post(REQUEST_URL, {"username": "erin"}, follow=True)
    unknown = client.post(REQUEST_URL, {"username": "nobody@example.com"}, follow=True)
    assert unknown.redirect_chain == known.redirect_chain == [(DONE_URL, 302)]
    assert SAME_ANSWER in unknown.text
    assert len(mailoutbox) == 1


def test_invalid_agent_gets_the_same_answer_and_no_mail(client, make_agent, mailoutbox):
    make_agent("itsm_user", login="former", is_active=False)
    response = client.post(REQUEST_URL, {"username": "former"})
    assert response.url == DONE_URL
    assert mailoutbox == []


def test_empty_request_shows_a_field_error(client, db, mailoutbox):
    response = client.post(REQUEST_URL, {"username": ""})
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert mailoutbox == []


def test_expired_link_is_refused(client, erin, mailoutbox):
    client.post(REQUEST_URL, {"username": "erin"})
    link = reset_link(mailoutbox[0])
    later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    with mock.patch(
        "django.contrib.auth.tokens.PasswordResetTokenGenerator._now", return_value=later
    ):
        response = client.get(link)
    assert response.status_code == 200
    assert INVALID_LINK in response.text
    assert reverse("accounts:password_reset") in response.text


def test_link_still_works_just_before_it_expires(client, erin, mailoutbox):
    client.post(REQUEST_URL, {"username": "erin"})
    link = reset_link(mailoutbox[0])
    later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT - 60)
    with mock.patch(
        "django.contrib.auth.tokens.PasswordResetTokenGenerator._now", return_value=later
    ):
        assert client.get(link).status_code == 302


@pytest.mark.parametrize(
    "link",
    [
        "/accounts/password/reset/MQ/not-a-token/",
        "/accounts/password/reset/zzzz/abc-def/",
        "/accounts/password/reset/MQ/set-password/",
    ],
)
def test_invalid_link_shows_a_clear_message(client, erin, link):
    response = client.get(link)
    assert response.status_code == 200
    assert INVALID_LINK in response.text


def test_weak_password_is_refused_by_the_validators(client, erin, mailoutbox):
    client.post(REQUEST_URL, {"username": "erin"})
    response = open_link_and_set(client, reset_link(mailoutbox[0]), password="12345678")
    assert response.status_code == 200
    assert "This password is too common." in response.text
    response = client.post(
        response.request["PATH_INFO"], {"new_password1": NEW_PASSWORD, "new_password2": "other"}
    )
    assert response.status_code == 200
    erin.refresh_from_db()
    assert erin.check_password(PASSWORD)


def test_reset_clears_the_lockout_and_ends_other_sessions(client, erin, mailoutbox):
    other = Client()
    other.force_login(erin)
    assert other.get(reverse("core:dashboard")).status_code == 200
    Agent.objects.filter(pk=erin.pk).update(
        failed_login_count=5,
        last_failed_login_at=timezone.now(),
        locked_until=timezone.now() + timedelta(seconds=60),
    )

    client.post(REQUEST_URL, {"username": "erin"})
    open_link_and_set(client, reset_link(mailoutbox[0]))

    erin.refresh_from_db()
    assert erin.failed_login_count == 0
    assert erin.locked_until is None
    assert erin.session_generation == 1
    assert other.get(reverse("core:dashboard")).status_code == 302
    assert sign_in(Client(), "erin", NEW_PASSWORD).status_code == 302


def test_reset_never_reactivates_a_deactivated_agent(erin):
    Agent.objects.filter(pk=erin.pk).update(is_active=False, failed_login_count=10)
    erin.refresh_from_db()
    services.reset_password(agent=erin, new_password=NEW_PASSWORD)
    erin.refresh_from_db()
    assert not erin.is_active
    assert erin.failed_login_count == 10
    assert erin.check_password(NEW_PASSWORD)


def test_link_of_an_agent_deactivated_meanwhile_is_invalid(client, erin, mailoutbox):
    client.post(REQUEST_URL, {"username": "erin"})
    Agent.objects.filter(pk=erin.pk).update(is_active=False)
    assert INVALID_LINK in client.get(reset_link(mailoutbox[0])).text


def test_mail_is_written_in_the_agents_language(client, make_agent, mailoutbox):
    make_agent("itsm_user", login="hanako", language="ja")
    languages = []
    real_render = services.render_to_string

    def render(*args, **kwargs):
        languages.append(translation.get_language())
        return real_render(*args, **kwargs)

    with mock.patch("opsdesk.accounts.services.render_to_string", side_effect=render):
        client.post(REQUEST_URL, {"username": "hanako"})
    assert languages == ["ja", "ja"]
    assert len(mailoutbox) == 1


def test_requests_are_throttled_per_address(client, erin, mailoutbox, settings):
    settings.PASSWORD_RESET_MAX_PER_ADDRESS = 2
    for _attempt in range(2):
        assert client.post(REQUEST_URL, {"username": "erin"}).status_code == 302
    response = client.post(REQUEST_URL, {"username": "erin"})
    assert response.status_code == 200
    assert "Too many password reset requests from your address." in response.text
    assert len(mailoutbox) == 2

    # Another address is not affected.
    other = Client(REMOTE_ADDR="192.0.2.9")
    assert other.post(REQUEST_URL, {"username": "erin"}).status_code == 302
    assert len(mailoutbox) == 3
