"""Ticket lists: queue view, status view, locked / watched / responsible tickets, escalation view,
My Queues and the article preview (names in the ``tickets`` namespace)."""

from django.urls import path

from . import list_views

urlpatterns = [
    path("queues/", list_views.queue_view, name="queue_view"),
    path("status/", list_views.status_view, name="status_view"),
    path("locked/", list_views.locked_list, name="locked_list"),
    path("watched/", list_views.watched_list, name="watched_list"),
    path("responsible/", list_views.responsible_list, name="responsible_list"),
    path("escalation/", list_views.escalation_view, name="escalation_view"),
    path("my-queues/", list_views.my_queues, name="my_queues"),
    path("<int:pk>/preview/", list_views.preview, name="preview"),
]
