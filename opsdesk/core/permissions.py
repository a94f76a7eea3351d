"""Server-side permission checks for views: one mixin and one decorator, both on group grants."""

from functools import wraps

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from opsdesk.accounts.selectors import has_group_permission

Requirement = tuple[str, str] | None  # (permission key, group name)


def agent_meets(agent, requirement: Requirement) -> bool:
    """True when the signed-in agent satisfies ``requirement`` (None: any agent)."""
    if agent is None or not agent.is_authenticated:
        return False
    if requirement is None:
        return True
    permission, group = requirement
    return has_group_permission(agent, permission, group)


class AgentRequiredMixin(LoginRequiredMixin):
    """Anonymous visitors go to the sign-in page; agents lacking ``required`` get 403."""

    required: Requirement = None

    def get_required(self) -> Requirement:
        return self.required

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not agent_meets(request.user, self.get_required()):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def agent_required(requirement: Requirement = None):
    """Function-view form of ``AgentRequiredMixin``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not agent_meets(request.user, requirement):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
