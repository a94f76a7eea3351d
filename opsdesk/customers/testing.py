"""Test helpers of the customers area, importable from any area's tests."""

from importlib import import_module

from django.conf import settings

from .middleware import CUSTOMER_HASH_SESSION_KEY, CUSTOMER_USER_SESSION_KEY, PORTAL_PREFIX


def portal_login(client, customer_user):
    """Sign ``customer_user`` in to the portal on the test ``client`` (no password needed).

    Writes a portal session and sets the portal's cookie, as a sign-in at /customer/login/
    would; an agent session on the same client (``client.force_login``) is left alone.
    Returns the session.
    """
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[CUSTOMER_USER_SESSION_KEY] = customer_user.pk
    session[CUSTOMER_HASH_SESSION_KEY] = customer_user.get_session_auth_hash()
    session.save()
    name = settings.PORTAL_SESSION_COOKIE_NAME
    client.cookies[name] = session.session_key
    client.cookies[name]["path"] = PORTAL_PREFIX
    return session
