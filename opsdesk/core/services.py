"""Writes shared by every area: the audit log, and audited create/update/invalidate."""

from typing import TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from .models import AuditAction, AuditLogEntry

ModelT = TypeVar("ModelT", bound=models.Model)

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
    """A comparable picture of an object's concrete fields (secrets and timestamps left out).

    A JSON dict field (``extra``) gives one entry per key, named ``field.key``.
    """
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in _SKIPPED_FIELDS or not field.editable or field.primary_key:
            continue
        value = getattr(instance, field.name)
        if isinstance(value, dict):  # extra fields: one entry per key, so history names each
            for key, item in value.items():
                data[f"{field.name}.{key}"] = _display(item)
            continue
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


@transaction.atomic
def create_object(model: type[ModelT], *, actor, **fields) -> ModelT:
    """Validate and create one administered object, with who created it and an audit entry."""
    instance = model(created_by=actor, changed_by=actor, **fields)
    instance.full_clean()
    instance.save()
    record_change(
        actor=actor, instance=instance, action=AuditAction.CREATE, changes=snapshot(instance)
    )
    return instance


@transaction.atomic
def update_object(instance: ModelT, *, actor, **fields) -> ModelT:
    """Validate and save changed fields, logging old and new values of what changed."""
    before = snapshot(type(instance)._default_manager.get(pk=instance.pk))
    for name, value in fields.items():
        setattr(instance, name, value)
    if hasattr(instance, "changed_by"):
        instance.changed_by = actor
    instance.full_clean()
    instance.save()
    record_change(
        actor=actor,
        instance=instance,
        action=AuditAction.UPDATE,
        changes=diff(before, snapshot(instance)),
    )
    return instance


@transaction.atomic
def invalidate_object(instance: ModelT, field: str = "valid", *, actor) -> ModelT:
    """Set the validity flag ``field`` to False (objects with history are never deleted)."""
    if not getattr(instance, field):
        return instance
    setattr(instance, field, False)
    update_fields = [field]
    if hasattr(instance, "changed_by"):
        instance.changed_by = actor
        update_fields += ["changed_by", "changed_at"]
    instance.save(update_fields=update_fields)
    record_change(
        actor=actor,
        instance=instance,
        action=AuditAction.INVALIDATE,
        changes={field: [True, False]},
    )
    return instance
