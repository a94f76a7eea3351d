"""Writes of the accounts area: agents, groups, roles and their grants."""

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from opsdesk.core.models import AuditAction
from opsdesk.core.services import diff, record_change, snapshot

from .choices import Permission
from .defaults import DEFAULT_GROUPS, DEFAULT_ROLES
from .models import Agent, AgentGroupPermission, ApiToken, Group, Role, RoleGroupPermission
from .selectors import forget_group_permissions


@transaction.atomic
def ensure_default_groups_and_roles() -> dict[str, Role]:
    """Create the default groups and the four roles by function when missing (idempotent).

    Existing grants are left alone so that an administrator's changes survive upgrades.
    """
    groups = {}
    for name, comment in DEFAULT_GROUPS.items():
        groups[name], _ = Group.objects.get_or_create(name=name, defaults={"comment": str(comment)})
    roles = {}
    for name, (comment, grants) in DEFAULT_ROLES.items():
        role, created = Role.objects.get_or_create(name=name, defaults={"comment": str(comment)})
        roles[name] = role
        if created:
            RoleGroupPermission.objects.bulk_create(
                RoleGroupPermission(role=role, group=groups[group], permission=permission)
                for group, permissions in grants.items()
                for permission in permissions
            )
    return roles


def _normalised(permissions) -> set[str]:
    keys = set(permissions)
    unknown = keys - set(Permission.values)
    if unknown:
        raise ValueError(f"Unknown permission: {', '.join(sorted(unknown))}")
    # Storing rw makes the other keys redundant (OTOBO's Group.pm drops them too).
    return {Permission.RW.value} if Permission.RW in keys else keys


def agent_snapshot(agent: Agent) -> dict:
    return snapshot(agent, {"roles": [role.name for role in agent.roles.all()]})


@transaction.atomic
def create_agent(*, actor=None, password: str | None = None, roles=(), **fields) -> Agent:
    """Create an agent; a missing password leaves the account without a usable one."""
    agent = Agent(created_by=actor, changed_by=actor, **fields)
    if password:
        validate_password(password, agent)
        agent.set_password(password)
    else:
        agent.set_unusable_password()
    agent.full_clean()
    agent.save()
    if roles:
        agent.roles.set(roles)
    record_change(
        actor=actor, instance=agent, action=AuditAction.CREATE, changes=agent_snapshot(agent)
    )
    return agent


@transaction.atomic
def update_agent(*, agent: Agent, actor=None, password: str | None = None, roles=None, **fields):
    """Change an agent's fields (and roles, password when given), logging what changed."""
    before = agent_snapshot(Agent.objects.get(pk=agent.pk))
    for name, value in fields.items():
        setattr(agent, name, value)
    if password:
        validate_password(password, agent)
        agent.set_password(password)
    if fields.get("is_active"):
        # Re-activation by an administrator clears the login lockout (accounts.md).
        agent.failed_login_count = 0
        agent.locked_until = None
    agent.changed_by = actor
    agent.full_clean()
    agent.save()
    if roles is not None:
        agent.roles.set(roles)
        forget_group_permissions(agent)
    changes = diff(before, agent_snapshot(agent))
    if password:
        changes["password"] = ["***", "***"]
    record_change(actor=actor, instance=agent, action=AuditAction.UPDATE, changes=changes)
    return agent


@transaction.atomic
def set_agent_group_permissions(*, agent: Agent, group: Group, permissions, actor=None) -> None:
    """Replace the agent's direct permissions on one group."""
    _replace_grants(
        AgentGroupPermission.objects.filter(agent=agent, group=group),
        lambda key: AgentGroupPermission(agent=agent, group=group, permission=key),
        permissions,
        actor=actor,
        instance=agent,
        label=f"group:{group.name}",
    )
    forget_group_permissions(agent)


@transaction.atomic
def set_role_group_permissions(*, role: Role, group: Group, permissions, actor=None) -> None:
    """Replace the role's permissions on one group."""
    _replace_grants(
        RoleGroupPermission.objects.filter(role=role, group=group),
        lambda key: RoleGroupPermission(role=role, group=group, permission=key),
        permissions,
        actor=actor,
        instance=role,
        label=f"group:{group.name}",
    )


def _replace_grants(existing, make, permissions, *, actor, instance, label):
    keys = _normalised(permissions)
    before = sorted(existing.values_list("permission", flat=True))
    if set(before) == keys:
        return
    existing.delete()
    type(make("ro")).objects.bulk_create(make(key) for key in sorted(keys))
    record_change(
        actor=actor,
        instance=instance,
        action=AuditAction.UPDATE,
        changes={label: [before, sorted(keys)]},
    )


@transaction.atomic
def set_role_members(*, role: Role, agents, actor=None) -> None:
    """Replace the agents holding a role."""
    before = sorted(role.agents.values_list("login", flat=True))
    role.agents.set(agents)
    after = sorted(role.agents.values_list("login", flat=True))
    record_change(
        actor=actor,
        instance=role,
        action=AuditAction.UPDATE,
        changes=diff({"agents": before}, {"agents": after}),
    )


def record_successful_login(agent: Agent) -> None:
    Agent.objects.filter(pk=agent.pk).update(
        failed_login_count=0, locked_until=None, last_login=timezone.now()
    )


@transaction.atomic
def log_out_everywhere(agent: Agent) -> None:
    """End every session of the agent by raising the session generation they remember."""
    Agent.objects.filter(pk=agent.pk).update(session_generation=agent.session_generation + 1)
    agent.session_generation += 1


@transaction.atomic
def create_api_token(*, agent: Agent, name: str, expires_at=None) -> tuple[ApiToken, str]:
    """Create a personal API token; returns it with the raw value, which is shown only once."""
    name = name.strip()
    if not name:
        raise ValueError("An API token needs a name.")
    raw = ApiToken.generate_raw()
    token = ApiToken.objects.create(
        agent=agent,
        name=name[:100],
        prefix=raw[4:12],
        token_hash=ApiToken.hash(raw),
        expires_at=expires_at,
    )
    return token, raw


def revoke_api_token(*, token: ApiToken) -> None:
    """Revoke a token; it stops working at once and stays listed as revoked."""
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        token.revoked_at = timezone.now()
