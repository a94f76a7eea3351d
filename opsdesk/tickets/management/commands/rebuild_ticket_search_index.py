"""Rebuild the full-text index of ticket articles (``tickets.fulltext``)."""

import time

from django.core.management import BaseCommand

from opsdesk.tickets import fulltext


class Command(BaseCommand):
    help = (
        "Rebuild the full-text search index of ticket articles (all, or of the given tickets). "
        "Searches keep working while it runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--ticket",
            type=int,
            action="append",
            dest="ticket_ids",
            metavar="ID",
            help="Only the articles of this ticket (database id; repeat for more).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=2000,
            help="Articles per batch and transaction (default 2000).",
        )

    def handle(self, *args, ticket_ids=None, batch_size=2000, **options):
        started = time.monotonic()
        verbosity = options.get("verbosity", 1)

        def progress(done, total):
            if verbosity >= 1:
                rate = done / max(time.monotonic() - started, 0.001)
                self.stdout.write(f"{done:,} of {total:,} articles indexed ({rate:,.0f}/s)")

        count = fulltext.reindex(ticket_ids, batch_size=max(batch_size, 1), progress=progress)
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"Search index rebuilt: {count:,} articles in {elapsed:.1f} s.")
        )
