"""``statement_timeout``: PostgreSQL cancels what runs too long; SQLite runs unbounded."""

import pytest
from django.db import OperationalError, connection

from opsdesk.core.db import is_statement_timeout, statement_timeout

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_statement_past_the_timeout_is_cancelled_and_recognised():
    if connection.vendor != "postgresql":
        with statement_timeout(0.05), connection.cursor() as cursor:
            cursor.execute("SELECT 1")  # no limit, no error
        return
    with (
        pytest.raises(OperationalError) as raised,
        statement_timeout(0.05),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT pg_sleep(0.5)")
    assert is_statement_timeout(raised.value)
    # The limit ended with its transaction.
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


def test_other_errors_are_not_timeouts():
    assert not is_statement_timeout(OperationalError("disk full"))
    assert not is_statement_timeout(ValueError("no"))
