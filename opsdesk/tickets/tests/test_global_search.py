"""The global search box finds tickets by number and title, only in queues the agent may see."""

from django.urls import reverse

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


def test_customer_company_and_user_find_their_tickets(ro_agent, queue):
    from opsdesk.customers.tests.factories import CustomerCompanyFactory, CustomerUserFactory

    company = CustomerCompanyFactory(customer_id="ACME", name="Acme Trading")
    user = CustomerUserFactory(company=company, first_name="Hanako", last_name="Yamada")
    by_user = TicketFactory(queue=queue, title="Printer jam", customer_user=user)
    by_address = TicketFactory(queue=queue, title="Mail bounce", customer_address="x@example.org")
    TicketFactory(queue=QueueFactory(), title="Hidden", customer_user=user)

    assert [hit.url for hit in search_tickets(ro_agent, "acme")] == [f"/tickets/{by_user.pk}/"]
    assert [hit.url for hit in search_tickets(ro_agent, "yamada")] == [f"/tickets/{by_user.pk}/"]
    assert [hit.url for hit in search_tickets(ro_agent, "x@example.org")] == [
        f"/tickets/{by_address.pk}/"
    ]


def test_a_whole_number_opens_the_ticket_and_a_partial_one_lists(client, ro_agent, queue):
    ticket = TicketFactory(queue=queue, title="VPN drops every hour")
    client.force_login(ro_agent)

    response = client.get(reverse("core:search"), {"q": ticket.number})
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.pk}/"

    response = client.get(reverse("core:search"), {"q": ticket.number[-6:]})
    assert response.status_code == 200
    assert ticket.title in response.content.decode()


def test_type_ahead_suggests_visible_tickets_only(client, ro_agent, queue):
    mine = TicketFactory(queue=queue, title="VPN drops every hour")
    TicketFactory(queue=QueueFactory(), title="VPN for the secret lab")
    client.force_login(ro_agent)

    html = client.get(reverse("core:search_suggest"), {"q": "vpn"}, HTTP_HX_REQUEST="true")
    text = html.content.decode()
    assert mine.title in text
    assert "secret lab" not in text
    assert "All results for" in text

    too_short = client.get(reverse("core:search_suggest"), {"q": "v"}).content.decode()
    assert "search-suggestions" not in too_short


def test_type_ahead_needs_a_signed_in_agent(client):
    response = client.get(reverse("core:search_suggest"), {"q": "vpn"})
    assert response.status_code == 302
    assert "/login" in response["Location"]
