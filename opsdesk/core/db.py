"""Database helpers shared by the areas.

``statement_timeout`` bounds how long the queries of a block may run on PostgreSQL (searches whose
words are in a large share of the articles can take seconds on millions of rows); SQLite has no
such limit, and the block runs unbounded there.
"""

from contextlib import contextmanager

from django.db import OperationalError, connection, transaction

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout


@contextmanager
def statement_timeout(seconds: float | None):
    """Run the block in a transaction whose statements PostgreSQL cancels after ``seconds``
    (None or 0: no limit). A cancelled statement raises ``OperationalError``; see
    ``is_statement_timeout``."""
    if not seconds or connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true)", [str(int(seconds * 1000))]
            )
        yield


def is_statement_timeout(error: BaseException) -> bool:
    """Was ``error`` PostgreSQL cancelling a statement that ran past its timeout?"""
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) == QUERY_CANCELED
