"""API representations of customer companies and customer users; writes go through ``services``."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from opsdesk.api.extra_fields import ExtraFieldsSerializerMixin
from opsdesk.core.models import DynamicFieldObjectType

from . import services
from .models import CustomerCompany, CustomerUser


def _field_errors(error: DjangoValidationError, renamed: dict[str, str]) -> dict:
    """A model/service ValidationError as DRF field errors, with model fields named as here."""
    detail = serializers.as_serializer_error(error)
    return {renamed.get(key, key): messages for key, messages in detail.items()}


class CustomerIdField(serializers.SlugRelatedField):
    """A company given by its Customer ID (found whatever the case: Customer IDs are unique so)."""

    default_error_messages = {
        "does_not_exist": _("No customer with Customer ID “{value}” exists."),
        "invalid": _("Give a Customer ID as text."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", CustomerCompany.objects.all())
        super().__init__(slug_field="customer_id", **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        company = self.get_queryset().filter(customer_id__iexact=data.strip()).first()
        if company is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return company


class CustomerCompanySerializer(ExtraFieldsSerializerMixin, serializers.ModelSerializer):
    """A customer company. Its Customer ID is its key and cannot change after creation."""

    dynamic_object_type = DynamicFieldObjectType.CUSTOMER_COMPANY

    customer_id = serializers.CharField(
        max_length=150,
        help_text=_(
            "The key every ticket and customer user refers to. Required when creating; it cannot "
            "be changed afterwards (a different value is refused)."
        ),
    )
    extra = serializers.DictField(
        required=False,
        help_text=_(
            "Values of the administrator-defined fields of customers, by field name. On a change, "
            "the fields named are set (null clears one) and the others are kept."
        ),
    )

    class Meta:
        model = CustomerCompany
        fields = [
            "id",
            "customer_id",
            "name",
            "street",
            "zip",
            "city",
            "country",
            "url",
            "comment",
            "validity",
            "extra",
            "created_at",
            "changed_at",
        ]
        read_only_fields = ["created_at", "changed_at"]

    def validate_customer_id(self, value):
        value = value.strip()
        if self.instance is not None and value != self.instance.customer_id:
            raise serializers.ValidationError(
                _("The Customer ID cannot be changed after creation.")
            )
        return value

    def create(self, validated_data):
        try:
            return services.create_company(**validated_data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(_field_errors(error, {})) from error

    def update(self, instance, validated_data):
        try:
            return services.update_company(instance, **validated_data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(_field_errors(error, {})) from error


# Model fields of a customer user and the names the API gives them.
USER_FIELD_NAMES = {"company": "customer_id", "additional_companies": "additional_customer_ids"}


class CustomerUserSerializer(ExtraFieldsSerializerMixin, serializers.ModelSerializer):
    """A customer user: a person at a customer who may sign in to the portal."""

    dynamic_object_type = DynamicFieldObjectType.CUSTOMER_USER

    full_name = serializers.CharField(read_only=True)
    customer_id = CustomerIdField(
        source="company",
        help_text=_("Customer ID of the user's primary company (which must be valid to join)."),
    )
    customer_name = serializers.CharField(source="company.name", read_only=True)
    additional_customer_ids = CustomerIdField(
        source="additional_companies",
        many=True,
        required=False,
        help_text=_(
            "Customer IDs of further companies the user may act for; they replace the current "
            "ones. The primary company is left out."
        ),
    )
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=False,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text=_(
            "Write only: the portal password. Without one, the user cannot sign in to the portal "
            "until they set one through a mailed link."
        ),
    )
    portal_access = serializers.BooleanField(
        source="has_usable_password",
        read_only=True,
        help_text=_("The user has a portal password."),
    )
    extra = serializers.DictField(
        required=False,
        help_text=_(
            "Values of the administrator-defined fields of customer users, by field name. On a "
            "change, the fields named are set (null clears one) and the others are kept."
        ),
    )

    class Meta:
        model = CustomerUser
        fields = [
            "id",
            "login",
            "title",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "phone",
            "mobile",
            "fax",
            "street",
            "zip",
            "city",
            "country",
            "comment",
            "customer_id",
            "customer_name",
            "additional_customer_ids",
            "role",
            "validity",
            "language",
            "time_zone",
            "extra",
            "password",
            "portal_access",
            "last_login",
            "created_at",
            "changed_at",
        ]
        read_only_fields = ["last_login", "created_at", "changed_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["additional_customer_ids"] = sorted(
            customer_id
            for customer_id in data["additional_customer_ids"]
            if customer_id != data["customer_id"]
        )
        return data

    def validate(self, attrs):
        attrs = super().validate(attrs)
        password = attrs.get("password")
        if password:
            # The similarity validator compares the password with the user's login, name, email.
            def current(name):
                return attrs.get(name, getattr(self.instance, name, "")) or ""

            probe = CustomerUser(
                **{name: current(name) for name in ("login", "first_name", "last_name", "email")}
            )
            probe.username = probe.login  # what Django's similarity validator looks at
            try:
                validate_password(password, probe)
            except DjangoValidationError as error:
                raise serializers.ValidationError({"password": list(error.messages)}) from error
        return attrs

    def create(self, validated_data):
        try:
            return services.create_customer_user(**validated_data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(_field_errors(error, USER_FIELD_NAMES)) from error

    def update(self, instance, validated_data):
        try:
            return services.update_customer_user(instance, **validated_data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(_field_errors(error, USER_FIELD_NAMES)) from error
