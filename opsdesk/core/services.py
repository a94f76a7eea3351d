"""Writes shared by every area: the audit log of administered objects."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditAction, AuditLogEntry

_SKIPPED_FIELDS = {"password", "created_at", "changed_at", "created_by", "changed_by", "last_login"}


def _display(value):
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set):
        return sorted(str(item) for item in value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def snapshot(instance: models.Model, extra: dict | None = None) -> dict:
    """A comparable picture of an object's concrete fields (secrets and timestamps left out)."""
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in _SKIPPED_FIELDS or not field.editable or field.primary_key:
            continue
        value = getattr(instance, field.name)
        if field.choices and value not in (None, ""):
            value = getattr(instance, f"get_{field.name}_display")()
        data[field.name] = _display(value)
    for key, value in (extra or {}).items():
        data[key] = _display(value)
    return data


def diff(before: dict, after: dict) -> dict:
    """field -> [old, new] for every key whose value differs."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def record_change(
    *, actor, instance: models.Model, action: str, changes: dict | None = None
) -> AuditLogEntry | None:
    """Write one audit log entry; an update that changed nothing writes none."""
    if action == AuditAction.UPDATE and not changes:
        return None
    return AuditLogEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes or {},
    )


def history_of(instance: models.Model):
    """The audit log entries of one object, newest first."""
    return AuditLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=str(instance.pk),
    ).select_related("actor")
