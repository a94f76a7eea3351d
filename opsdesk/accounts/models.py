import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opsdesk.core.models import TrackedModel
from opsdesk.core.names import person_name

from .choices import (
    ArticleOrder,
    Language,
    PageSize,
    Permission,
    RefreshInterval,
    StartView,
    known_time_zones,
)
from .managers import AgentManager


def default_time_zone() -> str:
    return settings.TIME_ZONE


def validate_time_zone(value: str) -> None:
    if value not in known_time_zones():
        raise ValidationError(_("Choose a time zone from the list."), code="time_zone")


class Group(TrackedModel):
    """A set of things (queues, FAQ categories, CMDB classes) that permissions are granted on."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(TrackedModel):
    """A bundle of group permissions given to agents."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Agent(AbstractBaseUser, TrackedModel):
    """A staff member who signs in to the agent interface."""

    login = models.CharField(
        _("login"),
        max_length=150,
        help_text=_("Unique, not case-sensitive."),
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), max_length=254)
    title = models.CharField(_("title"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile"), max_length=50, blank=True)
    is_active = models.BooleanField(
        _("valid"),
        default=True,
        help_text=_("Invalid agents cannot sign in. Agents are never deleted, only invalidated."),
    )
    is_superuser = models.BooleanField(
        _("superuser"),
        default=False,
        help_text=_("Holds every permission on every group, whatever the grants say."),
    )
    roles = models.ManyToManyField(Role, verbose_name=_("roles"), blank=True, related_name="agents")

    # Preferences (manual 1.3).
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.EN
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    out_of_office_start = models.DateField(_("out of office from"), null=True, blank=True)
    out_of_office_end = models.DateField(_("out of office until"), null=True, blank=True)
    out_of_office_note = models.CharField(_("out-of-office note"), max_length=250, blank=True)
    page_size = models.PositiveSmallIntegerField(
        _("page size of overviews"), choices=PageSize.choices, default=PageSize.TWENTY_FIVE
    )
    refresh_interval = models.PositiveSmallIntegerField(
        _("refresh interval of overviews"),
        choices=RefreshInterval.choices,
        default=RefreshInterval.OFF,
    )
    article_order = models.CharField(
        _("article order"),
        max_length=4,
        choices=ArticleOrder.choices,
        default=ArticleOrder.OLDEST_FIRST,
    )
    start_view = models.CharField(
        _("view after login"), max_length=20, choices=StartView.choices, default=StartView.DASHBOARD
    )
    quote_on_reply = models.BooleanField(_("quote the article when replying"), default=True)

    # Login protection.
    failed_login_count = models.PositiveIntegerField(default=0, editable=False)
    last_failed_login_at = models.DateTimeField(null=True, blank=True, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)
    totp_secret = models.CharField(max_length=64, blank=True, editable=False)
    totp_enabled = models.BooleanField(_("two-factor authentication"), default=False)
    # Raised by "log out everywhere": sessions that remember an older value are ended.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = AgentManager()

    USERNAME_FIELD = "login"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        ordering = ["last_name", "first_name", "login"]
        constraints = [
            models.UniqueConstraint(
                Lower("login"),
                name="agent_login_unique_ci",
                violation_error_message=_("An agent with this login already exists."),
            ),
            models.UniqueConstraint(
                Lower("email"),
                name="agent_email_unique_ci",
                violation_error_message=_("An agent with this email address already exists."),
            ),
        ]

    def __str__(self):
        return self.full_name or self.login

    @property
    def full_name(self):
        return person_name(self.first_name, self.last_name)

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.first_name or self.login

    @property
    def initials(self):
        letters = (self.first_name[:1] + self.last_name[:1]) or self.login[:2]
        return letters.upper()

    def is_out_of_office(self, on=None):
        day = on or timezone.localdate()
        return bool(
            self.out_of_office_start
            and self.out_of_office_end
            and self.out_of_office_start <= day <= self.out_of_office_end
        )

    def is_locked(self, now=None):
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))

    def clean(self):
        """Case-insensitive unique login and email, and a whole out-of-office period."""
        super().clean()
        self.email = type(self).objects.normalize_email(self.email)
        errors = {}
        others = type(self).objects.exclude(pk=self.pk)
        if self.login and others.filter(login__iexact=self.login).exists():
            errors["login"] = _("An agent with this login already exists.")
        if self.email and others.filter(email__iexact=self.email).exists():
            errors["email"] = _("An agent with this email address already exists.")
        start, end = self.out_of_office_start, self.out_of_office_end
        if bool(start) != bool(end):
            field = "out_of_office_end" if start else "out_of_office_start"
            errors[field] = _("Give both the first and the last day, or neither.")
        elif start and end and end < start:
            errors["out_of_office_end"] = _("The out-of-office period cannot end before it starts.")
        if errors:
            raise ValidationError(errors)


class GroupPermissionGrant(models.Model):
    """Common shape of a grant: one row per (group, permission key)."""

    group = models.ForeignKey(Group, verbose_name=_("group"), on_delete=models.CASCADE)
    permission = models.CharField(_("permission"), max_length=20, choices=Permission.choices)

    class Meta:
        abstract = True


class AgentGroupPermission(GroupPermissionGrant):
    """A permission granted directly to an agent on a group."""

    agent = models.ForeignKey(
        Agent, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="group_permissions"
    )

    class Meta:
        verbose_name = _("agent group permission")
        verbose_name_plural = _("agent group permissions")
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "group", "permission"], name="agent_group_permission_unique"
            )
        ]

    def __str__(self):
        return f"{self.agent} {self.group}:{self.permission}"


class RoleGroupPermission(GroupPermissionGrant):
    """A permission a role holds on a group; every agent with the role holds it too."""

    role = models.ForeignKey(
        Role, verbose_name=_("role"), on_delete=models.CASCADE, related_name="group_permissions"
    )

    class Meta:
        verbose_name = _("role group permission")
        verbose_name_plural = _("role group permissions")
        constraints = [
            models.UniqueConstraint(
                fields=["role", "group", "permission"], name="role_group_permission_unique"
            )
        ]

    def __str__(self):
        return f"{self.role} {self.group}:{self.permission}"


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token; only its hash is stored, the raw value is shown once."""

    agent = models.ForeignKey(
        Agent, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate_raw() -> str:
        return "odk_" + secrets.token_urlsafe(32)

    @staticmethod
    def hash(raw: str) -> str:
        return _hash_token(raw)

    @property
    def is_usable(self):
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class LoginFailure(models.Model):
    """A failed sign-in, kept for per-address throttling and for the lockout log."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    login = models.CharField(max_length=254)
    address = models.GenericIPAddressField(null=True, blank=True)
    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["address", "at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.login} {self.address or ''}"


class LoginLockout(models.Model):
    """A lockout or deactivation caused by failed sign-ins (the log accounts.md asks for)."""

    class Kind(models.TextChoices):
        LOCKED = "locked", _("locked for a while")
        DEACTIVATED = "deactivated", _("deactivated")
        ADDRESS = "address", _("address blocked")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    agent = models.ForeignKey(
        Agent, verbose_name=_("agent"), on_delete=models.CASCADE, null=True, blank=True
    )
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    until = models.DateTimeField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("login lockout")
        verbose_name_plural = _("login lockouts")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} {self.agent or self.address}"
