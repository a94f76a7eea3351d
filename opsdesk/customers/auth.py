"""Customer users signing in to the portal: authentication, portal sessions, login throttling.

Customer users are not agents: they never pass through Django's auth backends or
``request.user``. A portal session holds the customer user's id and password hash
(``CUSTOMER_USER_SESSION_KEY``/``CUSTOMER_HASH_SESSION_KEY``, read by ``middleware``), in the
portal's own cookie.

Throttling follows the agents' settings (``opsdesk.accounts.throttling``) but counts customer
users only, so that failures in the portal never lock an agent with the same login:

- per customer user: two wrong passwords within ``LOGIN_LOCK_WINDOW_SECONDS`` lock the user for
  ``LOGIN_LOCK_SECONDS``; ``LOGIN_DEACTIVATE_AFTER`` consecutive wrong passwords set the user
  ``invalid-temporarily`` until an administrator makes them valid again;
- a login nobody has is "locked" by the same rule, computed from the failure log, so that the
  answers never tell which logins exist;
- per address: failures in the portal count together with the agents' (``LoginFailure``).

Lockouts are logged to the ``opsdesk.security`` logger.
"""

import logging
from datetime import timedelta
from functools import wraps
from urllib.parse import unquote, urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.db.models import F
from django.middleware.csrf import rotate_token
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from opsdesk.accounts import throttling
from opsdesk.accounts.models import LoginFailure
from opsdesk.core.models import AuditAction
from opsdesk.core.services import record_change

from . import services
from .choices import Validity
from .middleware import CUSTOMER_HASH_SESSION_KEY, CUSTOMER_USER_SESSION_KEY, is_portal_path
from .models import CustomerUser

logger = logging.getLogger("opsdesk.security")

# Portal failures are kept in the agents' failure log (it feeds the per-address count) under
# this prefix, so that the log tells them apart and agent failures never count for a customer.
FAILURE_LOGIN_PREFIX = "customer:"

client_address = throttling.client_address


# Finding and authenticating customer users ------------------------------------------------------


def find_customer_user(username: str) -> CustomerUser | None:
    """The customer user with this login, else the valid one with this email (no case)."""
    username = (username or "").strip()
    if not username:
        return None
    user = CustomerUser.objects.filter(login__iexact=username).select_related("company").first()
    if user is None:
        user = (
            CustomerUser.objects.valid()
            .filter(email__iexact=username)
            .select_related("company")
            .first()
        )
    return user


def authenticate(username: str, password: str) -> CustomerUser | None:
    """The valid customer user with this login or email and password, or None.

    Users without a usable password (no portal access) never sign in. Unknown users cost the
    same hashing work as known ones, so the answer's timing reveals nothing.
    """
    if not username or not password:
        return None
    user = find_customer_user(username)
    if user is None or not user.has_usable_password:
        make_password(password)
        return None
    if user.check_password(password) and user.is_valid:
        return user
    return None


# Throttling -------------------------------------------------------------------------------------


def _failure_key(username: str) -> str:
    return (FAILURE_LOGIN_PREFIX + (username or "").strip().lower())[:254]


def _is_locked(user: CustomerUser, now) -> bool:
    return bool(user.locked_until and user.locked_until > now)


def _unknown_login_locked(username: str, now) -> bool:
    """The lock rule applied to the failure log of a login that belongs to nobody."""
    window = timedelta(seconds=settings.LOGIN_LOCK_WINDOW_SECONDS)
    lock = timedelta(seconds=settings.LOGIN_LOCK_SECONDS)
    times = list(
        LoginFailure.objects.filter(
            login=_failure_key(username), at__gte=now - lock - window, at__lte=now
        )
        .order_by("at")
        .values_list("at", flat=True)
    )
    return any(
        later - earlier <= window and later + lock > now
        for earlier, later in zip(times, times[1:], strict=False)
    )


def login_refusal(username: str, address: str | None, now=None) -> str | None:
    """Why a portal sign-in must be refused before the password is even checked, or None."""
    now = now or timezone.now()
    if throttling.address_blocked(address, now):
        return _("Too many failed sign-ins from your address. Try again later.")
    user = find_customer_user(username)
    locked = _is_locked(user, now) if user is not None else _unknown_login_locked(username, now)
    if locked:
        return _(
            "This account is locked for a short while after failed sign-ins. Try again in a minute."
        )
    return None


@transaction.atomic
def record_failure(username: str, address: str | None, now=None) -> None:
    """Count one failed portal sign-in; lock or deactivate the customer user when due.

    Only customer users are looked up: an agent with the same login is never affected.
    """
    now = now or timezone.now()
    LoginFailure.objects.create(at=now, login=_failure_key(username), address=address)
    throttling.block_address_if_needed(address, now)
    found = find_customer_user(username)
    if found is None:
        return
    user = CustomerUser.objects.select_for_update().get(pk=found.pk)
    previous = user.last_failed_login_at
    CustomerUser.objects.filter(pk=user.pk).update(
        failed_login_count=F("failed_login_count") + 1, last_failed_login_at=now
    )
    user.refresh_from_db(fields=["failed_login_count", "last_failed_login_at"])
    if user.failed_login_count >= settings.LOGIN_DEACTIVATE_AFTER and user.is_valid:
        CustomerUser.objects.filter(pk=user.pk).update(validity=Validity.INVALID_TEMPORARILY)
        record_change(
            actor=None,
            instance=user,
            action=AuditAction.UPDATE,
            changes={
                "validity": [
                    Validity.VALID,
                    Validity.INVALID_TEMPORARILY,
                ],
                "reason": ["", _("%(count)s failed sign-ins") % {"count": user.failed_login_count}],
            },
        )
        logger.warning(
            "Customer user %s set invalid-temporarily after %s failed portal sign-ins",
            user.login,
            user.failed_login_count,
        )
        return
    window = timedelta(seconds=settings.LOGIN_LOCK_WINDOW_SECONDS)
    if previous is not None and now - previous <= window:
        until = now + timedelta(seconds=settings.LOGIN_LOCK_SECONDS)
        CustomerUser.objects.filter(pk=user.pk).update(locked_until=until)
        logger.warning(
            "Customer user %s locked until %s after rapid failed portal sign-ins",
            user.login,
            until,
        )


# Portal sessions --------------------------------------------------------------------------------


def portal_login(request, user: CustomerUser) -> None:
    """Start a portal session for ``user`` (new session key, against session fixation)."""
    session = request.session
    if session.get(CUSTOMER_USER_SESSION_KEY, user.pk) != user.pk:
        session.flush()  # another customer user's session: nothing of it is kept
    else:
        session.cycle_key()
    session[CUSTOMER_USER_SESSION_KEY] = user.pk
    session[CUSTOMER_HASH_SESSION_KEY] = user.get_session_auth_hash()
    rotate_token(request)
    services.record_portal_login(user)
    request.customer_user = user


def portal_logout(request) -> None:
    """End the portal session; an agent session (another cookie) is not touched."""
    request.session.flush()
    request.customer_user = None


def keep_session_after_password_change(request, user: CustomerUser) -> None:
    """The session that changed the password stays signed in; every other one ends."""
    request.session.cycle_key()
    request.session[CUSTOMER_HASH_SESSION_KEY] = user.get_session_auth_hash()


def safe_next_url(request, value: str | None) -> str | None:
    """``value`` when it is a portal page on this site (a path), else None."""
    if not value or not url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(value)
    path = unquote(parts.path)
    segments = path.split("/")
    # Browsers resolve dot segments ("/customer/../admin/"), so none is accepted.
    if not path.startswith("/") or "\\" in path or "." in segments or ".." in segments:
        return None
    if not is_portal_path(path):
        return None
    return urlunsplit(("", "", parts.path, parts.query, ""))


def customer_login_required(view):
    """Portal pages need a signed-in customer user; others go to the portal's sign-in page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if getattr(request, "customer_user", None) is None:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        return view(request, *args, **kwargs)

    return wrapped


# Lost password ----------------------------------------------------------------------------------


def request_set_password_mail(*, username: str, base_url: str) -> None:
    """Mail a set-password link to the valid customer user with this login or email, if any.

    Callers answer the same whether or not such a user exists; the mail goes out through the
    task queue, so the answer takes about as long either way. Users who never had a password
    (imported, or whose welcome link expired) may use it to get one.
    """
    user = find_customer_user(username)
    if user is None or not user.is_valid or not user.email:
        return
    from .tasks import send_set_password_mail

    send_set_password_mail(user.pk, base_url)
