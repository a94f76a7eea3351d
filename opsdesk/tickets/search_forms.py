"""Forms of the ticket search screen: the layout of the search form (common attributes, then
"more filters" as OTOBO's additional filters) and the "save as template" form."""

from dataclasses import dataclass, field

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from opsdesk.core.forms import BootstrapFormMixin, apply_bootstrap

from .filtersets import DYNAMIC_FIELD_PREFIX, TIME_ATTRIBUTES, TicketFilterSet
from .search_services import shareable_roles

# Shown at once; the rest is under "More filters".
COMMON_FIELDS = (
    "fulltext",
    "number",
    "title",
    "customer_id",
    "customer_user",
    "queue",
    "state",
    "priority",
    "type",
    "owner",
)
MORE_ATTRIBUTE_FIELDS = ("state_type", "responsible", "locked")
# Filters of the API only (the search has its own table sorting and fields).
API_ONLY_FIELDS = ("q", "ordering")
MULTIPLE_SELECT_SIZE = 5


@dataclass
class Cell:
    """One place in the form: a field, with the unit beside a relative time, or the "including
    sub-queues" box under the queues."""

    field: forms.BoundField
    unit: forms.BoundField | None = None
    option: forms.BoundField | None = None


@dataclass
class FieldGroup:
    title: str | Promise
    cells: list[Cell] = field(default_factory=list)
    key: str = ""


@dataclass
class SearchLayout:
    common: list[Cell]
    more: list[FieldGroup]
    more_open: bool  # "More filters" starts open when one of them is filled in or wrong


def _filled(bound: forms.BoundField) -> bool:
    if bound.errors:
        return True
    if not bound.form.is_bound:
        return False
    value = bound.value()
    if bound.name.endswith("_unit") or bound.name == "include_subqueues":
        return False
    return value not in (None, "", [], False)


def search_filterset(request, queryset, data, *, dynamic_fields=True) -> TicketFilterSet:
    """The search's filterset with its form styled for the screen (``dynamic_fields=None``: only
    the dynamic fields' filters the data names, for what shows no form)."""
    filterset = TicketFilterSet(
        data, queryset=queryset, request=request, dynamic_fields=dynamic_fields
    )
    form = filterset.form
    for name in API_ONLY_FIELDS:
        form.fields.pop(name, None)
    for bound_field in form.fields.values():
        if isinstance(bound_field.widget, forms.SelectMultiple):
            bound_field.widget.attrs.setdefault("size", MULTIPLE_SELECT_SIZE)
    form.fields["fulltext"].widget.attrs.setdefault(
        "placeholder", _('e.g. printer AND "error 42" NOT toner')
    )
    form.fields["number"].widget.attrs.setdefault("placeholder", "20261124*")
    apply_bootstrap(form, validate=data is not None)
    form.fields["include_subqueues"].widget.attrs["class"] = "form-check-input"
    return filterset


def search_layout(form: forms.Form) -> SearchLayout:
    def cell(name: str) -> Cell:
        option = form["include_subqueues"] if name == "queue" else None
        return Cell(form[name], option=option)

    common = [cell(name) for name in COMMON_FIELDS if name in form.fields]
    attributes = FieldGroup(_("Attributes"), [cell(name) for name in MORE_ATTRIBUTE_FIELDS])
    times = FieldGroup(_("Times"), key="times")
    for key in TIME_ATTRIBUTES:
        times.cells.append(Cell(form[f"{key}_after"]))
        times.cells.append(Cell(form[f"{key}_before"]))
        times.cells.append(Cell(form[f"{key}_within"], unit=form[f"{key}_within_unit"]))
        times.cells.append(Cell(form[f"{key}_older_than"], unit=form[f"{key}_older_than_unit"]))
    more = [attributes, times]
    dynamic = [Cell(form[name]) for name in form.fields if name.startswith(DYNAMIC_FIELD_PREFIX)]
    if dynamic:
        more.append(FieldGroup(_("Dynamic fields"), dynamic, key="dynamic"))
    more_open = any(
        _filled(item.field) or (item.unit is not None and bool(item.unit.errors))
        for group in more
        for item in group.cells
    )
    return SearchLayout(common=common, more=more, more_open=more_open)


class SaveSearchForm(BootstrapFormMixin, forms.Form):
    """Name and sharing of a search template; the criteria come from the current search."""

    name = forms.CharField(label=_("Template name"), max_length=200)
    roles: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Share with roles"),
        queryset=None,
        required=False,
        help_text=_("Agents holding one of these roles may run the template (not change it)."),
    )
    replace = forms.BooleanField(label=_("Replace my template of the same name"), required=False)
    query = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].queryset = shareable_roles(agent).order_by("name")
        self.fields["roles"].widget.attrs["size"] = 3
        apply_bootstrap(self, validate=False)
