"""Writes of an agent's ticket preferences: the queues of My Queues."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from opsdesk.accounts.models import Agent

from .models import Queue, QueueSubscription
from .permissions import TicketAction, can


@transaction.atomic
def set_followed_queues(agent: Agent, queues: Iterable[Queue]) -> set[int]:
    """Make ``queues`` the agent's followed queues (My Queues), replacing the previous choice.

    Every queue must be one the agent may see (``ro``); otherwise nothing changes. Followed
    queues the agent can no longer see are dropped too. Returns the ids now followed."""
    queues = list(queues)
    for queue in queues:
        if not can(agent, TicketAction.VIEW, queue):
            raise PermissionDenied(
                _("You may not follow the contact person “%(queue)s”.") % {"queue": queue.full_name}
            )
    wanted = {queue.pk for queue in queues}
    QueueSubscription.objects.filter(agent=agent).exclude(queue_id__in=wanted).delete()
    existing = set(QueueSubscription.objects.filter(agent=agent).values_list("queue_id", flat=True))
    QueueSubscription.objects.bulk_create(
        [QueueSubscription(agent=agent, queue_id=pk) for pk in sorted(wanted - existing)]
    )
    return wanted
