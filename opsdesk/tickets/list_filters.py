"""Filters of the ticket lists (queue view, status view, personal lists): the search's
``TicketFilterSet`` cut down to the attributes a list offers, with choices limited to what the
agent may see."""

from .filtersets import TicketFilterSet
from .models import Queue
from .permissions import TicketAction, group_names_for


class TicketListFilterSet(TicketFilterSet):
    """State, priority, owner, lock, type and customer (plus ``list_filters`` of subclasses).

    Names the search does not (or no longer) have are skipped, so that the search's filterset can
    grow without breaking the lists."""

    list_filters: tuple[str, ...] = (
        "state",
        "priority",
        "type",
        "owner",
        "locked",
        "customer_id",
        "customer_user",
    )

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        kwargs.setdefault("dynamic_fields", False)
        super().__init__(data, queryset, request=request, **kwargs)
        self.filters = {
            name: self.filters[name] for name in self.list_filters if name in self.filters
        }
        if "queue" in self.filters:
            agent = getattr(request, "user", None)
            names = group_names_for(agent, TicketAction.VIEW) if agent is not None else ()
            # Only queues the agent may see are offered (and accepted): no names leak. The
            # options and the filter need the id and full name only.
            self.filters["queue"].queryset = Queue.objects.filter(group__name__in=names).only(
                "id", "name", "full_name"
            )


class StatusListFilterSet(TicketListFilterSet):
    """The status view's filters: the list's plus the contact person (queue)."""

    list_filters = ("queue", *TicketListFilterSet.list_filters)
