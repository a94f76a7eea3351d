"""The ticket zoom's actions, each at /tickets/<pk>/<action>/ (names in the ``tickets``
namespace; ``dynamic_fields`` is at ``dynamic-fields/``)."""

from django.urls import path

from .action_views import ACTION_VIEWS
from .link_views import LINK_ACTION_VIEWS
from .merge_views import MERGE_ACTION_VIEWS

# Every zoom action's view; the zoom menu (``views.ACTION_REQUIREMENTS``) derives from this too.
ALL_ACTION_VIEWS = ACTION_VIEWS | LINK_ACTION_VIEWS | MERGE_ACTION_VIEWS

ACTIONS = (
    "lock", "unlock", "watch", "unwatch", "owner", "responsible", "note", "phone", "reply",
    "forward", "email", "close", "pending", "state", "priority", "move", "customer", "attributes",
    "dynamic_fields", "time", "print", "link", "merge", "split",
)  # fmt: skip

urlpatterns = [
    path(f"<int:pk>/{action.replace('_', '-')}/", ALL_ACTION_VIEWS[action].as_view(), name=action)
    for action in ACTIONS
    if action in ALL_ACTION_VIEWS
]
