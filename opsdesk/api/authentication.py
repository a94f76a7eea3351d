from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from opsdesk.accounts.models import ApiToken


class AgentTokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <token>`` with a personal API token of an active agent."""

    keyword = "Token"

    def authenticate_credentials(self, key):
        token = (
            ApiToken.objects.select_related("agent").filter(token_hash=ApiToken.hash(key)).first()
        )
        if token is None or not token.is_usable:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        if not token.agent.is_active:
            raise exceptions.AuthenticationFailed(_("The agent is invalid."))
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.agent, token
