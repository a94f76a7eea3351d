"""Optional TOTP two-factor authentication per agent, enforceable for admins (accounts.md)."""

import datetime

import pyotp
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from opsdesk.accounts import services
from opsdesk.accounts.models import Agent
from opsdesk.accounts.preferences_views import PENDING_TOTP_SECRET_KEY
from opsdesk.accounts.tests.factories import PASSWORD
from opsdesk.core.models import AuditLogEntry

LOGIN_URL = "/accounts/login/"
PROFILE_URL = "/accounts/preferences/profile/"


def wrong_code(secret: str) -> str:
    """A six-digit code that is valid in none of the time steps the check accepts."""
    totp = pyotp.TOTP(secret)
    now = datetime.datetime.now()
    valid = {totp.at(now + datetime.timedelta(seconds=30 * step)) for step in range(-2, 3)}
    return next(f"{code:06d}" for code in range(10) if f"{code:06d}" not in valid)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def secret():
    return pyotp.random_base32()


@pytest.fixture
def carol(make_agent, secret):
    return make_agent("itsm_user", login="carol", totp_secret=secret, totp_enabled=True)


# The second sign-in step.


def test_login_with_two_factor_asks_for_a_code_then_signs_in(client, carol, secret):
    response = client.post(LOGIN_URL, {"username": "carol", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("accounts:login_2fa")
    assert not signed_in(client)

    page = client.get(response.url)
    assert "Enter the code your authenticator app shows" in page.text

    response = client.post(reverse("accounts:login_2fa"), {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert response.url == reverse("core:dashboard")
    assert client.session["_auth_user_id"] == str(carol.pk)


def test_login_with_two_factor_keeps_the_next_url(client, carol, secret):
    client.post(
        LOGIN_URL, {"username": "carol", "password": PASSWORD, "next": reverse("core:search")}
    )
    response = client.post(reverse("accounts:login_2fa"), {"code": pyotp.TOTP(secret).now()})
    assert response.url == reverse("core:search")


def test_a_wrong_code_is_refused_and_counted(client, carol, secret):
    client.post(LOGIN_URL, {"username": "carol", "password": PASSWORD})
    response = client.post(reverse("accounts:login_2fa"), {"code": wrong_code(secret)})
    assert response.status_code == 200
    assert "The code is not valid." in response.text
    assert not signed_in(client)
    carol.refresh_from_db()
    assert carol.failed_login_count == 1


def test_the_code_step_needs_a_password_first(client, carol):
    response = client.get(reverse("accounts:login_2fa"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:login")


def test_wrong_password_never_reaches_the_code_step(client, carol):
    response = client.post(LOGIN_URL, {"username": "carol", "password": "nope-nope"})
    assert response.status_code == 200
    assert client.get(reverse("accounts:login_2fa")).status_code == 302


# Turning it on and off in the User Profile.


def test_profile_offers_a_secret_and_its_setup_uri(client, make_agent):
    agent = make_agent("itsm_user", login="dave")
    client.force_login(agent)
    response = client.get(PROFILE_URL)
    secret = client.session[PENDING_TOTP_SECRET_KEY]
    assert secret in response.text
    assert "otpauth://totp/OpsDesk:dave?secret=" + secret in response.text
    # The same secret is offered until it is used.
    client.get(PROFILE_URL)
    assert client.session[PENDING_TOTP_SECRET_KEY] == secret


def test_enabling_needs_one_valid_code(client, make_agent):
    agent = make_agent("itsm_user", login="dave")
    client.force_login(agent)
    client.get(PROFILE_URL)
    secret = client.session[PENDING_TOTP_SECRET_KEY]

    response = client.post(
        PROFILE_URL, {"section": "two_factor_enable", "code": wrong_code(secret)}
    )
    assert response.status_code == 200
    assert "The code is not valid." in response.text
    agent.refresh_from_db()
    assert not agent.totp_enabled
    assert agent.totp_secret == ""

    response = client.post(
        PROFILE_URL,
        {"section": "two_factor_enable", "code": pyotp.TOTP(secret).now()},
        follow=True,
    )
    assert "Two-factor authentication is now on." in response.text
    agent.refresh_from_db()
    assert agent.totp_enabled
    assert agent.totp_secret == secret
    assert PENDING_TOTP_SECRET_KEY not in client.session

    entry = AuditLogEntry.objects.filter(object_id=str(agent.pk)).first()
    assert entry.changes == {"totp_enabled": [False, True]}
    assert secret not in str(entry.changes)


def test_enabled_two_factor_is_then_asked_at_login(client, make_agent):
    agent = make_agent("itsm_user", login="dave")
    secret = services.new_totp_secret()
    services.enable_two_factor(agent=agent, secret=secret, code=pyotp.TOTP(secret).now())
    response = client.post(LOGIN_URL, {"username": "dave", "password": PASSWORD})
    assert response.url == reverse("accounts:login_2fa")


def test_disable_with_a_valid_code(client, carol, secret):
    client.force_login(carol)
    response = client.post(
        PROFILE_URL, {"section": "two_factor_disable", "code": pyotp.TOTP(secret).now()}
    )
    assert response.status_code == 302
    carol.refresh_from_db()
    assert not carol.totp_enabled
    assert carol.totp_secret == ""


def test_disable_with_the_password(client, carol):
    client.force_login(carol)
    client.post(PROFILE_URL, {"section": "two_factor_disable", "password": PASSWORD})
    carol.refresh_from_db()
    assert not carol.totp_enabled


def test_disable_with_a_wrong_code_or_password_changes_nothing(client, carol, secret):
    client.force_login(carol)
    response = client.post(
        PROFILE_URL,
        {"section": "two_factor_disable", "code": wrong_code(secret), "password": "wrong-one"},
    )
    assert response.status_code == 200
    assert "Enter a valid code from your authenticator app or your password." in response.text
    response = client.post(PROFILE_URL, {"section": "two_factor_disable"})
    assert "Enter a code from your authenticator app or your password." in response.text
    carol.refresh_from_db()
    assert carol.totp_enabled
    assert carol.totp_secret == secret


def test_enable_service_refuses_a_bad_code(make_agent):
    agent = make_agent("itsm_user")
    secret = services.new_totp_secret()
    with pytest.raises(ValidationError) as error:
        services.enable_two_factor(agent=agent, secret=secret, code="12ab56")
    assert "code" in error.value.message_dict
    assert not Agent.objects.get(pk=agent.pk).totp_enabled


# Enforcement for administrators.


@pytest.fixture
def require_2fa(settings):
    settings.OPSDESK_REQUIRE_2FA_FOR_ADMINS = True


def test_admin_without_two_factor_is_sent_to_the_profile(client, admin_agent, require_2fa):
    client.force_login(admin_agent)
    for url in (reverse("core:dashboard"), reverse("core:admin_home"), reverse("core:search")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == PROFILE_URL + "#two-factor"
    response = client.get(PROFILE_URL)
    assert response.status_code == 200
    assert "Administrators must turn on two-factor authentication" in response.text


def test_admin_without_two_factor_may_still_log_out(client, admin_agent, require_2fa):
    client.force_login(admin_agent)
    response = client.post(reverse("accounts:logout"))
    assert response.url == reverse("accounts:login")
    assert not signed_in(client)


def test_htmx_requests_of_such_an_admin_get_an_hx_redirect(client, admin_agent, require_2fa):
    client.force_login(admin_agent)
    response = client.get(reverse("core:dashboard"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == PROFILE_URL + "#two-factor"


def test_admin_with_two_factor_and_other_agents_pass(client, make_agent, require_2fa):
    admin = make_agent("itsm_admin", login="secure_admin", totp_secret="x", totp_enabled=True)
    client.force_login(admin)
    assert client.get(reverse("core:dashboard")).status_code == 200
    agent = make_agent("itsm_user", login="plain_user")
    client.force_login(agent)
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_no_enforcement_when_the_setting_is_off(client, admin_agent, settings):
    settings.OPSDESK_REQUIRE_2FA_FOR_ADMINS = False
    client.force_login(admin_agent)
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_admin_cannot_turn_it_off_while_required(client, make_agent, secret, require_2fa):
    admin = make_agent("itsm_admin", login="keeper", totp_secret=secret, totp_enabled=True)
    client.force_login(admin)
    response = client.post(
        PROFILE_URL, {"section": "two_factor_disable", "code": pyotp.TOTP(secret).now()}
    )
    assert "Administrators must keep two-factor authentication on." in response.text
    admin.refresh_from_db()
    assert admin.totp_enabled


def test_admin_setting_up_two_factor_is_let_through(client, admin_agent, require_2fa):
    client.force_login(admin_agent)
    client.get(PROFILE_URL)
    secret = client.session[PENDING_TOTP_SECRET_KEY]
    client.post(PROFILE_URL, {"section": "two_factor_enable", "code": pyotp.TOTP(secret).now()})
    assert client.get(reverse("core:dashboard")).status_code == 200
