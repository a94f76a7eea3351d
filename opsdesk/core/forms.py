"""Form helpers shared by every area: Bootstrap 5 styling and service errors on forms."""

from django import forms
from django.core.exceptions import ValidationError

from .widgets import inline_options


def apply_bootstrap(form: forms.BaseForm, *, validate: bool = True) -> forms.BaseForm:
    """Give every widget its Bootstrap 5 class, and ``is-invalid`` to fields with errors; selects
    render their options without the template engine (``widgets.InlineOptionsMixin``).

    ``validate=False`` marks only errors already found: a form styled in its ``__init__`` may
    still be setting its choices, so it must not be validated yet.
    """
    if not validate:
        errors = form._errors or {}
    elif form.is_bound:
        errors = form.errors
    else:
        errors = {}
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(
            widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.CheckboxInput
        ):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
            inline_options(widget)
        else:
            css = "form-control"
        classes = [c for c in widget.attrs.get("class", "").split() if c != "is-invalid"]
        if css and css not in classes:
            classes.append(css)
        if name in errors:
            classes.append("is-invalid")
        if classes:
            widget.attrs["class"] = " ".join(classes)
    return form


def add_validation_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its fields where the form has them."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


class BootstrapFormMixin:
    """Styles the form's widgets for Bootstrap 5 and marks fields with errors as invalid."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        apply_bootstrap(self, validate=False)

    def full_clean(self):
        super().full_clean()
        apply_bootstrap(self)

    def add_error(self, field, error):
        super().add_error(field, error)
        apply_bootstrap(self)
