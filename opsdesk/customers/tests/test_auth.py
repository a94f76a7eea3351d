"""Customer authentication and portal login throttling (``opsdesk.customers.auth``)."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from opsdesk.accounts import throttling as agent_throttling
from opsdesk.accounts.models import Agent, LoginFailure, LoginLockout
from opsdesk.core.models import AuditLogEntry
from opsdesk.customers import auth, services
from opsdesk.customers.choices import Validity
from opsdesk.customers.models import CustomerUser
from opsdesk.customers.tests.factories import (
    PASSWORD,
    CustomerCompanyFactory,
    CustomerUserFactory,
)

ADDRESS = "192.0.2.10"
LOCKED = "This account is locked for a short while"


@pytest.fixture
def acme(db):
    return CustomerCompanyFactory(customer_id="ACME", name="Acme Corporation")


@pytest.fixture
def dave(acme):
    return CustomerUserFactory(
        login="dave", email="dave@acme.example.com", company=acme, password=PASSWORD
    )


@pytest.fixture
def lock_window(settings):
    settings.LOGIN_LOCK_WINDOW_SECONDS = 60  # failures in a test are always "rapid"
    return settings


def reload(user) -> CustomerUser:
    return CustomerUser.objects.get(pk=user.pk)


# Authentication ---------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["dave", "DAVE", " dave ", "Dave@ACME.example.com"])
def test_authenticate_by_login_or_email(dave, username):
    assert auth.authenticate(username, PASSWORD) == dave


@pytest.mark.parametrize(
    "username,password",
    [("dave", "wrong"), ("dave", ""), ("", PASSWORD), ("nobody", PASSWORD)],
)
def test_authenticate_refuses_wrong_credentials(dave, username, password):
    assert auth.authenticate(username, password) is None


def test_authenticate_refuses_invalid_users_and_users_without_password(acme):
    CustomerUserFactory(login="gone", company=acme, password=PASSWORD, validity=Validity.INVALID)
    CustomerUserFactory(login="nopass", company=acme)
    assert auth.authenticate("gone", PASSWORD) is None
    assert auth.authenticate("nopass", PASSWORD) is None


def test_a_login_wins_over_another_users_email(acme):
    by_login = CustomerUserFactory(
        login="shared@acme.example.com", email="one@acme.example.com", company=acme
    )
    CustomerUserFactory(login="two", email="shared@acme.example.com", company=acme)
    assert auth.find_customer_user("SHARED@acme.example.com") == by_login


def test_email_finds_the_valid_user_among_invalid_ones_with_the_same_address(acme):
    CustomerUserFactory(
        login="old", email="same@acme.example.com", company=acme, validity=Validity.INVALID
    )
    current = CustomerUserFactory(login="new", email="same@acme.example.com", company=acme)
    assert auth.find_customer_user("same@acme.example.com") == current


def test_agents_are_never_authenticated(make_agent):
    make_agent("itsm_admin", login="agentsmith")
    assert auth.find_customer_user("agentsmith") is None
    assert auth.authenticate("agentsmith", "correct-horse-battery-9") is None


# Throttling -------------------------------------------------------------------------------------


def test_one_failure_counts_but_does_not_lock(dave):
    auth.record_failure("dave", ADDRESS)
    dave = reload(dave)
    assert dave.failed_login_count == 1
    assert dave.last_failed_login_at is not None
    assert dave.locked_until is None
    assert auth.login_refusal("dave", ADDRESS) is None
    failure = LoginFailure.objects.get()
    assert (failure.login, failure.address, failure.agent) == ("customer:dave", ADDRESS, None)


def test_two_rapid_failures_lock_for_a_minute_and_are_logged(dave, lock_window, caplog):
    with caplog.at_level("WARNING", logger="opsdesk.security"):
        auth.record_failure("dave", ADDRESS)
        auth.record_failure("DAVE", ADDRESS)
    dave = reload(dave)
    now = timezone.now()
    assert dave.locked_until is not None
    assert timedelta(seconds=50) < dave.locked_until - now <= timedelta(seconds=60)
    assert LOCKED in auth.login_refusal("dave", ADDRESS)
    assert LOCKED in auth.login_refusal("dave@acme.example.com", None)
    assert any("dave locked until" in record.getMessage() for record in caplog.records)
    # A minute later the lock is over.
    assert auth.login_refusal("dave", ADDRESS, now=now + timedelta(seconds=61)) is None


def test_slow_failures_do_not_lock(dave):
    now = timezone.now()
    auth.record_failure("dave", ADDRESS, now=now)
    auth.record_failure("dave", ADDRESS, now=now + timedelta(seconds=5))
    assert reload(dave).locked_until is None
    assert reload(dave).failed_login_count == 2


def test_unknown_logins_are_locked_by_the_same_rule(db, lock_window):
    now = timezone.now()
    auth.record_failure("ghost", ADDRESS, now=now)
    assert auth.login_refusal("ghost", ADDRESS, now=now) is None
    auth.record_failure("Ghost", ADDRESS, now=now + timedelta(seconds=1))
    assert LOCKED in auth.login_refusal("ghost", ADDRESS, now=now + timedelta(seconds=2))
    assert auth.login_refusal("ghost", ADDRESS, now=now + timedelta(seconds=62)) is None
    assert auth.login_refusal("someone-else", ADDRESS, now=now + timedelta(seconds=2)) is None


def test_too_many_failures_set_the_user_invalid_temporarily(dave, settings, caplog):
    settings.LOGIN_DEACTIVATE_AFTER = 3
    start = timezone.now()
    with caplog.at_level("WARNING", logger="opsdesk.security"):
        for second in range(3):
            auth.record_failure("dave", None, now=start + timedelta(seconds=10 * second))
    dave = reload(dave)
    assert dave.validity == Validity.INVALID_TEMPORARILY
    assert auth.authenticate("dave", PASSWORD) is None
    assert any("invalid-temporarily" in record.getMessage() for record in caplog.records)
    entry = AuditLogEntry.objects.filter(object_id=str(dave.pk)).latest("pk")
    assert entry.changes["validity"] == [Validity.VALID, Validity.INVALID_TEMPORARILY]


def test_successful_login_and_new_password_clear_the_count(dave, lock_window):
    auth.record_failure("dave", None)
    auth.record_failure("dave", None)
    services.record_portal_login(reload(dave))
    dave = reload(dave)
    assert (dave.failed_login_count, dave.locked_until) == (0, None)
    auth.record_failure("dave", None)
    auth.record_failure("dave", None)
    services.set_own_password(reload(dave), new_password="Another-pass-42")
    assert reload(dave).locked_until is None


def test_portal_failures_never_touch_an_agent_with_the_same_login(
    acme, make_agent, lock_window, settings
):
    settings.LOGIN_DEACTIVATE_AFTER = 3
    agent = make_agent("itsm_user", login="sam")
    customer = CustomerUserFactory(login="sam", company=acme, password=PASSWORD)
    for _ in range(3):
        auth.record_failure("sam", ADDRESS)
    agent = Agent.objects.get(pk=agent.pk)
    assert agent.failed_login_count == 0
    assert agent.locked_until is None
    assert agent.is_active
    assert agent_throttling.login_refusal("sam", ADDRESS) is None
    assert reload(customer).validity == Validity.INVALID_TEMPORARILY


def test_agent_failures_never_touch_a_customer_user_with_the_same_login(
    acme, make_agent, lock_window
):
    make_agent("itsm_user", login="sam")
    customer = CustomerUserFactory(login="sam", company=acme, password=PASSWORD)
    agent_throttling.record_failure("sam", ADDRESS)
    agent_throttling.record_failure("sam", ADDRESS)
    assert agent_throttling.login_refusal("sam", ADDRESS) is not None
    customer = reload(customer)
    assert (customer.failed_login_count, customer.locked_until) == (0, None)
    assert auth.login_refusal("sam", ADDRESS) is None


def test_an_address_with_too_many_failures_is_blocked(db, settings, caplog):
    settings.LOGIN_ADDRESS_MAX_FAILURES = 3
    start = timezone.now()
    with caplog.at_level("WARNING", logger="opsdesk.security"):
        for second in range(3):
            auth.record_failure(f"guess{second}", ADDRESS, now=start + timedelta(seconds=second))
    assert "Too many failed sign-ins from your address" in auth.login_refusal("anyone", ADDRESS)
    assert auth.login_refusal("anyone", "192.0.2.99") is None
    assert LoginLockout.objects.filter(kind=LoginLockout.Kind.ADDRESS, address=ADDRESS).count() == 1
    assert any("blocked for address" in record.getMessage() for record in caplog.records)


def test_address_count_is_shared_with_agent_sign_ins(db, settings):
    """An attacker gains nothing by spreading guesses over the portal and the agent sign-in."""
    settings.LOGIN_ADDRESS_MAX_FAILURES = 4
    for number in range(2):
        auth.record_failure(f"customer{number}", ADDRESS)
        agent_throttling.record_failure(f"agent{number}", ADDRESS)
    assert auth.login_refusal("x", ADDRESS) is not None
    assert agent_throttling.login_refusal("x", ADDRESS) is not None


# The next parameter -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        ("/customer/", "/customer/"),
        ("/customer/profile/?tab=password", "/customer/profile/?tab=password"),
        ("http://testserver/customer/profile/", "/customer/profile/"),
        ("/customer", "/customer"),
        (None, None),
        ("", None),
        ("/", None),
        ("/admin/agents/", None),
        ("/api/v1/agents/", None),
        ("/customerx/", None),
        ("/customer/../admin/", None),
        ("/customer/./profile/", None),
        ("/customer/%2E%2E/admin/", None),
        ("/customer/..%2fadmin/", None),
        ("/customer\\..\\admin/", None),
        ("https://evil.example.com/customer/", None),
        ("//evil.example.com/customer/", None),
        ("///evil.example.com/customer/", None),
        ("javascript:alert(1)", None),
        ("customer/", None),
    ],
)
def test_safe_next_url(value, expected):
    request = RequestFactory().get("/customer/login/")
    assert auth.safe_next_url(request, value) == expected
