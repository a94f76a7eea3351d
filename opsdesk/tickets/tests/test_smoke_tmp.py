from opsdesk.tickets import services
from opsdesk.tickets.models import TicketHistory
from .factories import TicketFactory, state


def test_create_and_change(rw_agent, queue):
    ticket = TicketFactory(queue=queue, actor=rw_agent)
    assert len(ticket.number) == 16
    services.set_state(ticket, actor=rw_agent, state=state("open"))
    services.add_note(ticket, actor=rw_agent, subject="n", body="b", time_units=5)
    services.lock_ticket(ticket, actor=rw_agent)
    print(list(TicketHistory.objects.filter(ticket=ticket).values_list("history_type", "old_value", "new_value")))
