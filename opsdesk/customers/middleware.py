"""Customer portal sessions, kept apart from agent sessions.

Under ``/customer/`` the session lives in its own cookie (``PORTAL_SESSION_COOKIE_NAME``, sent by
the browser for ``/customer/`` only) and the agent's cookie is not read, so an agent's sign-in
means nothing in the portal and a customer's sign-in means nothing anywhere else. A browser can
hold both at once, as in OTOBO (an agent may test the portal without signing out).
"""

import time

from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date

from opsdesk.accounts.middleware import apply_language_and_zone

PORTAL_PREFIX = "/customer/"
CUSTOMER_USER_SESSION_KEY = "opsdesk_customer_user_id"
CUSTOMER_HASH_SESSION_KEY = "opsdesk_customer_user_hash"


def is_portal_path(path: str) -> bool:
    return path == PORTAL_PREFIX.rstrip("/") or path.startswith(PORTAL_PREFIX)


def session_cookie(request) -> tuple[str, str]:
    """(cookie name, cookie path) of the session that serves ``request``."""
    if is_portal_path(request.path_info):
        return settings.PORTAL_SESSION_COOKIE_NAME, PORTAL_PREFIX
    return settings.SESSION_COOKIE_NAME, settings.SESSION_COOKIE_PATH


class PortalAwareSessionMiddleware(SessionMiddleware):
    """Django's session middleware, with the portal's session in a cookie of its own."""

    def process_request(self, request):
        name, _path = session_cookie(request)
        request.session = self.SessionStore(request.COOKIES.get(name))

    def process_response(self, request, response):
        # Django's logic, with the cookie's name and path chosen per request.
        try:
            accessed = request.session.accessed
            modified = request.session.modified
            empty = request.session.is_empty()
        except AttributeError:
            return response
        name, path = session_cookie(request)
        if name in request.COOKIES and empty:
            response.delete_cookie(
                name,
                path=path,
                domain=settings.SESSION_COOKIE_DOMAIN,
                samesite=settings.SESSION_COOKIE_SAMESITE,
            )
            need_vary_cookie = True
        else:
            need_vary_cookie = accessed
            if (modified or settings.SESSION_SAVE_EVERY_REQUEST) and not empty:
                if request.session.get_expire_at_browser_close():
                    max_age = None
                    expires = None
                else:
                    max_age = request.session.get_expiry_age()
                    expires = http_date(time.time() + max_age)
                if response.status_code < 500:
                    try:
                        request.session.save()
                    except UpdateError:
                        raise SessionInterrupted(
                            "The request's session was deleted before the request completed."
                        ) from None
                    response.set_cookie(
                        name,
                        request.session.session_key,
                        max_age=max_age,
                        expires=expires,
                        domain=settings.SESSION_COOKIE_DOMAIN,
                        path=path,
                        secure=settings.SESSION_COOKIE_SECURE or None,
                        httponly=settings.SESSION_COOKIE_HTTPONLY or None,
                        samesite=settings.SESSION_COOKIE_SAMESITE,
                    )
                    need_vary_cookie = True
        if need_vary_cookie:
            patch_vary_headers(response, ("Cookie",))
        return response


def get_customer_user(request):
    """The valid customer user signed in to this portal session, or None.

    A session whose password hash no longer matches (password changed elsewhere) is ended.
    """
    from .models import CustomerUser

    if not is_portal_path(request.path_info):
        return None
    user_id = request.session.get(CUSTOMER_USER_SESSION_KEY)
    if user_id is None:
        return None
    user = CustomerUser.objects.filter(pk=user_id).select_related("company").first()
    if (
        user is None
        or not user.is_valid
        or not user.has_usable_password
        or request.session.get(CUSTOMER_HASH_SESSION_KEY) != user.get_session_auth_hash()
    ):
        request.session.flush()
        return None
    return user


class CustomerUserMiddleware:
    """Sets ``request.customer_user`` on portal pages and applies the user's language and zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_portal_path(request.path_info):
            request.customer_user = None
            return self.get_response(request)
        customer_user = get_customer_user(request)
        request.customer_user = customer_user
        if customer_user is not None:
            apply_language_and_zone(request, customer_user.language, customer_user.time_zone)
        response = self.get_response(request)
        timezone.deactivate()
        return response
