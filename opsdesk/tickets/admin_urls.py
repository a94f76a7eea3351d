"""Ticket settings under Admin (/admin/tickets/): contact persons (queues), states, priorities,
ticket types and their workflows, system addresses, salutations, signatures and templates."""

from django.urls import path

from . import admin_views as views

app_name = "tickets_admin"


def screens(prefix: str, name: str, list_view, detail_view, edit_view, invalidate_view):
    """The list, add, detail, edit and invalidate screens of one kind of master data."""
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{name}_list"),
        path(f"{prefix}/add/", edit_view.as_view(), name=f"{name}_add"),
        path(f"{prefix}/<int:pk>/", detail_view.as_view(), name=f"{name}_detail"),
        path(f"{prefix}/<int:pk>/edit/", edit_view.as_view(), name=f"{name}_edit"),
        path(
            f"{prefix}/<int:pk>/invalidate/",
            invalidate_view.as_view(),
            name=f"{name}_invalidate",
        ),
    ]


urlpatterns = [
    path("", views.TicketSettingsHomeView.as_view(), name="home"),
    *screens(
        "queues",
        "queue",
        views.QueueListView,
        views.QueueDetailView,
        views.QueueEditView,
        views.QueueInvalidateView,
    ),
    *screens(
        "states",
        "state",
        views.StateListView,
        views.StateDetailView,
        views.StateEditView,
        views.StateInvalidateView,
    ),
    *screens(
        "priorities",
        "priority",
        views.PriorityListView,
        views.PriorityDetailView,
        views.PriorityEditView,
        views.PriorityInvalidateView,
    ),
    *screens(
        "types",
        "type",
        views.TicketTypeListView,
        views.TicketTypeDetailView,
        views.TicketTypeEditView,
        views.TicketTypeInvalidateView,
    ),
    path(
        "types/<int:pk>/workflow/",
        views.TicketTypeWorkflowView.as_view(),
        name="type_workflow",
    ),
    *screens(
        "system-addresses",
        "system_address",
        views.SystemAddressListView,
        views.SystemAddressDetailView,
        views.SystemAddressEditView,
        views.SystemAddressInvalidateView,
    ),
    *screens(
        "salutations",
        "salutation",
        views.SalutationListView,
        views.SalutationDetailView,
        views.SalutationEditView,
        views.SalutationInvalidateView,
    ),
    *screens(
        "signatures",
        "signature",
        views.SignatureListView,
        views.SignatureDetailView,
        views.SignatureEditView,
        views.SignatureInvalidateView,
    ),
    *screens(
        "templates",
        "template",
        views.StandardTemplateListView,
        views.StandardTemplateDetailView,
        views.StandardTemplateEditView,
        views.StandardTemplateInvalidateView,
    ),
]
