from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class TrackedModel(models.Model):
    """Who created and last changed a row, and when (OTOBO's create_by/change_by columns)."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    INVALIDATE = "invalidate", _("invalidated")
    DELETE = "delete", _("deleted")
    IMPORT = "import", _("imported")


class AuditLogEntry(models.Model):
    """One change of an administered object: who, when, what changed (field: [old, new])."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class DynamicFieldObjectType(models.TextChoices):
    """The kinds of objects that administrators may add fields to (areas add theirs)."""

    CUSTOMER_COMPANY = "customer_company", _("customer")
    CUSTOMER_USER = "customer_user", _("customer user")
    TICKET = "ticket", _("ticket")


class DynamicFieldType(models.TextChoices):
    TEXT = "text", _("text")
    TEXTAREA = "textarea", _("text area")
    INTEGER = "integer", _("integer")
    DATE = "date", _("date")
    DATETIME = "datetime", _("date and time")
    DROPDOWN = "dropdown", _("dropdown")
    MULTISELECT = "multiselect", _("multiselect")
    CHECKBOX = "checkbox", _("checkbox")


class DynamicField(TrackedModel):
    """An administrator-defined extra field; values live in the object's ``extra`` JSON by name."""

    object_type = models.CharField(
        _("object type"), max_length=40, choices=DynamicFieldObjectType.choices
    )
    name = models.CharField(
        _("name"),
        max_length=60,
        validators=[
            RegexValidator(
                r"^[A-Za-z][A-Za-z0-9_]*\Z",
                _("Start with a letter; use letters, digits and _ only."),
            )
        ],
        help_text=_("Internal name, used as the CSV column and the API key; cannot be changed."),
    )
    label = models.CharField(_("label"), max_length=200)
    label_ja = models.CharField(_("label (Japanese)"), max_length=200, blank=True)
    field_type = models.CharField(_("field type"), max_length=20, choices=DynamicFieldType.choices)
    required = models.BooleanField(_("required"), default=False)
    choices = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_("Dropdown and multiselect only: [value, label] pairs."),
    )
    default_value = models.CharField(_("default value"), max_length=250, blank=True)
    regex = models.CharField(
        _("regular expression"),
        max_length=250,
        blank=True,
        help_text=_("Text fields only: a value must match this pattern."),
    )
    regex_message = models.CharField(
        _("message when the pattern does not match"), max_length=250, blank=True
    )
    help_text = models.CharField(_("help text"), max_length=250, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    screens = models.JSONField(
        _("screens"),
        default=dict,
        blank=True,
        help_text=_(
            "Where the field appears, for object types with several screens (tickets): "
            "screen -> shown or required."
        ),
    )
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("dynamic field")
        verbose_name_plural = _("dynamic fields")
        ordering = ["object_type", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "name"],
                name="dynamic_field_unique_name",
                violation_error_message=_("This object type already has a field with this name."),
            )
        ]

    def __str__(self):
        return self.label

    def label_for(self, language: str | None) -> str:
        if language and language.startswith("ja") and self.label_ja:
            return self.label_ja
        return self.label


class LinkType(models.TextChoices):
    """OTOBO's link types: ``normal`` is symmetric, ``parent_child`` directed (source = parent)."""

    NORMAL = "normal", _("Normal")
    PARENT_CHILD = "parent_child", _("Parent/child")


class Link(models.Model):
    """A link between any two objects (tickets, FAQ items, configuration items...).

    Objects are named by an object type key registered in ``core.links`` (``ticket``, ``faq``,
    ``config_item``) and their primary key. One link per pair of objects whatever its direction
    or type (OTOBO's link type group: adding one type replaces the other). A ``normal`` link is
    stored with the smaller (type, id) as source so that A–B and B–A are the same row; a
    ``parent_child`` link has the parent as source and the child as target.
    """

    source_type = models.CharField(_("source object type"), max_length=40)
    source_id = models.PositiveBigIntegerField(_("source object"))
    target_type = models.CharField(_("target object type"), max_length=40)
    target_id = models.PositiveBigIntegerField(_("target object"))
    link_type = models.CharField(_("link type"), max_length=20, choices=LinkType.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("link")
        verbose_name_plural = _("links")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id", "target_type", "target_id"],
                name="link_unique_pair",
            ),
            models.CheckConstraint(
                condition=~models.Q(
                    source_type=models.F("target_type"), source_id=models.F("target_id")
                ),
                name="link_not_to_itself",
            ),
        ]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="link_target"),
        ]

    def __str__(self):
        source = f"{self.source_type}:{self.source_id}"
        return f"{source} {self.link_type} {self.target_type}:{self.target_id}"
