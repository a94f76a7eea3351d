"""The menu matrix of accounts.md (manual 1.2.2): what each role sees and what answers 403."""

import pytest
from django.urls import reverse

from opsdesk.core.menu import visible_keys

ALL_AREAS = {"dashboard", "customers", "tickets", "faq", "cmdb", "reports", "admin"}

MATRIX = {
    "itsm_admin": {
        "visible": ALL_AREAS
        | {
            "customer_administration",
            "ticket_queue_view",
            "ticket_new_phone",
            "ticket_new_email",
            "faq_new",
            "faq_language_management",
            "faq_category_management",
            "cmdb_new",
            "statistics",
            "admin_agents",
            "admin_queues",
            "admin_ticket_settings",
        },
        "hidden": set(),
    },
    "itsm_manager": {
        "visible": ALL_AREAS - {"admin"}
        | {
            "customer_administration",
            "ticket_queue_view",
            "ticket_new_phone",
            "ticket_new_email",
            "faq_new",
            "cmdb_new",
            "statistics",
        },
        "hidden": {
            "admin",
            "faq_language_management",
            "faq_category_management",
            "admin_agents",
            "admin_queues",
        },
    },
    "itsm_user": {
        "visible": ALL_AREAS - {"admin", "reports"}
        | {"ticket_new_phone", "ticket_new_email", "faq_new", "cmdb_search"},
        "hidden": {
            "admin",
            "reports",
            "customer_administration",
            "ticket_queue_view",
            "faq_language_management",
            "faq_category_management",
            "cmdb_new",
        },
    },
    "itsm_viewer": {
        "visible": ALL_AREAS - {"admin", "reports"}
        | {"ticket_search", "faq_explorer", "cmdb_search"},
        "hidden": {
            "admin",
            "reports",
            "customer_administration",
            "ticket_queue_view",
            "ticket_new_phone",
            "ticket_new_email",
            "faq_new",
            "faq_language_management",
            "faq_category_management",
            "cmdb_new",
        },
    },
}

AREA_URLS = {
    "customers": "core:area_customers",
    "tickets": "core:area_tickets",
    "faq": "core:area_faq",
    "cmdb": "core:area_cmdb",
    "reports": "core:area_reports",
    "admin": "core:admin_home",
}


@pytest.mark.parametrize("role", sorted(MATRIX))
def test_menu_matrix_per_role(role, make_agent, client):
    agent = make_agent(role)
    keys = visible_keys(agent)
    assert MATRIX[role]["visible"] <= keys
    assert not (MATRIX[role]["hidden"] & keys)

    client.force_login(agent)
    page = client.get(reverse("core:dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    for area, url_name in AREA_URLS.items():
        status = client.get(reverse(url_name)).status_code
        if area in MATRIX[role]["visible"]:
            assert status == 200, (role, area)
            assert f'data-menu="{area}"' in html
        else:
            assert status == 403, (role, area)
            assert f'data-menu="{area}"' not in html


def test_agent_without_roles_sees_only_dashboard(plain_agent, client):
    assert visible_keys(plain_agent) == {"dashboard"}
    client.force_login(plain_agent)
    assert client.get(reverse("core:area_tickets")).status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("core:area_tickets"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
