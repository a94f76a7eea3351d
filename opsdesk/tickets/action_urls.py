"""The ticket zoom's actions, each at /tickets/<pk>/<action>/ (names in the ``tickets`` namespace)."""

from django.urls import path

from . import action_views

ACTIONS = (
    "lock", "unlock", "watch", "unwatch", "owner", "responsible", "note", "phone", "reply",
    "forward", "email", "close", "pending", "state", "priority", "move", "customer", "attributes",
    "dynamic_fields", "time", "print",
)

urlpatterns = [
    path(f"<int:pk>/{action.replace('_', '-')}/", action_views.placeholder, name=action)
    for action in ACTIONS
]
