"""Agent ticket screens, mounted under /tickets/: new phone/email ticket, zoom and its actions."""

from django.urls import include, path

from . import views

app_name = "tickets"

urlpatterns = [
    path("new/phone/", views.new_phone_ticket, name="new_phone"),
    path("new/email/", views.new_email_ticket, name="new_email"),
    path("new/<str:kind>/fields/<str:part>/", views.new_ticket_fields, name="new_ticket_fields"),
    path("customer-search/", views.customer_search, name="customer_search"),
    path("number/", views.jump_to_number, name="jump_to_number"),
    path("number/<str:number>/", views.by_number, name="by_number"),
    path("<int:pk>/", views.zoom, name="zoom"),
    path("<int:pk>/history/", views.history, name="history"),
    path("articles/<int:pk>/source/", views.article_source, name="article_source"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("", include("opsdesk.tickets.list_urls")),
    path("", include("opsdesk.tickets.search_urls")),
    path("", include("opsdesk.tickets.bulk_urls")),
    path("", include("opsdesk.tickets.action_urls")),
]
