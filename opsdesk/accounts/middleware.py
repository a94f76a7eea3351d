import zoneinfo

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation

from .selectors import is_admin

SESSION_GENERATION_KEY = "opsdesk_session_generation"


def apply_language_and_zone(request, language: str, time_zone: str) -> None:
    """Use a signed-in person's language and time zone for this request (blank: the defaults)."""
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language
    if time_zone:
        try:
            timezone.activate(zoneinfo.ZoneInfo(time_zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()


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
                apply_language_and_zone(request, agent.language, agent.time_zone)
        response = self.get_response(request)
        timezone.deactivate()
        return response


# Pages an administrator without two-factor authentication may still open while it is required.
TWO_FACTOR_SETUP_VIEWS = frozenset(
    {
        "accounts:profile",
        "accounts:login",
        "accounts:login_2fa",
        "accounts:logout",
        "accounts:logout_everywhere",
        "set_language",
        "healthz",
    }
)


class AdminTwoFactorMiddleware:
    """With OPSDESK_REQUIRE_2FA_FOR_ADMINS on, sends administrators without TOTP to set it up.

    Every page but the profile (where two-factor authentication is turned on) and sign-out
    redirects to the profile's two-factor section until the administrator has enabled it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.OPSDESK_REQUIRE_2FA_FOR_ADMINS:
            return None
        agent = getattr(request, "user", None)
        if agent is None or not agent.is_authenticated or agent.totp_enabled:
            return None
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name in TWO_FACTOR_SETUP_VIEWS:
            return None
        if not is_admin(agent):
            return None
        target = reverse("accounts:profile") + "#two-factor"
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
