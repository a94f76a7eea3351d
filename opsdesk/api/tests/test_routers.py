import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework.views import APIView

from opsdesk.api.routers import ApiRouter
from opsdesk.api.urls import API_MODULES, router


def test_every_app_module_registers_its_endpoints():
    assert API_MODULES == [
        "opsdesk.accounts.api",
        "opsdesk.customers.api",
        "opsdesk.tickets.api",
        "opsdesk.tickets.search_api",
        "opsdesk.tickets.merge_api",
        "opsdesk.core.link_api",
    ]
    assert {prefix for prefix, _, _ in router.registry} >= {"agents", "groups", "roles"}
    assert "me" in {prefix for prefix, _, _ in router.views}


def test_two_endpoints_cannot_share_an_address():
    class View(APIView):
        pass

    local = ApiRouter()
    local.register_view("me", View, name="me")
    with pytest.raises(ImproperlyConfigured):
        local.register_view("me", View, name="me-again")
