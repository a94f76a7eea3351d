from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from opsdesk.accounts.models import Agent, ApiToken
from opsdesk.accounts.services import create_api_token, revoke_api_token, update_agent
from opsdesk.accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def call(raw: str | None, method="get", url=ME, **kwargs):
    client = APIClient()
    if raw is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return getattr(client, method)(url, **kwargs)


def test_me_lives_at_api_v1():
    assert reverse("api-v1:me") == ME


def test_a_personal_token_signs_the_agent_in(plain_agent):
    token, raw = create_api_token(agent=plain_agent, name="script")

    response = call(raw)

    assert response.status_code == 200
    assert response.json()["login"] == "nobody"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_is_refused(plain_agent):
    token, raw = create_api_token(agent=plain_agent, name="script")
    assert call(raw).status_code == 200

    revoke_api_token(token=token)
    response = call(raw)

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid, expired or revoked token."}


def test_an_expired_token_is_refused(plain_agent):
    _, raw = create_api_token(
        agent=plain_agent, name="script", expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert call(raw).status_code == 401


def test_a_token_that_has_not_expired_yet_works(plain_agent):
    _, raw = create_api_token(
        agent=plain_agent, name="script", expires_at=timezone.now() + timedelta(days=1)
    )
    assert call(raw).status_code == 200


def test_the_token_of_an_invalid_agent_is_refused(plain_agent):
    _, raw = create_api_token(agent=plain_agent, name="script")
    update_agent(agent=plain_agent, is_active=False)

    response = call(raw)

    assert response.status_code == 401
    assert response.json() == {"detail": "The agent is invalid."}


@pytest.mark.parametrize(
    "header",
    [
        "Token odk_wrong",
        "Token ",
        "Token two words",
        "Bearer {raw}",
        "{raw}",
    ],
)
def test_a_wrong_or_malformed_token_is_refused(plain_agent, header):
    _, raw = create_api_token(agent=plain_agent, name="script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.format(raw=raw))

    response = client.get(ME)

    assert response.status_code == 401
    assert response.json()["detail"]
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_is_stored_only_as_a_hash(plain_agent):
    token, raw = create_api_token(agent=plain_agent, name="script")
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in (stored.token_hash, stored.prefix, stored.name)
    assert stored.token_hash == ApiToken.hash(raw)


def test_without_credentials_the_api_answers_401_in_json():
    response = call(None)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_the_browser_session_of_a_signed_in_agent_works(client, plain_agent):
    assert client.login(username="nobody", password=PASSWORD)
    # The agent session middleware ends sessions that do not remember the session generation.
    session = client.session
    session["opsdesk_session_generation"] = plain_agent.session_generation
    session.save()

    response = client.get(ME)

    assert response.status_code == 200
    assert response.json()["login"] == "nobody"


def test_session_writes_need_the_csrf_token(admin_agent):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(admin_agent)
    data = {"login": "zoe", "first_name": "Zoe", "last_name": "Z", "email": "zoe@example.com"}

    refused = browser.post("/api/v1/agents/", data, format="json")

    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not Agent.objects.filter(login="zoe").exists()

    secret = "k" * 32  # what the CSRF cookie of a browser holds
    browser.cookies["csrftoken"] = secret
    accepted = browser.post("/api/v1/agents/", data, format="json", HTTP_X_CSRFTOKEN=secret)

    assert accepted.status_code == 201, accepted.json()
    assert Agent.objects.filter(login="zoe").exists()


def test_token_requests_need_no_csrf_token(admin_agent):
    _, raw = create_api_token(agent=admin_agent, name="script")
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    data = {"login": "zoe", "first_name": "Zoe", "last_name": "Z", "email": "zoe@example.com"}

    assert client.post("/api/v1/agents/", data, format="json").status_code == 201
