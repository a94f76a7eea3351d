"""The lost-password flow for agents (manual 1.2.1): request a link by mail, set a new password.

The request page answers the same whether or not the account exists, so it cannot be used to
find out logins or addresses; requests are throttled per client address.
"""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from . import services, throttling
from .preferences_forms import PasswordResetRequestForm, ResetPasswordForm


def _valid_minutes() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 60)


@csrf_protect
@never_cache
def password_reset_request(request):
    """Ask for a reset link by login or email."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not throttling.password_reset_allowed(throttling.client_address(request)):
            form.add_error(
                None, _("Too many password reset requests from your address. Try again later.")
            )
        else:
            services.request_password_reset(
                username=form.cleaned_data["username"], base_url=request.build_absolute_uri("/")
            )
            return redirect("accounts:password_reset_done")
    return render(request, "accounts/password_reset/request.html", {"form": form})


def password_reset_done(request):
    return render(request, "accounts/password_reset/done.html", {"valid_minutes": _valid_minutes()})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Set a new password from a mailed link (Django's token check and Referer protection)."""

    form_class = ResetPasswordForm
    template_name = "accounts/password_reset/confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def get_user(self, uidb64):
        agent = super().get_user(uidb64)
        return agent if agent is not None and agent.is_active else None

    def form_valid(self, form):
        services.reset_password(agent=self.user, new_password=form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


def password_reset_complete(request):
    return render(request, "accounts/password_reset/complete.html")
