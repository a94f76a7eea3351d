"""Personal preferences (manual 1.3): User Profile, Miscellaneous, API tokens.

Every page is open to any signed-in agent and changes only that agent, through the services.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from opsdesk.core.forms import add_validation_error
from opsdesk.core.permissions import agent_required

from . import services
from .models import ApiToken
from .preferences_forms import (
    ApiTokenForm,
    MiscellaneousForm,
    PasswordChangeForm,
    ProfileForm,
    TwoFactorDisableForm,
    TwoFactorEnableForm,
)
from .selectors import is_admin

PENDING_TOTP_SECRET_KEY = "opsdesk_pending_totp_secret"
NEW_API_TOKEN_KEY = "opsdesk_new_api_token"

PROFILE_SECTIONS = ("profile", "password", "two_factor_enable", "two_factor_disable")


def _bound(form_class, request, section: str, **kwargs):
    """The section's form, bound to the POST data only when that section was submitted."""
    data = request.POST if request.POST.get("section") == section else None
    if hasattr(form_class, "for_agent"):
        return form_class.for_agent(request.user, data)
    return form_class(data, **kwargs)


def _pending_totp_secret(request) -> str:
    """The secret offered for setting up two-factor authentication, kept until it is enabled."""
    secret = request.session.get(PENDING_TOTP_SECRET_KEY)
    if not secret:
        secret = services.new_totp_secret()
        request.session[PENDING_TOTP_SECRET_KEY] = secret
    return secret


def _profile_redirect(anchor: str):
    return redirect(reverse("accounts:profile") + f"#{anchor}")


@sensitive_post_parameters("current_password", "new_password", "new_password_again", "password")
@agent_required()
def profile(request):
    """User Profile (manual 1.3.1): profile fields, password change and two-factor set-up."""
    agent = request.user
    section = request.POST.get("section") if request.method == "POST" else None
    forms = {
        "profile_form": _bound(ProfileForm, request, "profile"),
        "password_form": _bound(PasswordChangeForm, request, "password"),
        "enable_form": _bound(TwoFactorEnableForm, request, "two_factor_enable"),
        "disable_form": _bound(TwoFactorDisableForm, request, "two_factor_disable"),
    }
    if section in PROFILE_SECTIONS:
        response = _save_profile_section(request, section, forms)
        if response is not None:
            return response
    context = {**forms, "agent": agent}
    if not agent.totp_enabled:
        secret = _pending_totp_secret(request)
        context["totp_secret"] = secret
        context["totp_uri"] = services.totp_provisioning_uri(agent=agent, secret=secret)
        context["two_factor_required"] = settings.OPSDESK_REQUIRE_2FA_FOR_ADMINS and is_admin(agent)
    return render(request, "accounts/preferences/profile.html", context)


def _save_profile_section(request, section: str, forms: dict):
    """Save the submitted section; a redirect when it worked, None to show the errors."""
    agent = request.user
    if section == "profile":
        form = forms["profile_form"]
        if not form.is_valid():
            return None
        try:
            services.update_profile(agent=agent, **form.cleaned_data)
        except ValidationError as error:
            add_validation_error(form, error)
            return None
        # The confirmation and the next page already speak the newly chosen language.
        translation.activate(agent.language)
        request.LANGUAGE_CODE = agent.language
        messages.success(request, _("Your profile has been saved."))
        response = _profile_redirect("profile")
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            agent.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            samesite="Lax",
        )
        return response
    if section == "password":
        form = forms["password_form"]
        if not form.is_valid():
            return None
        try:
            services.change_password(
                agent=agent,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as error:
            add_validation_error(form, error)
            return None
        update_session_auth_hash(request, agent)
        messages.success(request, _("Your password has been changed."))
        return _profile_redirect("password")
    if section == "two_factor_enable":
        form = forms["enable_form"]
        if not form.is_valid():
            return None
        try:
            services.enable_two_factor(
                agent=agent, secret=_pending_totp_secret(request), code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            add_validation_error(form, error)
            return None
        request.session.pop(PENDING_TOTP_SECRET_KEY, None)
        messages.success(request, _("Two-factor authentication is now on."))
        return _profile_redirect("two-factor")
    form = forms["disable_form"]
    if not form.is_valid():
        return None
    try:
        services.disable_two_factor(
            agent=agent, code=form.cleaned_data["code"], password=form.cleaned_data["password"]
        )
    except ValidationError as error:
        add_validation_error(form, error)
        return None
    messages.success(request, _("Two-factor authentication is now off."))
    return _profile_redirect("two-factor")


@agent_required()
def miscellaneous(request):
    """Miscellaneous preferences (manual 1.3.3): page size, refresh, article order, start view."""
    form = MiscellaneousForm.for_agent(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_preferences(agent=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(request, _("Your preferences have been saved."))
            return redirect("accounts:preferences_misc")
    return render(request, "accounts/preferences/misc.html", {"form": form})


@agent_required()
def api_tokens(request):
    """The agent's own API tokens; a new token's raw value is shown once, right after creation."""
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, raw = services.create_api_token(
            agent=request.user, name=form.cleaned_data["name"], expires_at=form.expires_at()
        )
        request.session[NEW_API_TOKEN_KEY] = {"id": token.pk, "raw": raw}
        return redirect("accounts:api_tokens")
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(agent=request.user),
        "new_token": request.session.pop(NEW_API_TOKEN_KEY, None),
    }
    return render(request, "accounts/preferences/api_tokens.html", context)


@require_POST
@agent_required()
def revoke_api_token(request, pk: int):
    """Revoke one of the agent's own tokens (anyone else's is not found)."""
    token = get_object_or_404(ApiToken, pk=pk, agent=request.user)
    services.revoke_api_token(token=token)
    message = _("The API token “%(name)s” has been revoked.") % {"name": token.name}
    messages.success(request, message)
    return redirect("accounts:api_tokens")
