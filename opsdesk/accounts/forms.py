import pyotp
from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Login or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TOTPForm(forms.Form):
    code = forms.CharField(
        label=_("Authentication code"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )

    def __init__(self, *args, secret: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.secret = secret

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        if not pyotp.TOTP(self.secret).verify(code, valid_window=1):
            raise forms.ValidationError(_("The code is not valid. Check your device's clock."))
        return code
