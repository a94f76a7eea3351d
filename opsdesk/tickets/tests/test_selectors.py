"""Selectors shared by several screens."""

import pytest

from opsdesk.tickets.models import Ticket
from opsdesk.tickets.selectors import with_number_like

from .factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_ticket_numbers_match_exactly_by_prefix_or_by_pattern(queue):
    first, second = TicketFactory(queue=queue), TicketFactory(queue=queue)
    tickets = Ticket.objects.all()

    def found(pattern):
        return set(with_number_like(tickets, pattern))

    assert found(first.number) == {first}
    assert found(first.number[:8] + "*") == {first, second}
    assert found("*" + second.number[-4:]) == {second}
    assert found(first.number[:8] + "*" + first.number[-2:]) == {first}
    assert found("1234*") == set()
    assert "^" not in str(with_number_like(tickets, "2026*").query)  # a prefix, not a regex
