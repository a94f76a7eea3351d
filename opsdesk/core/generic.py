"""Generic object views (NetBox-style): an area declares a screen by naming its model and parts.

A list view names ``queryset``, ``filterset_class`` and ``table_class``; an edit view names
``form_class`` and overrides ``save_object`` to call the area's service. Every view checks its
``required`` permission on the server (``AgentRequiredMixin``; rw on ``admin`` unless the screen
says otherwise) and finds its sibling screens by URL name: ``url_base = "accounts_admin:agent"``
gives ``agent_list``, ``agent_detail``, ``agent_add``, ``agent_edit``, ``agent_invalidate``,
``agent_delete`` and ``agent_import`` where they exist.
"""

import copy
import csv
import secrets
from dataclasses import dataclass
from typing import Any

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from .csv_import import (
    CREATE,
    UNCHANGED,
    UPDATE,
    CsvFormatError,
    ImportFailed,
    RowError,
    csv_safe,
    decode_csv,
    plan_import,
    rejected_rows_csv,
    run_import,
)
from .dynamic_fields import labels_by_name
from .forms import add_validation_error, apply_bootstrap
from .models import AuditAction
from .permissions import AgentRequiredMixin, Requirement
from .services import diff, history_of, invalidate_object, record_change, snapshot

# Forms ------------------------------------------------------------------------------------------


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "UTF-8 (with or without BOM) or Shift_JIS; values separated by “,” or “;”."
        ),
    )


# Filters and tables ------------------------------------------------------------------------------


class QuickSearchFilterSet(django_filters.FilterSet):
    """A filterset with the list's quick search field ``q`` over ``search_fields``."""

    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(method="quick_search", label=gettext_lazy("Search"))

    def quick_search(self, queryset, name, value):
        words = value.split()
        for word in words:
            condition = Q()
            for field in self.search_fields:
                condition |= Q(**{f"{field}__icontains": word})
            queryset = queryset.filter(condition)
        return queryset


VALIDITY_CHOICES = (
    ("", gettext_lazy("all")),
    ("true", gettext_lazy("valid")),
    ("false", gettext_lazy("invalid")),
)


def validity_filter(field_name: str = "valid") -> django_filters.BooleanFilter:
    """A valid/invalid/all select for the filter form."""
    return django_filters.BooleanFilter(
        field_name=field_name,
        label=capfirst(gettext_lazy("valid")),
        widget=forms.Select(choices=VALIDITY_CHOICES),
    )


class ObjectTable(tables.Table):
    """Base table: Bootstrap classes; sort and page links refresh the list through htmx."""

    class Meta:
        template_name = "core/generic/table.html"
        attrs = {
            "class": "table table-sm table-hover align-middle",
            "thead": {"hx-boost": "true"},
        }


class ValidityColumn(tables.BooleanColumn):
    """valid/invalid as a badge on screen, yes/no in exports."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("verbose_name", capfirst(gettext_lazy("valid")))
        super().__init__(*args, **kwargs)

    def render(self, value, record, bound_column):
        if value:
            return format_html('<span class="badge text-bg-success">{}</span>', _("valid"))
        return format_html('<span class="badge text-bg-secondary">{}</span>', _("invalid"))

    def value(self, record, value, bound_column):
        return "yes" if value else "no"


# Audit history ----------------------------------------------------------------------------------


@dataclass
class ChangeLine:
    field: str
    old: str
    new: str
    paired: bool  # old -> new (an update); else just the value (a creation's snapshot)


def format_change_value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def _field_label(model, key: str, extra_labels: dict[str, str]) -> str:
    if model is None:
        return key
    if key.startswith("extra.") and key[6:] in extra_labels:
        return extra_labels[key[6:]]
    history_labels = getattr(model, "history_labels", {})
    if key in history_labels:
        return capfirst(history_labels[key])
    try:
        return capfirst(model._meta.get_field(key).verbose_name)
    except (FieldDoesNotExist, AttributeError):
        return key


def change_lines(entry) -> list[ChangeLine]:
    """An audit entry's changes, as lines "field: old → new" (or "field: value")."""
    model = ContentType.objects.get_for_id(entry.content_type_id).model_class()
    object_type = getattr(model, "dynamic_field_object_type", None)
    extra_labels = (
        labels_by_name(object_type)
        if object_type and any(key.startswith("extra.") for key in entry.changes or {})
        else {}
    )
    paired = entry.action in (AuditAction.UPDATE, AuditAction.INVALIDATE)
    lines = []
    for key, value in (entry.changes or {}).items():
        if paired and isinstance(value, list) and len(value) == 2:
            old, new = value
            lines.append(
                ChangeLine(
                    _field_label(model, key, extra_labels),
                    format_change_value(old),
                    format_change_value(new),
                    True,
                )
            )
        else:
            lines.append(
                ChangeLine(
                    _field_label(model, key, extra_labels), "", format_change_value(value), False
                )
            )
    return lines


def with_change_lines(entries):
    """Attach ``lines`` to each audit entry for the templates."""
    entries = list(entries)
    for entry in entries:
        entry.lines = change_lines(entry)
    return entries


# Views ------------------------------------------------------------------------------------------


class ObjectViewMixin(AgentRequiredMixin):
    """What every generic view shares: the model, its queryset and the sibling screens' URLs."""

    # Secure by default: a screen that forgets to say what it needs is for administrators only.
    required: Requirement = ("rw", "admin")
    model: type[models.Model] | None = None
    queryset: models.QuerySet | None = None
    url_base: str = ""
    validity_field: str | None = "valid"

    def get_model(self):
        if self.model is not None:
            return self.model
        return self.queryset.model

    def get_queryset(self):
        if self.queryset is not None:
            return self.queryset.all()
        return self.get_model()._default_manager.all()

    def object_url(self, action: str, obj: models.Model | None = None) -> str | None:
        """URL of a sibling screen (``list``, ``detail``, ``edit``…), None when there is none."""
        if not self.url_base:
            return None
        try:
            return reverse(f"{self.url_base}_{action}", args=[obj.pk] if obj is not None else [])
        except NoReverseMatch:
            return None

    def is_valid_object(self, obj) -> bool:
        return bool(getattr(obj, self.validity_field, True)) if self.validity_field else True

    def base_context(self, obj=None) -> dict:
        opts = self.get_model()._meta
        context = {
            "model_name": capfirst(opts.verbose_name),
            "model_name_plural": capfirst(opts.verbose_name_plural),
            "list_url": self.object_url("list"),
            "add_url": self.object_url("add"),
            "import_url": self.object_url("import"),
        }
        if obj is not None:
            context.update(
                object=obj,
                detail_url=self.object_url("detail", obj),
                edit_url=self.object_url("edit", obj),
                delete_url=self.object_url("delete", obj),
                invalidate_url=(
                    self.object_url("invalidate", obj) if self.validity_field else None
                ),
                is_valid_object=self.is_valid_object(obj),
            )
        return context

    def after_change_url(self, obj=None) -> str:
        return (
            (obj is not None and self.object_url("detail", obj)) or self.object_url("list") or "/"
        )


class ObjectListView(ObjectViewMixin, View):
    """Filtered, sorted, paged table; ``?export=csv`` downloads the filtered list."""

    table_class: type[tables.Table] | None = None
    filterset_class: type[django_filters.FilterSet] | None = None
    template_name = "core/generic/object_list.html"
    table_template_name = "core/generic/object_list_table.html"
    export_filename: str | None = None
    max_page_size = 500

    def get_page_size(self) -> int:
        size = getattr(self.request.user, "page_size", 25) or 25
        return max(1, min(size, self.max_page_size))

    def get_filterset(self, queryset):
        if self.filterset_class is None:
            return None
        return self.filterset_class(
            self.request.GET or None, queryset=queryset, request=self.request
        )

    def get_table(self, queryset, paginate=True):
        table = self.table_class(queryset)
        if paginate:
            tables.RequestConfig(
                self.request, paginate={"per_page": self.get_page_size()}
            ).configure(table)
        else:
            tables.RequestConfig(self.request, paginate=False).configure(table)
        return table

    def get(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        filterset = self.get_filterset(queryset)
        if filterset is not None:
            queryset = filterset.qs
        if request.GET.get("export") == "csv":
            return self.export_csv(queryset)
        table = self.get_table(queryset)
        if filterset is not None:
            apply_bootstrap(filterset.form)
        query = request.GET.copy()
        query.pop("page", None)
        query["export"] = "csv"
        context = self.base_context() | {
            "table": table,
            "filterset": filterset,
            "filter_form": filterset.form if filterset is not None else None,
            "export_url": f"?{query.urlencode()}",
            "sort": request.GET.get("sort", ""),
        }
        context.update(self.get_extra_context())
        if request.htmx and not request.htmx.history_restore_request:
            return render(request, self.table_template_name, context)
        return render(request, self.template_name, context)

    def get_extra_context(self) -> dict:
        return {}

    def export_rows(self, queryset):
        """Header row then one row per object; by default the table's columns as text."""
        return self.get_table(queryset, paginate=False).as_values()

    def export_csv(self, queryset) -> HttpResponse:
        name = self.export_filename or f"{self.get_model()._meta.model_name}s.csv"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response.write("\ufeff")  # so that Excel reads UTF-8 (Japanese) correctly
        writer = csv.writer(response)
        for row in self.export_rows(queryset):
            writer.writerow([csv_safe(value) for value in row])
        return response


class ObjectDetailView(ObjectViewMixin, View):
    """The object's fields and its audit history."""

    template_name = "core/generic/object_detail.html"
    detail_fields: tuple[str, ...] | None = None
    extra_template: str | None = None
    history_limit = 100

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_detail_fields(self, obj) -> list[tuple[str, Any]]:
        """(label, value) pairs; the template formats them (dates in the agent's time zone)."""
        names = self.detail_fields
        if names is None:
            names = [
                field.name
                for field in obj._meta.concrete_fields
                if field.editable and not field.primary_key and field.name != "password"
            ]
        return [
            (capfirst(obj._meta.get_field(name).verbose_name), field_value(obj, name))
            for name in names
        ]

    def get_extra_actions(self, obj) -> list[tuple[str, str]]:
        """(label, url) of further screens of the object (permissions, members…)."""
        return []

    def get_extra_context(self, obj) -> dict:
        return {}

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        context = self.base_context(obj) | {
            "fields": self.get_detail_fields(obj),
            "history": with_change_lines(history_of(obj)[: self.history_limit]),
            "extra_actions": self.get_extra_actions(obj),
            "extra_template": self.extra_template,
        }
        context.update(self.get_extra_context(obj))
        return render(request, self.template_name, context)


def field_value(obj, name: str):
    """A field's value for display: choice labels, related objects' names, yes/no."""
    field = obj._meta.get_field(name)
    if field.many_to_many:
        return ", ".join(str(item) for item in getattr(obj, name).all()) or "—"
    value = getattr(obj, name)
    if field.choices and value not in (None, ""):
        return getattr(obj, f"get_{name}_display")()
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None or value == "":
        return "—"
    return value


class ObjectEditView(ObjectViewMixin, View):
    """Add (no ``pk`` in the URL) and edit in one; the write goes through ``save_object``."""

    form_class: type[forms.ModelForm] | None = None
    template_name = "core/generic/object_edit.html"

    def get_object(self):
        pk = self.kwargs.get("pk")
        if pk is None:
            return None
        return get_object_or_404(self.get_queryset(), pk=pk)

    def get_form_kwargs(self) -> dict:
        return {}

    def get_form(self, instance, data=None, files=None):
        return self.form_class(data, files, instance=instance, **self.get_form_kwargs())

    def save_object(self, form, actor):
        """Save the form and log the change; areas override this to call their service.

        ``form.instance`` holds the entered values; ``self.object`` is the object as stored (None
        when adding).
        """
        instance = form.instance
        creating = instance._state.adding
        before = None
        if not creating:
            before = self.audit_snapshot(type(instance)._default_manager.get(pk=instance.pk), form)
        if creating and hasattr(instance, "created_by"):
            instance.created_by = actor
        if hasattr(instance, "changed_by"):
            instance.changed_by = actor
        with transaction.atomic():
            obj = form.save()
            after = self.audit_snapshot(obj, form)
            if creating:
                record_change(actor=actor, instance=obj, action=AuditAction.CREATE, changes=after)
            else:
                record_change(
                    actor=actor,
                    instance=obj,
                    action=AuditAction.UPDATE,
                    changes=diff(before, after),
                )
        return obj

    @staticmethod
    def audit_snapshot(obj, form) -> dict:
        many = {
            field.name: [str(item) for item in getattr(obj, field.name).all()]
            for field in obj._meta.many_to_many
            if field.name in form.fields
        }
        return snapshot(obj, many)

    def render_form(self, form, instance):
        apply_bootstrap(form)
        context = self.base_context(instance) | {"form": form, "creating": instance is None}
        if instance is None:
            context["cancel_url"] = self.object_url("list")
        else:
            context["cancel_url"] = self.object_url("detail", instance) or self.object_url("list")
        return render(self.request, self.template_name, context)

    def get(self, request, *args, **kwargs):
        instance = self.object = self.get_object()
        return self.render_form(self.get_form(instance), instance)

    def post(self, request, *args, **kwargs):
        # The form works on a copy: ``self.object`` stays as stored, for services comparing.
        instance = self.object = self.get_object()
        form = self.get_form(copy.copy(instance), request.POST, request.FILES)
        if form.is_valid():
            try:
                obj = self.save_object(form, request.user)
            except ValidationError as error:
                add_validation_error(form, error)
            else:
                if instance is None:
                    message = _("%(model)s “%(object)s” was created.")
                else:
                    message = _("%(model)s “%(object)s” was changed.")
                messages.success(
                    request,
                    message % {"model": capfirst(obj._meta.verbose_name), "object": obj},
                )
                return redirect(self.after_change_url(obj))
        return self.render_form(form, instance)


class ObjectInvalidateView(ObjectViewMixin, View):
    """POST only: set the validity field to False. Objects with history are never deleted."""

    http_method_names = ["post"]

    def invalidate_object(self, obj, actor):
        """Generic invalidation with an audit entry; areas override this to call their service."""
        return invalidate_object(obj, self.validity_field, actor=actor)

    def post(self, request, *args, **kwargs):
        obj = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        try:
            self.invalidate_object(obj, request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(model)s “%(object)s” was invalidated.")
                % {"model": capfirst(obj._meta.verbose_name), "object": obj},
            )
        return redirect(self.after_change_url(obj))


class ObjectDeleteView(ObjectViewMixin, View):
    """Confirmation page, then deletion: only for objects without history (else invalidate)."""

    template_name = "core/generic/object_delete.html"

    def deletion_refusal(self, obj) -> str | None:
        """Why ``obj`` may not be deleted, or None. An object that was ever changed has history."""
        if history_of(obj).exclude(action=AuditAction.CREATE).exists():
            return _("This object has a history: invalidate it instead of deleting it.")
        return None

    def delete_object(self, obj, actor):
        with transaction.atomic():
            record_change(
                actor=actor, instance=obj, action=AuditAction.DELETE, changes=snapshot(obj)
            )
            obj.delete()

    def get(self, request, *args, **kwargs):
        obj = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        context = self.base_context(obj) | {"refusal": self.deletion_refusal(obj)}
        return render(request, self.template_name, context)

    def post(self, request, *args, **kwargs):
        obj = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        refusal = self.deletion_refusal(obj)
        if refusal is None:
            label = str(obj)
            try:
                self.delete_object(obj, request.user)
            except (ProtectedError, RestrictedError):
                refusal = _("Other objects refer to this one: invalidate it instead.")
            except ValidationError as error:
                refusal = " ".join(error.messages)
            else:
                messages.success(
                    request,
                    _("%(model)s “%(object)s” was deleted.")
                    % {"model": capfirst(self.get_model()._meta.verbose_name), "object": label},
                )
                return redirect(self.object_url("list") or "/")
        messages.error(request, refusal)
        return redirect(self.after_change_url(obj))


class ObjectImportView(ObjectViewMixin, View):
    """CSV upload → preview (rows to create/update, every bad row) → import all or nothing.

    Between preview and confirmation the decoded file waits in the session under a one-time token.
    When some lines are bad, the agent may instead import the valid lines ("partial"); the rejected
    lines then wait in the session, under a new token, as a CSV file to download (their values plus
    an ``error`` column), which can be corrected and imported again.
    """

    importer_class = None
    template_name = "core/generic/object_import.html"
    max_upload_size = 5 * 1024 * 1024
    session_key = "opsdesk_pending_import"
    preview_limit = 200  # rows listed per section of the preview; the counts cover every row
    rejected_filename: str | None = None

    def get_importer(self):
        return self.importer_class()

    def render_page(self, *, form=None, plan=None, token=None, rejected=None, status=200):
        importer = self.get_importer()
        context = self.base_context() | {
            "form": apply_bootstrap(form or CsvUploadForm()),
            "importer": importer,
            "columns": importer.columns,
            "required_columns": importer.required_columns,
            "plan": plan,
            "token": token,
            "rejected": rejected,
        }
        if plan is not None:
            for action, name in ((CREATE, "to_create"), (UPDATE, "to_update")):
                rows = plan.rows_to(action)
                context[name] = rows[: self.preview_limit]
                context[f"{name}_count"] = len(rows)
                context[f"{name}_hidden"] = max(0, len(rows) - self.preview_limit)
            context["unchanged_count"] = len(plan.rows_to(UNCHANGED))
            context["valid_count"] = len(plan.rows)
        return render(self.request, self.template_name, context, status=status)

    def pending(self, token: str | None) -> dict | None:
        """What waits in the session for this screen under ``token``, or None."""
        pending = self.request.session.get(self.session_key) or {}
        if not token or pending.get("view") != self.url_base or pending.get("token") != token:
            return None
        return pending

    def get(self, request, *args, **kwargs):
        if "download" in request.GET:
            return self.download_rejected(request.GET["download"])
        rejected = None
        if "rejected" in request.GET:
            pending = self.pending(request.GET["rejected"])
            if pending is not None and "rejected" in pending:
                rejected = {
                    "count": pending["rejected_count"],
                    "url": f"?download={pending['token']}",
                }
        return self.render_page(rejected=rejected)

    def download_rejected(self, token):
        pending = self.pending(token)
        if pending is None or "rejected" not in pending:
            messages.error(
                self.request, _("The rejected lines are no longer available. Please import again.")
            )
            return self.render_page()
        name = self.rejected_filename or f"{self.get_model()._meta.model_name}s-rejected.csv"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response.write("\ufeff" + pending["rejected"])  # with BOM, like every export
        return response

    def post(self, request, *args, **kwargs):
        if "confirm" in request.POST or "partial" in request.POST:
            return self.confirm(request, partial="partial" in request.POST)
        form = CsvUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_page(form=form)
        upload = form.cleaned_data["file"]
        if upload.size > self.max_upload_size:
            form.add_error(
                "file", _("The file is larger than %d MB.") % (self.max_upload_size >> 20)
            )
            return self.render_page(form=form)
        try:
            text = decode_csv(upload.read())
            plan = plan_import(text, self.get_importer())
        except CsvFormatError as error:
            form.add_error("file", str(error))
            return self.render_page(form=form)
        token = secrets.token_urlsafe(16)
        request.session[self.session_key] = {"view": self.url_base, "token": token, "text": text}
        return self.render_page(plan=plan, token=token)

    def confirm(self, request, *, partial: bool = False):
        pending = self.pending(request.POST.get("token"))
        if pending is None or "text" not in pending:
            messages.error(request, _("The preview has expired. Please upload the file again."))
            return self.render_page()
        importer = self.get_importer()
        try:
            plan = plan_import(pending["text"], importer)
        except CsvFormatError as error:
            messages.error(request, str(error))
            return self.render_page()
        if plan.ok or partial:
            try:
                counts = run_import(plan, importer, actor=request.user, partial=partial)
            except ImportFailed as failure:
                plan.errors.append(RowError(failure.line, failure.message))
                plan.errors.sort(key=lambda error: error.line)
            else:
                return self.finished(request, plan, counts)
        return self.render_page(plan=plan, token=pending["token"])

    def finished(self, request, plan, counts):
        messages.success(
            request,
            _("Import finished: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {
                "created": counts[CREATE],
                "updated": counts[UPDATE],
                "unchanged": counts[UNCHANGED],
            },
        )
        if not plan.errors:
            request.session.pop(self.session_key, None)
            return redirect(self.object_url("list") or "/")
        token = secrets.token_urlsafe(16)
        request.session[self.session_key] = {
            "view": self.url_base,
            "token": token,
            "rejected": rejected_rows_csv(plan),
            "rejected_count": len(plan.errors),
        }
        messages.warning(
            request,
            ngettext(
                "%(count)d line was rejected and not imported.",
                "%(count)d lines were rejected and not imported.",
                len(plan.errors),
            )
            % {"count": len(plan.errors)},
        )
        return redirect(f"{request.path}?rejected={token}")
