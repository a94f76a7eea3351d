"""Paging of ticket lists without counting huge result sets.

A list of a million tickets must not ``COUNT(*)`` them all to draw its pager: the count is taken
over ``LIMIT cap + 1`` rows in a subquery, so it costs at most ``cap`` index entries, and the list
says "10,000+" beyond. Pages past the cap are not offered; a narrower filter finds those tickets.
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.functional import cached_property

DEFAULT_COUNT_CAP = 10_000


def capped_count(queryset, cap: int = DEFAULT_COUNT_CAP) -> int:
    """The number of rows of ``queryset``, counting at most ``cap + 1`` of them.

    A result above ``cap`` means "more than ``cap``". Ordering is dropped: it does not change
    the count and would make the database sort before the LIMIT."""
    if isinstance(queryset, QuerySet):
        return queryset.order_by()[: cap + 1].count()
    return min(len(queryset), cap + 1)


def format_capped_count(count: int, cap: int = DEFAULT_COUNT_CAP) -> str:
    """``1,234``, or ``10,000+`` when ``count`` is above ``cap``."""
    if count > cap:
        return number_format(cap, force_grouping=True) + "+"
    return number_format(count, force_grouping=True)


class CappedPaginator(Paginator):
    """A paginator whose ``count`` stops at ``cap`` (``capped`` tells whether there are more).

    ``count_queryset`` is what to count when ``object_list`` is not a queryset (django-tables2
    hands its rows over): the filtered, unsorted queryset of the list."""

    def __init__(
        self,
        object_list,
        per_page,
        orphans=0,
        allow_empty_first_page=True,
        *,
        count_queryset=None,
        cap: int = DEFAULT_COUNT_CAP,
    ):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.count_queryset = count_queryset if count_queryset is not None else object_list
        self.cap = cap

    @cached_property
    def raw_count(self) -> int:
        return capped_count(self.count_queryset, self.cap)

    @cached_property
    def count(self) -> int:
        return min(self.raw_count, self.cap)

    @property
    def capped(self) -> bool:
        return self.raw_count > self.cap

    @property
    def count_display(self) -> str:
        return format_capped_count(self.raw_count, self.cap)
