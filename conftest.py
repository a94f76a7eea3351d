"""Shared test set-up: tasks run immediately, a small world of agents, and the skip policy."""

import pytest

from opsdesk.core.testing import skip_or_fail  # noqa: F401  (re-exported for test modules)


def pytest_configure(config):
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True  # tests run tasks at once, in process, with in-memory storage


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories hash a password per agent; MD5 keeps the suite quick (tests only)."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def default_language():
    """A request in one test may activate a language (a Japanese user's); the next starts afresh."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def roles(db):
    from opsdesk.accounts.services import ensure_default_groups_and_roles

    return ensure_default_groups_and_roles()


@pytest.fixture
def make_agent(roles):
    """make_agent("itsm_user", login="alice") -> an agent holding that role (or none)."""
    from opsdesk.accounts.tests.factories import AgentFactory

    def make(role: str | None = None, **fields):
        agent = AgentFactory(**fields)
        if role:
            agent.roles.add(roles[role])
        return agent

    return make


@pytest.fixture
def admin_agent(make_agent):
    return make_agent("itsm_admin", login="admin1")


@pytest.fixture
def plain_agent(make_agent):
    """An agent without any role: the "no" of every permission test."""
    return make_agent(None, login="nobody")


@pytest.fixture
def admin_client(client, admin_agent):
    client.force_login(admin_agent)
    return client
