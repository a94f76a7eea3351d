"""Customer companies and customer users (customers.md, manual 4.3)."""

from django.conf import settings
from django.contrib.auth.hashers import check_password, is_password_usable, make_password
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from opsdesk.accounts.choices import Language
from opsdesk.accounts.models import validate_time_zone
from opsdesk.core.models import TrackedModel
from opsdesk.core.names import person_name

from .choices import RESERVED_CUSTOMER_IDS, CustomerPermission, CustomerRole, Validity

customer_id_validator = RegexValidator(
    r"^[\w.@+&-]+\Z",
    _("Use letters, digits and . @ + & - _ only (no spaces)."),
    code="customer_id",
)


def _case_insensitive_duplicate(instance, field: str, **conditions) -> bool:
    value = getattr(instance, field)
    if not value:
        return False
    others = type(instance)._default_manager.filter(**{f"{field}__iexact": value}, **conditions)
    if instance.pk is not None:
        others = others.exclude(pk=instance.pk)
    return others.exists()


# Constraints that ``validate_unique`` reports on their field (the form shows the message next to
# it); ``validate_constraints`` skips them so that the message does not appear twice.
FIELD_CHECKED_CONSTRAINTS = frozenset(
    {
        "customer_company_unique_customer_id",
        "customer_company_unique_name",
        "customer_user_unique_login",
        "customer_user_unique_valid_email",
    }
)


class FieldCheckedUniqueMixin:
    """Case-insensitive uniqueness reported on its field; the database constraint is a backstop."""

    unique_fields: tuple[tuple[str, dict, str], ...] = ()  # (field, filter, message)

    def get_constraints(self):
        return [
            (model, [c for c in constraints if c.name not in FIELD_CHECKED_CONSTRAINTS])
            for model, constraints in super().get_constraints()
        ]

    def validate_unique(self, exclude=None):
        errors = {}
        try:
            super().validate_unique(exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field, conditions, message in self.unique_fields:
            if exclude and field in exclude or field in errors:
                continue
            if all(getattr(self, key) == value for key, value in conditions.items()) and (
                _case_insensitive_duplicate(self, field, **conditions)
            ):
                errors[field] = [ValidationError(message, code="unique")]
        if errors:
            raise ValidationError(errors)


class CustomerCompanyQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(validity=Validity.VALID)


class CustomerCompany(FieldCheckedUniqueMixin, TrackedModel):
    """A customer organisation. The Customer ID is its stable key and never changes."""

    unique_fields = (
        ("customer_id", {}, _("A customer with this Customer ID already exists.")),
        ("name", {}, _("A customer with this name already exists.")),
    )

    customer_id = models.CharField(
        _("Customer ID"),
        max_length=150,
        validators=[customer_id_validator],
        help_text=_(
            "The key every ticket and customer user refers to; it cannot be changed later."
        ),
    )
    name = models.CharField(_("customer name"), max_length=200)
    street = models.CharField(_("street"), max_length=200, blank=True)
    zip = models.CharField(_("zip"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    url = models.URLField(_("URL"), max_length=250, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    validity = models.CharField(
        _("validity"), max_length=20, choices=Validity.choices, default=Validity.VALID
    )
    extra = models.JSONField(_("extra fields"), default=dict, blank=True)

    objects = CustomerCompanyQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("customer_id"),
                name="customer_company_unique_customer_id",
                violation_error_message=_("A customer with this Customer ID already exists."),
            ),
            models.UniqueConstraint(
                Lower("name"),
                name="customer_company_unique_name",
                violation_error_message=_("A customer with this name already exists."),
            ),
        ]
        indexes = [models.Index(fields=["validity", "name"])]

    def __str__(self):
        return self.name

    @property
    def is_valid(self) -> bool:
        return self.validity == Validity.VALID

    def clean(self):
        super().clean()
        self.customer_id = (self.customer_id or "").strip()
        self.name = (self.name or "").strip()
        if self.customer_id.lower() in RESERVED_CUSTOMER_IDS:
            # params only apply to a ValidationError of one message, not to a dict of them.
            raise ValidationError(
                {
                    "customer_id": ValidationError(
                        _("“%(value)s” is reserved; choose another Customer ID."),
                        code="reserved",
                        params={"value": self.customer_id},
                    )
                }
            )
        if self.pk is not None:
            stored = (
                type(self).objects.filter(pk=self.pk).values_list("customer_id", flat=True).first()
            )
            if stored is not None and stored != self.customer_id:
                raise ValidationError(
                    {"customer_id": _("The Customer ID cannot be changed after creation.")}
                )


class CustomerUserQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(validity=Validity.VALID)

    def of_company(self, company):
        """Users whose primary or additional company is ``company``."""
        return self.filter(Q(company=company) | Q(additional_companies=company)).distinct()


class CustomerUser(FieldCheckedUniqueMixin, TrackedModel):
    """A person at a customer who may sign in to the portal and on whose behalf tickets exist."""

    # History entries of changes that are not model fields (see services).
    history_labels = {
        "group_permissions": _("group permissions"),
        "portal_access": _("portal access"),
    }
    unique_fields = (
        ("login", {}, _("A customer user with this login already exists.")),
        (
            "email",
            {"validity": Validity.VALID},
            _("A valid customer user with this email address already exists."),
        ),
    )

    login = models.CharField(_("login"), max_length=150, help_text=_("Unique, not case-sensitive."))
    title = models.CharField(_("title"), max_length=50, blank=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), max_length=254)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile"), max_length=50, blank=True)
    fax = models.CharField(_("fax"), max_length=50, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    zip = models.CharField(_("zip"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    company = models.ForeignKey(
        CustomerCompany,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="primary_users",
        help_text=_("The primary company (Customer ID) of the user."),
    )
    additional_companies = models.ManyToManyField(
        CustomerCompany,
        verbose_name=_("additional customers"),
        related_name="additional_users",
        blank=True,
        help_text=_("Further companies the user may act for and see the tickets of."),
    )
    role = models.CharField(
        _("portal role"),
        max_length=20,
        choices=CustomerRole.choices,
        default=CustomerRole.USER,
        help_text=_("A Customer Manager also sees every ticket of their companies."),
    )
    validity = models.CharField(
        _("validity"), max_length=20, choices=Validity.choices, default=Validity.VALID
    )
    password = models.CharField(_("password"), max_length=128, blank=True, editable=False)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_time_zone]
    )
    last_login = models.DateTimeField(_("last login"), null=True, blank=True, editable=False)
    failed_login_count = models.PositiveIntegerField(default=0, editable=False)
    last_failed_login_at = models.DateTimeField(null=True, blank=True, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)
    extra = models.JSONField(_("extra fields"), default=dict, blank=True)

    objects = CustomerUserQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer user")
        verbose_name_plural = _("customer users")
        ordering = ["last_name", "first_name", "login"]
        constraints = [
            models.UniqueConstraint(
                Lower("login"),
                name="customer_user_unique_login",
                violation_error_message=_("A customer user with this login already exists."),
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(validity="valid"),
                name="customer_user_unique_valid_email",
                violation_error_message=_(
                    "A valid customer user with this email address already exists."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["company", "validity"]),
            models.Index(fields=["validity", "last_name"]),
        ]

    def __str__(self):
        return f"{self.full_name} <{self.email}>"

    @property
    def full_name(self) -> str:
        return person_name(self.first_name, self.last_name)

    @property
    def is_valid(self) -> bool:
        return self.validity == Validity.VALID

    @property
    def is_manager(self) -> bool:
        return self.role == CustomerRole.MANAGER

    def clean(self):
        super().clean()
        self.login = (self.login or "").strip()
        self.email = (self.email or "").strip()
        if self.company_id is not None and self.validity == Validity.VALID:
            stored_company = (
                type(self).objects.filter(pk=self.pk).values_list("company_id", flat=True).first()
                if self.pk is not None
                else None
            )
            # Users may stay in a company that was invalidated, but none may join one.
            if stored_company != self.company_id and not self.company.is_valid:
                raise ValidationError(
                    {"company": _("This customer is invalid; choose a valid customer.")}
                )

    # Portal password ----------------------------------------------------------------------------

    def set_password(self, raw_password: str | None) -> None:
        """Hash and keep ``raw_password``; None or "" removes portal access."""
        self.password = make_password(raw_password) if raw_password else ""

    def check_password(self, raw_password: str) -> bool:
        if not self.has_usable_password:
            return False

        def upgrade(raw):
            self.set_password(raw)
            type(self).objects.filter(pk=self.pk).update(password=self.password)

        return check_password(raw_password, self.password, upgrade)

    @property
    def has_usable_password(self) -> bool:
        return bool(self.password) and is_password_usable(self.password)

    def get_session_auth_hash(self) -> str:
        """Changes with the password, so that a new password ends every other portal session."""
        return salted_hmac(
            "opsdesk.customers.session", self.password, secret=settings.SECRET_KEY
        ).hexdigest()

    def company_ids(self) -> list[int]:
        """Primary company first, then the additional ones."""
        ids = [self.company_id]
        ids += [
            company_id
            for company_id in self.additional_companies.values_list("pk", flat=True)
            if company_id != self.company_id
        ]
        return ids


class CustomerUserGroupPermission(models.Model):
    """A customer user's permission on a group: which queues they may see (ro) or use (rw)."""

    customer_user = models.ForeignKey(
        CustomerUser, on_delete=models.CASCADE, related_name="group_permissions"
    )
    group = models.ForeignKey(
        "accounts.Group", on_delete=models.CASCADE, related_name="customer_user_permissions"
    )
    permission = models.CharField(
        _("permission"), max_length=10, choices=CustomerPermission.choices
    )

    class Meta:
        verbose_name = _("customer user group permission")
        verbose_name_plural = _("customer user group permissions")
        constraints = [
            models.UniqueConstraint(
                fields=["customer_user", "group", "permission"],
                name="customer_user_group_permission_unique",
            )
        ]

    def __str__(self):
        return f"{self.customer_user.login}: {self.group.name} ({self.permission})"
