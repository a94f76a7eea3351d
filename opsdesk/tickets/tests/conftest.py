import pytest

from .factories import QueueFactory, agent_with


@pytest.fixture
def queue(db):
    return QueueFactory()


@pytest.fixture
def rw_agent(queue):
    """An agent with rw on the queue's group."""
    return agent_with(queue, "rw", login="rw-agent")


@pytest.fixture
def ro_agent(queue):
    return agent_with(queue, "ro", login="ro-agent")
