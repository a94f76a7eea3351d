"""The global search box finds tickets by number and title, only in queues the agent may see."""

from opsdesk.tickets.search import search_tickets

from .factories import QueueFactory, TicketFactory


def test_number_and_title_find_visible_tickets_only(ro_agent, queue):
    mine = TicketFactory(queue=queue, title="VPN drops every hour")
    hidden = TicketFactory(queue=QueueFactory(), title="VPN for the secret lab")

    by_title = [hit.label for hit in search_tickets(ro_agent, "vpn")]
    assert by_title == [f"{mine.number} VPN drops every hour"]

    by_number = search_tickets(ro_agent, mine.number[-6:])
    assert [hit.url for hit in by_number] == [f"/tickets/{mine.pk}/"]
    assert search_tickets(ro_agent, hidden.number) == []


def test_japanese_title_found(ro_agent, queue):
    ticket = TicketFactory(queue=queue, title="メールサーバーに接続できません")
    assert [hit.label for hit in search_tickets(ro_agent, "接続")] == [
        f"{ticket.number} メールサーバーに接続できません"
    ]
