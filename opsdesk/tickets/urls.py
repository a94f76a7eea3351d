"""Agent ticket screens, mounted under /tickets/: new phone/email ticket, zoom and its actions."""

from django.urls import path

from . import views

app_name = "tickets"

urlpatterns = [
    path("new/phone/", views.placeholder, name="new_phone"),
    path("new/email/", views.placeholder, name="new_email"),
    path("<int:pk>/", views.placeholder, name="zoom"),
]
