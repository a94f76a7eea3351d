from django.core.management import call_command

from opsdesk.accounts.demo import DEMO_AGENTS
from opsdesk.accounts.models import Agent
from opsdesk.accounts.selectors import has_group_permission, is_admin
from opsdesk.core.menu import visible_keys


def test_createsuperuser_creates_an_agent_with_every_right(db):
    call_command(
        "createsuperuser", interactive=False, login="root", email="root@example.com", verbosity=0
    )
    agent = Agent.objects.get(login="root")
    assert agent.is_superuser
    assert list(agent.roles.values_list("name", flat=True)) == ["itsm_admin"]
    assert is_admin(agent)
    assert has_group_permission(agent, "priority", "users")
    assert {"admin", "reports", "admin_agents"} <= visible_keys(agent)


def test_setup_seeds_demo_agents_once(db):
    call_command("opsdesk_setup", "--demo", verbosity=0)
    call_command("opsdesk_setup", "--demo", verbosity=0)
    assert set(Agent.objects.values_list("login", flat=True)) == set(DEMO_AGENTS)
    roles = {agent.login: [r.name for r in agent.roles.all()] for agent in Agent.objects.all()}
    assert roles == {login: [spec[2]] for login, spec in DEMO_AGENTS.items()}
