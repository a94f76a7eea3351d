"""Administrator-defined extra fields ("dynamic fields") of any object with an ``extra`` JSON field.

A ``DynamicField`` defines a field for one object type. Values are stored in the object's ``extra``
dict under the field's name, as JSON: text, integers, ISO dates ("2026-11-25") and date-times (UTC,
ISO 8601), a choice's value, a list of values (multiselect) or a boolean. The same definitions give
the edit forms their fields (``DynamicFieldsFormMixin``), CSV import and export their columns
(``parse_text``/``to_text``) and detail pages their rows (``display_rows``).
"""

import datetime
import re
from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import DynamicField, DynamicFieldType

FORM_PREFIX = "extra__"
TRUE_WORDS = frozenset({"yes", "y", "true", "1", "はい"})
FALSE_WORDS = frozenset({"no", "n", "false", "0", "いいえ", ""})
MULTI_SEPARATOR = "|"
TEXT_MAX_LENGTH = 1000  # a one-line text field's limit, the same in forms, CSV and the API


# object type -> (model, names that are not free: the model's fields and its CSV/API columns)
_OBJECT_TYPES: dict[str, tuple[type, frozenset[str]]] = {}


def register_object_type(object_type: str, model: type, *, reserved: Iterable[str] = ()) -> None:
    """An area declares which model stores the values of ``object_type`` (in AppConfig.ready)."""
    names = {field.name.lower() for field in model._meta.get_fields()}
    names |= {name.lower() for name in reserved}
    _OBJECT_TYPES[object_type] = (model, frozenset(names))
    model.dynamic_field_object_type = object_type


# Per-screen visibility ------------------------------------------------------------------------
# Object types with several screens (tickets: new ticket, close...) let administrators show a
# field, or show and require it, screen by screen: ``DynamicField.screens`` maps a screen's key to
# ``SCREEN_SHOWN`` or ``SCREEN_REQUIRED``; a screen that is not listed hides the field.

SCREEN_HIDDEN = ""
SCREEN_SHOWN = "shown"
SCREEN_REQUIRED = "required"
SCREEN_VISIBILITY_CHOICES = (
    (SCREEN_HIDDEN, gettext_lazy("hidden")),
    (SCREEN_SHOWN, gettext_lazy("shown")),
    (SCREEN_REQUIRED, gettext_lazy("shown and required")),
)

# object type -> ((screen key, label), ...)
_SCREENS: dict[str, tuple[tuple[str, str], ...]] = {}


def register_screens(object_type: str, screens: Iterable[tuple[str, str]]) -> None:
    """An area declares the screens of ``object_type`` whose fields are chosen per screen (in
    AppConfig.ready); the definition form then offers hidden / shown / required per screen."""
    screens = tuple((str(key), label) for key, label in screens)
    _SCREENS[object_type] = screens
    # History names a changed screen setting ("screens.<key>") by the screen's label.
    labels = dict(getattr(DynamicField, "history_labels", {}))
    for key, label in screens:
        labels[f"screens.{key}"] = format_lazy("{}: {}", gettext_lazy("screen"), label)
    DynamicField.history_labels = labels


def screens_for(object_type: str) -> tuple[tuple[str, str], ...]:
    """(key, label) of the registered screens of ``object_type`` (none for most types)."""
    return _SCREENS.get(object_type, ())


def object_types_with_screens() -> list[str]:
    return list(_SCREENS)


def screen_definitions(object_type: str, screen: str) -> list[DynamicField]:
    """The valid fields of ``object_type`` shown on ``screen``, in display order.

    Each definition's ``required`` is resolved for that screen: required when the screen's setting
    is "required" (or when the definition itself is required everywhere it is shown).
    """
    shown = []
    for definition in definitions_for(object_type):
        visibility = (definition.screens or {}).get(screen)
        if visibility not in (SCREEN_SHOWN, SCREEN_REQUIRED):
            continue
        definition.required = definition.required or visibility == SCREEN_REQUIRED
        shown.append(definition)
    return shown


def screen_summary(definition: DynamicField) -> str:
    """ "New ticket: shown, Close: shown and required" (— when no screen shows the field)."""
    labels = dict(SCREEN_VISIBILITY_CHOICES)
    screens = definition.screens or {}
    parts = [
        f"{label}: {labels[screens[key]]}"
        for key, label in screens_for(definition.object_type)
        if screens.get(key) in (SCREEN_SHOWN, SCREEN_REQUIRED)
    ]
    return ", ".join(parts) or "—"


def reserved_names(object_type: str) -> frozenset[str]:
    """Names a dynamic field of ``object_type`` may not take (they would shadow fixed columns)."""
    return _OBJECT_TYPES.get(object_type, (None, frozenset()))[1]


def labels_by_name(object_type: str) -> dict[str, str]:
    """name -> label in the current language, of every field of ``object_type`` (for history)."""
    language = translation.get_language()
    return {
        definition.name: definition.label_for(language)
        for definition in DynamicField.objects.filter(object_type=object_type)
    }


def definitions_for(object_type: str, *, include_invalid: bool = False) -> list[DynamicField]:
    """The fields defined for ``object_type``, in display order (valid ones only by default)."""
    fields = DynamicField.objects.filter(object_type=object_type)
    if not include_invalid:
        fields = fields.filter(valid=True)
    return list(fields.order_by("order", "name"))


def choice_labels(definition: DynamicField) -> dict[str, str]:
    return {str(value): str(label) for value, label in definition.choices or []}


def _check_pattern(definition: DynamicField, text: str) -> None:
    if definition.regex and text and not re.fullmatch(definition.regex, text):
        raise ValidationError(
            definition.regex_message
            or _("“%(value)s” does not have the expected format.") % {"value": text}
        )


# Python values (forms) <-> stored JSON values ---------------------------------------------------


def to_storage(definition: DynamicField, value):
    """A form's cleaned value as stored in ``extra`` (None when empty)."""
    kind = definition.field_type
    if value in (None, "", [], ()):
        return False if kind == DynamicFieldType.CHECKBOX else None
    if kind == DynamicFieldType.DATE:
        return value.isoformat()
    if kind == DynamicFieldType.DATETIME:
        return value.astimezone(datetime.UTC).isoformat()
    if kind == DynamicFieldType.MULTISELECT:
        return [str(item) for item in value]
    if kind == DynamicFieldType.CHECKBOX:
        return bool(value)
    if kind == DynamicFieldType.INTEGER:
        return int(value)
    return str(value)


def _stored_moment(stored) -> datetime.datetime | None:
    """A stored date-time as an aware datetime (None when it cannot be read)."""
    try:
        moment = parse_datetime(str(stored))
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment


def from_storage(definition: DynamicField, stored):
    """A stored value as a form's initial value (None when it cannot be read)."""
    if stored in (None, ""):
        return None
    kind = definition.field_type
    if kind == DynamicFieldType.DATE:
        try:
            return parse_date(str(stored))
        except ValueError:
            return None
    if kind == DynamicFieldType.DATETIME:
        moment = _stored_moment(stored)
        return timezone.localtime(moment) if moment is not None else None
    return stored


# Text (CSV) <-> stored JSON values ---------------------------------------------------------------


def parse_text(definition: DynamicField, text: str):
    """A CSV cell as a stored value, or ValidationError saying what is wrong with it."""
    text = (text or "").strip()
    kind = definition.field_type
    if not text and kind != DynamicFieldType.CHECKBOX:
        if definition.required:
            raise ValidationError(_("This field is required."))
        return None
    if kind == DynamicFieldType.INTEGER:
        # ASCII digits only: int() would also take "1_000" and other scripts' digits.
        if not re.fullmatch(r"[+-]?[0-9]+", text):
            raise ValidationError(_("“%(value)s” is not a whole number.") % {"value": text})
        return int(text)
    if kind == DynamicFieldType.DATE:
        try:
            day = parse_date(text)
        except ValueError:
            day = None
        if day is None:
            raise ValidationError(
                _("“%(value)s” is not a date (write YYYY-MM-DD).") % {"value": text}
            )
        return day.isoformat()
    if kind == DynamicFieldType.DATETIME:
        try:
            moment = parse_datetime(text)
        except ValueError:
            moment = None
        if moment is None:
            raise ValidationError(
                _("“%(value)s” is not a date and time (write YYYY-MM-DD HH:MM).") % {"value": text}
            )
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment.astimezone(datetime.UTC).isoformat()
    if kind in (DynamicFieldType.DROPDOWN, DynamicFieldType.MULTISELECT):
        labels = choice_labels(definition)
        by_label = {label.lower(): value for value, label in labels.items()}
        values = []
        parts = text.split(MULTI_SEPARATOR) if kind == DynamicFieldType.MULTISELECT else [text]
        for part in (part.strip() for part in parts):
            if not part:
                continue
            if part in labels:
                values.append(part)
            elif part.lower() in by_label:
                values.append(by_label[part.lower()])
            else:
                raise ValidationError(
                    _("“%(value)s” is not one of: %(choices)s.")
                    % {"value": part, "choices": ", ".join(labels)}
                )
        if not values:  # only separators, such as "|"
            if definition.required:
                raise ValidationError(_("This field is required."))
            return None
        if kind == DynamicFieldType.DROPDOWN:
            return values[0]
        return list(dict.fromkeys(values))
    if kind == DynamicFieldType.CHECKBOX:
        lowered = text.lower()
        if lowered in TRUE_WORDS:
            return True
        if lowered in FALSE_WORDS:
            if definition.required:
                raise ValidationError(_("This box must be ticked (yes)."))
            return False
        raise ValidationError(_("Write yes or no (1 or 0)."))
    if kind == DynamicFieldType.TEXT and len(text) > TEXT_MAX_LENGTH:
        raise ValidationError(
            _("Write at most %(limit)d characters (this has %(length)d).")
            % {"limit": TEXT_MAX_LENGTH, "length": len(text)}
        )
    _check_pattern(definition, text)
    return text


def to_text(definition: DynamicField, stored) -> str:
    """A stored value as a CSV cell (what ``parse_text`` reads back)."""
    if stored in (None, ""):
        return ""
    if definition.field_type == DynamicFieldType.MULTISELECT:
        return MULTI_SEPARATOR.join(str(item) for item in stored)
    if definition.field_type == DynamicFieldType.CHECKBOX:
        return "yes" if stored else "no"
    return str(stored)


def json_value_as_text(definition: DynamicField, value) -> str:
    """A JSON value (API, services) as the text that ``parse_text`` reads; other shapes refused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | str):
        return str(value)
    multiselect = definition.field_type == DynamicFieldType.MULTISELECT
    if multiselect and isinstance(value, list) and all(isinstance(i, str) for i in value):
        return MULTI_SEPARATOR.join(value)
    raise ValidationError(_("Not a valid value for this field."))


def apply_json_values(
    object_type: str, values: dict, stored: dict | None = None, *, tolerate_unchanged=False
) -> tuple[dict, dict[str, list[str]]]:
    """Set JSON ``values`` (API, services) by field name on a copy of the ``stored`` extra dict.

    Each value is checked by its field's definition; ``None`` clears a field. Unknown names are
    errors, except (``tolerate_unchanged``) with the value already stored, so that what a reader
    got may be sent back. Returns the new dict and the messages per field name.
    """
    definitions = {item.name: item for item in definitions_for(object_type)}
    stored = dict(stored or {})
    result = dict(stored)
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        definition = definitions.get(name)
        if definition is None:
            if not (tolerate_unchanged and name in stored and stored[name] == value):
                errors[name] = [_("There is no field named “%(name)s”.") % {"name": name}]
            continue
        try:
            parsed = parse_text(definition, json_value_as_text(definition, value))
        except ValidationError as error:
            errors[name] = list(error.messages)
            continue
        if parsed is None:
            result.pop(name, None)
        else:
            result[name] = parsed
    return result, errors


def display(definition: DynamicField, stored) -> str:
    """A stored value for people: choice labels, local dates, yes/no."""
    if stored in (None, "", []):
        return "—"
    kind = definition.field_type
    if kind == DynamicFieldType.CHECKBOX:
        return _("yes") if stored else _("no")
    if kind in (DynamicFieldType.DROPDOWN, DynamicFieldType.MULTISELECT):
        labels = choice_labels(definition)
        items = stored if isinstance(stored, list) else [stored]
        return ", ".join(labels.get(str(item), str(item)) for item in items)
    if kind == DynamicFieldType.DATETIME:
        moment = _stored_moment(stored)
        if moment is not None:
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    return str(stored)


def display_rows(object_type: str, extra: dict | None) -> list[tuple[str, str]]:
    """(label, value) for each valid field of ``object_type``, in the current language."""
    language = translation.get_language()
    extra = extra or {}
    return [
        (definition.label_for(language), display(definition, extra.get(definition.name)))
        for definition in definitions_for(object_type)
    ]


# Definition rules ------------------------------------------------------------------------------


def validate_definition(definition: DynamicField) -> None:
    """Rules of a definition that the model's field validators cannot express."""
    errors: dict[str, str] = {}
    kind = definition.field_type
    if kind in (DynamicFieldType.DROPDOWN, DynamicFieldType.MULTISELECT):
        choices = definition.choices
        if not choices:
            errors["choices"] = _("A dropdown or multiselect needs at least one choice.")
        elif not isinstance(choices, list) or not all(
            isinstance(pair, list | tuple) and len(pair) == 2 for pair in choices
        ):
            errors["choices"] = _("Each choice needs a value and a label.")
        elif any(not str(value).strip() for value, _label in choices):
            errors["choices"] = _("Each choice needs a value.")
        elif len({str(value) for value, _label in choices}) != len(choices):
            errors["choices"] = _("Each choice value may appear only once.")
        elif kind == DynamicFieldType.MULTISELECT and any(
            MULTI_SEPARATOR in str(value) for value, _label in choices
        ):
            # "|" separates the values of a multiselect in CSV files.
            errors["choices"] = _("The values of a multiselect may not contain “|”.")
    elif definition.choices:
        errors["choices"] = _("Only dropdown and multiselect fields have choices.")
    if definition.regex:
        if kind not in (DynamicFieldType.TEXT, DynamicFieldType.TEXTAREA):
            errors["regex"] = _("Only text fields can have a pattern.")
        else:
            try:
                re.compile(definition.regex)
            except re.error as error:
                errors["regex"] = _("This is not a valid regular expression: %s") % error
    screens_error = _screens_error(definition)
    if screens_error:
        errors["screens"] = screens_error
    if definition.default_value and "choices" not in errors and "regex" not in errors:
        try:
            parse_text(definition, definition.default_value)
        except ValidationError as error:
            errors["default_value"] = " ".join(error.messages)
    if errors:
        raise ValidationError(errors)


def _screens_error(definition: DynamicField) -> str | None:
    screens = definition.screens
    if not screens:
        return None
    known = dict(screens_for(definition.object_type))
    if not isinstance(screens, dict):
        return _("The screens must map each screen to “shown” or “required”.")
    if not known:
        return _("Fields of this object type have no per-screen settings.")
    for key, value in screens.items():
        if key not in known:
            return _("“%(screen)s” is not a screen of this object type.") % {"screen": key}
        if value not in (SCREEN_SHOWN, SCREEN_REQUIRED):
            return _("“%(value)s” is not a screen setting: use “shown” or “required”.") % {
                "value": value
            }
    return None


# Forms -----------------------------------------------------------------------------------------


def form_field(definition: DynamicField) -> forms.Field:
    """The Django form field that edits one dynamic field."""
    language = translation.get_language()
    common = {
        "label": definition.label_for(language),
        "required": definition.required,
        "help_text": definition.help_text,
    }
    kind = definition.field_type
    if kind == DynamicFieldType.TEXTAREA:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    if kind == DynamicFieldType.INTEGER:
        return forms.IntegerField(**common)
    # Browsers' date inputs read ISO values only, whatever the language (Japanese formats use "/").
    if kind == DynamicFieldType.DATE:
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common
        )
    if kind == DynamicFieldType.DATETIME:
        return forms.DateTimeField(
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            **common,
        )
    if kind == DynamicFieldType.DROPDOWN:
        choices = [("", "—")] + list(choice_labels(definition).items())
        return forms.ChoiceField(choices=choices, **common)
    if kind == DynamicFieldType.MULTISELECT:
        return forms.MultipleChoiceField(choices=list(choice_labels(definition).items()), **common)
    if kind == DynamicFieldType.CHECKBOX:
        return forms.BooleanField(**common)
    field = forms.CharField(max_length=TEXT_MAX_LENGTH, **common)
    if definition.regex:
        field.validators.append(lambda value: _check_pattern(definition, value))
    return field


class DynamicFieldsFormMixin:
    """Adds the valid dynamic fields of ``dynamic_object_type`` to a ModelForm of an object with
    ``extra``; ``extra_values()`` returns the new ``extra`` dict (values of fields that are not
    on the form, such as invalidated ones, are kept)."""

    dynamic_object_type: str = ""
    # A registered screen (tickets): only the fields shown there, required as set there.
    dynamic_screen: str = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        stored = dict(getattr(instance, "extra", None) or {})
        creating = instance is None or instance._state.adding
        self.dynamic_definitions = (
            screen_definitions(self.dynamic_object_type, self.dynamic_screen)
            if self.dynamic_screen
            else definitions_for(self.dynamic_object_type)
        )
        for definition in self.dynamic_definitions:
            field = form_field(definition)
            if definition.name in stored:
                field.initial = from_storage(definition, stored[definition.name])
            elif creating and definition.default_value:
                try:
                    default = parse_text(definition, definition.default_value)
                except ValidationError:  # a default that no longer fits: no initial value
                    default = None
                field.initial = from_storage(definition, default)
            self.fields[FORM_PREFIX + definition.name] = field

    def dynamic_bound_fields(self):
        return [self[FORM_PREFIX + definition.name] for definition in self.dynamic_definitions]

    def extra_values(self) -> dict:
        instance = getattr(self, "instance", None)
        values = dict(getattr(instance, "extra", None) or {})
        for definition in self.dynamic_definitions:
            value = to_storage(definition, self.cleaned_data.get(FORM_PREFIX + definition.name))
            if value is None:
                values.pop(definition.name, None)
            else:
                values[definition.name] = value
        return values
