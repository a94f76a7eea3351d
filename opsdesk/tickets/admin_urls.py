"""Ticket master data under Admin (/admin/tickets/): contact persons (queues), states..."""

from django.urls import path

from . import views

app_name = "tickets_admin"

urlpatterns = [
    path("", views.placeholder, name="home"),
    path("queues/", views.placeholder, name="queue_list"),
]
