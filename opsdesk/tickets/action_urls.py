"""The ticket zoom's actions, each at /tickets/<pk>/<action>/ (names in the ``tickets``
namespace; ``dynamic_fields`` is at ``dynamic-fields/``)."""

from django.urls import path

from .action_views import ACTION_VIEWS

ACTIONS = (
    "lock", "unlock", "watch", "unwatch", "owner", "responsible", "note", "phone", "reply",
    "forward", "email", "close", "pending", "state", "priority", "move", "customer", "attributes",
    "dynamic_fields", "time", "print",
)  # fmt: skip

urlpatterns = [
    path(f"<int:pk>/{action.replace('_', '-')}/", ACTION_VIEWS[action].as_view(), name=action)
    for action in ACTIONS
]
