"""``extra`` in API representations: the values of administrator-defined fields, by field name.

Shared by every area whose objects carry dynamic fields (customers, tickets...): each value is
checked by its field's definition (``opsdesk.core.dynamic_fields``), as the forms and the CSV
import check it.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from opsdesk.core.dynamic_fields import apply_json_values, definitions_for, parse_text


def changed_values(stored: dict | None, new: dict) -> dict:
    """The fields whose value differs between ``stored`` and ``new`` extras (``None``: cleared),
    as services that take only the changes (``set_dynamic_fields``) want them."""
    stored = stored or {}
    return {
        name: new.get(name)
        for name in sorted(set(stored) | set(new))
        if stored.get(name) != new.get(name)
    }


class ExtraFieldsSerializerMixin:
    """``extra``: the values of the administrator-defined fields, by field name.

    Each value is checked by its field's definition. On a change, the fields named are set (null
    clears one) and the others keep their values. Names that are not valid fields are refused,
    except with the value already stored (so that what a GET answered may be sent back).
    ``validate_extra`` answers the whole new ``extra``; ``changed_values`` turns it into changes.
    """

    dynamic_object_type = ""

    def validate_extra(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Expected an object of field names and values."))
        instance = getattr(self, "instance", None)
        result, errors = apply_json_values(
            self.dynamic_object_type,
            value,
            getattr(instance, "extra", None),
            tolerate_unchanged=True,
        )
        if instance is None:
            for definition in definitions_for(self.dynamic_object_type):
                name = definition.name
                if name in value:
                    continue
                try:
                    # A new object gets the field's default value, and needs its required fields.
                    parsed = parse_text(definition, definition.default_value)
                except DjangoValidationError as error:
                    errors[name] = list(error.messages)
                    continue
                if parsed is not None:
                    result[name] = parsed
        if errors:
            raise serializers.ValidationError(errors)
        return result

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if getattr(self, "instance", None) is None and "extra" not in attrs:
            # A new object given no ``extra`` still gets defaults and needs its required fields.
            try:
                attrs["extra"] = self.validate_extra({})
            except serializers.ValidationError as error:
                raise serializers.ValidationError({"extra": error.detail}) from error
        return attrs
