"""End to end: an agent registers a customer and a customer user, who sets a password from the
emailed link and signs in to the portal in Japanese."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from opsdesk.accounts.demo import DEMO_PASSWORD, seed_demo_agents
from opsdesk.customers.models import CustomerCompany, CustomerUser

from .test_foundation_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PORTAL_PASSWORD = "Sakura-portal-2026"


def test_agent_registers_customer_user_who_signs_in_to_the_portal_in_japanese(
    page, browser, live_server, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    seed_demo_agents()
    base = live_server.url

    # The manager (Customer Administration) registers a company...
    sign_in(page, base, "manager", DEMO_PASSWORD)
    menu = page.get_by_test_id("main-menu")
    menu.locator('[data-menu="customers"] > a').click()
    menu.locator('a[data-menu="customer_administration"]').click()
    expect(page).to_have_url(re.compile(r"/customers/companies/"))
    page.get_by_test_id("add").click()
    page.locator("input[name=customer_id]").fill("SAKURA")
    page.locator("input[name=name]").fill("さくら商事株式会社")
    page.locator("input[name=city]").fill("大阪市")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator("main")).to_contain_text("さくら商事株式会社")
    assert CustomerCompany.objects.filter(customer_id="SAKURA", city="大阪市").exists()

    # ...then a customer user of it, typing the Customer ID (suggested as one types).
    menu.locator('[data-menu="customers"] > a').click()
    menu.locator('a[data-menu="customer_administration"]').click()
    page.get_by_test_id("customer-tabs").locator("a[href$='/customers/users/']").click()
    page.get_by_test_id("add").click()
    page.locator("input[name=login]").fill("sato")
    page.locator("input[name=first_name]").fill("花子")
    page.locator("input[name=last_name]").fill("佐藤")
    page.locator("input[name=email]").fill("sato@sakura.example.jp")
    page.locator("input[name=company]").fill("SAK")
    expect(page.get_by_test_id("company-options").locator("option")).to_have_count(1)
    page.locator("input[name=company]").fill("SAKURA")
    expect(page.locator("input[name=send_password_link]")).to_be_checked()
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator("main")).to_contain_text("sato@sakura.example.jp")
    user = CustomerUser.objects.get(login="sato")
    assert user.company.customer_id == "SAKURA"
    assert not user.has_usable_password

    # The customer user follows the link in the welcome mail, in a browser of their own.
    assert [message.to for message in mail.outbox] == [["sato@sakura.example.jp"]]
    link = re.search(r"https?://\S+/customer/password/set/\S+", mail.outbox[0].body).group(0)
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(15_000)
    customer = context.new_page()
    try:
        customer.goto(link)
        form = customer.get_by_test_id("set-password-form")
        form.locator("input[type=password]").nth(0).fill(PORTAL_PASSWORD)
        form.locator("input[type=password]").nth(1).fill(PORTAL_PASSWORD)
        form.locator("button[type=submit]").click()
        expect(customer.get_by_test_id("portal-welcome")).to_contain_text("花子")
        customer.get_by_test_id("portal-user-menu").click()
        customer.get_by_test_id("portal-logout").click()

        # Signing in again, in Japanese: the language is chosen on the sign-in page.
        expect(customer.get_by_test_id("portal-login-form")).to_be_visible()
        customer.locator("#portal-language").select_option("ja")
        expect(customer.locator("html")).to_have_attribute("lang", "ja")
        login_form = customer.get_by_test_id("portal-login-form")
        expect(login_form.locator("button[type=submit]")).to_have_text("ログイン")
        login_form.locator("input[name=username]").fill("sato")
        login_form.locator("input[name=password]").fill(PORTAL_PASSWORD)
        login_form.locator("button[type=submit]").click()
        expect(customer.locator("html")).to_have_attribute("lang", "ja")
        expect(customer.get_by_test_id("portal-welcome")).to_contain_text("ようこそ")
        expect(customer.get_by_test_id("portal-companies")).to_contain_text("さくら商事株式会社")

        # The portal session opens no agent page.
        response = customer.request.get(f"{base}/customers/companies/", max_redirects=0)
        assert response.status == 302
        assert "/accounts/login/" in response.headers["location"]
    finally:
        context.close()

    # The customer user's change history shows the registration by the manager and the password
    # the customer user set.
    page.goto(f"{base}/customers/users/{user.pk}/")
    history = page.get_by_test_id("history")
    expect(history.locator("tbody tr")).to_have_count(2)
    expect(history.locator("tbody tr").last).to_contain_text("Masato Manager")
    expect(history.locator("tbody tr").first).to_contain_text("set by the customer user")
