import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_the_schema_describes_the_agent_endpoints(admin_client):
    response = admin_client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/agents/",
        "/api/v1/agents/{id}/",
        "/api/v1/agents/{id}/group-permissions/",
        "/api/v1/groups/",
        "/api/v1/roles/",
        "/api/v1/roles/{id}/group-permissions/",
        "/api/v1/me/",
    ):
        assert path in paths
    # DELETE invalidates and answers with the object, so the schema promises a body.
    assert set(paths["/api/v1/agents/{id}/"]["delete"]["responses"]) == {"200"}
    agent = response.json()["components"]["schemas"]["Agent"]["properties"]
    assert "password" not in agent  # write only: it appears in the request body only
    assert "password" in response.json()["components"]["schemas"]["AgentRequest"]["properties"]


def test_the_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert "/api/v1/agents/" in (tmp_path / "s.yml").read_text()


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_schema_and_documentation_are_for_signed_in_agents(client, make_agent, url):
    assert client.get(url).status_code in (401, 403)
    client.force_login(make_agent("itsm_viewer"))
    assert client.get(url).status_code == 200


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_interactive_documentation_loads_only_local_assets(admin_client, url):
    response = admin_client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower()
    assert "jsdelivr" not in html.lower()
    assets = [asset for asset in _asset_urls(html) if not asset.startswith("#")]
    assert assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/").split("?")[0]), asset


def test_swagger_ui_does_not_call_the_online_validator(admin_client):
    html = admin_client.get("/api/docs/").content.decode()
    assert '"validatorUrl": null' in html


def test_the_api_root_lists_the_endpoints(admin_client):
    response = admin_client.get("/api/v1/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert set(response.json()) >= {"agents", "groups", "roles", "me"}
    assert response.json()["me"].endswith("/api/v1/me/")


def test_api_home_leads_to_version_1(client):
    response = client.get("/api/")
    assert response.status_code == 302
    assert response["Location"] == "/api/v1/"


def test_unknown_api_addresses_answer_in_json(admin_client):
    response = admin_client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "There is no API endpoint at this address."}


def test_a_missing_final_slash_is_pointed_out(plain_agent):
    client = APIClient()
    client.force_authenticate(plain_agent)

    response = client.get("/api/v1/me")

    assert response.status_code == 404
    assert "slash" in response.json()["detail"]
