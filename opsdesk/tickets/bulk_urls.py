"""The bulk action on tickets selected in a list: ``/tickets/bulk/`` (``tickets:bulk``)."""

from django.urls import path

from . import bulk_views

urlpatterns = [
    path("bulk/", bulk_views.bulk, name="bulk"),
]
