"""End to end (manual 5.2–5.5.1): an agent finds tickets by a Japanese word in the ticket search,
works the queue view, links two tickets and sees the link on both; a Japanese agent does the
search in Japanese and merges a ticket."""

import re

import pytest
from playwright.sync_api import expect

from opsdesk.accounts.demo import DEMO_PASSWORD, seed_demo_agents
from opsdesk.accounts.tests.factories import PASSWORD
from opsdesk.tickets.models import Queue, Ticket
from opsdesk.tickets.tests.factories import TicketFactory

from .test_foundation_journey import sign_in
from .test_tickets_journey import run_action

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _tickets():
    desk = Queue.objects.get(full_name="Service Desk")
    outage = TicketFactory(
        queue=desk,
        title="メールが届かない",
        body="本日9時から社内メールサーバーで障害が発生しています。",
    )
    second = TicketFactory(
        queue=desk, title="VPN接続が切れる", body="VPN接続の障害で在宅勤務ができません。"
    )
    unrelated = TicketFactory(queue=desk, title="Printer jam", body="Paper stuck in tray 2.")
    return outage, second, unrelated


def test_search_by_a_japanese_word_queue_view_and_linking(page, live_server):
    seed_demo_agents()
    outage, second, unrelated = _tickets()
    base = live_server.url
    sign_in(page, base, "manager", DEMO_PASSWORD)

    # Tickets → Search: a two-character Japanese word inside sentences without spaces.
    menu = page.get_by_test_id("main-menu")
    menu.locator('[data-menu="tickets"] > a').click()
    menu.locator('a[data-menu="ticket_search"]').click()
    expect(page).to_have_url(re.compile(r"/tickets/search/"))
    page.locator("input[name=fulltext]").fill("障害")
    page.get_by_test_id("search-submit").click()
    table = page.get_by_test_id("ticket-list")
    expect(table).to_contain_text(outage.number)
    expect(table).to_contain_text(second.number)
    expect(table).not_to_contain_text(unrelated.number)
    expect(page).to_have_url(re.compile(r"fulltext="))

    # The queue view lists the Service Desk's open tickets with their count in the tree.
    menu.locator('[data-menu="tickets"] > a').click()
    menu.locator('a[data-menu="ticket_queue_view"]').click()
    expect(page).to_have_url(re.compile(r"/tickets/queues/"))
    page.locator("main").get_by_role("link", name=re.compile(r"^Service Desk")).first.click()
    expect(page.get_by_test_id("ticket-list")).to_contain_text(unrelated.number)

    # Link: the outage is the parent of the VPN ticket.
    page.goto(f"{base}/tickets/{outage.pk}/")
    run_action(page, "link")
    page.get_by_test_id("link-search").fill(second.number)
    expect(page.get_by_test_id("link-result")).to_have_count(1)
    page.get_by_label("Parent/child: this ticket is the parent").check()
    page.locator("main form button[type=submit]").last.click()
    expect(page.get_by_test_id("ticket-links")).to_contain_text(second.number)

    page.goto(f"{base}/tickets/{outage.pk}/")
    panel = page.get_by_test_id("linked-objects")
    expect(panel.locator('[data-testid="linked-object"][data-relation="child"]')).to_contain_text(
        second.number
    )
    panel.get_by_role("link", name=re.compile(second.number)).click()
    expect(page.get_by_test_id("ticket-title")).to_contain_text("VPN接続が切れる")
    expect(
        page.get_by_test_id("linked-objects").locator(
            '[data-testid="linked-object"][data-relation="parent"]'
        )
    ).to_contain_text(outage.number)


def test_japanese_agent_searches_and_merges_in_japanese(page, live_server, make_agent):
    seed_demo_agents()
    outage, second, _unrelated = _tickets()
    make_agent("itsm_manager", login="sato", first_name="花子", last_name="佐藤", language="ja")
    base = live_server.url
    sign_in(page, base, "sato", PASSWORD)

    page.goto(f"{base}/tickets/search/")
    expect(page.locator("h1")).to_have_text("チケット検索")
    page.locator("input[name=fulltext]").fill("メールサーバー")
    page.get_by_test_id("search-submit").click()
    # A single hit opens the ticket.
    expect(page.get_by_test_id("ticket-title")).to_contain_text("メールが届かない")

    # Merge the VPN ticket into the outage ticket; its articles move there.
    page.goto(f"{base}/tickets/{second.pk}/")
    run_action(page, "merge")
    page.locator("input[name=into]").fill(outage.number)
    page.locator("main form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(rf"/tickets/{outage.pk}/"))
    expect(page.get_by_test_id("article-timeline")).to_contain_text("在宅勤務")
    second.refresh_from_db()
    assert second.merged_into_id == outage.pk
    assert Ticket.objects.get(pk=second.pk).state.state_type == "merged"
