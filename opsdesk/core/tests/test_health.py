from unittest import mock

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_when_the_database_and_the_task_queue_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"ok": True, "checks": {"database": "ok", "task_queue": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_naming_the_database_when_it_fails(client):
    broken = mock.Mock()
    broken.cursor.side_effect = OperationalError("could not connect to server at db.internal")

    with mock.patch("opsdesk.core.views.connection", broken):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "ok": False,
        "checks": {"database": "failed: OperationalError", "task_queue": "ok"},
    }
    # The public answer names the error, not its text (host names, paths).
    assert "db.internal" not in response.content.decode()


def test_healthz_answers_503_naming_the_task_queue_when_it_fails(client):
    from huey.contrib.djhuey import HUEY

    with mock.patch.object(HUEY, "pending_count", side_effect=ConnectionError("refused")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["ok"] is False
    assert response.json()["checks"] == {
        "database": "ok",
        "task_queue": "failed: ConnectionError",
    }
