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


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server (aiosmtpd) on a free local port; Django sends to it over SMTP.

    Yields the list of received messages (``email.message.EmailMessage``, policy.default), with
    the envelope recipients in ``message["X-Envelope-To"]``.
    """
    import email
    import email.policy

    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        skip_or_fail("the aiosmtpd package is not installed (make test installs it)")

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            received.append(message)
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free port (aiosmtpd's start-up check cannot use port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield received
    finally:
        controller.stop()
