"""The vendored assets the base layout links are found by the static files machinery."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse


def test_every_asset_of_the_base_layout_exists(admin_client):
    html = admin_client.get(reverse("core:dashboard")).content.decode()
    assets = re.findall(r'(?:href|src)="/static/([^"]+)"', html)
    assert {"vendor/bootstrap/bootstrap.min.css", "vendor/htmx/htmx.min.js"} <= set(assets)
    for asset in assets:
        assert finders.find(asset), asset


@pytest.mark.django_db
def test_static_files_are_served_without_debug(client, settings):
    settings.DEBUG = False
    response = client.get("/static/vendor/bootstrap/bootstrap.min.css")
    assert response.status_code == 200
