"""Times the ticket zoom (and its history view) of a ticket with many articles, with query counts.

The query count must not grow with the number of articles: the script compares a ticket with one
article with one with ``--articles`` articles (mail threads, notes, phone calls, HTML bodies and
attachments) and reports both.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsdesk.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402


def bench_agent():
    from opsdesk.accounts.models import Agent

    return Agent.objects.filter(login="bench-admin").first() or Agent.objects.create_superuser(
        "bench-admin", "bench-admin@example.com", "bench-password-1"
    )


def ticket_with_articles(agent, count: int):
    """A ticket in Service Desk whose conversation has ``count`` articles, written through the
    services like real ones (history, time accounting, attachments)."""
    from opsdesk.tickets import outbound, services
    from opsdesk.tickets.models import Queue

    queue = Queue.objects.get(full_name="Service Desk")
    draft = services.ArticleDraft(
        channel="phone",
        sender_type="customer",
        body="The VPN drops every ten minutes since the update.",
        is_visible_for_customer=True,
        from_address="Jane Doe <jane.doe@acme.example.com>",
    )
    ticket = services.create_ticket(
        actor=agent, title=f"Bench zoom: {count} articles", queue=queue, article=draft
    )
    last_mail = None
    for n in range(1, count):
        kind = n % 5
        attachments = []
        if n % 10 == 0:
            attachments = [
                services.AttachmentUpload(f"log-{n}.txt", f"log line {n}\n".encode() * 200),
                services.AttachmentUpload("screenshot.png", b"\x89PNG bench", "image/png"),
            ]
        if kind == 0:
            services.add_note(
                ticket,
                actor=agent,
                subject="Note",
                body=f"Checked the gateway ({n}).",
                attachments=attachments,
                time_units=5,
            )
            continue
        if kind == 1:
            services.add_phone_call(
                ticket, actor=agent, subject="Call", body=f"Customer called ({n}).", inbound=True
            )
            continue
        in_reply_to, references = outbound.threading_headers(last_mail)
        from_agent = kind in (2, 4)
        draft = services.ArticleDraft(
            channel="email",
            sender_type="agent" if from_agent else "customer",
            subject=f"Re: [Ticket#{ticket.number}] VPN drops",
            body=f"Message {n}\n\n" + "Some text of the conversation.\n" * 8,
            body_html=(
                f"<p>Message <b>{n}</b></p><ul><li>one</li><li>two</li></ul>" if kind == 4 else ""
            ),
            is_visible_for_customer=True,
            from_address=(
                queue.system_address.formatted if from_agent else "jane.doe@acme.example.com"
            ),
            to_addresses="jane.doe@acme.example.com" if from_agent else queue.system_address.email,
            message_id=f"<bench-{ticket.pk}-{n}@opsdesk.example>",
            in_reply_to=in_reply_to,
            references=references,
            attachments=attachments,
        )
        last_mail = services.add_article(ticket, draft, actor=agent if from_agent else None)
    return ticket


def timed(label: str, action, repeat: int) -> int:
    durations, queries = [], 0
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            action()
            durations.append((time.perf_counter() - start) * 1000)
        queries = len(captured)
    print(f"{label:<44} median {statistics.median(durations):8.1f} ms  {queries:4d} queries")
    return queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=10)
    options = parser.parse_args()

    call_command("migrate", verbosity=0)
    agent = bench_agent()
    start = time.perf_counter()
    small = ticket_with_articles(agent, 1)
    big = ticket_with_articles(agent, options.articles)
    seconds = time.perf_counter() - start
    print(f"data: tickets with 1 and {options.articles} articles in {seconds:.1f} s")

    client = Client(SERVER_NAME="localhost")
    client.force_login(agent)

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    counts = {}
    for ticket, label in ((small, "1 article"), (big, f"{options.articles} articles")):
        zoom = reverse("tickets:zoom", args=[ticket.pk])
        counts[label] = timed(f"zoom, {label}", lambda url=zoom: get(url), options.repeat)
        history = reverse("tickets:history", args=[ticket.pk])
        timed(f"history, {label}", lambda url=history: get(url), options.repeat)
    small_count, big_count = counts.values()
    verdict = "constant" if small_count == big_count else "GROWS with the articles"
    print(f"zoom queries: {small_count} vs {big_count} ({verdict})")


if __name__ == "__main__":
    main()
