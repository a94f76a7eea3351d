"""Faster rendering of ``<select>`` lists.

Django renders every ``<option>`` of a select through the template engine (an include per
option, and one per option's attributes): with a few lists of agents, queues and states a search
form spends well over 100 ms there. ``InlineOptionsMixin`` writes the same markup in Python.
``apply_bootstrap`` gives it to every widget drawn with Django's ``select.html``.
"""

from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"


def _attrs(attrs: dict) -> str:
    # As Django's attrs.html: True -> the bare name, False (and None) -> left out.
    return flatatt({name: value for name, value in attrs.items() if value is not None})


class InlineOptionsMixin:
    """Renders the select and its options (and option groups) without the template engine."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            for option in options:
                parts.append(
                    format_html(
                        '<option value="{}"{}>{}</option>',
                        option["value"] if option["value"] is not None else "",
                        _attrs(option["attrs"]),
                        option["label"],
                    )
                )
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))


_INLINE_CLASSES: dict[type, type] = {}


def inline_options(widget) -> None:
    """Make ``widget`` (drawn with ``select.html``) render its options in Python."""
    if isinstance(widget, InlineOptionsMixin) or widget.template_name != SELECT_TEMPLATE:
        return
    base = type(widget)
    if base not in _INLINE_CLASSES:
        _INLINE_CLASSES[base] = type(base.__name__, (InlineOptionsMixin, base), {})
    widget.__class__ = _INLINE_CLASSES[base]
