"""Health checks for ``/healthz``: the database and the task queue.

``/healthz`` answers anyone (load balancers, monitoring), so a failure is reported by the name of
the error only; its full text goes to the log.
"""

import logging

from huey.contrib.djhuey import HUEY

logger = logging.getLogger(__name__)


def _database(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _task_queue() -> None:
    HUEY.pending_count()


def _run(name: str, check) -> str:
    try:
        check()
    except Exception as error:  # any failure means "not healthy"
        logger.warning("Health check %s failed: %s", name, error, exc_info=True)
        return f"failed: {error.__class__.__name__}"
    return "ok"


def check_health(connection) -> dict:
    """``{"ok": bool, "checks": {"database": "ok" | "failed: <error>", "task_queue": ...}}``."""
    checks = {
        "database": _run("database", lambda: _database(connection)),
        "task_queue": _run("task_queue", _task_queue),
    }
    return {"ok": all(result == "ok" for result in checks.values()), "checks": checks}
