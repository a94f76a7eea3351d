"""Failed-login throttling with the product's defaults (accounts.md, manual 1.2.1).

Time is faked with ``unittest.mock`` on ``django.utils.timezone.now`` so that "within one second"
and "after a minute" do not depend on how fast the machine hashes passwords.
"""

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from opsdesk.accounts import throttling
from opsdesk.accounts.models import LoginFailure, LoginLockout
from opsdesk.accounts.tests.factories import PASSWORD

LOGIN_URL = "/accounts/login/"
LOCKED = "This account is locked for a short while after failed sign-ins."
ADDRESS_BLOCKED = "Too many failed sign-ins from your address."
WRONG_LOGIN = "Login failed: wrong login or password, or the account is invalid."


@contextmanager
def clock(moment):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def sign_in(client, username, password=PASSWORD):
    return client.post(LOGIN_URL, {"username": username, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def bob(make_agent):
    return make_agent("itsm_user", login="bob")


def test_two_wrong_passwords_within_a_second_lock_the_account_for_a_minute(client, bob):
    start = timezone.now()
    with clock(start):
        sign_in(client, "bob", "wrong-1")
    with clock(start + timedelta(milliseconds=600)):
        response = sign_in(client, "bob", "wrong-2")
    assert WRONG_LOGIN in response.text

    bob.refresh_from_db()
    assert bob.locked_until == start + timedelta(milliseconds=600, seconds=60)
    lockout = LoginLockout.objects.get(agent=bob)
    assert lockout.kind == LoginLockout.Kind.LOCKED
    assert lockout.address == "127.0.0.1"
    assert lockout.until == bob.locked_until

    # Within the minute even the right password is refused, with the lock message.
    with clock(start + timedelta(seconds=30)):
        response = sign_in(client, "bob")
    assert response.status_code == 200
    assert LOCKED in response.text
    assert not signed_in(client)

    # After the minute the right password works again and clears the counters.
    with clock(start + timedelta(seconds=61)):
        response = sign_in(client, "bob")
    assert response.status_code == 302
    assert response.url == reverse("core:dashboard")
    assert signed_in(client)
    bob.refresh_from_db()
    assert bob.failed_login_count == 0
    assert bob.locked_until is None
    assert bob.is_active


def test_the_lock_ends_when_locked_until_has_passed(client, bob):
    bob.locked_until = timezone.now() + timedelta(seconds=60)
    bob.save()
    assert LOCKED in sign_in(client, "bob").text

    bob.locked_until = timezone.now() - timedelta(seconds=1)
    bob.save()
    assert sign_in(client, "bob").status_code == 302


def test_locked_account_is_refused_by_email_too(client, bob):
    bob.locked_until = timezone.now() + timedelta(seconds=60)
    bob.save()
    response = sign_in(client, bob.email.upper())
    assert LOCKED in response.text


def test_wrong_passwords_more_than_a_second_apart_do_not_lock(client, bob):
    start = timezone.now()
    with clock(start):
        sign_in(client, "bob", "wrong-1")
    with clock(start + timedelta(seconds=2)):
        sign_in(client, "bob", "wrong-2")
    bob.refresh_from_db()
    assert bob.failed_login_count == 2
    assert bob.locked_until is None
    assert not LoginLockout.objects.exists()
    with clock(start + timedelta(seconds=4)):
        assert sign_in(client, "bob").status_code == 302


def test_ten_consecutive_wrong_passwords_deactivate_the_account(client, bob):
    start = timezone.now()
    for attempt in range(10):
        with clock(start + timedelta(seconds=2 * attempt)):
            sign_in(client, "bob", f"wrong-{attempt}")
        bob.refresh_from_db()
        assert bob.is_active is (attempt < 9), attempt

    assert bob.failed_login_count == 10
    lockouts = list(LoginLockout.objects.filter(agent=bob))
    assert [lockout.kind for lockout in lockouts] == [LoginLockout.Kind.DEACTIVATED]

    # Deactivated until an administrator re-activates: the right password no longer helps.
    with clock(start + timedelta(hours=1)):
        response = sign_in(client, "bob")
    assert WRONG_LOGIN in response.text
    assert not signed_in(client)


def test_a_successful_sign_in_resets_the_consecutive_count(client, bob):
    start = timezone.now()
    for attempt in range(9):
        with clock(start + timedelta(seconds=2 * attempt)):
            sign_in(client, "bob", "wrong")
    with clock(start + timedelta(seconds=30)):
        assert sign_in(client, "bob").status_code == 302
    client.post(reverse("accounts:logout"))
    with clock(start + timedelta(seconds=40)):
        sign_in(client, "bob", "wrong")
    bob.refresh_from_db()
    assert bob.failed_login_count == 1
    assert bob.is_active


def test_too_many_failures_from_one_address_block_that_address(client, bob, settings):
    settings.LOGIN_ADDRESS_MAX_FAILURES = 3
    for name in ("ghost1", "ghost2", "ghost3"):
        sign_in(client, name, "whatever")
    assert LoginFailure.objects.filter(address="127.0.0.1").count() == 3
    assert LoginLockout.objects.filter(kind=LoginLockout.Kind.ADDRESS, address="127.0.0.1").exists()

    # Even a correct password is refused from the blocked address...
    response = sign_in(client, "bob")
    assert ADDRESS_BLOCKED in response.text
    assert not signed_in(client)

    # ...but the same account signs in from another address.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert sign_in(other, "bob").status_code == 302


def test_the_address_block_ends_after_the_window(client, bob, settings):
    settings.LOGIN_ADDRESS_MAX_FAILURES = 2
    settings.LOGIN_ADDRESS_WINDOW_SECONDS = 300
    start = timezone.now()
    with clock(start):
        sign_in(client, "ghost", "x")
        sign_in(client, "ghost", "y")
        assert ADDRESS_BLOCKED in sign_in(client, "bob").text
    with clock(start + timedelta(seconds=301)):
        assert sign_in(client, "bob").status_code == 302


def test_address_blocking_is_logged_once_per_window(db, settings):
    settings.LOGIN_ADDRESS_MAX_FAILURES = 2
    for _attempt in range(5):
        throttling.record_failure("ghost", "198.51.100.1")
    assert LoginLockout.objects.filter(kind=LoginLockout.Kind.ADDRESS).count() == 1


def test_failures_of_unknown_logins_are_recorded_without_an_agent(client, db):
    sign_in(client, "nobody", "x")
    failure = LoginFailure.objects.get()
    assert failure.login == "nobody"
    assert failure.agent is None


def test_lockout_is_logged_to_the_security_logger(client, bob, caplog):
    start = timezone.now()
    with caplog.at_level("WARNING", logger="opsdesk.security"):
        with clock(start):
            sign_in(client, "bob", "wrong-1")
        with clock(start + timedelta(milliseconds=100)):
            sign_in(client, "bob", "wrong-2")
    assert any("locked until" in record.getMessage() for record in caplog.records)
