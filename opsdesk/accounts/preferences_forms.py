"""Forms of the personal preferences (manual 1.3) and of the lost-password flow.

The forms check types and choices; the rules of the business (unique email, the out-of-office
period, the current password) live in the services, whose errors ``add_validation_error`` puts
next to the fields they concern.
"""

import datetime

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from opsdesk.core.forms import BootstrapFormMixin

from .choices import (
    ArticleOrder,
    Language,
    PageSize,
    RefreshInterval,
    StartView,
    time_zone_choices,
)
from .models import Agent
from .services import PREFERENCE_FIELDS, PROFILE_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ProfileForm(BootstrapFormMixin, forms.Form):
    """User Profile (manual 1.3.1): name, email, language, time zone, out-of-office."""

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"), max_length=254)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        help_text=_("Dates and times are shown in this zone."),
    )
    out_of_office_start = forms.DateField(
        label=_("Out of office from"), required=False, widget=DateInput()
    )
    out_of_office_end = forms.DateField(
        label=_("Out of office until"), required=False, widget=DateInput()
    )
    out_of_office_note = forms.CharField(
        label=_("Out-of-office note"),
        max_length=250,
        required=False,
        help_text=_("Shown next to your name wherever you can be chosen as owner."),
    )

    @classmethod
    def for_agent(cls, agent: Agent, data=None):
        return cls(data, initial={name: getattr(agent, name) for name in PROFILE_FIELDS})


class PasswordChangeForm(BootstrapFormMixin, forms.Form):
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=lazy(password_validation.password_validators_help_text_html, SafeString)(),
    )
    new_password_again = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        new, again = data.get("new_password"), data.get("new_password_again")
        if new and again and new != again:
            self.add_error("new_password_again", _("The two new passwords differ."))
        return data


class TwoFactorEnableForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class TwoFactorDisableForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    password = forms.CharField(
        label=_("or your password"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean(self):
        data = super().clean()
        if not data.get("code") and not data.get("password"):
            raise ValidationError(_("Enter a code from your authenticator app or your password."))
        return data


class MiscellaneousForm(BootstrapFormMixin, forms.Form):
    """Miscellaneous preferences (manual 1.3.3)."""

    page_size = forms.TypedChoiceField(
        label=_("Page size of overviews"), choices=PageSize.choices, coerce=int
    )
    refresh_interval = forms.TypedChoiceField(
        label=_("Refresh interval of overviews"), choices=RefreshInterval.choices, coerce=int
    )
    article_order = forms.ChoiceField(label=_("Article order"), choices=ArticleOrder.choices)
    start_view = forms.ChoiceField(label=_("View after login"), choices=StartView.choices)
    quote_on_reply = forms.BooleanField(label=_("Quote the article when replying"), required=False)

    @classmethod
    def for_agent(cls, agent: Agent, data=None):
        return cls(data, initial={name: getattr(agent, name) for name in PREFERENCE_FIELDS})


class ApiTokenForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the script or system that uses it."),
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=DateInput(),
        help_text=_("Last day the token works (in your time zone). Empty: no expiry."),
    )

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day and day < timezone.localdate():
            raise ValidationError(_("The day lies in the past."))
        return day

    def expires_at(self) -> datetime.datetime | None:
        """The first moment the token no longer works: the end of the chosen day."""
        day = self.cleaned_data.get("expires_on")
        if not day:
            return None
        return datetime.datetime.combine(
            day + datetime.timedelta(days=1),
            datetime.time.min,
            tzinfo=timezone.get_current_timezone(),
        )


class PasswordResetRequestForm(BootstrapFormMixin, forms.Form):
    username = forms.CharField(
        label=_("Login or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class ResetPasswordForm(BootstrapFormMixin, SetPasswordForm):
    """Django's set-password form (its password validators), styled; the view saves."""
