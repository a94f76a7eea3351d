"""The audit log page: every change of an administered object, filterable by type and actor."""

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.template.loader import render_to_string
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .generic import ObjectListView, ObjectTable, QuickSearchFilterSet, change_lines
from .models import AuditAction, AuditLogEntry


def _type_label(content_type: ContentType) -> str:
    model = content_type.model_class()
    return capfirst(model._meta.verbose_name) if model else content_type.model


class ContentTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _type_label(obj)


class ContentTypeFilter(django_filters.ModelChoiceFilter):
    field_class = ContentTypeChoiceField


def _logged_types(request):
    return ContentType.objects.filter(
        pk__in=AuditLogEntry.objects.values("content_type").distinct()
    ).order_by("app_label", "model")


def _agents(request):
    return get_user_model().objects.all()


class AuditLogFilterSet(QuickSearchFilterSet):
    search_fields = ("object_repr",)

    content_type = ContentTypeFilter(queryset=_logged_types, label=capfirst(_("object type")))
    actor = django_filters.ModelChoiceFilter(queryset=_agents, label=capfirst(_("who")))
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label=capfirst(_("action")))

    class Meta:
        model = AuditLogEntry
        fields = []


class AuditLogTable(ObjectTable):
    at = tables.DateTimeColumn(verbose_name=capfirst(_("when")), short=True)
    actor = tables.Column(verbose_name=capfirst(_("who")), default="—", order_by=("actor__login",))
    content_type = tables.Column(verbose_name=capfirst(_("object type")), orderable=False)
    object_repr = tables.Column(verbose_name=capfirst(_("object")))
    action = tables.Column(verbose_name=capfirst(_("action")))
    changes = tables.Column(verbose_name=capfirst(_("changes")), orderable=False, empty_values=())

    class Meta(ObjectTable.Meta):
        model = AuditLogEntry
        fields = ("at", "actor", "action", "content_type", "object_repr", "changes")
        order_by = ("-at",)

    def render_content_type(self, value):
        return _type_label(value)

    def value_content_type(self, value):
        return _type_label(value)

    def render_changes(self, record):
        return render_to_string("core/generic/changes.html", {"lines": change_lines(record)})

    def value_changes(self, record):
        return "; ".join(
            f"{line.field}: {line.old} → {line.new}" if line.paired else f"{line.field}: {line.new}"
            for line in change_lines(record)
        )


class AuditLogView(ObjectListView):
    """All audit log entries, newest first; administrators only."""

    required = ("rw", "admin")
    queryset = AuditLogEntry.objects.select_related("actor", "content_type")
    table_class = AuditLogTable
    filterset_class = AuditLogFilterSet
    validity_field = None
    export_filename = "audit_log.csv"
