"""Filters of tickets: the ticket search (manual 5.4), the API's ticket list and search endpoint,
and saved search templates.

Attributes are given as the API writes them: states, priorities and types by variable name, agents
and customer users by login, the customer by Customer ID, the queue by id. Queues, states, state
types, priorities, types, owners and responsibles accept several, repeated
(``?state=new&state=open``) or separated by commas (``?state=new,open``); an unknown one is refused
with a message rather than matching nothing. In forms the same filters render as select lists
(names as values, labels shown).

Times: ``<time>_after``/``<time>_before`` are absolute (ISO 8601), ``<time>_within`` ("within the
last N") and ``<time>_older_than`` ("more than N ago") are relative to now, in the unit given by
``<time>_within_unit``/``<time>_older_than_unit`` (minutes, hours, days (default), weeks, months,
years); ``<time>`` is created, changed, closed, pending (pending until) or escalation.

Dynamic fields of tickets filter as ``extra__<name>`` (text: contains; dropdown, multiselect: any
of the values; checkbox: yes/no) and ``extra__<name>__from``/``__to`` (integer, date, date and
time). ``fulltext`` searches the articles (``fulltext.py``: AND/OR/NOT, "phrases").
"""

import calendar
import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.choices import BaseChoiceIterator
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from opsdesk.accounts.models import Agent
from opsdesk.core.dynamic_fields import definitions_for
from opsdesk.core.generic import QuickSearchFilterSet
from opsdesk.core.models import DynamicFieldObjectType, DynamicFieldType

from .choices import StateType
from .models import Priority, Queue, Ticket, TicketState, TicketType
from .permissions import TicketAction, group_names_for
from .selectors import with_number_like

DYNAMIC_FIELD_PREFIX = "extra__"


class NameListWidget(forms.SelectMultiple):
    """Several values, repeated or separated by commas (``?state=a,b&state=c``)."""

    def value_from_datadict(self, data, files, name):
        raw = data.getlist(name) if hasattr(data, "getlist") else [data.get(name, "")]
        values = []
        for item in raw:
            values.extend(part.strip() for part in str(item or "").split(","))
        return list(dict.fromkeys(value for value in values if value))

    def value_omitted_from_data(self, data, files, name):
        return name not in data


@extend_schema_field(OpenApiTypes.STR)
class NamedObjectsFilter(django_filters.ModelMultipleChoiceFilter):
    """Objects given by their variable name; several are combined with "or"."""

    def __init__(self, *, queryset, unknown: str | Promise, **kwargs):
        kwargs.setdefault("widget", NameListWidget)
        kwargs.setdefault("distinct", False)
        kwargs.setdefault("error_messages", {"invalid_choice": unknown})
        super().__init__(to_field_name="name", queryset=queryset, **kwargs)


class TicketNumberFilter(django_filters.CharFilter):
    """The whole ticket number, or a pattern with ``*`` for any characters (``20261124*``)."""

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        return with_number_like(qs, value)


# Agents by login -------------------------------------------------------------------------------


class AgentChoices(BaseChoiceIterator):
    """The select's options, read when the form is drawn (never to filter): valid agents."""

    def __iter__(self):
        agents = Agent.objects.filter(is_active=True).order_by("last_name", "first_name", "login")
        for login, first, last in agents.values_list("login", "first_name", "last_name"):
            name = f"{first} {last}".strip()
            yield login, f"{name} ({login})" if name else login


class AgentLoginsField(forms.Field):
    """Agents by login (not case-sensitive); the cleaned value is the list of their ids."""

    widget = NameListWidget

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widget.choices = AgentChoices()

    def clean(self, value):
        logins = [str(item) for item in value or []]
        if not logins:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        found = dict(
            Agent.objects.annotate(lowered=Lower("login"))
            .filter(lowered__in=[login.lower() for login in logins])
            .values_list("lowered", "pk")
        )
        unknown = [login for login in logins if login.lower() not in found]
        if unknown:
            raise ValidationError(
                _("There is no agent with the login “%(value)s”."),
                code="invalid_choice",
                params={"value": unknown[0]},
            )
        return [found[login.lower()] for login in logins]


@extend_schema_field(OpenApiTypes.STR)
class AgentLoginsFilter(django_filters.Filter):
    field_class = AgentLoginsField

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value})


# Relative times ---------------------------------------------------------------------------------

TIME_UNITS = (
    ("minutes", _("minutes")),
    ("hours", _("hours")),
    ("days", _("days")),
    ("weeks", _("weeks")),
    ("months", _("months")),
    ("years", _("years")),
)
DEFAULT_TIME_UNIT = "days"
EARLIEST = datetime.datetime(1, 1, 2, tzinfo=datetime.UTC)


def _months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day and time ``months`` calendar months earlier (the 31st -> the month's last)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    if year < 1:
        return EARLIEST
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def time_ago(amount: int, unit: str, now: datetime.datetime | None = None) -> datetime.datetime:
    """The moment ``amount`` ``unit`` before ``now`` (calendar months and years)."""
    now = now or timezone.now()
    if unit == "months":
        return _months_before(now, amount)
    if unit == "years":
        return _months_before(now, amount * 12)
    try:
        return now - datetime.timedelta(**{unit: amount})
    except OverflowError:
        return EARLIEST


@extend_schema_field(OpenApiTypes.INT)
class RelativeTimeFilter(django_filters.NumberFilter):
    """``<time>_within=N`` (within the last N units) or ``<time>_older_than=N`` (more than N units
    ago); the unit comes from the filter named ``<this>_unit``."""

    field_class = forms.IntegerField

    def __init__(self, *, older: bool, **kwargs):
        self.older = older
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 100_000)
        super().__init__(**kwargs)

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        unit = self.parent.form.cleaned_data.get(f"{self.field_name_in_form}_unit")
        moment = time_ago(int(value), unit or DEFAULT_TIME_UNIT)
        lookup = "lt" if self.older else "gte"
        return qs.filter(**{f"{self.field_name}__{lookup}": moment})


class TimeUnitFilter(django_filters.ChoiceFilter):
    """The unit of the relative time filter of the same name without ``_unit``; filters nothing."""

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", TIME_UNITS)
        kwargs.setdefault("empty_label", None)
        kwargs.setdefault("label", _("Unit"))
        super().__init__(**kwargs)

    def filter(self, qs, value):
        return qs


# attribute (as in the parameters' names) -> model field
TIME_ATTRIBUTES = {
    "created": "created_at",
    "changed": "changed_at",
    "closed": "closed_at",
    "pending": "pending_until",
    "escalation": "escalation_at",
}
# Whole sentences, so that each language may order its words (…_after, _before, _within,
# _older_than).
TIME_LABELS = {
    "created": (
        _("Created at or after"),
        _("Created before"),
        _("Created within the last"),
        _("Created more than … ago"),
    ),
    "changed": (
        _("Changed at or after"),
        _("Changed before"),
        _("Changed within the last"),
        _("Changed more than … ago"),
    ),
    "closed": (
        _("Closed at or after"),
        _("Closed before"),
        _("Closed within the last"),
        _("Closed more than … ago"),
    ),
    "pending": (
        _("Pending until at or after"),
        _("Pending until before"),
        _("Pending until within the last"),
        _("Pending until more than … ago"),
    ),
    "escalation": (
        _("Escalation time at or after"),
        _("Escalation time before"),
        _("Escalation time within the last"),
        _("Escalation time more than … ago"),
    ),
}


def time_filters() -> dict[str, django_filters.Filter]:
    """Absolute and relative filters of each time attribute."""
    filters: dict[str, django_filters.Filter] = {}
    for key, field in TIME_ATTRIBUTES.items():
        after, before, within, older_than = TIME_LABELS[key]
        for suffix, lookup, label in (("after", "gte", after), ("before", "lt", before)):
            filters[f"{key}_{suffix}"] = django_filters.IsoDateTimeFilter(
                field_name=field,
                lookup_expr=lookup,
                label=label,
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
            )
        for suffix, older, label in (("within", False, within), ("older_than", True, older_than)):
            name = f"{key}_{suffix}"
            relative = RelativeTimeFilter(field_name=field, older=older, label=label)
            relative.field_name_in_form = name
            filters[name] = relative
            filters[f"{name}_unit"] = TimeUnitFilter(initial=DEFAULT_TIME_UNIT)
    return filters


# Full text --------------------------------------------------------------------------------------


class FullTextField(forms.CharField):
    """A full-text expression, checked for its syntax when the form is validated."""

    def clean(self, value):
        value = super().clean(value)
        if value:
            from . import fulltext

            fulltext.parse_query(value)  # raises ValidationError with the reason
        return value


class FullTextFilter(django_filters.CharFilter):
    field_class = FullTextField

    def filter(self, qs, value):
        if not value:
            return qs
        from . import fulltext

        return fulltext.filter_tickets(qs, value)


# Dynamic fields ----------------------------------------------------------------------------------


def _json_array_has_any(name: str, values: list[str]) -> Q:
    """Tickets whose list-valued dynamic field ``name`` holds one of ``values``."""
    if connection.vendor == "postgresql":
        condition = Q()
        for value in values:
            condition |= Q(**{f"extra__{name}__contains": [value]})
        return condition
    # SQLite has no JSON containment; json_each lists the array's items.
    placeholders = ", ".join(["%s"] * len(values))
    sql = (
        f"EXISTS (SELECT 1 FROM json_each({Ticket._meta.db_table}.extra, %s) "
        f"WHERE json_each.value IN ({placeholders}))"
    )
    return Q(RawSQL(sql, [f'$."{name}"', *values], output_field=BooleanField()))


class DynamicFieldFilter(django_filters.Filter):
    """One dynamic field of tickets, filtering on the ``extra`` JSON by the field's kind."""

    def __init__(self, *, definition, bound: str = "", field_class=None, **kwargs):
        self.definition = definition
        self.bound = bound  # "from" / "to" for ranges
        if field_class is not None:
            self.field_class = field_class
        super().__init__(field_name=definition.name, **kwargs)

    def filter(self, qs, value):
        if value in (None, "", [], ()):
            return qs
        name = self.definition.name
        key = f"extra__{name}"
        kind = self.definition.field_type
        if kind in (DynamicFieldType.TEXT, DynamicFieldType.TEXTAREA):
            return qs.filter(**{f"{key}__icontains": value})
        if kind == DynamicFieldType.DROPDOWN:
            return qs.filter(**{f"{key}__in": list(value)})
        if kind == DynamicFieldType.MULTISELECT:
            return qs.filter(_json_array_has_any(name, list(value)))
        if kind == DynamicFieldType.CHECKBOX:
            if value == "yes":
                return qs.filter(**{key: True})
            return qs.filter(Q(**{key: False}) | ~Q(extra__has_key=name))
        # Ranges. Dates are stored as ISO text, date-times as ISO text in UTC: as text they sort
        # like the moments they name.
        if kind == DynamicFieldType.DATE:
            value = value.isoformat()
        elif kind == DynamicFieldType.DATETIME:
            value = value.astimezone(datetime.UTC).isoformat()
        lookup = "gte" if self.bound == "from" else "lte"
        return qs.filter(**{f"{key}__{lookup}": value})


def dynamic_field_filters(language: str | None = None) -> dict[str, django_filters.Filter]:
    """Filters of the valid dynamic fields of tickets, named ``extra__<name>`` (and
    ``extra__<name>__from``/``__to`` for ranges)."""
    filters: dict[str, django_filters.Filter] = {}
    language = language or translation.get_language()
    for definition in definitions_for(DynamicFieldObjectType.TICKET):
        label = definition.label_for(language)
        name = f"{DYNAMIC_FIELD_PREFIX}{definition.name}"
        kind = definition.field_type
        choices = [(str(value), str(text)) for value, text in definition.choices or []]
        if kind in (DynamicFieldType.TEXT, DynamicFieldType.TEXTAREA):
            filters[name] = DynamicFieldFilter(
                definition=definition, label=_("%(field)s contains") % {"field": label}
            )
        elif kind in (DynamicFieldType.DROPDOWN, DynamicFieldType.MULTISELECT):
            filters[name] = DynamicFieldFilter(
                definition=definition,
                label=label,
                field_class=forms.MultipleChoiceField,
                choices=choices,
                widget=NameListWidget,
            )
        elif kind == DynamicFieldType.CHECKBOX:
            filters[name] = DynamicFieldFilter(
                definition=definition,
                label=label,
                field_class=forms.ChoiceField,
                choices=[("", _("any")), ("yes", _("yes")), ("no", _("no"))],
            )
        else:
            ranges: dict[str, tuple[type, str]] = {
                DynamicFieldType.INTEGER: (forms.IntegerField, "number"),
                DynamicFieldType.DATE: (forms.DateField, "date"),
                DynamicFieldType.DATETIME: (forms.DateTimeField, "datetime-local"),
            }
            field_class, widget_type = ranges[kind]
            for bound, wording in (
                ("from", _("%(field)s from")),
                ("to", _("%(field)s to")),
            ):
                filters[f"{name}__{bound}"] = DynamicFieldFilter(
                    definition=definition,
                    bound=bound,
                    label=wording % {"field": label},
                    field_class=field_class,
                    widget=forms.TextInput(attrs={"type": widget_type}),
                )
    return filters


# The filterset ----------------------------------------------------------------------------------


class TicketFilterForm(forms.Form):
    """Refuses a dynamic field that does not exist (or is invalid) rather than ignoring it."""

    def clean(self):
        cleaned_data = super().clean()
        for key in sorted(str(key) for key in self.data):
            if key.startswith(DYNAMIC_FIELD_PREFIX) and key not in self.fields:
                self.add_error(
                    None,
                    _("There is no dynamic field to search by “%(name)s”.")
                    % {"name": key[len(DYNAMIC_FIELD_PREFIX) :]},
                )
        return cleaned_data


class TicketFilterSet(QuickSearchFilterSet):
    """Every attribute of the ticket search. ``agent`` (or the request's user) limits the queue
    choices to the queues they may see. Dynamic-field filters are added when the data names one
    (``extra__…``) or when ``dynamic_fields=True`` (forms that show them)."""

    search_fields = ("number", "title")

    number = TicketNumberFilter(label=_("Ticket number (* for any characters)"))
    title = django_filters.CharFilter(
        field_name="title",
        lookup_expr="icontains",
        label=capfirst(pgettext_lazy("ticket", "title")),
    )
    fulltext = FullTextFilter(label=_("Full text"))
    queue = django_filters.ModelMultipleChoiceFilter(
        field_name="queue",
        queryset=Queue.objects.all(),
        widget=NameListWidget,
        distinct=False,
        method="filter_queues",
        error_messages={"invalid_choice": _("There is no contact person with the id %(value)s.")},
        label=capfirst(_("contact person")),
    )
    include_subqueues = django_filters.BooleanFilter(
        method="keep", label=_("Including sub-queues"), widget=forms.CheckboxInput
    )
    state = NamedObjectsFilter(
        field_name="state__name",
        queryset=TicketState.objects.all(),
        unknown=_("There is no state “%(value)s”."),
        method="filter_states",
        label=capfirst(_("state")),
    )
    state_type = django_filters.MultipleChoiceFilter(
        field_name="state__state_type",
        choices=[(value, capfirst(label)) for value, label in StateType.choices],
        widget=NameListWidget,
        distinct=False,
        method="filter_state_types",
        label=capfirst(_("state type")),
    )
    priority = NamedObjectsFilter(
        field_name="priority__name",
        queryset=Priority.objects.all(),
        unknown=_("There is no priority “%(value)s”."),
        method="filter_priorities",
        label=capfirst(_("priority")),
    )
    type = NamedObjectsFilter(
        field_name="ticket_type__name",
        queryset=TicketType.objects.all(),
        unknown=_("There is no ticket type “%(value)s”."),
        method="filter_types",
        label=capfirst(_("type")),
    )
    owner = AgentLoginsFilter(field_name="owner_id", label=capfirst(_("owner")))
    responsible = AgentLoginsFilter(field_name="responsible_id", label=capfirst(_("responsible")))
    customer_id = django_filters.CharFilter(
        field_name="customer_company__customer_id", lookup_expr="iexact", label=_("Customer ID")
    )
    customer_user = django_filters.CharFilter(
        field_name="customer_user__login", lookup_expr="iexact", label=_("Customer user (login)")
    )
    locked = django_filters.BooleanFilter(
        label=capfirst(_("lock")),
        widget=forms.Select(
            choices=(("", _("any")), ("true", _("locked")), ("false", _("unlocked")))
        ),
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("number", "number"),
            ("title", "title"),
            ("created_at", "created_at"),
            ("changed_at", "changed_at"),
            ("closed_at", "closed_at"),
            ("priority__level", "priority"),
            ("pending_until", "pending_until"),
            ("escalation_at", "escalation_at"),
        ),
        label=_("Order by"),
    )

    class Meta:
        model = Ticket
        fields: list[str] = []
        form = TicketFilterForm

    def __init__(self, data=None, *args, agent=None, dynamic_fields=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.agent = agent or getattr(self.request, "user", None)
        if self.agent is not None and getattr(self.agent, "is_authenticated", False):
            self.filters["queue"].queryset = Queue.objects.filter(
                group__name__in=group_names_for(self.agent, TicketAction.VIEW)
            ).order_by("full_name")
        if dynamic_fields is None:
            dynamic_fields = any(str(key).startswith(DYNAMIC_FIELD_PREFIX) for key in data or ())
        if dynamic_fields:
            for name, dynamic_filter in dynamic_field_filters().items():
                dynamic_filter.parent = self
                dynamic_filter.model = Ticket
                self.filters[name] = dynamic_filter
        for time_filter in self.filters.values():
            if isinstance(time_filter, RelativeTimeFilter):
                time_filter.parent = self

    def keep(self, queryset, name, value):
        """Options of other filters (``include_subqueues``) filter nothing themselves."""
        return queryset

    def filter_queues(self, queryset, name, value):
        queues = list(value or [])
        if not queues:
            return queryset
        ids = {queue.pk for queue in queues}
        if self.form.cleaned_data.get("include_subqueues"):
            below = Q()
            for queue in queues:
                below |= Q(full_name__startswith=f"{queue.full_name}::")
            ids |= set(Queue.objects.filter(below).values_list("pk", flat=True))
        return queryset.filter(queue_id__in=sorted(ids))

    # Master data are few: their ids are looked up (or already known from validation), so that
    # the ticket query filters on its own indexed columns without joins.
    def filter_states(self, queryset, name, value):
        ids = [state.pk for state in value or []]
        return queryset.filter(state_id__in=ids) if ids else queryset

    def filter_state_types(self, queryset, name, value):
        if not value:
            return queryset
        ids = list(TicketState.objects.filter(state_type__in=value).values_list("pk", flat=True))
        return queryset.filter(state_id__in=ids)

    def filter_priorities(self, queryset, name, value):
        ids = [priority.pk for priority in value or []]
        return queryset.filter(priority_id__in=ids) if ids else queryset

    def filter_types(self, queryset, name, value):
        ids = [ticket_type.pk for ticket_type in value or []]
        return queryset.filter(ticket_type_id__in=ids) if ids else queryset


# The time filters go before ``ordering`` (the forms list their fields in this order).
_ordering = TicketFilterSet.base_filters.pop("ordering")
TicketFilterSet.base_filters.update(time_filters())
TicketFilterSet.base_filters["ordering"] = _ordering
