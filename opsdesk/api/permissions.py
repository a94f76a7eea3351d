from rest_framework.permissions import BasePermission

from opsdesk.accounts.selectors import is_admin


class IsAgent(BasePermission):
    """Any signed-in, valid agent."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)


class IsAdminAgent(IsAgent):
    """Agents with rw on the ``admin`` group."""

    def has_permission(self, request, view):
        return super().has_permission(request, view) and is_admin(request.user)
