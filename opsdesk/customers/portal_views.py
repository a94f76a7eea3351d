"""The customer portal's pages (customers.md "Customer portal", issue 3 item 5).

Every page reads the customer user from ``request.customer_user`` (set by the portal's own
session, see ``middleware``), never from ``request.user``: an agent's sign-in means nothing here.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from opsdesk.accounts import throttling
from opsdesk.core.forms import add_validation_error

from . import auth, selectors, services
from .models import CustomerUser
from .portal_forms import (
    PasswordChangeForm,
    PasswordLostForm,
    PortalLoginForm,
    PortalSetPasswordForm,
    ProfileForm,
)

LOGIN_FAILED = gettext_lazy("Login failed: wrong login or password, or the account is invalid.")


def _valid_minutes() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 60)


# Sign-in and sign-out ---------------------------------------------------------------------------


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    """Sign-in with login or email and password; throttled like the agents' sign-in."""
    next_url = auth.safe_next_url(request, request.POST.get("next") or request.GET.get("next"))
    if request.customer_user is not None:
        return redirect(next_url or "portal:home")
    form = PortalLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        address = auth.client_address(request)
        refusal = auth.login_refusal(username, address)
        if refusal:
            form.add_error(None, refusal)
        else:
            user = auth.authenticate(username, form.cleaned_data["password"])
            if user is None:
                auth.record_failure(username, address)
                form.add_error(None, LOGIN_FAILED)
            else:
                auth.portal_login(request, user)
                return redirect(next_url or "portal:home")
    return render(request, "customers/portal/login.html", {"form": form, "next": next_url or ""})


@require_POST
def logout_view(request):
    auth.portal_logout(request)
    messages.info(request, _("You have been logged out."))
    return redirect("portal:login")


# Lost password and the mailed set-password link -------------------------------------------------


@csrf_protect
@never_cache
def password_lost(request):
    """Ask for a set-password link by login or email; the answer never tells whether the
    account exists. Requests are throttled per client address."""
    form = PasswordLostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not throttling.password_reset_allowed(auth.client_address(request)):
            form.add_error(
                None, _("Too many password reset requests from your address. Try again later.")
            )
        else:
            auth.request_set_password_mail(
                username=form.cleaned_data["username"], base_url=request.build_absolute_uri("/")
            )
            return redirect("portal:password_lost_done")
    return render(request, "customers/portal/password_lost.html", {"form": form})


def password_lost_done(request):
    return render(
        request, "customers/portal/password_lost_done.html", {"valid_minutes": _valid_minutes()}
    )


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """Set a password from the welcome or lost-password link, then sign in.

    Django's view checks the token, keeps it in the session and redirects to a URL without it
    (so it cannot leak through the Referer header). The new password changes the token's hash
    value, so the link works once.
    """

    form_class = PortalSetPasswordForm
    template_name = "customers/portal/set_password.html"
    token_generator = services.customer_token_generator

    def get_user(self, uidb64):
        try:
            pk = int(force_str(urlsafe_base64_decode(uidb64)))
        except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
            return None
        user = CustomerUser.objects.filter(pk=pk).select_related("company").first()
        return user if user is not None and user.is_valid else None

    def form_valid(self, form):
        user = services.set_own_password(self.user, new_password=form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        auth.portal_login(self.request, user)
        messages.success(self.request, _("Your password has been set. Welcome to the portal."))
        return redirect("portal:home")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Choose your password") if self.validlink else _("Invalid link")
        return context


# Signed-in pages --------------------------------------------------------------------------------


@auth.customer_login_required
def home(request):
    """Welcome page: who is signed in and for which companies."""
    user = request.customer_user
    return render(
        request,
        "customers/portal/home.html",
        {"customer_user": user, "companies": selectors.companies_of_user(user)},
    )


PROFILE_SECTIONS = ("profile", "password")


@sensitive_post_parameters("current_password", "new_password", "new_password_again")
@auth.customer_login_required
def profile(request):
    """Own profile (name, phone numbers, language, time zone) and password change."""
    user = request.customer_user
    section = request.POST.get("section") if request.method == "POST" else None
    profile_form = ProfileForm.for_customer_user(
        user, request.POST if section == "profile" else None
    )
    password_form = PasswordChangeForm(request.POST if section == "password" else None, user=user)
    if section == "profile" and profile_form.is_valid():
        # A fresh copy: a refused change must not show up in the page's header.
        stored = CustomerUser.objects.select_related("company").get(pk=user.pk)
        try:
            user = services.update_own_profile(stored, **profile_form.cleaned_data)
        except ValidationError as error:
            add_validation_error(profile_form, error)
        else:
            request.customer_user = user
            # The confirmation already speaks the newly chosen language.
            language = user.language or translation.get_language_from_request(request)
            translation.activate(language)
            request.LANGUAGE_CODE = language
            messages.success(request, _("Your profile has been saved."))
            return redirect(reverse("portal:profile") + "#profile")
    elif section == "password" and password_form.is_valid():
        services.set_own_password(user, new_password=password_form.cleaned_data["new_password"])
        auth.keep_session_after_password_change(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect(reverse("portal:profile") + "#password")
    return render(
        request,
        "customers/portal/profile.html",
        {
            "customer_user": user,
            "profile_form": profile_form,
            "password_form": password_form,
            "section": section,
        },
    )
