"""Periodic housekeeping run by the Huey consumer."""

import logging
from datetime import timedelta

from django.contrib.sessions.models import Session
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

logger = logging.getLogger(__name__)


def clear_expired_sessions() -> int:
    """Delete sessions past their expiry date; returns how many went."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


def clear_old_login_failures(days: int = 30) -> int:
    """Forget failed sign-ins older than ``days`` (lockouts stay in their own log)."""
    from opsdesk.accounts.models import LoginFailure

    deleted, _ = LoginFailure.objects.filter(at__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted


@db_periodic_task(crontab(minute="17"))
def housekeeping():
    sessions = clear_expired_sessions()
    failures = clear_old_login_failures()
    logger.info(
        "Housekeeping: %s expired sessions, %s old login failures removed", sessions, failures
    )
    return {"sessions": sessions, "login_failures": failures}
