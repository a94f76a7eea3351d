"""Forms of Customer Administration (manual 4.3): companies, customer users, group permissions."""

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from opsdesk.accounts.choices import time_zone_choices
from opsdesk.accounts.models import Group
from opsdesk.core.dynamic_fields import FORM_PREFIX, DynamicFieldsFormMixin

from .choices import CustomerPermission
from .models import CustomerCompany, CustomerUser
from .selectors import always_groups

# The autocomplete offers this many companies at most; typing more narrows the list.
AUTOCOMPLETE_LIMIT = 20


def company_label(company: CustomerCompany) -> str:
    """How pickers show a company: "ACME-JP — Acme Japan"."""
    return f"{company.customer_id} — {company.name}"


class ServiceFieldsMixin:
    """The cleaned values that a service takes as keyword arguments, with the dynamic fields'
    values as ``extra``."""

    # Form-only fields that the view handles itself.
    non_service_fields: tuple[str, ...] = ()

    def service_fields(self) -> dict:
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if not name.startswith(FORM_PREFIX) and name not in self.non_service_fields
        }
        data["extra"] = self.extra_values()
        return data


def _form_field(model_field, **kwargs):
    # An address typed without a scheme ("www.acme.jp") is read as https://.
    if isinstance(model_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return model_field.formfield(**kwargs)


class CompanyForm(ServiceFieldsMixin, DynamicFieldsFormMixin, forms.ModelForm):
    """Add or edit a customer company; the Customer ID is shown but cannot be changed on edit."""

    dynamic_object_type = "customer_company"

    class Meta:
        model = CustomerCompany
        formfield_callback = _form_field
        fields = (
            "customer_id",
            "name",
            "street",
            "zip",
            "city",
            "country",
            "url",
            "comment",
            "validity",
        )
        widgets = {
            "comment": forms.Textarea(attrs={"rows": 3}),
            "url": forms.URLInput(attrs={"placeholder": "https://"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # A disabled field keeps the stored value whatever is posted.
            self.fields["customer_id"].disabled = True
            self.fields["customer_id"].help_text = _(
                "The Customer ID cannot be changed after creation."
            )


class CompanyAutocompleteWidget(forms.TextInput):
    """A text input for a Customer ID with a ``<datalist>`` that htmx fills as the agent types."""

    template_name = "customers/admin/widgets/company_autocomplete.html"

    def __init__(self, attrs=None):
        defaults = {"autocomplete": "off", "spellcheck": "false"}
        super().__init__({**defaults, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        datalist_id = f"{widget_attrs.get('id') or name}_options"
        widget_attrs.update(
            {
                "list": datalist_id,
                # The input sends its own value (under its name) as the agent types.
                "hx-get": reverse("customers:company_autocomplete"),
                "hx-trigger": "input changed delay:250ms, focus once",
                "hx-target": f"#{datalist_id}",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        )
        context["widget"]["datalist_id"] = datalist_id
        return context


def _time_zone_choices():
    return [("", _("Server default")), *time_zone_choices()]


class CustomerUserForm(ServiceFieldsMixin, DynamicFieldsFormMixin, forms.ModelForm):
    """Register (4.3.1) or edit a customer user; the customer is entered by its Customer ID."""

    dynamic_object_type = "customer_user"
    non_service_fields = ("new_password", "send_password_link", "additional_companies")

    company = forms.CharField(
        label=capfirst(_("customer")),
        max_length=150,
        widget=CompanyAutocompleteWidget(),
        help_text=_("The Customer ID of the user's primary customer; type to see suggestions."),
        error_messages={"required": _("Enter the Customer ID of the user's customer.")},
    )
    additional_companies = forms.ModelMultipleChoiceField(
        label=capfirst(_("additional customers")),
        queryset=CustomerCompany.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Further customers the user may act for and see the tickets of."),
    )
    time_zone = forms.ChoiceField(
        label=capfirst(_("time zone")), choices=_time_zone_choices, required=False
    )
    new_password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    send_password_link = forms.BooleanField(
        label=_("Email a link to set the password"),
        required=False,
        initial=True,
        help_text=_("The user chooses their portal password through the link in this mail."),
    )

    class Meta:
        model = CustomerUser
        fields = (
            "login",
            "title",
            "first_name",
            "last_name",
            "email",
            "company",
            "additional_companies",
            "role",
            "phone",
            "mobile",
            "fax",
            "street",
            "zip",
            "city",
            "country",
            "comment",
            "validity",
            "language",
            "time_zone",
        )
        widgets = {"comment": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        self.stored_company_id = instance.company_id
        held = (
            list(instance.additional_companies.values_list("pk", flat=True)) if instance.pk else []
        )
        queryset = CustomerCompany.objects.filter(Q(validity="valid") | Q(pk__in=held))
        self.fields["additional_companies"].queryset = queryset.order_by("name")
        self.fields["additional_companies"].label_from_instance = company_label
        if instance.pk is None:
            self.fields["new_password"].help_text = _(
                "Optional. Without a password the user has no portal access until they set one "
                "through the emailed link."
            )
        else:
            del self.fields["send_password_link"]
            self.fields["new_password"].label = _("New password")
            self.fields["new_password"].help_text = _("Leave empty to keep the current password.")
            if instance.company_id is not None:
                self.initial["company"] = instance.company.customer_id
        # The administrator's fields come before the password, which closes the form.
        password_fields = [
            name for name in ("new_password", "send_password_link") if name in self.fields
        ]
        self.order_fields(
            [name for name in self.fields if name not in password_fields] + password_fields
        )

    def clean_company(self) -> CustomerCompany:
        text = self.cleaned_data["company"].strip()
        # Pasted from a suggestion ("ACME-JP — Acme Japan"): the Customer ID is the first part.
        text = text.split(" — ")[0].strip()
        company = CustomerCompany.objects.filter(customer_id__iexact=text).first()
        if company is None:
            raise ValidationError(
                _("No customer with Customer ID “%(value)s” exists."),
                code="unknown",
                params={"value": text},
            )
        # Users already in an invalidated company keep it; nobody joins one.
        if not company.is_valid and company.pk != self.stored_company_id:
            raise ValidationError(
                _("The customer “%(name)s” (%(customer_id)s) is invalid; choose a valid customer."),
                code="invalid_company",
                params={"name": company.name, "customer_id": company.customer_id},
            )
        return company

    def _post_clean(self):
        super()._post_clean()
        # Checked against the user as entered, so that "too similar to the login" is caught.
        password = self.cleaned_data.get("new_password")
        if password:
            try:
                validate_password(password, self.instance)
            except ValidationError as error:
                self.add_error("new_password", error)


class CustomerUserGroupPermissionsForm(forms.Form):
    """One row per valid group (and per invalid group the user still holds a grant on), with a
    ``ro`` and an ``rw`` checkbox."""

    def __init__(self, *args, customer_user: CustomerUser, **kwargs):
        super().__init__(*args, **kwargs)
        held: dict[int, set[str]] = {}
        for group_id, permission in customer_user.group_permissions.values_list(
            "group_id", "permission"
        ):
            held.setdefault(group_id, set()).add(permission)
        always = set(always_groups())
        groups = Group.objects.filter(Q(valid=True) | Q(pk__in=held)).order_by("name")
        self.matrix: list[tuple[Group, str, bool]] = []
        for group in groups:
            name = f"group_{group.pk}"
            self.fields[name] = forms.MultipleChoiceField(
                label=group.name,
                choices=CustomerPermission.choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
            self.initial[name] = sorted(held.get(group.pk, ()))
            self.matrix.append((group, name, group.name in always))

    @property
    def columns(self):
        return CustomerPermission.choices

    def rows(self):
        """(group, bound field, granted to every customer user anyway) for the template."""
        return [(group, self[name], is_always) for group, name, is_always in self.matrix]

    def grants(self) -> dict[Group, set[str]]:
        return {group: set(self.cleaned_data[name]) for group, name, _always in self.matrix}
