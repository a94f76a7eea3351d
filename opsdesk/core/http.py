"""HTTP helpers shared by the agent screens."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request, value: str | None) -> str | None:
    """``value`` when it is a URL of this site (a ``next`` parameter worth following), else None:
    never an open redirect to another host, nor from HTTPS to HTTP."""
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return None
