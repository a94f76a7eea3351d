"""API representations of agents, groups and roles; writes go through ``services``."""

import zoneinfo

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import services
from .choices import Permission
from .models import Agent, Group, Role
from .selectors import group_permissions, is_admin


def _update_validity_through_services(instance, validated_data, *, field, invalidate, update):
    """Apply an update in which setting the object invalid goes through ``invalidate``.

    So the rules of invalidation (no self-invalidation, the admin group stays valid) hold for
    PUT and PATCH as they do for DELETE.
    """
    with transaction.atomic():
        if validated_data.get(field) is False:
            del validated_data[field]
            invalidate(instance, actor=validated_data.get("actor"))
        return update(instance, **validated_data)


class GroupPermissionSerializer(serializers.Serializer):
    """The permissions held on one group: ``{"group": "users", "permissions": ["ro", "note"]}``."""

    group = serializers.SlugRelatedField(
        slug_field="name",
        queryset=Group.objects.all(),
        help_text=_("Name of the group."),
        error_messages={"does_not_exist": _("There is no group named “{value}”.")},
    )
    permissions = serializers.ListField(
        child=serializers.ChoiceField(choices=Permission.choices),
        allow_empty=True,
        help_text=_(
            "Permission keys; they replace those held on the group. An empty list removes them."
        ),
    )


def grants_by_group(grants) -> list[dict]:
    """Grant rows (with their group loaded) as a sorted list of ``{group, permissions}``."""
    by_group: dict[str, set[str]] = {}
    for grant in grants:
        by_group.setdefault(grant.group.name, set()).add(grant.permission)
    return [{"group": name, "permissions": sorted(keys)} for name, keys in sorted(by_group.items())]


class AgentLoginField(serializers.SlugRelatedField):
    """An agent given by login, found whatever the case (logins are not case-sensitive)."""

    default_error_messages = {
        "does_not_exist": _("There is no agent with the login “{value}”."),
        "invalid": _("Invalid value."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Agent.objects.all())
        super().__init__(slug_field="login", **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        agent = self.get_queryset().filter(login__iexact=data).first()
        if agent is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return agent


class AgentSerializer(serializers.ModelSerializer):
    valid = serializers.BooleanField(
        source="is_active",
        required=False,
        help_text=_("Invalid agents cannot sign in. Agents are never deleted, only invalidated."),
    )
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=False,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text=_("Write only. Without one, a new agent cannot sign in with a password."),
    )
    roles = serializers.SlugRelatedField(
        slug_field="name",
        queryset=Role.objects.all(),
        many=True,
        required=False,
        help_text=_("Names of the agent's roles."),
    )
    group_permissions = serializers.SerializerMethodField(
        help_text=_("Permissions granted to the agent directly (roles add their own).")
    )
    full_name = serializers.CharField(read_only=True)
    two_factor_enabled = serializers.BooleanField(source="totp_enabled", read_only=True)

    class Meta:
        model = Agent
        fields = [
            "id",
            "login",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "title",
            "phone",
            "mobile",
            "valid",
            "is_superuser",
            "language",
            "time_zone",
            "out_of_office_start",
            "out_of_office_end",
            "out_of_office_note",
            "roles",
            "group_permissions",
            "two_factor_enabled",
            "password",
            "last_login",
            "created_at",
            "changed_at",
        ]
        read_only_fields = ["is_superuser", "last_login", "created_at", "changed_at"]

    @extend_schema_field(GroupPermissionSerializer(many=True))
    def get_group_permissions(self, agent) -> list[dict]:
        return grants_by_group(agent.group_permissions.all())

    def _others(self):
        agents = Agent.objects.all()
        return agents.exclude(pk=self.instance.pk) if self.instance else agents

    def validate_login(self, value):
        value = value.strip()
        if self._others().filter(login__iexact=value).exists():
            raise serializers.ValidationError(_("An agent with this login already exists."))
        return value

    def validate_email(self, value):
        if self._others().filter(email__iexact=value).exists():
            raise serializers.ValidationError(_("An agent with this email address already exists."))
        return value

    def validate_time_zone(self, value):
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
            raise serializers.ValidationError(_("Unknown time zone.")) from error
        return value

    def validate(self, attrs):
        def current(name):
            return attrs.get(name, getattr(self.instance, name, None))

        start, end = current("out_of_office_start"), current("out_of_office_end")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"out_of_office_end": _("The end of the out-of-office period is before its start.")}
            )
        password = attrs.get("password")
        if password:
            # The similarity validator compares the password with the agent's name and email.
            probe = Agent(
                **{name: current(name) or "" for name in ("login", "first_name", "last_name")},
                email=current("email") or "",
            )
            try:
                validate_password(password, probe)
            except DjangoValidationError as error:
                raise serializers.ValidationError({"password": list(error.messages)}) from error
        return attrs

    def create(self, validated_data):
        return services.create_agent(**validated_data)

    def update(self, instance, validated_data):
        return _update_validity_through_services(
            instance,
            validated_data,
            field="is_active",
            invalidate=lambda agent, actor: services.invalidate_agent(agent=agent, actor=actor),
            update=lambda agent, **fields: services.update_agent(agent=agent, **fields),
        )


class GroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = Group
        fields = ["id", "name", "comment", "valid", "created_at", "changed_at"]
        read_only_fields = ["created_at", "changed_at"]

    def create(self, validated_data):
        return services.create_group(**validated_data)

    def update(self, instance, validated_data):
        return _update_validity_through_services(
            instance,
            validated_data,
            field="valid",
            invalidate=lambda group, actor: services.invalidate_group(group=group, actor=actor),
            update=lambda group, **fields: services.update_group(group=group, **fields),
        )


class RoleSerializer(serializers.ModelSerializer):
    agents = AgentLoginField(
        many=True, required=False, help_text=_("Logins of the agents holding the role.")
    )
    group_permissions = serializers.SerializerMethodField(
        help_text=_("Permissions the role holds; every agent with the role holds them too.")
    )

    class Meta:
        model = Role
        fields = [
            "id",
            "name",
            "comment",
            "valid",
            "agents",
            "group_permissions",
            "created_at",
            "changed_at",
        ]
        read_only_fields = ["created_at", "changed_at"]

    @extend_schema_field(GroupPermissionSerializer(many=True))
    def get_group_permissions(self, role) -> list[dict]:
        return grants_by_group(role.group_permissions.all())

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["agents"] = sorted(data["agents"])
        return data

    def create(self, validated_data):
        return services.create_role(**validated_data)

    def update(self, instance, validated_data):
        return _update_validity_through_services(
            instance,
            validated_data,
            field="valid",
            invalidate=lambda role, actor: services.invalidate_role(role=role, actor=actor),
            update=lambda role, **fields: services.update_role(role=role, **fields),
        )


class MeSerializer(serializers.ModelSerializer):
    """The signed-in agent's own profile with the permissions in effect."""

    roles = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    full_name = serializers.CharField(read_only=True)
    is_admin = serializers.SerializerMethodField(
        help_text=_("Holds rw on the admin group and may use the administration endpoints.")
    )
    group_permissions = serializers.SerializerMethodField(
        help_text=_("Effective permissions per valid group: direct grants and those of roles.")
    )

    class Meta:
        model = Agent
        fields = [
            "id",
            "login",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "title",
            "phone",
            "mobile",
            "language",
            "time_zone",
            "out_of_office_start",
            "out_of_office_end",
            "out_of_office_note",
            "roles",
            "is_superuser",
            "is_admin",
            "group_permissions",
            "last_login",
        ]
        read_only_fields = fields

    def get_is_admin(self, agent) -> bool:
        return is_admin(agent)

    @extend_schema_field(GroupPermissionSerializer(many=True))
    def get_group_permissions(self, agent) -> list[dict]:
        return [
            {"group": name, "permissions": sorted(keys)}
            for name, keys in sorted(group_permissions(agent).items())
        ]
