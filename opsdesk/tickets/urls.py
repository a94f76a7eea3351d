"""Agent ticket screens, mounted under /tickets/: new phone/email ticket, zoom and its actions."""

from django.urls import include, path

from . import views

app_name = "tickets"

urlpatterns = [
    path("new/phone/", views.placeholder, name="new_phone"),
    path("new/email/", views.placeholder, name="new_email"),
    path("customer-search/", views.placeholder, name="customer_search"),
    path("number/<str:number>/", views.placeholder, name="by_number"),
    path("<int:pk>/", views.placeholder, name="zoom"),
    path("<int:pk>/history/", views.placeholder, name="history"),
    path("articles/<int:pk>/source/", views.placeholder, name="article_source"),
    path("attachments/<int:pk>/", views.placeholder, name="attachment"),
    path("", include("opsdesk.tickets.action_urls")),
]
