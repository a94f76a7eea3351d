from django.contrib.auth.backends import BaseBackend
from django.db.models import Q

from .models import Agent


class AgentBackend(BaseBackend):
    """Agents sign in with their login or their email address (neither case-sensitive)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        username = username or kwargs.get("login")
        if not username or not password:
            return None
        agent = Agent.objects.filter(Q(login__iexact=username) | Q(email__iexact=username)).first()
        if agent is None:
            Agent().set_password(password)  # same work as a real check: no timing oracle
            return None
        if agent.check_password(password) and agent.is_active:
            return agent
        return None

    def get_user(self, user_id):
        agent = Agent.objects.filter(pk=user_id, is_active=True).first()
        return agent
