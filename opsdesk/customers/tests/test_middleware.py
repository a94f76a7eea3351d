"""Portal sessions apart from agent sessions: the separation the acceptance criteria ask for.

A customer user signed in to the portal never opens an agent page, and an agent signed in to the
agent interface never acts in the portal. The Django test client sends every cookie to every path
(it ignores cookie paths), which is harsher than a browser: the middleware must choose the cookie.
"""

from importlib import import_module

import pytest
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from opsdesk.accounts.tests.factories import PASSWORD as AGENT_PASSWORD
from opsdesk.customers import services
from opsdesk.customers.middleware import (
    CUSTOMER_USER_SESSION_KEY,
    PORTAL_PREFIX,
    is_portal_path,
)
from opsdesk.customers.testing import portal_login
from opsdesk.customers.tests.factories import (
    PASSWORD,
    CustomerCompanyFactory,
    CustomerUserFactory,
)

HOME_URL = "/customer/"
PORTAL_LOGIN = "/customer/login/"
AGENT_LOGIN = reverse("accounts:login")

AGENT_PAGES = [
    "/",
    "/admin/",
    "/admin/agents/",
    "/admin/audit/",
    "/admin/dynamic-fields/",
    "/customers/",
    "/customers/companies/",
    "/customers/users/",
    "/search/?q=acme",
    reverse("accounts:profile"),
    reverse("accounts:api_tokens"),
]
API_URLS = [
    "/api/v1/",
    "/api/v1/agents/",
    "/api/v1/me/",
    "/api/v1/customer-companies/",
    "/api/v1/customer-users/",
    "/api/schema/",
]


@pytest.fixture
def acme(db):
    return CustomerCompanyFactory(customer_id="ACME", name="Acme Corporation")


@pytest.fixture
def erin(acme):
    return CustomerUserFactory(
        login="erin", first_name="Erin", last_name="Ito", company=acme, password=PASSWORD
    )


def assert_no_agent_content(client, url):
    """The answer of an agent URL to someone who is no agent: sign-in page, 401/403."""
    response = client.get(url)
    path = url.split("?")[0]
    try:
        resolve(path)
    except Resolver404:
        # Not wired (yet) in this tree: nothing to show either.
        assert response.status_code == 404, url
        return
    if url.startswith("/api/"):
        assert response.status_code in (401, 403), (url, response.status_code)
        return
    assert response.status_code == 302, (url, response.status_code)
    assert response.url.startswith(AGENT_LOGIN), (url, response.url)


def test_portal_paths():
    assert is_portal_path("/customer/") and is_portal_path("/customer")
    assert is_portal_path("/customer/profile/")
    assert not is_portal_path("/customers/") and not is_portal_path("/customerx/")


# Customers never reach agent pages --------------------------------------------------------------


@pytest.mark.parametrize("url", AGENT_PAGES + API_URLS)
def test_signed_in_customer_user_cannot_open_agent_urls(client, erin, url):
    portal_login(client, erin)
    assert client.get(HOME_URL).status_code == 200
    assert_no_agent_content(client, url)


def test_customer_user_with_an_agents_login_gets_no_agent_access(client, acme, make_agent):
    """Same login (and even the same password) as an agent: the portal sign-in is no agent's."""
    agent = make_agent("itsm_admin", login="kim")
    customer = CustomerUserFactory(login="KIM", company=acme, password=AGENT_PASSWORD)
    response = client.post(PORTAL_LOGIN, {"username": "kim", "password": AGENT_PASSWORD})
    assert response.url == HOME_URL
    assert client.get(HOME_URL).status_code == 200
    for url in AGENT_PAGES + API_URLS:
        assert_no_agent_content(client, url)
    assert "_auth_user_id" not in client.session
    assert client.get(HOME_URL).wsgi_request.customer_user == customer
    assert client.get(HOME_URL).wsgi_request.user.is_anonymous
    assert agent.pk  # the agent exists and was never signed in


def test_a_customer_password_does_not_open_the_agent_sign_in(client, acme, make_agent):
    make_agent("itsm_admin", login="kim")
    CustomerUserFactory(login="kim", company=acme, password="Customer-only-77")
    response = client.post(AGENT_LOGIN, {"username": "kim", "password": "Customer-only-77"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_portal_session_key_in_the_agent_cookie_gives_no_agent(client, erin):
    """Even a customer who copies their portal session into the agent cookie stays out."""
    session = portal_login(client, erin)
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    for url in AGENT_PAGES:
        assert_no_agent_content(client, url)


# Agents never act in the portal -----------------------------------------------------------------


@pytest.mark.parametrize("url", [HOME_URL, "/customer/profile/"])
def test_signed_in_agent_cannot_use_the_portal(client, admin_agent, url):
    client.force_login(admin_agent)
    assert client.get(reverse("core:dashboard")).status_code == 200
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(PORTAL_LOGIN)
    assert response.wsgi_request.customer_user is None


def test_agent_session_is_not_read_under_customer(client, admin_agent):
    client.force_login(admin_agent)
    response = client.get(PORTAL_LOGIN)
    assert response.status_code == 200  # the portal sign-in form, not a redirect
    assert response.wsgi_request.user.is_anonymous
    assert 'data-testid="main-menu"' not in response.text


def test_agent_session_key_in_the_portal_cookie_gives_no_customer_user(client, admin_agent):
    client.force_login(admin_agent)
    client.cookies[settings.PORTAL_SESSION_COOKIE_NAME] = client.cookies[
        settings.SESSION_COOKIE_NAME
    ].value
    response = client.get(HOME_URL)
    assert response.status_code == 302
    assert response.url.startswith(PORTAL_LOGIN)


def test_agent_pages_never_see_a_customer_user(client, erin):
    portal_login(client, erin)
    response = client.get(AGENT_LOGIN)
    assert response.wsgi_request.customer_user is None


# Both at once in one browser --------------------------------------------------------------------


def test_one_browser_can_hold_both_sessions(client, admin_agent, erin):
    client.force_login(admin_agent)
    client.post(PORTAL_LOGIN, {"username": "erin", "password": PASSWORD})
    home = client.get(HOME_URL)
    assert home.status_code == 200 and "Welcome, Erin Ito" in home.text
    assert client.get(reverse("core:dashboard")).status_code == 200

    client.post(reverse("accounts:logout"))
    assert client.get(reverse("core:dashboard")).status_code == 302
    assert client.get(HOME_URL).status_code == 200  # the agent's logout left the portal alone


def test_the_portal_cookie_is_its_own_and_limited_to_customer(client, erin):
    response = client.post(PORTAL_LOGIN, {"username": "erin", "password": PASSWORD})
    cookie = response.cookies[settings.PORTAL_SESSION_COOKIE_NAME]
    assert cookie["path"] == PORTAL_PREFIX
    assert cookie["httponly"]
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_portal_logout_deletes_only_the_portal_cookie(client, erin):
    portal_login(client, erin)
    response = client.post(reverse("portal:logout"))
    cookie = response.cookies[settings.PORTAL_SESSION_COOKIE_NAME]
    assert cookie.value == "" and cookie["path"] == PORTAL_PREFIX
    assert settings.SESSION_COOKIE_NAME not in response.cookies


# Sessions end when the user changes -------------------------------------------------------------


def test_invalidating_the_customer_user_ends_the_session(client, erin, admin_agent):
    session = portal_login(client, erin)
    services.invalidate_customer_user(erin, actor=admin_agent)
    response = client.get(HOME_URL)
    assert response.status_code == 302
    assert response.url.startswith(PORTAL_LOGIN)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert CUSTOMER_USER_SESSION_KEY not in store(session.session_key).load()


def test_a_new_password_set_elsewhere_ends_the_session(client, erin, admin_agent):
    portal_login(client, erin)
    services.update_customer_user(erin, actor=admin_agent, password="Admin-chosen-42")
    assert client.get(HOME_URL).status_code == 302


def test_removing_the_password_ends_the_session(client, erin):
    portal_login(client, erin)
    erin.set_password(None)
    erin.save(update_fields=["password"])
    assert client.get(HOME_URL).status_code == 302


def test_password_change_in_the_portal_ends_the_other_portal_sessions(erin):
    mine, other = Client(), Client()
    mine.post(PORTAL_LOGIN, {"username": "erin", "password": PASSWORD})
    portal_login(other, erin)
    mine.post(
        "/customer/profile/",
        {
            "section": "password",
            "current_password": PASSWORD,
            "new_password": "Fresh-lantern-93",
            "new_password_again": "Fresh-lantern-93",
        },
    )
    assert mine.get(HOME_URL).status_code == 200
    assert other.get(HOME_URL).status_code == 302


# Language and time zone -------------------------------------------------------------------------


def test_the_customer_users_language_and_time_zone_apply(client, acme):
    hanako = CustomerUserFactory(
        login="hanako", company=acme, password=PASSWORD, language="ja", time_zone="Asia/Tokyo"
    )
    portal_login(client, hanako)
    response = client.get(HOME_URL, headers={"accept-language": "en"})
    assert response.wsgi_request.LANGUAGE_CODE == "ja"
    assert '<html lang="ja">' in response.text
    assert response.context["TIME_ZONE"] == "Asia/Tokyo"


def test_signed_out_pages_follow_the_language_switch(client, db):
    response = client.post(reverse("set_language"), {"language": "ja", "next": PORTAL_LOGIN})
    assert response.status_code == 302 and response.url == PORTAL_LOGIN
    page = client.get(PORTAL_LOGIN)
    assert '<html lang="ja">' in page.text
    assert page.wsgi_request.LANGUAGE_CODE == "ja"


def test_the_time_zone_does_not_leak_into_the_next_request(client, acme, admin_agent):
    hanako = CustomerUserFactory(
        login="hanako", company=acme, password=PASSWORD, time_zone="Asia/Tokyo"
    )
    portal_login(client, hanako)
    assert client.get(HOME_URL).context["TIME_ZONE"] == "Asia/Tokyo"
    response = Client().get(PORTAL_LOGIN)
    assert response.context["TIME_ZONE"] == settings.TIME_ZONE
