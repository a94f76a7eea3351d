"""The form of the dynamic field definitions' admin screens."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .dynamic_fields import reserved_names, validate_definition
from .models import DynamicField

# Fixed once the field exists: values are stored under the name, for objects of that type, in
# that type's format.
FIXED_AFTER_CREATION = ("object_type", "name", "field_type")
RULE_FIELDS = ("field_type", "required", "choices", "default_value", "regex")


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
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        if any(name in self.errors for name in RULE_FIELDS):
            return  # the definition's rules need these fields' values
        try:
            validate_definition(self.instance)
        except ValidationError as error:
            self._update_errors(error)

    def service_fields(self) -> dict:
        """The fields to write; on a change, without those fixed after creation."""
        fields = dict(self.cleaned_data)
        if not self.creating:
            for name in FIXED_AFTER_CREATION:
                fields.pop(name, None)
        return fields
