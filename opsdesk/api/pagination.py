from rest_framework.pagination import LimitOffsetPagination


class ApiPagination(LimitOffsetPagination):
    """``?limit=&offset=`` paging (``PAGE_SIZE`` by default), with ``limit`` capped."""

    max_limit = 1000
