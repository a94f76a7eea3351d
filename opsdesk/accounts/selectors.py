"""Permission answers: "may agent A do P on group G" and "which groups give A permission P".

Effective permission = direct grants ∪ grants of the agent's valid roles, counting only valid groups
(OTOBO's Group.pm). ``rw`` implies every other permission. Superusers hold everything. Answers are
computed once per agent object, which Django loads once per request, so they are cached per request.
"""

from collections import defaultdict

from django.db.models import Q, QuerySet

from .choices import Permission
from .models import Agent, AgentGroupPermission, Group, RoleGroupPermission

_CACHE_ATTR = "_opsdesk_group_permissions"


def _load(agent: Agent) -> dict[str, frozenset[str]]:
    """Group name -> effective permission keys, for valid groups only."""
    if not agent or not agent.is_authenticated or not agent.is_active:
        return {}
    if agent.is_superuser:
        everything = frozenset(Permission.values)
        return {
            name: everything
            for name in Group.objects.filter(valid=True).values_list("name", flat=True)
        }
    grants: dict[str, set[str]] = defaultdict(set)
    direct = AgentGroupPermission.objects.filter(agent=agent, group__valid=True)
    via_roles = RoleGroupPermission.objects.filter(
        role__agents=agent, role__valid=True, group__valid=True
    )
    for name, permission in direct.values_list("group__name", "permission"):
        grants[name].add(permission)
    for name, permission in via_roles.values_list("group__name", "permission"):
        grants[name].add(permission)
    return {
        name: frozenset(Permission.values) if Permission.RW in keys else frozenset(keys)
        for name, keys in grants.items()
    }


def group_permissions(agent: Agent) -> dict[str, frozenset[str]]:
    """The agent's effective permissions per group name (cached on the agent object)."""
    cached = getattr(agent, _CACHE_ATTR, None)
    if cached is None:
        cached = _load(agent)
        if agent is not None and getattr(agent, "pk", None):
            setattr(agent, _CACHE_ATTR, cached)
    return cached


def forget_group_permissions(agent: Agent) -> None:
    """Drop the cached answers, after grants changed within the same request."""
    if hasattr(agent, _CACHE_ATTR):
        delattr(agent, _CACHE_ATTR)


def has_group_permission(agent: Agent, permission: str, group: Group | str) -> bool:
    """May ``agent`` do ``permission`` on ``group`` (a Group or a group name)?"""
    name = group.name if isinstance(group, Group) else group
    return permission in group_permissions(agent).get(name, frozenset())


def group_names_with_permission(agent: Agent, permission: str) -> frozenset[str]:
    """Names of the valid groups on which the agent holds ``permission``."""
    return frozenset(name for name, keys in group_permissions(agent).items() if permission in keys)


def groups_with_permission(agent: Agent, permission: str) -> QuerySet[Group]:
    """The valid groups on which the agent holds ``permission``, as a queryset to filter by."""
    return Group.objects.filter(name__in=group_names_with_permission(agent, permission))


def is_admin(agent: Agent) -> bool:
    """Administrators hold rw on the ``admin`` group."""
    return has_group_permission(agent, Permission.RW, "admin")


def agents_with_group_permission(permission: str, group: Group) -> QuerySet[Agent]:
    """Valid agents holding ``permission`` on ``group`` (e.g. possible owners of a queue)."""
    keys = [permission, Permission.RW] if permission != Permission.RW else [Permission.RW]
    if not group.valid:
        return Agent.objects.none()
    return Agent.objects.filter(
        Q(is_superuser=True)
        | Q(group_permissions__group=group, group_permissions__permission__in=keys)
        | Q(
            roles__valid=True,
            roles__group_permissions__group=group,
            roles__group_permissions__permission__in=keys,
        ),
        is_active=True,
    ).distinct()
