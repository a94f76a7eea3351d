"""Times the agents list, its search and export, and the permission selector on many agents."""

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


def generate(count: int) -> None:
    """Create ``count`` agents (skipped when they exist), each with a role and a direct grant."""
    from django.contrib.auth.hashers import make_password

    from opsdesk.accounts.models import Agent, AgentGroupPermission, Group
    from opsdesk.accounts.services import ensure_default_groups_and_roles

    roles = list(ensure_default_groups_and_roles().values())
    existing = Agent.objects.filter(login__startswith="bench").count()
    if existing >= count:
        return
    password = make_password("bench-password-1")
    agents = Agent.objects.bulk_create(
        Agent(
            login=f"bench{n:06d}",
            first_name=f"First{n}",
            last_name=f"Last{n}",
            email=f"bench{n:06d}@example.com",
            password=password,
        )
        for n in range(existing, count)
    )
    users = Group.objects.get(name="users")
    Agent.roles.through.objects.bulk_create(
        Agent.roles.through(agent_id=agent.pk, role_id=roles[n % len(roles)].pk)
        for n, agent in enumerate(agents)
    )
    AgentGroupPermission.objects.bulk_create(
        AgentGroupPermission(agent=agent, group=users, permission="note") for agent in agents
    )


def timed(label: str, action, repeat: int = 5) -> None:
    durations, queries = [], 0
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            action()
            durations.append((time.perf_counter() - start) * 1000)
        queries = len(captured)
    print(f"{label:<40} median {statistics.median(durations):8.1f} ms  {queries:4d} queries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=10_000)
    options = parser.parse_args()

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    generate(options.agents)
    print(f"data: {options.agents} agents ready in {time.perf_counter() - start:.1f} s")

    from opsdesk.accounts.models import Agent
    from opsdesk.accounts.selectors import forget_group_permissions, has_group_permission

    admin = Agent.objects.filter(is_superuser=True).first() or Agent.objects.create_superuser(
        "bench-admin", "bench-admin@example.com", "bench-password-1"
    )
    client = Client(SERVER_NAME="localhost")
    client.force_login(admin)

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    timed("agents list, first page", lambda: get("/admin/agents/"))
    timed("agents list, quick search", lambda: get("/admin/agents/?q=Last123"))
    timed("agents list, sorted by email, page 50", lambda: get("/admin/agents/?sort=email&page=50"))
    timed("agents CSV export", lambda: get("/admin/agents/?export=csv"), repeat=1)
    timed("API agents list", lambda: get("/api/v1/agents/?limit=50"))
    agent = Agent.objects.filter(login__startswith="bench0").last()

    def permission_check():
        forget_group_permissions(agent)
        has_group_permission(agent, "note", "users")

    timed("permission selector (uncached)", permission_check, repeat=20)


if __name__ == "__main__":
    main()
