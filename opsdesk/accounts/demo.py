"""Demo agents, one per role by function, for the run command and the tour in the README."""

from django.db import transaction

from .models import Agent
from .services import create_agent, ensure_default_groups_and_roles

DEMO_PASSWORD = "demo-opsdesk-2026"

# login -> (first name, last name, role, language)
DEMO_AGENTS = {
    "admin": ("Aiko", "Admin", "itsm_admin", "en"),
    "manager": ("Masato", "Manager", "itsm_manager", "en"),
    "agent": ("Alex", "Agent", "itsm_user", "en"),
    "viewer": ("Yui", "Viewer", "itsm_viewer", "ja"),
}


@transaction.atomic
def seed_demo_agents() -> list[Agent]:
    """Create the demo agents that do not exist yet; existing ones are left untouched."""
    roles = ensure_default_groups_and_roles()
    created = []
    for login, (first_name, last_name, role, language) in DEMO_AGENTS.items():
        if Agent.objects.filter(login__iexact=login).exists():
            continue
        agent = create_agent(
            login=login,
            first_name=first_name,
            last_name=last_name,
            email=f"{login}@opsdesk.example",
            language=language,
            is_superuser=login == "admin",
            password=DEMO_PASSWORD,
            roles=[roles[role]],
        )
        created.append(agent)
    return created
