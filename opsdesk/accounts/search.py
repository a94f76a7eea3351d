"""The accounts area's part of the global search box: agents, for administrators."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from opsdesk.core.search import SearchHit, SearchProvider, register

from .models import Agent
from .selectors import is_admin

LIMIT = 10


def search_agents(agent, text: str) -> list[SearchHit]:
    if not is_admin(agent):
        return []
    matches = Agent.objects.filter(
        Q(login__icontains=text)
        | Q(email__icontains=text)
        | Q(first_name__icontains=text)
        | Q(last_name__icontains=text)
    ).order_by("login")[:LIMIT]
    return [
        SearchHit(
            label=f"{match.full_name} ({match.login})",
            url=reverse("accounts_admin:agent_detail", args=[match.pk]),
            detail=match.email,
        )
        for match in matches
    ]


def register_search() -> None:
    register(SearchProvider(key="agents", title=_("Agents"), search=search_agents))
