"""The customer portal's pages: sign-in, sign-out, lost password, set password, home, profile."""

import re
from datetime import datetime, timedelta
from importlib import import_module
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from opsdesk.accounts.tests.factories import PASSWORD as AGENT_PASSWORD
from opsdesk.core.models import AuditLogEntry
from opsdesk.customers import services
from opsdesk.customers.choices import Validity
from opsdesk.customers.middleware import CUSTOMER_HASH_SESSION_KEY, CUSTOMER_USER_SESSION_KEY
from opsdesk.customers.models import CustomerUser
from opsdesk.customers.testing import portal_login
from opsdesk.customers.tests.factories import (
    PASSWORD,
    CustomerCompanyFactory,
    CustomerUserFactory,
)

LOGIN_URL = "/customer/login/"
HOME_URL = "/customer/"
PROFILE_URL = "/customer/profile/"
LOST_URL = "/customer/password/lost/"
LOST_DONE_URL = "/customer/password/lost/sent/"
WRONG_LOGIN = "Login failed: wrong login or password, or the account is invalid."
LOCKED = "This account is locked for a short while"
SAME_ANSWER = "If an account with that login or email address exists, we have sent it an email"
INVALID_LINK = "This link to set your password is invalid or has expired"
NEW_PASSWORD = "Harbour-quartz-84"


@pytest.fixture(autouse=True)
def forget_request_counts():
    cache.clear()  # the per-address lost-password counter lives in the cache
    yield
    cache.clear()


@pytest.fixture
def acme(db):
    return CustomerCompanyFactory(customer_id="ACME", name="Acme Corporation")


@pytest.fixture
def yamato(db):
    return CustomerCompanyFactory(customer_id="YAMATO-JP", name="Yamato Trading")


@pytest.fixture
def carol(acme, yamato):
    return CustomerUserFactory(
        login="Carol",
        first_name="Carol",
        last_name="Baker",
        email="carol.baker@acme.example.com",
        company=acme,
        additional_companies=[yamato],
        password=PASSWORD,
    )


def portal_user_id(client):
    """The customer user id in the client's portal session, or None."""
    key = client.cookies.get(settings.PORTAL_SESSION_COOKIE_NAME)
    if key is None or not key.value:
        return None
    session = import_module(settings.SESSION_ENGINE).SessionStore(key.value)
    return session.get(CUSTOMER_USER_SESSION_KEY)


def sign_in(client, username, password=PASSWORD, url=LOGIN_URL, **extra):
    return client.post(url, {"username": username, "password": password, **extra})


def test_url_names():
    assert reverse("portal:home") == HOME_URL
    assert reverse("portal:login") == LOGIN_URL
    assert reverse("portal:logout") == "/customer/logout/"
    assert reverse("portal:password_lost") == LOST_URL
    assert reverse("portal:password_lost_done") == LOST_DONE_URL
    assert reverse("portal:profile") == PROFILE_URL
    assert (
        reverse("portal:set_password", kwargs={"uidb64": "MQ", "token": "abc-123"})
        == "/customer/password/set/MQ/abc-123/"
    )


# Sign-in ----------------------------------------------------------------------------------------


def test_login_page_has_the_form_the_lost_password_link_and_the_language_switch(client, db):
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    assert "Customer portal" in response.text
    assert 'name="username"' in response.text and 'name="password"' in response.text
    assert LOST_URL in response.text
    assert 'data-testid="language-switch"' in response.text
    assert reverse("set_language") in response.text
    assert 'data-testid="main-menu"' not in response.text  # no agent menu


@pytest.mark.parametrize("username", ["Carol", "carol", "CAROL", "Carol.Baker@ACME.example.com"])
def test_login_by_login_or_email_ignores_case(client, carol, username):
    response = sign_in(client, username)
    assert response.status_code == 302
    assert response.url == HOME_URL
    assert portal_user_id(client) == carol.pk
    carol.refresh_from_db()
    assert carol.last_login is not None


def test_login_stores_the_password_hash_under_a_new_session_key(client, carol):
    """A session key planted before sign-in (session fixation) is not the one signed in."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    planted = store()
    planted["visited"] = True
    planted.save()
    client.cookies[settings.PORTAL_SESSION_COOKIE_NAME] = planted.session_key
    sign_in(client, "carol")
    new_key = client.cookies[settings.PORTAL_SESSION_COOKIE_NAME].value
    assert new_key and new_key != planted.session_key
    session = store(new_key)
    assert session[CUSTOMER_USER_SESSION_KEY] == carol.pk
    assert session[CUSTOMER_HASH_SESSION_KEY] == carol.get_session_auth_hash()
    assert not planted.exists(planted.session_key)


def test_home_after_login_welcomes_the_user(client, carol):
    response = client.post(LOGIN_URL, {"username": "carol", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == HOME_URL
    assert "Welcome, Carol Baker" in response.text


@pytest.mark.parametrize(
    "username,password",
    [("carol", "wrong-password-1"), ("nobody-here", PASSWORD), ("", PASSWORD)],
)
def test_wrong_credentials_give_one_message(client, carol, username, password):
    response = sign_in(client, username, password)
    assert response.status_code == 200
    if username:
        assert WRONG_LOGIN in response.text
    assert portal_user_id(client) is None


@pytest.mark.parametrize("validity", [Validity.INVALID, Validity.INVALID_TEMPORARILY])
def test_invalid_customer_user_cannot_sign_in(client, acme, validity):
    CustomerUserFactory(login="gone", company=acme, password=PASSWORD, validity=validity)
    response = sign_in(client, "gone")
    assert WRONG_LOGIN in response.text
    assert portal_user_id(client) is None


def test_customer_user_without_password_cannot_sign_in(client, acme):
    CustomerUserFactory(login="nopass", company=acme)
    response = sign_in(client, "nopass", "anything-at-all")
    assert WRONG_LOGIN in response.text
    assert portal_user_id(client) is None


def test_agent_credentials_do_not_open_the_portal(client, make_agent):
    make_agent("itsm_admin", login="agentsmith")
    response = sign_in(client, "agentsmith", AGENT_PASSWORD)
    assert WRONG_LOGIN in response.text
    assert portal_user_id(client) is None


def test_rapid_failures_lock_the_account_even_for_the_right_password(client, carol, settings):
    settings.LOGIN_LOCK_WINDOW_SECONDS = 60
    sign_in(client, "carol", "wrong-1")
    sign_in(client, "carol", "wrong-2")
    response = sign_in(client, "carol")
    assert LOCKED in response.text
    assert portal_user_id(client) is None
    carol.refresh_from_db()
    assert carol.locked_until is not None


def test_unknown_login_is_locked_the_same_way(client, db, settings):
    """The lock message must not tell which logins exist."""
    settings.LOGIN_LOCK_WINDOW_SECONDS = 60
    sign_in(client, "nobody-here", "wrong-1")
    sign_in(client, "nobody-here", "wrong-2")
    assert LOCKED in sign_in(client, "nobody-here", "wrong-3").text


def test_signed_in_user_visiting_the_login_page_goes_home(client, carol):
    portal_login(client, carol)
    response = client.get(LOGIN_URL)
    assert response.status_code == 302
    assert response.url == HOME_URL


# The next parameter.


def test_safe_next_is_honoured(client, carol):
    response = sign_in(client, "carol", url=f"{LOGIN_URL}?next=/customer/profile/%3Fx%3D1")
    assert response.url == "/customer/profile/?x=1"
    client.post(reverse("portal:logout"))
    response = sign_in(client, "carol", next=PROFILE_URL)
    assert response.url == PROFILE_URL


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example.com/customer/",
        "//evil.example.com/customer/",
        "/",
        "/admin/agents/",
        "/customers/companies/",
        "/customer/../admin/",
        "/customer/%2e%2e/admin/",
        "/customerx/",
        "javascript:alert(1)",
    ],
)
def test_unsafe_next_is_ignored(client, carol, target):
    response = sign_in(client, "carol", next=target)
    assert response.status_code == 302
    assert response.url == HOME_URL


def test_anonymous_visitor_is_sent_to_the_portal_login_with_next(client, db):
    for url in (HOME_URL, PROFILE_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"{LOGIN_URL}?next={url}"
    login_page = client.get(response.url)
    assert f'value="{PROFILE_URL}"' in login_page.text


# Sign-out ---------------------------------------------------------------------------------------


def test_logout_ends_the_portal_session_only(client, carol, admin_agent):
    client.force_login(admin_agent)
    sign_in(client, "carol")
    assert client.get(HOME_URL).status_code == 200
    response = client.post(reverse("portal:logout"), follow=True)
    assert response.redirect_chain[-1][0] == LOGIN_URL
    assert "You have been logged out." in response.text
    assert client.get(HOME_URL).status_code == 302
    assert client.get(reverse("core:dashboard")).status_code == 200  # the agent is still in


def test_logout_needs_post(client, carol):
    portal_login(client, carol)
    assert client.get(reverse("portal:logout")).status_code == 405
    assert client.get(HOME_URL).status_code == 200


# Home -------------------------------------------------------------------------------------------


def test_home_lists_the_companies_and_links_to_the_profile(
    client, carol, django_assert_max_num_queries
):
    portal_login(client, carol)
    with django_assert_max_num_queries(8):
        response = client.get(HOME_URL)
    assert response.status_code == 200
    text = response.text
    assert "Welcome, Carol Baker" in text
    assert "Acme Corporation" in text and "ACME" in text
    assert "Yamato Trading" in text and "YAMATO-JP" in text
    assert text.index("Acme Corporation") < text.index("Yamato Trading")  # primary first
    assert PROFILE_URL in text
    assert reverse("portal:logout") in text
    assert 'data-testid="main-menu"' not in text


# Lost password and the set-password link --------------------------------------------------------


def mailed_link(mail) -> str:
    match = re.search(r"http://testserver(/customer/password/set/[^/\s]+/[^/\s]+/)", mail.body)
    assert match, mail.body
    return match.group(1)


def open_link_and_set(client, link, password=NEW_PASSWORD, again=None):
    """Follow the mailed link (it redirects to a token-free URL) and submit the form."""
    response = client.get(link)
    assert response.status_code == 302, response.text
    form_url = response.url
    assert form_url.endswith("/set-password/")
    page = client.get(form_url)
    assert 'data-testid="set-password-form"' in page.text
    return client.post(form_url, {"new_password1": password, "new_password2": again or password})


def test_lost_password_end_to_end(client, carol, mailoutbox):
    login_page = client.get(LOGIN_URL)
    assert LOST_URL in login_page.text
    assert client.get(LOST_URL).status_code == 200

    response = client.post(LOST_URL, {"username": "CAROL"}, follow=True)
    assert response.redirect_chain[-1][0] == LOST_DONE_URL
    assert SAME_ANSWER in response.text
    assert "The link works for 60 minutes" in response.text
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["carol.baker@acme.example.com"]
    link = mailed_link(mail)

    response = open_link_and_set(client, link)
    assert response.status_code == 302
    assert response.url == HOME_URL
    assert portal_user_id(client) == carol.pk  # signed in with the new password
    home = client.get(HOME_URL)
    assert "Your password has been set." in home.text

    carol.refresh_from_db()
    assert carol.check_password(NEW_PASSWORD)
    assert AuditLogEntry.objects.filter(object_id=str(carol.pk), changes__has_key="password")

    # The link works once.
    other = Client()
    response = other.get(link)
    assert response.status_code == 200
    assert INVALID_LINK in response.text
    assert LOST_URL in response.text

    # The old password no longer works, the new one does.
    fresh = Client()
    assert WRONG_LOGIN in sign_in(fresh, "carol", PASSWORD).text
    assert sign_in(fresh, "carol", NEW_PASSWORD).url == HOME_URL


def test_lost_password_by_email(client, carol, mailoutbox):
    client.post(LOST_URL, {"username": "carol.baker@ACME.example.com"})
    assert [mail.to for mail in mailoutbox] == [["carol.baker@acme.example.com"]]


@pytest.mark.parametrize("username", ["nobody-here", "nobody@example.com"])
def test_lost_password_answers_the_same_for_unknown_users(client, db, mailoutbox, username):
    response = client.post(LOST_URL, {"username": username})
    assert response.status_code == 302
    assert response.url == LOST_DONE_URL
    assert mailoutbox == []


def test_lost_password_sends_nothing_to_invalid_users(client, acme, mailoutbox):
    CustomerUserFactory(login="gone", company=acme, password=PASSWORD, validity=Validity.INVALID)
    response = client.post(LOST_URL, {"username": "gone"})
    assert response.url == LOST_DONE_URL
    assert mailoutbox == []


def test_user_without_password_gets_one_through_lost_password(client, acme, mailoutbox):
    """Imported users have no password; docs/customers.md sends them to "Lost your password?"."""
    user = CustomerUserFactory(login="imported", company=acme)
    client.post(LOST_URL, {"username": "imported"})
    assert len(mailoutbox) == 1
    open_link_and_set(client, mailed_link(mailoutbox[0]))
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert portal_user_id(client) == user.pk


def test_lost_password_requests_are_throttled_per_address(client, carol, mailoutbox, settings):
    settings.PASSWORD_RESET_MAX_PER_ADDRESS = 2
    for _ in range(2):
        assert client.post(LOST_URL, {"username": "carol"}).status_code == 302
    response = client.post(LOST_URL, {"username": "carol"})
    assert response.status_code == 200
    assert "Too many password reset requests from your address" in response.text
    assert len(mailoutbox) == 2


def test_lost_password_field_is_required(client, db):
    response = client.post(LOST_URL, {"username": ""})
    assert response.status_code == 200
    assert "This field is required." in response.text


def test_the_welcome_link_sets_the_first_password(client, acme, mailoutbox):
    user = CustomerUserFactory(login="newbie", company=acme)
    services.send_set_password_email(user, base_url="http://testserver/", welcome=True)
    open_link_and_set(client, mailed_link(mailoutbox[0]))
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_the_link_leaves_the_token_out_of_the_page_url(client, carol):
    link = services.set_password_url(carol, base_url="http://testserver/").removeprefix(
        "http://testserver"
    )
    token = link.rstrip("/").rsplit("/", 1)[1]
    response = client.get(link)
    assert token not in response.url
    page = client.get(response.url)
    assert token not in page.text


@pytest.mark.parametrize(
    "link",
    [
        "/customer/password/set/MQ/wrong-token/",
        "/customer/password/set/not-base64!/abc-123/",
        "/customer/password/set/OTk5OTk5/abc-123/",
        "/customer/password/set/MQ/set-password/",
    ],
)
def test_wrong_links_show_a_clear_page(client, carol, link):
    response = client.get(link)
    assert response.status_code == 200
    assert INVALID_LINK in response.text
    assert LOST_URL in response.text


def test_wrong_token_for_a_real_user(client, carol):
    uidb64 = services.set_password_url(carol, base_url="").split("/")[-3]
    response = client.get(f"/customer/password/set/{uidb64}/1-abcdef/")
    assert INVALID_LINK in response.text


def test_expired_link(client, carol):
    link = services.set_password_url(carol, base_url="")
    later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    with mock.patch.object(services.customer_token_generator, "_now", return_value=later):
        response = client.get(link)
    assert INVALID_LINK in response.text


def test_link_of_a_user_invalidated_meanwhile_does_not_work(client, carol, admin_agent):
    link = services.set_password_url(carol, base_url="")
    services.invalidate_customer_user(carol, actor=admin_agent)
    assert INVALID_LINK in client.get(link).text


def test_set_password_checks_confirmation_and_validators(client, carol):
    link = services.set_password_url(carol, base_url="")
    response = open_link_and_set(client, link, password=NEW_PASSWORD, again="Something-else-99")
    assert response.status_code == 200
    assert "The two password fields didn’t match." in response.text
    form_url = client.get(link).url
    response = client.post(form_url, {"new_password1": "12345", "new_password2": "12345"})
    assert response.status_code == 200
    assert "This password is too short." in response.text
    assert "This password is entirely numeric." in response.text
    carol.refresh_from_db()
    assert carol.check_password(PASSWORD)
    assert portal_user_id(client) is None


# Profile ----------------------------------------------------------------------------------------


def save_profile(client, **changes):
    data = {
        "section": "profile",
        "title": "",
        "first_name": "Carol",
        "last_name": "Baker",
        "phone": "",
        "mobile": "",
        "language": "",
        "time_zone": "",
        **changes,
    }
    return client.post(PROFILE_URL, data)


def test_profile_shows_the_current_values(client, carol, django_assert_max_num_queries):
    portal_login(client, carol)
    with django_assert_max_num_queries(6):
        response = client.get(PROFILE_URL)
    assert response.status_code == 200
    assert 'value="Carol"' in response.text and 'value="Baker"' in response.text
    assert "carol.baker@acme.example.com" in response.text
    assert 'value="Asia/Tokyo"' in response.text  # the time zone choices


def test_profile_edit_saves_through_the_service(client, carol):
    portal_login(client, carol)
    response = save_profile(
        client,
        title="Dr.",
        first_name="Caroline",
        last_name="Baker-Smith",
        phone="+81 3 1234 5678",
        mobile="+81 90 1234 5678",
        time_zone="Asia/Tokyo",
    )
    assert response.status_code == 302
    assert response.url == PROFILE_URL + "#profile"
    carol.refresh_from_db()
    assert (carol.title, carol.first_name, carol.last_name) == ("Dr.", "Caroline", "Baker-Smith")
    assert (carol.phone, carol.mobile) == ("+81 3 1234 5678", "+81 90 1234 5678")
    assert carol.time_zone == "Asia/Tokyo"
    page = client.get(PROFILE_URL)
    assert "Your profile has been saved." in page.text
    assert "Caroline Baker-Smith" in page.text
    assert AuditLogEntry.objects.filter(object_id=str(carol.pk), changes__has_key="first_name")


def test_profile_cannot_change_login_email_or_company(client, carol, yamato):
    portal_login(client, carol)
    save_profile(client, login="hacker", email="x@evil.example.com", company=yamato.pk)
    carol.refresh_from_db()
    assert (carol.login, carol.email, carol.company.customer_id) == (
        "Carol",
        "carol.baker@acme.example.com",
        "ACME",
    )


def test_profile_errors_are_shown_next_to_the_fields(client, carol):
    portal_login(client, carol)
    response = save_profile(client, first_name="", time_zone="Mars/Olympus", language="xx")
    assert response.status_code == 200
    assert 'id="id_first_name_error"' in response.text
    assert 'id="id_time_zone_error"' in response.text
    assert 'id="id_language_error"' in response.text
    assert "This field is required." in response.text
    assert "Carol Baker" in response.text  # the header still shows the stored name
    carol.refresh_from_db()
    assert carol.first_name == "Carol"


def test_japanese_language_applies_at_once(client, carol):
    portal_login(client, carol)
    response = save_profile(client, language="ja")
    assert response.status_code == 302
    page = client.get(PROFILE_URL)
    assert page.wsgi_request.LANGUAGE_CODE == "ja"
    assert '<html lang="ja">' in page.text
    home = client.get(HOME_URL)
    assert '<html lang="ja">' in home.text


def test_time_zone_applies_to_the_pages(client, carol):
    portal_login(client, carol)
    save_profile(client, time_zone="Asia/Tokyo")
    response = client.get(HOME_URL)
    assert response.context["TIME_ZONE"] == "Asia/Tokyo"


def test_blank_language_follows_the_browser(client, carol):
    portal_login(client, carol)
    response = client.get(HOME_URL, headers={"accept-language": "ja"})
    assert '<html lang="ja">' in response.text
    response = client.get(HOME_URL, headers={"accept-language": "en"})
    assert '<html lang="en">' in response.text


# Password change.


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, again=None):
    return client.post(
        PROFILE_URL,
        {
            "section": "password",
            "current_password": current,
            "new_password": new,
            "new_password_again": again or new,
        },
    )


def test_password_change_keeps_this_session_and_ends_the_others(client, carol):
    other = Client()
    portal_login(other, carol)
    assert other.get(HOME_URL).status_code == 200

    sign_in(client, "carol")
    response = change_password(client)
    assert response.status_code == 302
    assert response.url == PROFILE_URL + "#password"
    page = client.get(PROFILE_URL)
    assert page.status_code == 200
    assert "Your password has been changed." in page.text

    response = other.get(HOME_URL)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN_URL)

    carol.refresh_from_db()
    assert carol.check_password(NEW_PASSWORD)
    fresh = Client()
    assert sign_in(fresh, "carol", NEW_PASSWORD).url == HOME_URL


@pytest.mark.parametrize(
    "current,new,again,field,message",
    [
        ("wrong", NEW_PASSWORD, None, "current_password", "entered incorrectly"),
        (PASSWORD, NEW_PASSWORD, "Other-pass-77", "new_password_again", "differ"),
        (PASSWORD, "short", None, "new_password", "This password is too short."),
        (PASSWORD, "password123", None, "new_password", "This password is too common."),
        (PASSWORD, "Bakerzz1", None, "new_password", "too similar"),
    ],
)
def test_password_change_errors(client, carol, current, new, again, field, message):
    portal_login(client, carol)
    response = change_password(client, current, new, again)
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.text
    assert message in response.text
    carol.refresh_from_db()
    assert carol.check_password(PASSWORD)
    assert client.get(HOME_URL).status_code == 200


def test_profile_of_an_invalid_user_is_closed(client, carol, admin_agent):
    portal_login(client, carol)
    services.invalidate_customer_user(carol, actor=admin_agent)
    response = client.get(PROFILE_URL)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN_URL)
    assert CustomerUser.objects.get(pk=carol.pk).validity == Validity.INVALID
