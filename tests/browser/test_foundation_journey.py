"""End to end: an admin creates an Operation Agent, who signs in and switches to Japanese."""

import re

import pytest
from playwright.sync_api import expect

from opsdesk.accounts.demo import DEMO_PASSWORD, seed_demo_agents
from opsdesk.accounts.models import Agent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Tanaka-opsdesk-77"


def sign_in(page, base_url, login, password):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label(re.compile("Login or email|ログインまたはメール")).fill(login)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()


def sign_out(page):
    page.get_by_test_id("avatar-menu").click()
    page.locator("form[action$='/accounts/logout/'] button").click()
    expect(page.locator("input[name=username]")).to_be_visible()


def test_admin_creates_operation_agent_who_switches_to_japanese(page, live_server):
    seed_demo_agents()
    base = live_server.url

    sign_in(page, base, "admin", DEMO_PASSWORD)
    menu = page.get_by_test_id("main-menu")
    expect(menu.locator('[data-menu="admin"]')).to_be_visible()
    menu.locator('[data-menu="admin"] > a').click()
    menu.locator('a[data-menu="admin_agents"]').click()
    expect(page).to_have_url(re.compile(r"/admin/agents/$"))
    page.get_by_test_id("add").click()

    page.locator("input[name=first_name]").fill("Hanako")
    page.locator("input[name=last_name]").fill("Tanaka")
    page.locator("input[name=login]").fill("tanaka")
    page.locator("input[name=email]").fill("tanaka@example.com")
    page.locator("input[name=new_password]").fill(NEW_PASSWORD)
    page.get_by_label("itsm_user").check()
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator("main")).to_contain_text("tanaka@example.com")
    assert list(Agent.objects.get(login="tanaka").roles.values_list("name", flat=True)) == [
        "itsm_user"
    ]
    sign_out(page)

    sign_in(page, base, "tanaka", NEW_PASSWORD)
    menu = page.get_by_test_id("main-menu")
    expect(menu.locator('[data-menu="tickets"]')).to_be_visible()
    expect(menu.locator('[data-menu="admin"]')).to_have_count(0)
    expect(menu.locator('[data-menu="reports"]')).to_have_count(0)

    page.get_by_test_id("avatar-menu").click()
    page.locator(".dropdown-menu a[href$='/accounts/preferences/profile/']").click()
    page.locator("select[name=language]").select_option("ja")
    page.get_by_test_id("profile-form").locator("button[type=submit]").click()

    expect(page.locator("html")).to_have_attribute("lang", "ja")
    menu = page.get_by_test_id("main-menu")
    expect(menu).to_contain_text("ダッシュボード")
    expect(menu).to_contain_text("チケット")
    expect(menu).to_contain_text("顧客")
    expect(menu.locator('[data-menu="admin"]')).to_have_count(0)
    expect(menu.locator('[data-menu="reports"]')).to_have_count(0)
    expect(menu).not_to_contain_text("レポート")
    expect(menu).not_to_contain_text("管理")

    # The server agrees with the menu: Admin and Reports answer 403 to this agent.
    for path in ("/admin/agents/", "/reports/"):
        response = page.request.get(f"{base}{path}")
        assert response.status == 403, path
