"""Admin screens of dynamic field definitions (administrators only), on the generic views."""

import django_filters
import django_tables2 as tables
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .dynamic_field_forms import DynamicFieldForm
from .dynamic_fields import screen_summary, screens_for
from .generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectInvalidateView,
    ObjectListView,
    ObjectTable,
    QuickSearchFilterSet,
    ValidityColumn,
    field_value,
    validity_filter,
)
from .models import DynamicField, DynamicFieldObjectType, DynamicFieldType
from .services import create_object, invalidate_object, update_object

ADMIN = ("rw", "admin")


class DynamicFieldFilterSet(QuickSearchFilterSet):
    search_fields = ("name", "label", "label_ja", "help_text")

    object_type = django_filters.ChoiceFilter(
        choices=DynamicFieldObjectType.choices,
        label=capfirst(_("object type")),
        empty_label=_("all"),
    )
    field_type = django_filters.ChoiceFilter(
        choices=DynamicFieldType.choices, label=capfirst(_("field type")), empty_label=_("all")
    )
    valid = validity_filter()

    class Meta:
        model = DynamicField
        fields = []


class DynamicFieldTable(ObjectTable):
    label = tables.Column(linkify=("dynamic_fields:dynamic_field_detail", [tables.A("pk")]))
    name = tables.Column()
    object_type = tables.Column()
    field_type = tables.Column()
    required = tables.BooleanColumn()
    order = tables.Column()
    valid = ValidityColumn()
    changed_at = tables.DateTimeColumn(short=True)

    class Meta(ObjectTable.Meta):
        model = DynamicField
        fields = (
            "label",
            "name",
            "object_type",
            "field_type",
            "required",
            "order",
            "valid",
            "changed_at",
        )
        order_by = ("object_type", "order")


class DynamicFieldViewMixin:
    model = DynamicField
    url_base = "dynamic_fields:dynamic_field"
    required = ADMIN


class DynamicFieldListView(DynamicFieldViewMixin, ObjectListView):
    queryset = DynamicField.objects.all()
    filterset_class = DynamicFieldFilterSet
    table_class = DynamicFieldTable
    export_filename = "dynamic_fields.csv"


class DynamicFieldDetailView(DynamicFieldViewMixin, ObjectDetailView):
    detail_fields = (
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
        "created_at",
        "changed_at",
    )

    def get_detail_fields(self, obj):
        rows = []
        for name in self.detail_fields:
            label = capfirst(obj._meta.get_field(name).verbose_name)
            if name == "choices":
                value = (
                    ", ".join(
                        str(key) if str(text) == str(key) else f"{key} = {text}"
                        for key, text in obj.choices
                    )
                    if obj.choices
                    else "—"
                )
            else:
                value = field_value(obj, name)
            rows.append((label, value))
            if name == "order" and screens_for(obj.object_type):
                rows.append(
                    (capfirst(obj._meta.get_field("screens").verbose_name), screen_summary(obj))
                )
        return rows


class DynamicFieldEditView(DynamicFieldViewMixin, ObjectEditView):
    form_class = DynamicFieldForm
    template_name = "core/dynamic_fields/edit.html"

    def save_object(self, form, actor):
        if self.object is None:
            return create_object(DynamicField, actor=actor, **form.service_fields())
        return update_object(self.object, actor=actor, **form.service_fields())


class DynamicFieldInvalidateView(DynamicFieldViewMixin, ObjectInvalidateView):
    def invalidate_object(self, obj, actor):
        return invalidate_object(obj, "valid", actor=actor)
