"""Writes of the accounts area: agents, groups, roles and their grants."""

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from opsdesk.core.models import AuditAction
from opsdesk.core.services import (
    create_object,
    diff,
    invalidate_object,
    record_change,
    snapshot,
    update_object,
)

from .choices import Permission
from .defaults import DEFAULT_GROUPS, DEFAULT_ROLES
from .models import Agent, AgentGroupPermission, ApiToken, Group, Role, RoleGroupPermission
from .selectors import forget_group_permissions, is_admin


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


@transaction.atomic
def create_group(*, actor=None, **fields) -> Group:
    """Create a group; permissions are granted on it afterwards."""
    return create_object(Group, actor=actor, **fields)


@transaction.atomic
def update_group(*, group: Group, actor=None, **fields) -> Group:
    """Change a group's name, comment or validity, logging what changed.

    The default groups keep their names: code asks for them by name (``admin``, ``users``, ...).
    """
    name = fields.get("name")
    if name is not None and name != group.name and group.name in DEFAULT_GROUPS:
        message = _("“%(name)s” is a default group and cannot be renamed.")
        raise ValidationError({"name": message % {"name": group.name}})
    return update_object(group, actor=actor, **fields)


@transaction.atomic
def invalidate_group(*, group: Group, actor=None) -> Group:
    """Set a group invalid: its grants stop counting; the group and its grants are kept.

    The ``admin`` group stays valid, or no one but superusers could administer any more.
    """
    if group.name == "admin":
        raise ValidationError(_("The admin group cannot be invalidated."))
    return invalidate_object(group, "valid", actor=actor)


@transaction.atomic
def create_role(*, actor=None, agents=None, **fields) -> Role:
    """Create a role, with its members when given."""
    role = create_object(Role, actor=actor, **fields)
    if agents:
        set_role_members(role=role, agents=agents, actor=actor)
    return role


@transaction.atomic
def update_role(*, role: Role, actor=None, agents=None, **fields) -> Role:
    """Change a role's fields (and its members when given), logging what changed."""
    update_object(role, actor=actor, **fields)
    if agents is not None:
        set_role_members(role=role, agents=agents, actor=actor)
    return role


@transaction.atomic
def invalidate_role(*, role: Role, actor=None) -> Role:
    """Set a role invalid: its grants stop counting for its agents; nothing is deleted."""
    return invalidate_object(role, "valid", actor=actor)


@transaction.atomic
def invalidate_agent(*, agent: Agent, actor=None) -> Agent:
    """Set an agent invalid: no more sign-in, sessions or API tokens; the agent is never deleted.

    Agents cannot invalidate themselves, so that an administrator cannot lock themselves out.
    """
    if actor is not None and actor.pk == agent.pk:
        raise ValidationError(_("You cannot invalidate your own account."))
    return invalidate_object(agent, "is_active", actor=actor)


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


# Personal preferences (manual 1.3) and the lost-password flow (manual 1.2.1). Each of these
# changes only the agent it is given: the signed-in agent, or the one a reset link names.

PROFILE_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "email",
        "language",
        "time_zone",
        "out_of_office_start",
        "out_of_office_end",
        "out_of_office_note",
    }
)
PREFERENCE_FIELDS = frozenset(
    {"page_size", "refresh_interval", "article_order", "start_view", "quote_on_reply"}
)


def _change_own_fields(*, agent: Agent, fields: dict, allowed: frozenset) -> Agent:
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Not a field the agent may change here: {', '.join(sorted(unknown))}")
    # Work on a fresh copy so that bad input leaves the caller's object untouched too.
    current = Agent.objects.select_for_update().get(pk=agent.pk)
    update_object(current, actor=agent, **fields)
    for name in fields:
        setattr(agent, name, getattr(current, name))
    return agent


@transaction.atomic
def update_profile(*, agent: Agent, **fields) -> Agent:
    """Change the agent's own User Profile (manual 1.3.1): name, email, language, zone, absence.

    The email stays unique without regard to case, the time zone must be a known one, and an
    out-of-office period needs both days, the last not before the first. Raises ValidationError
    (keyed by field) and then changes nothing.
    """
    return _change_own_fields(agent=agent, fields=fields, allowed=PROFILE_FIELDS)


@transaction.atomic
def update_preferences(*, agent: Agent, **fields) -> Agent:
    """Change the agent's Miscellaneous preferences (manual 1.3.3).

    Page size and refresh interval must be one of the offered choices. Raises ValidationError
    (keyed by field) and then changes nothing.
    """
    return _change_own_fields(agent=agent, fields=fields, allowed=PREFERENCE_FIELDS)


@transaction.atomic
def change_password(*, agent: Agent, current_password: str, new_password: str) -> None:
    """Change the agent's own password; the current one is required, the new one validated.

    Other sessions of the agent end because the session hash changes; the caller keeps its own
    with ``update_session_auth_hash``. The audit log notes the change, never the values.
    """
    if not agent.check_password(current_password):
        raise ValidationError(
            {"current_password": _("Your current password was entered incorrectly.")}
        )
    try:
        validate_password(new_password, agent)
    except ValidationError as error:
        raise ValidationError({"new_password": error.error_list}) from error
    agent.set_password(new_password)
    agent.changed_by = agent
    agent.save(update_fields=["password", "changed_by", "changed_at"])
    record_change(
        actor=agent, instance=agent, action=AuditAction.UPDATE, changes={"password": ["***", "***"]}
    )


def request_password_reset(*, username: str, base_url: str) -> None:
    """Mail a reset link to the valid agent whose login or email is ``username``, if any.

    Callers answer the same whether or not such an agent exists (no account enumeration); the
    mail goes out through the task queue, so the answer takes about as long either way.
    """
    username = (username or "").strip()
    if not username:
        return
    agent = (
        Agent.objects.filter(Q(login__iexact=username) | Q(email__iexact=username), is_active=True)
        .exclude(email="")
        .first()
    )
    if agent is None:
        return
    from .tasks import send_password_reset_mail

    send_password_reset_mail(agent.pk, base_url)


def send_password_reset_email(*, agent: Agent, base_url: str) -> None:
    """Send the agent a signed link to set a new password, in the agent's language.

    The link (Django's PasswordResetTokenGenerator) stops working after PASSWORD_RESET_TIMEOUT
    seconds and as soon as the password or the last login changes. Invalid agents get no mail.
    """
    if not agent.is_active or not agent.email:
        return
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(agent.pk)),
            "token": default_token_generator.make_token(agent),
        },
    )
    context = {
        "agent": agent,
        "reset_url": base_url.rstrip("/") + path,
        "valid_minutes": max(1, settings.PASSWORD_RESET_TIMEOUT // 60),
    }
    with translation.override(agent.language):
        subject = render_to_string("accounts/password_reset/email_subject.txt", context)
        body = render_to_string("accounts/password_reset/email_body.txt", context)
    send_mail(" ".join(subject.split()), body, None, [agent.email])


@transaction.atomic
def reset_password(*, agent: Agent, new_password: str) -> None:
    """Set a new password through a reset link and end every session of the agent.

    A valid agent's login lockout is cleared as well; an invalid (deactivated) agent stays
    invalid, since only an administrator may re-activate one.
    """
    validate_password(new_password, agent)
    current = Agent.objects.select_for_update().get(pk=agent.pk)
    current.set_password(new_password)
    fields = ["password", "changed_at"]
    if current.is_active:
        current.failed_login_count = 0
        current.last_failed_login_at = None
        current.locked_until = None
        fields += ["failed_login_count", "last_failed_login_at", "locked_until"]
    current.save(update_fields=fields)
    log_out_everywhere(current)
    record_change(
        actor=current,
        instance=current,
        action=AuditAction.UPDATE,
        changes={"password": ["***", "***"]},
    )
    agent.password = current.password
    agent.session_generation = current.session_generation


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_provisioning_uri(*, agent: Agent, secret: str) -> str:
    """The otpauth:// URI an authenticator app takes to set up OpsDesk."""
    return pyotp.TOTP(secret).provisioning_uri(name=agent.login, issuer_name="OpsDesk")


def totp_code_is_valid(secret: str, code: str) -> bool:
    code = (code or "").replace(" ", "")
    return bool(secret and code.isdigit()) and pyotp.TOTP(secret).verify(code, valid_window=1)


@transaction.atomic
def enable_two_factor(*, agent: Agent, secret: str, code: str) -> None:
    """Turn on TOTP two-factor authentication once a code made from ``secret`` proves the set-up.

    The secret itself never reaches the audit log.
    """
    if agent.totp_enabled:
        raise ValidationError(_("Two-factor authentication is already on."))
    if not totp_code_is_valid(secret, code):
        raise ValidationError({"code": _("The code is not valid. Check your device's clock.")})
    _set_two_factor(agent, secret=secret, enabled=True)


@transaction.atomic
def disable_two_factor(*, agent: Agent, code: str = "", password: str = "") -> None:
    """Turn off two-factor authentication; needs a valid code or the agent's password.

    Refused for administrators while OPSDESK_REQUIRE_2FA_FOR_ADMINS is on.
    """
    if not agent.totp_enabled:
        return
    if settings.OPSDESK_REQUIRE_2FA_FOR_ADMINS and is_admin(agent):
        raise ValidationError(_("Administrators must keep two-factor authentication on."))
    proven = totp_code_is_valid(agent.totp_secret, code) or bool(
        password and agent.check_password(password)
    )
    if not proven:
        raise ValidationError(_("Enter a valid code from your authenticator app or your password."))
    _set_two_factor(agent, secret="", enabled=False)


def _set_two_factor(agent: Agent, *, secret: str, enabled: bool) -> None:
    before = agent.totp_enabled
    agent.totp_secret = secret
    agent.totp_enabled = enabled
    agent.changed_by = agent
    agent.save(update_fields=["totp_secret", "totp_enabled", "changed_by", "changed_at"])
    record_change(
        actor=agent,
        instance=agent,
        action=AuditAction.UPDATE,
        changes={"totp_enabled": [before, enabled]},
    )


@transaction.atomic
def set_group_permission_matrix(
    *, group: Group, agent_permissions: dict, role_permissions: dict, actor=None
) -> None:
    """Replace, on one group, the direct permissions of the agents and roles given (in one go).

    ``agent_permissions`` maps Agent -> keys, ``role_permissions`` maps Role -> keys; agents and
    roles left out keep their grants.
    """
    for role, keys in role_permissions.items():
        set_role_group_permissions(role=role, group=group, permissions=keys, actor=actor)
    for agent, keys in agent_permissions.items():
        set_agent_group_permissions(agent=agent, group=group, permissions=keys, actor=actor)


@transaction.atomic
def set_role_permission_matrix(*, role: Role, group_permissions: dict, actor=None) -> None:
    """Replace the role's permissions on each group given (Group -> keys); others are kept."""
    for group, keys in group_permissions.items():
        set_role_group_permissions(role=role, group=group, permissions=keys, actor=actor)
