import zoneinfo

from django.contrib.auth import logout
from django.utils import timezone, translation

SESSION_GENERATION_KEY = "opsdesk_session_generation"


class AgentSessionMiddleware:
    """Ends sessions revoked by "log out everywhere" and applies the agent's language and zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        agent = getattr(request, "user", None)
        if agent is not None and agent.is_authenticated:
            remembered = request.session.get(SESSION_GENERATION_KEY, 0)
            if remembered != agent.session_generation:
                logout(request)
            else:
                translation.activate(agent.language)
                request.LANGUAGE_CODE = agent.language
                try:
                    timezone.activate(zoneinfo.ZoneInfo(agent.time_zone))
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    timezone.deactivate()
        response = self.get_response(request)
        timezone.deactivate()
        return response
