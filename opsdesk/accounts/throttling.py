"""Failed-login throttling with the product's defaults (accounts.md, manual 1.2.1).

Per account: two wrong passwords within ``LOGIN_LOCK_WINDOW_SECONDS`` (1 s) lock the account
for ``LOGIN_LOCK_SECONDS`` (60 s); ``LOGIN_DEACTIVATE_AFTER`` (10) consecutive wrong passwords
deactivate it until an administrator re-activates it. Per address: too many failures within a
window block the address for a while. Every lockout is logged (``LoginLockout`` and the
``opsdesk.security`` logger).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Agent, LoginFailure, LoginLockout

logger = logging.getLogger("opsdesk.security")


def client_address(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def find_agent(username: str) -> Agent | None:
    if not username:
        return None
    return Agent.objects.filter(Q(login__iexact=username) | Q(email__iexact=username)).first()


def address_blocked(address: str | None, now=None) -> bool:
    if not address:
        return False
    now = now or timezone.now()
    window = now - timedelta(seconds=settings.LOGIN_ADDRESS_WINDOW_SECONDS)
    failures = LoginFailure.objects.filter(address=address, at__gte=window).count()
    return failures >= settings.LOGIN_ADDRESS_MAX_FAILURES


def block_address_if_needed(address: str | None, now) -> None:
    """Record (once per window) and log the block of an address that failed too often."""
    if not address or not address_blocked(address, now):
        return
    window = now - timedelta(seconds=settings.LOGIN_ADDRESS_WINDOW_SECONDS)
    if not LoginLockout.objects.filter(
        kind=LoginLockout.Kind.ADDRESS, address=address, at__gte=window
    ).exists():
        LoginLockout.objects.create(kind=LoginLockout.Kind.ADDRESS, address=address, at=now)
        logger.warning("Sign-in blocked for address %s after repeated failures", address)


@transaction.atomic
def record_failure(username: str, address: str | None, now=None) -> None:
    """Count one failed sign-in; lock or deactivate the account when the rules say so."""
    now = now or timezone.now()
    agent = find_agent(username)
    LoginFailure.objects.create(at=now, login=username[:254], address=address, agent=agent)
    block_address_if_needed(address, now)
    if agent is None:
        return
    agent = Agent.objects.select_for_update().get(pk=agent.pk)
    previous = agent.last_failed_login_at
    Agent.objects.filter(pk=agent.pk).update(
        failed_login_count=F("failed_login_count") + 1, last_failed_login_at=now
    )
    agent.refresh_from_db(fields=["failed_login_count"])
    if agent.failed_login_count >= settings.LOGIN_DEACTIVATE_AFTER and agent.is_active:
        Agent.objects.filter(pk=agent.pk).update(is_active=False)
        LoginLockout.objects.create(
            kind=LoginLockout.Kind.DEACTIVATED, agent=agent, address=address, at=now
        )
        logger.warning(
            "Agent %s deactivated after %s failed sign-ins", agent.login, agent.failed_login_count
        )
        return
    window = timedelta(seconds=settings.LOGIN_LOCK_WINDOW_SECONDS)
    if previous is not None and now - previous <= window:
        until = now + timedelta(seconds=settings.LOGIN_LOCK_SECONDS)
        Agent.objects.filter(pk=agent.pk).update(locked_until=until)
        LoginLockout.objects.create(
            kind=LoginLockout.Kind.LOCKED, agent=agent, address=address, at=now, until=until
        )
        logger.warning("Agent %s locked until %s after rapid failed sign-ins", agent.login, until)


def login_refusal(username: str, address: str | None, now=None):
    """Why a sign-in must be refused before the password is even checked, or None."""
    from django.utils.translation import gettext as _

    if address_blocked(address, now):
        return _("Too many failed sign-ins from your address. Try again later.")
    agent = find_agent(username)
    if agent is not None and agent.is_locked(now):
        return _(
            "This account is locked for a short while after failed sign-ins. Try again in a minute."
        )
    return None


def password_reset_allowed(address: str | None) -> bool:
    """Count one lost-password request from ``address``; False once it asked too often.

    At most ``PASSWORD_RESET_MAX_PER_ADDRESS`` requests per ``PASSWORD_RESET_WINDOW_SECONDS``,
    counted in the cache (per process without Redis, which is enough to stop a mail flood).
    """
    if not address:
        return True
    key = f"opsdesk:password-reset:{address}"
    window = settings.PASSWORD_RESET_WINDOW_SECONDS
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window)
        count = 1
    if count == settings.PASSWORD_RESET_MAX_PER_ADDRESS + 1:
        logger.warning("Lost-password requests blocked for address %s", address)
    return count <= settings.PASSWORD_RESET_MAX_PER_ADDRESS
