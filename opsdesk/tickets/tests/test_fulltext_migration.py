"""Migration 0003 indexes the articles a database already has (PostgreSQL: with the deferred
foreign-key checks of those rows pending when the GIN index is built)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from opsdesk.tickets import fulltext
from opsdesk.tickets.models import Ticket

from .factories import QueueFactory, TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("tickets", "0002_views_search_links_merge")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def test_existing_articles_are_indexed_when_the_migration_runs():
    if connection.vendor != "postgresql":
        # SQLite cannot alter its schema inside the test's transaction handling; its path of
        # the migration runs whenever a test database is created.
        pytest.skip("migrating back and forth inside a test needs PostgreSQL")
    ticket = TicketFactory(queue=QueueFactory(), body="本日の障害について: the backup failed.")
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("tickets")
    try:
        _migrate(BEFORE)  # the index table keeps its rows; the search structures go
        _migrate(latest)
        assert list(fulltext.filter_tickets(Ticket.objects.all(), "障害")) == [ticket]
        assert list(fulltext.filter_tickets(Ticket.objects.all(), "backup")) == [ticket]
    finally:
        _migrate(latest)
