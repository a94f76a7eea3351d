"""End to end: an agent takes a phone call from a demo customer, adds a note, replies by email
(received by a real SMTP server), moves the ticket, closes it, and finds each step in the history.
"""

import re

import pytest
from playwright.sync_api import expect

from opsdesk.accounts.demo import DEMO_PASSWORD, seed_demo_agents
from opsdesk.customers.demo import seed_demo_customers
from opsdesk.tickets.choices import HistoryType
from opsdesk.tickets.models import Ticket

from .test_foundation_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def run_action(page, name: str) -> None:
    """Click a zoom action, opening its dropdown first when it sits in one."""
    action = page.get_by_test_id("ticket-actions").locator(f'[data-action="{name}"]')
    if not action.is_visible():
        page.locator(f'.dropdown:has([data-action="{name}"]) > button').click()
    action.click()


def submit(page) -> None:
    page.locator("main form button[type=submit]").last.click()


def test_phone_ticket_note_reply_move_close_and_history(page, live_server, smtp_sink):
    seed_demo_agents()
    seed_demo_customers()
    base = live_server.url
    sign_in(page, base, "agent", DEMO_PASSWORD)

    # Tickets → New phone ticket; the caller is found as one types.
    menu = page.get_by_test_id("main-menu")
    menu.locator('[data-menu="tickets"] > a').click()
    menu.locator('a[data-menu="ticket_new_phone"]').click()
    expect(page).to_have_url(re.compile(r"/tickets/new/phone/"))
    page.locator("input[name=customer]").fill("john")
    page.get_by_test_id("customer-option").first.click()
    expect(page.get_by_test_id("customer-selected")).to_contain_text("john.smith")
    page.locator("select[name=queue]").select_option(label="Service Desk")
    page.locator("input[name=title]").fill("Laptop does not start after the update")
    page.locator("textarea[name=body]").fill("John called: the laptop shows a black screen.")
    submit(page)

    expect(page.get_by_test_id("ticket-title")).to_contain_text(
        "Laptop does not start after the update"
    )
    ticket = Ticket.objects.get(title="Laptop does not start after the update")
    assert ticket.customer_user.login == "john.smith"
    expect(page.get_by_test_id("customer-panel")).to_contain_text("john.smith")

    # An internal note.
    run_action(page, "note")
    page.locator("input[name=subject]").fill("Checked the update log")
    page.locator("textarea[name=body]").fill("BIOS update failed half way; needs a re-flash.")
    submit(page)
    expect(page.get_by_test_id("article-timeline")).to_contain_text("Checked the update log")

    # A reply by email to the customer's call (its article is collapsed under the newer note),
    # received by the SMTP server.
    call = page.locator('[data-testid="article"][data-article-kind="customer"]').first
    call.locator(".card-header button").click()
    call.locator('[data-action="reply"]').click()
    expect(page.locator("input[name=to]")).to_have_value(re.compile("john.smith"))
    page.locator("textarea[name=body]").fill(
        "We will re-flash the BIOS this afternoon; please bring the laptop to the desk."
    )
    submit(page)
    expect(page.get_by_test_id("article-timeline")).to_contain_text("re-flash the BIOS")
    assert len(smtp_sink) == 1
    sent = smtp_sink[0]
    assert f"[Ticket#{ticket.number}]" in sent["Subject"]
    assert ticket.customer_user.email in sent["X-Envelope-To"]
    assert "re-flash the BIOS" in sent.get_body(preferencelist=("plain",)).get_content()

    # Move it to the Incident desk.
    run_action(page, "move")
    page.locator("select[name=queue]").select_option(label="Incident")
    submit(page)
    expect(page.get_by_test_id("ticket-header")).to_contain_text("Incident")

    # Close it.
    run_action(page, "close")
    page.locator("select[name=state]").select_option(label="Closed")
    submit(page)
    expect(page.get_by_test_id("ticket-state")).to_have_text("Closed")

    # The history lists every step.
    run_action(page, "history")
    history = page.locator("main")
    for label in (
        "Ticket created",
        "Phone call from the customer",
        "Note added",
        "Reply sent",
        "Moved",
        "State changed",
    ):
        expect(history).to_contain_text(label)
    types = set(ticket.history.values_list("history_type", flat=True))
    assert {
        HistoryType.NEW_TICKET,
        HistoryType.PHONE_CALL_CUSTOMER,
        HistoryType.ADD_NOTE,
        HistoryType.SEND_ANSWER,
        HistoryType.MOVE,
        HistoryType.STATE_UPDATE,
    } <= types


def test_japanese_agent_opens_a_phone_ticket_in_japanese(page, live_server, make_agent):
    """The same screens in Japanese: 担当窓口, workflow states and history labels translated."""
    from opsdesk.accounts.tests.factories import PASSWORD

    seed_demo_customers()
    make_agent("itsm_user", login="suzuki", first_name="一郎", last_name="鈴木", language="ja")
    base = live_server.url
    sign_in(page, base, "suzuki", PASSWORD)

    page.goto(f"{base}/tickets/new/phone/")
    expect(page.locator("h1")).to_have_text("新規電話チケット")
    expect(page.locator("label[for=id_queue]")).to_contain_text("担当窓口")
    page.locator("input[name=customer]").fill("tanaka")
    page.get_by_test_id("customer-option").first.click()
    page.locator("select[name=queue]").select_option(label="Service Desk")
    page.locator("input[name=title]").fill("経費精算システムにログインできません")
    page.locator("textarea[name=body]").fill("田中様より電話。パスワードを変更してから失敗する。")
    submit(page)

    expect(page.get_by_test_id("ticket-title")).to_contain_text("経費精算システム")
    expect(page.get_by_test_id("ticket-state")).to_have_text("新規")
    run_action(page, "history")
    expect(page.get_by_test_id("ticket-history")).to_contain_text("チケット作成")
    expect(page.get_by_test_id("ticket-history")).to_contain_text("顧客からの電話")
