"""Forms of the customer portal: sign-in, lost password, set password, profile, password change.

The sign-in forms are the agents' forms (same fields, same labels); the profile forms check the
customer user's input, and ``services`` writes it.
"""

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from opsdesk.accounts.choices import Language, time_zone_choices
from opsdesk.accounts.forms import LoginForm
from opsdesk.accounts.preferences_forms import (
    PasswordChangeForm as AgentPasswordChangeForm,
)
from opsdesk.accounts.preferences_forms import (
    PasswordResetRequestForm,
    ResetPasswordForm,
)
from opsdesk.core.forms import BootstrapFormMixin

from .models import CustomerUser
from .services import PROFILE_FIELDS


class PortalLoginForm(BootstrapFormMixin, LoginForm):
    """Login or email, and password."""


class PasswordLostForm(PasswordResetRequestForm):
    """Login or email of the account that wants a set-password link."""


class PortalSetPasswordForm(ResetPasswordForm):
    """New password and confirmation, checked by the password validators (the view saves)."""


def _time_zone_choices():
    return [("", _("Default (%(zone)s)") % {"zone": settings.TIME_ZONE}), *time_zone_choices()]


class ProfileForm(BootstrapFormMixin, forms.Form):
    """What a customer user may change about themselves: name, phone numbers, language, zone."""

    title = forms.CharField(label=_("Title"), max_length=50, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=50, required=False)
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("As set in my browser")), *Language.choices],
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        choices=_time_zone_choices,
        help_text=_("Dates and times are shown in this zone."),
    )

    @classmethod
    def for_customer_user(cls, user: CustomerUser, data=None):
        return cls(data, initial={name: getattr(user, name) for name in PROFILE_FIELDS})


class PasswordChangeForm(AgentPasswordChangeForm):
    """Current password, new password twice; the new one passes the password validators."""

    def __init__(self, *args, user: CustomerUser, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_current_password(self):
        current = self.cleaned_data["current_password"]
        if not self.user.check_password(current):
            raise ValidationError(
                _("Your current password was entered incorrectly."), code="password_incorrect"
            )
        return current

    def clean_new_password(self):
        new = self.cleaned_data["new_password"]
        password_validation.validate_password(new, self.user)
        return new
