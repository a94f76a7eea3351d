"""Times the ticket lists and the ticket search on a large data set (server side, in-process).

Run it on a database filled by ``manage.py generate_bench_data``: it signs in as the agent
``bench`` (``rw`` on every group), requests each screen ``--repeat`` times through Django's test
``Client`` (the whole request: middleware, session, view, template) and prints the median, p95 and
maximum in milliseconds, the number of SQL queries, the number of ticket rows on the page and the
target of issue 5. A screen whose URL name does not exist yet, or that does not answer 200, is
reported as such and makes the script exit with status 1.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opsdesk_bench \
        .venv/bin/python bench/ticket_views.py
"""

import argparse
import datetime
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsdesk.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

ROW_MARK = re.compile(rb'name="ticket" value=')


class Case:
    def __init__(self, label, url_name, *, args=(), params=None, target=None, group="lists"):
        self.label = label
        self.url_name = url_name
        self.args = args
        self.params = params or {}
        self.target = target
        self.group = group


def cases(big_queue, small_queue, zoom_ticket, words) -> list[Case]:
    today = timezone.localdate()
    year_ago = (today - datetime.timedelta(days=365)).isoformat()
    half_year_ago = (today - datetime.timedelta(days=182)).isoformat()
    english, japanese, english_medium, english_common = words
    attribute = {
        "state": ["open", "new", "pending"],
        "priority": ["high", "very_high"],
        "created_after": f"{year_ago}T00:00",
        "created_before": f"{half_year_ago}T00:00",
    }
    return [
        Case("queue view, all queues", "tickets:queue_view", params={"queue": "all"}, target=150),
        Case(
            f"queue view, big queue ({big_queue.full_name})",
            "tickets:queue_view",
            params={"queue": big_queue.pk},
            target=150,
        ),
        Case(
            f"queue view, small queue ({small_queue.full_name})",
            "tickets:queue_view",
            params={"queue": small_queue.pk},
            target=150,
        ),
        Case("status view, open", "tickets:status_view", target=150),
        Case("status view, closed", "tickets:status_view", params={"view": "closed"}, target=150),
        Case("escalation view", "tickets:escalation_view", target=150),
        Case("locked tickets", "tickets:locked_list", target=150),
        Case(f"ticket zoom ({zoom_ticket.number})", "tickets:zoom", args=(zoom_ticket.pk,)),
        Case(
            "search: state + priority + created range",
            "tickets:search",
            params=attribute,
            target=300,
            group="search",
        ),
        Case(
            f"search: full text, rare English ({english})",
            "tickets:search",
            params={"fulltext": english},
            target=500,
            group="search",
        ),
        Case(
            f"search: full text, 2-char Japanese ({japanese})",
            "tickets:search",
            params={"fulltext": japanese},
            target=500,
            group="search",
        ),
        Case(
            f"search: full text, 0.1 % word ({english_medium})",
            "tickets:search",
            params={"fulltext": english_medium},
            target=500,
            group="search",
        ),
        Case(
            f"search: full text, 1 % word ({english_common})",
            "tickets:search",
            params={"fulltext": english_common},
            target=500,
            group="search",
        ),
        Case(
            f"search: full text ({english_common}) + open states",
            "tickets:search",
            params={"fulltext": english_common, "state": ["open", "new", "pending"]},
            target=500,
            group="search",
        ),
    ]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--agent", default="bench")
    parser.add_argument("--big-queue", default="Service Desk")
    parser.add_argument("--small-queue", default="IT::Network::Firewall")
    parser.add_argument("--only", default="", help="Run the cases whose label contains this.")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="Print the slowest query of each case with its plan (EXPLAIN ANALYZE on PostgreSQL).",
    )
    options = parser.parse_args()

    from opsdesk.accounts.models import Agent
    from opsdesk.tickets.management.commands.generate_bench_data import RARE_WORDS
    from opsdesk.tickets.models import Article, Queue, Ticket

    agent = Agent.objects.filter(login=options.agent).first()
    if agent is None:
        sys.exit(
            f"No agent {options.agent!r}: fill the database with manage.py generate_bench_data."
        )
    big_queue = Queue.objects.get(full_name=options.big_queue)
    small_queue = Queue.objects.get(full_name=options.small_queue)
    last_id = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first()
    if last_id is None:
        sys.exit("No tickets: fill the database with manage.py generate_bench_data.")
    # A recent ticket with several articles (the one with the most among the last 200).
    recent = Article.objects.filter(ticket_id__gt=last_id - 200).values_list("ticket_id", flat=True)
    counts: dict[int, int] = {}
    for ticket_id in recent:
        counts[ticket_id] = counts.get(ticket_id, 0) + 1
    zoom_ticket = Ticket.objects.get(pk=max(counts, key=counts.get) if counts else last_id)
    words = [w for _lang, w, _share in RARE_WORDS]
    selected = cases(big_queue, small_queue, zoom_ticket, (words[0], words[3], words[1], words[2]))
    if options.only:
        selected = [case for case in selected if options.only.lower() in case.label.lower()]

    tickets = Ticket.objects.count() if connection.vendor != "postgresql" else None
    if tickets is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE relname = 'tickets_ticket'"
            )
            tickets = cursor.fetchone()[0]
    print(
        f"{connection.vendor}, about {tickets:,} tickets; agent {agent.login}; "
        f"{options.repeat} runs after {options.warmup} warm-up; times in ms (sql: median of the "
        f"sum of the queries' times; py cpu: median CPU time of this process); "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    client = Client(SERVER_NAME="localhost")
    client.force_login(agent)

    header = f"{'screen':<58} {'median':>8} {'p95':>8} {'max':>8} {'sql':>8} {'py cpu':>8} "
    header += f"{'queries':>7} {'rows':>5}  target"
    print(header)
    print("-" * len(header))
    problems = []
    for case in selected:
        try:
            url = reverse(case.url_name, args=case.args)
        except NoReverseMatch:
            print(f"{case.label:<58} MISSING: no URL named {case.url_name!r}")
            problems.append(f"{case.label}: the view {case.url_name} does not exist")
            continue
        params = case.params
        probe = client.get(url, params)
        if probe.status_code == 302 and probe["Location"].startswith(url + "?"):
            # The search answers a non-canonical query with a redirect to its short URL.
            url, params = probe["Location"], None
        status = None
        note = ""
        durations, sql_times, cpu_times = [], [], []
        slowest = (0.0, "")
        query_count = rows = 0
        for run in range(options.warmup + options.repeat):
            with CaptureQueriesContext(connection) as captured:
                start, cpu_start = time.perf_counter(), time.process_time()
                response = client.get(url, params)
                elapsed = (time.perf_counter() - start) * 1000
                cpu = (time.process_time() - cpu_start) * 1000
            status = response.status_code
            if status == 302 and "/tickets/" in response["Location"]:
                status, note = 200, f"(one match: redirect to {response['Location']})"
            if status != 200:
                break
            if run < options.warmup:
                continue
            durations.append(elapsed)
            cpu_times.append(cpu)
            sql_times.append(sum(float(q.get("time") or 0) for q in captured) * 1000)
            query_count = len(captured)
            rows = len(ROW_MARK.findall(response.content))
            for query in captured.captured_queries:
                seconds = float(query.get("time") or 0)
                if seconds > slowest[0]:
                    slowest = (seconds, query["sql"])
        if status != 200:
            print(f"{case.label:<58} FAILED: HTTP {status} for {url}")
            problems.append(f"{case.label}: HTTP {status}")
            continue
        median = statistics.median(durations)
        verdict = ""
        if case.target:
            verdict = f"< {case.target}  " + ("ok" if median < case.target else "MISSED")
        print(
            f"{case.label:<58} {median:8.1f} {percentile(durations, 0.95):8.1f} "
            f"{max(durations):8.1f} {statistics.median(sql_times):8.1f} "
            f"{statistics.median(cpu_times):8.1f} {query_count:7d} "
            f"{rows:5d}  {verdict} {note}"
        )
        if options.explain and slowest[1]:
            print(f"    slowest query ({slowest[0] * 1000:.1f} ms): {slowest[1]}")
            print("    " + explain(slowest[1]).replace("\n", "\n    "))
        sys.stdout.flush()
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    if problems:
        print("\nNot measured:\n  " + "\n  ".join(problems))
        sys.exit(1)


if __name__ == "__main__":
    main()
