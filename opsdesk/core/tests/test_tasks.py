import os
import subprocess
import sys
import textwrap
import uuid
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from opsdesk.accounts.models import LoginFailure
from opsdesk.core.tasks import housekeeping
from opsdesk.core.testing import skip_or_fail

REDIS_URL = "redis://127.0.0.1:6379/15"


def _session(key: str, expires_in: timedelta) -> Session:
    return Session.objects.create(
        session_key=key, session_data="", expire_date=timezone.now() + expires_in
    )


@pytest.mark.django_db
def test_housekeeping_deletes_expired_sessions_and_old_login_failures_only():
    _session("expired", timedelta(seconds=-1))
    _session("current", timedelta(hours=1))
    now = timezone.now()
    LoginFailure.objects.create(login="old", at=now - timedelta(days=31))
    LoginFailure.objects.create(login="recent", at=now - timedelta(days=29))
    LoginFailure.objects.create(login="now", at=now)

    housekeeping()  # enqueued; tests run tasks at once (conftest), as the consumer would

    assert list(Session.objects.values_list("session_key", flat=True)) == ["current"]
    assert sorted(LoginFailure.objects.values_list("login", flat=True)) == ["now", "recent"]


@pytest.mark.django_db
def test_housekeeping_with_nothing_to_do_removes_nothing():
    _session("current", timedelta(hours=1))
    LoginFailure.objects.create(login="recent", at=timezone.now())

    assert housekeeping.call_local() == {"sessions": 0, "login_failures": 0}
    assert Session.objects.count() == LoginFailure.objects.count() == 1


def test_housekeeping_is_a_periodic_task_run_every_hour_at_17_minutes():
    def due(minute):
        return [task.name for task in HUEY.read_periodic(datetime(2030, 1, 1, 3, minute))]

    assert "housekeeping" in due(17)
    assert "housekeeping" not in due(18)


def test_without_redis_url_the_settings_pick_sqlite_under_the_data_folder():
    if settings.REDIS_URL:
        pytest.skip("this run is configured with REDIS_URL")
    assert settings.HUEY["huey_class"] == "huey.SqliteHuey"
    assert settings.HUEY["filename"].startswith(str(settings.DATA_DIR))


ROUNDTRIP = textwrap.dedent(
    """
    import django
    django.setup()
    from huey import RedisHuey
    from huey.contrib.djhuey import HUEY

    @HUEY.task()
    def add(a, b):
        return a + b

    try:
        result = add(2, 3)
        task = HUEY.dequeue()  # what a consumer does: take the task from Redis and run it
        HUEY.execute(task)
        value = result.get(blocking=True, timeout=5)
        print(type(HUEY).__name__, isinstance(HUEY, RedisHuey), value)
    finally:
        HUEY.storage.flush_all()
    """
)


def test_with_redis_url_the_settings_pick_redis_huey_and_tasks_round_trip(tmp_path):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        skip_or_fail(f"Redis at {REDIS_URL} does not answer: {error}")

    env = {
        **os.environ,
        "REDIS_URL": REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "opsdesk.settings",
        "HUEY_NAME": f"opsdesk-test-{uuid.uuid4().hex[:8]}",
        "OPSDESK_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "test",
    }
    done = subprocess.run(
        [sys.executable, "-c", ROUNDTRIP],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["PriorityRedisHuey", "True", "5"]
