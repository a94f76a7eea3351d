"""Periodic work of the tickets area, run by the Huey consumer."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/5"))
@lock_task("tickets-unlock-timeout")
def unlock_timeout():
    """Every 5 minutes: unlock tickets left locked past their queue's unlock timeout."""
    from .services import unlock_timed_out_tickets

    unlocked = unlock_timed_out_tickets()
    if unlocked:
        logger.info("Unlock timeout: %s tickets unlocked", unlocked)
    return unlocked
