"""REST API of the ticket search: ``/api/v1/ticket-search/``, the ticket list's filters plus full
text, paged, at most ``settings.OPSDESK_TICKET_SEARCH_LIMIT`` results.

The filters are those of ``filtersets.TicketFilterSet`` (the same as ``/api/v1/tickets/`` and the
search screen) and the rows those of the ticket list (``TicketSerializer``); only tickets of
queues where the caller has ``ro`` are found. A bad value (an unknown state, a malformed date,
full text with an unclosed quote...) answers 400 with the message under the parameter's name.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import APIException

from opsdesk.api.pagination import ApiPagination
from opsdesk.api.permissions import IsAgent
from opsdesk.core.db import is_statement_timeout, statement_timeout

from .api import visible_tickets
from .filtersets import TicketFilterSet
from .paging import capped_count
from .serializers import TicketSerializer


class SearchTimedOut(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _(
        "The search took too long and was stopped. Narrow it down with more words, a phrase, "
        "contact persons, states or a time range."
    )
    default_code = "search_timeout"


def register(router) -> None:
    router.register("ticket-search", TicketSearchViewSet, basename="ticket-search")


class SearchPagination(ApiPagination):
    """Limit/offset paging over at most the search limit: ``count`` stops there (counting no
    further) and offsets past it find nothing."""

    def paginate_queryset(self, queryset, request, view=None):
        cap = settings.OPSDESK_TICKET_SEARCH_LIMIT
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self.offset = self.get_offset(request)
        self.count = min(capped_count(queryset, cap), cap)
        self.request = request
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        end = min(self.offset + self.limit, cap)
        if self.count == 0 or self.offset >= end:
            return []
        return list(queryset[self.offset : end])


@extend_schema_view(
    list=extend_schema(
        summary=_("Search tickets"),
        description=_(
            "Tickets in the contact persons (queues) you may see (ro), newest first, at most the "
            "search limit (10,000 by default; count stops there). Filters as in the ticket list, "
            "plus fulltext (articles' subject, text, from, to, cc and attachment names: AND, OR, "
            'NOT, "phrases"; Japanese found by any part), title (contains), include_subqueues '
            "(with queue), responsible, closed_/pending_/escalation_after/before, "
            "<time>_within and <time>_older_than with <time>_within_unit/<time>_older_than_unit "
            "(minutes, hours, days, weeks, months, years) for created, changed, closed, pending "
            "and escalation, and dynamic fields as extra__<name> (text: contains; dropdown, "
            "multiselect: any of; checkbox: yes or no) or extra__<name>__from/__to (integer, "
            "date, date and time). A bad value answers 400 with its message."
        ),
    ),
)
class TicketSearchViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAgent]
    serializer_class = TicketSerializer
    filterset_class = TicketFilterSet
    pagination_class = SearchPagination

    def get_queryset(self):
        return visible_tickets(self.request.user)

    def list(self, request, *args, **kwargs):
        """The page of matching tickets; on PostgreSQL a search running longer than
        ``OPSDESK_TICKET_SEARCH_TIMEOUT`` seconds answers 503 with a message."""
        try:
            with statement_timeout(settings.OPSDESK_TICKET_SEARCH_TIMEOUT):
                return super().list(request, *args, **kwargs)
        except Exception as error:
            if not is_statement_timeout(error):
                raise
        raise SearchTimedOut()
