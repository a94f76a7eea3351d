"""The form of the dynamic field definitions' admin screens."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .dynamic_fields import (
    SCREEN_VISIBILITY_CHOICES,
    object_types_with_screens,
    reserved_names,
    screens_for,
    validate_definition,
)
from .models import DynamicField, DynamicFieldObjectType

# Fixed once the field exists: values are stored under the name, for objects of that type, in
# that type's format.
FIXED_AFTER_CREATION = ("object_type", "name", "field_type")
RULE_FIELDS = ("field_type", "required", "choices", "default_value", "regex")
SCREEN_PREFIX = "screen__"


def screen_field_name(object_type: str, screen: str) -> str:
    return f"{SCREEN_PREFIX}{object_type}__{screen}"


def choices_to_text(choices) -> str:
    """[value, label] pairs as textarea lines: ``value=label``, or ``value`` when both are equal."""
    lines = []
    for value, label in choices or []:
        lines.append(str(value) if str(label) == str(value) else f"{value}={label}")
    return "\n".join(lines)


def choices_from_text(text: str) -> list[list[str]]:
    """Textarea lines ``value=label`` (or ``value``) as [value, label] pairs, blanks skipped."""
    choices = []
    errors = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        value, separator, label = line.partition("=")
        value, label = value.strip(), label.strip()
        if not value:
            errors.append(
                ValidationError(
                    _("Line %(line)d: write a value before “=”."),
                    code="choice_value",
                    params={"line": number},
                )
            )
            continue
        choices.append([value, label if separator and label else value])
    if errors:
        raise ValidationError(errors)
    return choices


class DynamicFieldForm(forms.ModelForm):
    """Add or edit a definition; object type, name and field type are fixed after creation."""

    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Dropdown and multiselect only: one choice per line, as value=label (or just value)."
        ),
    )

    class Meta:
        model = DynamicField
        fields = (
            "object_type",
            "name",
            "label",
            "label_ja",
            "field_type",
            "required",
            "choices",
            "default_value",
            "regex",
            "regex_message",
            "help_text",
            "order",
            "valid",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = self.instance._state.adding
        if not self.creating:
            self.initial["choices"] = choices_to_text(self.instance.choices)
            for name in FIXED_AFTER_CREATION:
                # A disabled field keeps the stored value whatever is posted.
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Cannot be changed after creation.")
        self.fields["default_value"].help_text = _(
            "Given to new objects. Dropdown and multiselect: a choice's value (several separated "
            "by “|”); checkbox: yes or no; date: YYYY-MM-DD."
        )
        self._add_screen_fields()

    # Per-screen visibility (object types that registered screens, such as tickets) ------------

    def _add_screen_fields(self):
        """One hidden / shown / required choice per screen, for the object types with screens
        (when adding: every such type, the page shows those of the chosen type)."""
        creating = self.creating
        object_types = object_types_with_screens() if creating else [self.instance.object_type]
        stored = self.instance.screens if isinstance(self.instance.screens, dict) else {}
        self.screen_names: dict[str, list[tuple[str, str]]] = {}
        for object_type in object_types:
            for key, label in screens_for(object_type):
                name = screen_field_name(object_type, key)
                self.fields[name] = forms.ChoiceField(
                    label=label,
                    choices=SCREEN_VISIBILITY_CHOICES,
                    required=False,
                    initial=stored.get(key, "") if not self.creating else "",
                    widget=forms.RadioSelect,
                )
                self.screen_names.setdefault(object_type, []).append((key, name))

    def main_fields(self):
        """The bound fields of the definition itself (without the per-screen choices)."""
        return [
            field for field in self.visible_fields() if not field.name.startswith(SCREEN_PREFIX)
        ]

    def screen_groups(self):
        """[(object type, its label, [bound screen fields])] for the template's screen matrix."""
        labels = dict(DynamicFieldObjectType.choices)
        return [
            (object_type, labels.get(object_type, object_type), [self[name] for _k, name in names])
            for object_type, names in self.screen_names.items()
        ]

    def screen_choices(self):
        return SCREEN_VISIBILITY_CHOICES

    def _clean_screens(self, object_type: str | None) -> dict:
        return {
            key: self.cleaned_data[name]
            for key, name in self.screen_names.get(object_type or "", [])
            if self.cleaned_data.get(name)
        }

    def clean_choices(self):
        return choices_from_text(self.cleaned_data.get("choices", ""))

    def clean(self):
        cleaned = super().clean()
        object_type, name = cleaned.get("object_type"), cleaned.get("name")
        if self.creating and object_type and name:
            taken = DynamicField.objects.filter(object_type=object_type, name__iexact=name)
            if taken.exists():
                # Names are keys of ``extra`` and CSV columns: "Size" and "size" would clash.
                self.add_error("name", _("This object type already has a field with this name."))
            elif name.lower() in reserved_names(object_type):
                self.add_error(
                    "name",
                    _("“%(name)s” is a fixed field of this object type; choose another name.")
                    % {"name": name},
                )
        # Only the chosen object type's screens count; other types have none.
        cleaned["screens"] = self._clean_screens(object_type)
        self.instance.screens = cleaned["screens"]
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        if any(name in self.errors for name in RULE_FIELDS):
            return  # the definition's rules need these fields' values
        try:
            validate_definition(self.instance)
        except ValidationError as error:
            if "screens" in error.error_dict:  # no field of that name: above the form
                self.add_error(None, error.error_dict.pop("screens"))
            if error.error_dict:
                self._update_errors(error)

    def service_fields(self) -> dict:
        """The fields to write; on a change, without those fixed after creation."""
        fields = {
            name: value
            for name, value in self.cleaned_data.items()
            if not name.startswith(SCREEN_PREFIX)
        }
        if not self.creating:
            for name in FIXED_AFTER_CREATION:
                fields.pop(name, None)
        return fields
