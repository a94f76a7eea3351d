"""Health checks for ``/healthz``: the database and the task queue."""

from huey.contrib.djhuey import HUEY


def _database(connection) -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means "not healthy"; its text goes to the report
        return str(error) or error.__class__.__name__
    return None


def _task_queue() -> str | None:
    try:
        HUEY.pending_count()
    except Exception as error:
        return str(error) or error.__class__.__name__
    return None


def check_health(connection) -> dict:
    checks = {"database": _database(connection), "task_queue": _task_queue()}
    return {
        "ok": all(error is None for error in checks.values()),
        "checks": {name: ("ok" if error is None else error) for name, error in checks.items()},
    }
