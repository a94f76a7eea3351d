"""Ticket settings under Admin (/admin/tickets/), declared on the generic object views of ``core``:
contact persons (queues), states, priorities, ticket types with their workflow editor, system
addresses, salutations, signatures and templates (standard answers).

Every screen needs rw on ``admin`` (like Admin → Agents). Writes go through ``admin_services``;
master data is invalidated, never deleted.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from opsdesk.core.forms import add_validation_error
from opsdesk.core.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectInvalidateView,
    ObjectListView,
    ObjectViewMixin,
    apply_bootstrap,
    field_value,
)
from opsdesk.core.permissions import AgentRequiredMixin
from opsdesk.core.services import create_object, invalidate_object, update_object

from . import admin_services as services
from .admin_filtersets import (
    PriorityFilterSet,
    QueueFilterSet,
    SalutationFilterSet,
    SignatureFilterSet,
    StandardTemplateFilterSet,
    StateFilterSet,
    SystemAddressFilterSet,
    TicketTypeFilterSet,
)
from .admin_forms import (
    PLACEHOLDERS,
    PriorityForm,
    QueueForm,
    SalutationForm,
    SignatureForm,
    StandardTemplateForm,
    StateForm,
    SystemAddressForm,
    TicketTypeForm,
    WorkflowForm,
)
from .admin_tables import (
    PriorityTable,
    QueueTable,
    SalutationTable,
    SignatureTable,
    StandardTemplateTable,
    StateTable,
    SystemAddressTable,
    TicketTypeTable,
)
from .choices import StateType
from .models import (
    Priority,
    Queue,
    Salutation,
    Signature,
    StandardTemplate,
    SystemAddress,
    TicketState,
    TicketType,
    TicketTypeState,
    TicketTypeTransition,
)

ADMIN = ("rw", "admin")

# The screens of "Ticket settings": (URL name, title, description); the home page lists them and
# every list shows them as tabs.
SCREENS = (
    (
        "tickets_admin:queue_list",
        gettext_lazy("Contact persons (queues)"),
        gettext_lazy(
            "The desks tickets are allocated to, in a hierarchy: group (who may work them), "
            "unlock timeout, follow-up policy, system address, salutation and signature."
        ),
    ),
    (
        "tickets_admin:state_list",
        gettext_lazy("States"),
        gettext_lazy(
            "The states of tickets with their English and Japanese labels, state type and the "
            "group counted by the information centers and the dashboard."
        ),
    ),
    (
        "tickets_admin:priority_list",
        gettext_lazy("Priorities"),
        gettext_lazy("Levels, labels and colours of priorities, and the default of new tickets."),
    ),
    (
        "tickets_admin:type_list",
        gettext_lazy("Ticket types and workflows"),
        gettext_lazy(
            "Ticket types, the default type, and per type its workflow: the states it allows, "
            "those a new ticket may start in, and the transitions between them."
        ),
    ),
    (
        "tickets_admin:system_address_list",
        gettext_lazy("System addresses"),
        gettext_lazy("The addresses contact persons (queues) send email from."),
    ),
    (
        "tickets_admin:salutation_list",
        gettext_lazy("Salutations"),
        gettext_lazy("Text put before an answer; may use placeholders such as {customer_name}."),
    ),
    (
        "tickets_admin:signature_list",
        gettext_lazy("Signatures"),
        gettext_lazy("Text put after an answer; may use placeholders such as {agent_name}."),
    ),
    (
        "tickets_admin:template_list",
        gettext_lazy("Templates"),
        gettext_lazy(
            "Standard answers offered in replies, notes and new tickets, per contact person "
            "(queue), with a preselected next state."
        ),
    ),
)


class TicketSettingsHomeView(AgentRequiredMixin, View):
    """Admin → Ticket settings: the screens above, each with what it is for."""

    required = ADMIN

    def get(self, request):
        screens = [(reverse(name), title, description) for name, title, description in SCREENS]
        return render(request, "tickets/admin/home.html", {"screens": screens})


class TicketSettingsListView(ObjectListView):
    """A list with the ticket settings' tabs above it."""

    template_name = "tickets/admin/object_list.html"

    def get_extra_context(self) -> dict:
        current = self.object_url("list")
        return {
            "settings_tabs": [
                (reverse(name), title, reverse(name) == current) for name, title, _d in SCREENS
            ]
        }


class TicketSettingsMixin:
    required = ADMIN


# Contact persons (queues) -----------------------------------------------------------------------


class QueueViewMixin(TicketSettingsMixin):
    model = Queue
    url_base = "tickets_admin:queue"


class QueueListView(QueueViewMixin, TicketSettingsListView):
    queryset = Queue.objects.select_related("group", "system_address")
    filterset_class = QueueFilterSet
    table_class = QueueTable
    export_filename = "contact_persons.csv"


class QueueDetailView(QueueViewMixin, ObjectDetailView):
    queryset = Queue.objects.select_related(
        "parent", "group", "system_address", "salutation", "signature", "created_by", "changed_by"
    )
    detail_fields = (
        "full_name",
        "name",
        "parent",
        "group",
        "unlock_timeout",
        "follow_up_policy",
        "follow_up_lock",
        "system_address",
        "salutation",
        "signature",
        "comment",
        "valid",
        "created_at",
        "created_by",
        "changed_at",
        "changed_by",
    )
    extra_template = "tickets/admin/queue_extra.html"

    def get_extra_actions(self, obj):
        if not obj.valid:
            return []
        return [(_("Add sub-queue"), reverse("tickets_admin:queue_add") + f"?parent={obj.pk}")]

    def get_extra_context(self, obj):
        return {
            "open_ticket_count": services.open_ticket_count(obj),
            "sub_queues": obj.children.order_by("full_name"),
        }


class QueueEditView(QueueViewMixin, ObjectEditView):
    form_class = QueueForm

    def get_form_kwargs(self):
        # "Add sub-queue" on a queue's page fills in the parent.
        if self.kwargs.get("pk") is None and self.request.GET.get("parent", "").isdigit():
            return {"initial": {"parent": int(self.request.GET["parent"])}}
        return {}

    def save_object(self, form, actor):
        if self.object is None:
            return services.create_queue(actor=actor, **form.service_fields())
        return services.update_queue(self.object, actor=actor, **form.service_fields())

    def after_change_url(self, obj=None):
        if obj is not None and not obj.valid:
            _warn_open_tickets(self.request, obj)
        return super().after_change_url(obj)


def _warn_open_tickets(request, queue: Queue) -> None:
    count = services.open_ticket_count(queue)
    if count:
        messages.warning(
            request,
            ngettext(
                "%(count)d open ticket is still in this invalid contact person (queue): move it "
                "to a valid one.",
                "%(count)d open tickets are still in this invalid contact person (queue): move "
                "them to a valid one.",
                count,
            )
            % {"count": count},
        )


class QueueInvalidateView(QueueViewMixin, ObjectInvalidateView):
    def invalidate_object(self, obj, actor):
        queue = services.invalidate_queue(obj, actor=actor)
        _warn_open_tickets(self.request, queue)
        return queue


# States -----------------------------------------------------------------------------------------


def _is_internal(state: TicketState) -> bool:
    return state.state_type == StateType.MERGED


class StateViewMixin(TicketSettingsMixin):
    model = TicketState
    url_base = "tickets_admin:state"


class StateListView(StateViewMixin, TicketSettingsListView):
    queryset = TicketState.objects.all()
    filterset_class = StateFilterSet
    table_class = StateTable
    export_filename = "states.csv"


class StateDetailView(StateViewMixin, ObjectDetailView):
    queryset = TicketState.objects.select_related("created_by", "changed_by")
    detail_fields = (
        "name",
        "label",
        "label_ja",
        "state_type",
        "state_group",
        "comment",
        "valid",
        "created_at",
        "changed_at",
    )
    extra_template = "tickets/admin/state_extra.html"

    def base_context(self, obj=None):
        context = super().base_context(obj)
        if obj is not None and _is_internal(obj):
            context.update(edit_url=None, invalidate_url=None)
        return context

    def get_extra_context(self, obj):
        return {
            "internal": _is_internal(obj),
            "ticket_types": TicketType.objects.filter(state_links__state=obj).order_by("name"),
        }


class StateEditView(StateViewMixin, ObjectEditView):
    form_class = StateForm

    def refuse_internal(self):
        if self.object is not None and _is_internal(self.object):
            messages.error(
                self.request,
                _("“%(state)s” is an internal state (the result of a merge) and cannot be changed.")
                % {"state": self.object.name},
            )
            return redirect(self.object_url("detail", self.object))
        return None

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.refuse_internal() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.refuse_internal() or super().post(request, *args, **kwargs)

    def save_object(self, form, actor):
        if self.object is None:
            return services.create_state(actor=actor, **form.service_fields())
        return services.update_state(self.object, actor=actor, **form.service_fields())


class StateInvalidateView(StateViewMixin, ObjectInvalidateView):
    def invalidate_object(self, obj, actor):
        return services.invalidate_state(obj, actor=actor)


# Priorities -------------------------------------------------------------------------------------


class PriorityViewMixin(TicketSettingsMixin):
    model = Priority
    url_base = "tickets_admin:priority"


class PriorityListView(PriorityViewMixin, TicketSettingsListView):
    queryset = Priority.objects.all()
    filterset_class = PriorityFilterSet
    table_class = PriorityTable
    export_filename = "priorities.csv"


class PriorityDetailView(PriorityViewMixin, ObjectDetailView):
    queryset = Priority.objects.select_related("created_by", "changed_by")
    detail_fields = (
        "name",
        "level",
        "label",
        "label_ja",
        "color",
        "is_default",
        "valid",
        "created_at",
        "changed_at",
    )


class PriorityEditView(PriorityViewMixin, ObjectEditView):
    form_class = PriorityForm

    def save_object(self, form, actor):
        if self.object is None:
            return services.create_priority(actor=actor, **form.service_fields())
        return services.update_priority(self.object, actor=actor, **form.service_fields())


class PriorityInvalidateView(PriorityViewMixin, ObjectInvalidateView):
    def invalidate_object(self, obj, actor):
        return services.invalidate_priority(obj, actor=actor)


# Ticket types and their workflows ----------------------------------------------------------------


class TicketTypeViewMixin(TicketSettingsMixin):
    model = TicketType
    url_base = "tickets_admin:type"


class TicketTypeListView(TicketTypeViewMixin, TicketSettingsListView):
    queryset = TicketType.objects.select_related("default_state")
    filterset_class = TicketTypeFilterSet
    table_class = TicketTypeTable
    export_filename = "ticket_types.csv"


def workflow_of(ticket_type: TicketType) -> dict:
    """The type's workflow for people: allowed states (in the states' order) and, per state, the
    states that may follow it."""
    links = list(
        TicketTypeState.objects.filter(ticket_type=ticket_type)
        .select_related("state")
        .order_by("state_id")
    )
    transitions = (
        TicketTypeTransition.objects.filter(ticket_type=ticket_type)
        .select_related("from_state", "to_state")
        .order_by("from_state_id", "to_state_id")
    )
    following: dict[int, list[TicketState]] = {}
    for transition in transitions:
        following.setdefault(transition.from_state_id, []).append(transition.to_state)
    return {
        "states": links,
        "transitions": [
            (link.state, following[link.state_id]) for link in links if link.state_id in following
        ],
        "restricted": ticket_type.restrict_transitions,
    }


class TicketTypeDetailView(TicketTypeViewMixin, ObjectDetailView):
    queryset = TicketType.objects.select_related("default_state", "created_by", "changed_by")
    detail_fields = (
        "name",
        "label",
        "label_ja",
        "default_state",
        "restrict_transitions",
        "is_default",
        "comment",
        "valid",
        "created_at",
        "changed_at",
    )
    extra_template = "tickets/admin/type_workflow_summary.html"

    def get_extra_actions(self, obj):
        return [(_("Edit workflow"), self.object_url("workflow", obj))]

    def get_extra_context(self, obj):
        # The workflow's history keys are named by ``TicketType.history_labels``.
        return {"workflow": workflow_of(obj)}


class TicketTypeEditView(TicketTypeViewMixin, ObjectEditView):
    form_class = TicketTypeForm

    def save_object(self, form, actor):
        if self.object is None:
            return services.create_ticket_type(actor=actor, **form.service_fields())
        return services.update_ticket_type(self.object, actor=actor, **form.service_fields())


class TicketTypeInvalidateView(TicketTypeViewMixin, ObjectInvalidateView):
    def invalidate_object(self, obj, actor):
        return services.invalidate_ticket_type(obj, actor=actor)


class TicketTypeWorkflowView(TicketTypeViewMixin, ObjectViewMixin, View):
    """The workflow matrix of one type: allowed states, states for a new ticket, transitions."""

    template_name = "tickets/admin/type_workflow.html"

    def candidates(self, ticket_type):
        """Every state but the internal one; invalid states only where the type has them."""
        held = ticket_type.state_links.values("state")
        return list(
            TicketState.objects.exclude(state_type=StateType.MERGED)
            .filter(Q(valid=True) | Q(pk__in=held))
            .order_by("id")
        )

    def initial(self, ticket_type) -> dict:
        links = list(ticket_type.state_links.all())
        return {
            "states": [str(link.state_id) for link in links],
            "initial_states": [str(link.state_id) for link in links if link.initial],
            "transitions": [
                f"{a}:{b}"
                for a, b in ticket_type.transitions.values_list("from_state_id", "to_state_id")
            ],
        }

    def render_matrix(self, ticket_type, form, values: dict):
        """``values``: the ticked boxes (as stored, or as posted when the form is shown again)."""
        allowed_keys = set(values["states"])
        initial_keys = set(values["initial_states"])
        transition_keys = set(values["transitions"])
        candidates = form.candidates.values()
        allowed = [state for state in candidates if str(state.pk) in allowed_keys]
        state_rows = [
            (state, str(state.pk) in allowed_keys, str(state.pk) in initial_keys)
            for state in candidates
        ]
        grid = [
            (
                source,
                [
                    (
                        target,
                        f"{source.pk}:{target.pk}",
                        f"{source.pk}:{target.pk}" in transition_keys,
                    )
                    for target in allowed
                ],
            )
            for source in allowed
        ]
        apply_bootstrap(form)
        context = self.base_context(ticket_type) | {
            "form": form,
            "state_rows": state_rows,
            "allowed_states": allowed,
            "grid": grid,
        }
        return render(self.request, self.template_name, context)

    def get(self, request, pk):
        ticket_type = get_object_or_404(self.get_queryset(), pk=pk)
        form = WorkflowForm(candidates=self.candidates(ticket_type))
        return self.render_matrix(ticket_type, form, self.initial(ticket_type))

    def post(self, request, pk):
        ticket_type = get_object_or_404(self.get_queryset(), pk=pk)
        form = WorkflowForm(request.POST, candidates=self.candidates(ticket_type))
        posted = {
            name: request.POST.getlist(name) for name in ("states", "initial_states", "transitions")
        }
        if form.is_valid():
            try:
                services.set_type_workflow(ticket_type, actor=request.user, **form.workflow())
            except ValidationError as error:
                add_validation_error(form, error)
            else:
                messages.success(
                    request,
                    _("The workflow of “%(type)s” was saved.") % {"type": ticket_type},
                )
                return redirect(self.object_url("detail", ticket_type))
        return self.render_matrix(ticket_type, form, posted)


# System addresses -------------------------------------------------------------------------------


class SystemAddressViewMixin(TicketSettingsMixin):
    model = SystemAddress
    url_base = "tickets_admin:system_address"


class SystemAddressListView(SystemAddressViewMixin, TicketSettingsListView):
    queryset = SystemAddress.objects.all()
    filterset_class = SystemAddressFilterSet
    table_class = SystemAddressTable
    export_filename = "system_addresses.csv"


class SystemAddressDetailView(SystemAddressViewMixin, ObjectDetailView):
    queryset = SystemAddress.objects.select_related("created_by", "changed_by")
    detail_fields = ("email", "display_name", "comment", "valid", "created_at", "changed_at")
    extra_template = "tickets/admin/queues_using.html"

    def get_extra_context(self, obj):
        return {"queues_using": obj.queues.order_by("full_name")}


class SystemAddressEditView(SystemAddressViewMixin, ObjectEditView):
    form_class = SystemAddressForm

    def save_object(self, form, actor):
        if self.object is None:
            return services.create_system_address(actor=actor, **form.service_fields())
        return services.update_system_address(self.object, actor=actor, **form.service_fields())


class SystemAddressInvalidateView(SystemAddressViewMixin, ObjectInvalidateView):
    def invalidate_object(self, obj, actor):
        return services.invalidate_system_address(obj, actor=actor)


# Salutations and signatures ---------------------------------------------------------------------


class Preformatted(str):
    """A text shown with its line breaks (templates use ``__html__``)."""

    def __html__(self):
        return format_html('<div style="white-space: pre-wrap">{}</div>', str(self))


class PreformattedDetailView(ObjectDetailView):
    """Detail rows whose long texts (``preformatted_fields``) keep their line breaks."""

    preformatted_fields: tuple[str, ...] = ("text",)

    def get_detail_fields(self, obj):
        rows = []
        for name in self.detail_fields:
            value = field_value(obj, name)
            if name in self.preformatted_fields and value != "—":
                value = Preformatted(value)
            rows.append((capfirst(obj._meta.get_field(name).verbose_name), value))
        return rows


class PlaceholderTextDetailView(PreformattedDetailView):
    detail_fields = ("name", "text", "comment", "valid", "created_at", "changed_at")
    extra_template = "tickets/admin/queues_using.html"

    def get_extra_context(self, obj):
        return {"queues_using": obj.queues.order_by("full_name"), "placeholders": PLACEHOLDERS}


class AuditedEditView(ObjectEditView):
    """Create and update through the generic audited services of ``core``."""

    def save_object(self, form, actor):
        if self.object is None:
            return create_object(self.get_model(), actor=actor, **form.service_fields())
        return update_object(self.object, actor=actor, **form.service_fields())


class AuditedInvalidateView(ObjectInvalidateView):
    def invalidate_object(self, obj, actor):
        return invalidate_object(obj, "valid", actor=actor)


class SalutationViewMixin(TicketSettingsMixin):
    model = Salutation
    url_base = "tickets_admin:salutation"


class SalutationListView(SalutationViewMixin, TicketSettingsListView):
    queryset = Salutation.objects.all()
    filterset_class = SalutationFilterSet
    table_class = SalutationTable
    export_filename = "salutations.csv"


class SalutationDetailView(SalutationViewMixin, PlaceholderTextDetailView):
    queryset = Salutation.objects.all()


class SalutationEditView(SalutationViewMixin, AuditedEditView):
    form_class = SalutationForm


class SalutationInvalidateView(SalutationViewMixin, AuditedInvalidateView):
    pass


class SignatureViewMixin(TicketSettingsMixin):
    model = Signature
    url_base = "tickets_admin:signature"


class SignatureListView(SignatureViewMixin, TicketSettingsListView):
    queryset = Signature.objects.all()
    filterset_class = SignatureFilterSet
    table_class = SignatureTable
    export_filename = "signatures.csv"


class SignatureDetailView(SignatureViewMixin, PlaceholderTextDetailView):
    queryset = Signature.objects.all()


class SignatureEditView(SignatureViewMixin, AuditedEditView):
    form_class = SignatureForm


class SignatureInvalidateView(SignatureViewMixin, AuditedInvalidateView):
    pass


# Templates (standard answers) ---------------------------------------------------------------------


class StandardTemplateViewMixin(TicketSettingsMixin):
    model = StandardTemplate
    url_base = "tickets_admin:template"


class StandardTemplateListView(StandardTemplateViewMixin, TicketSettingsListView):
    queryset = StandardTemplate.objects.select_related("next_state").prefetch_related(
        Prefetch("queues", queryset=Queue.objects.order_by("full_name"))
    )
    filterset_class = StandardTemplateFilterSet
    table_class = StandardTemplateTable
    export_filename = "templates.csv"


class StandardTemplateDetailView(StandardTemplateViewMixin, PreformattedDetailView):
    queryset = StandardTemplate.objects.select_related("next_state").prefetch_related(
        Prefetch("queues", queryset=Queue.objects.order_by("full_name"))
    )
    detail_fields = (
        "name",
        "template_type",
        "subject",
        "text",
        "next_state",
        "queues",
        "comment",
        "valid",
        "created_at",
        "changed_at",
    )

    def get_detail_fields(self, obj):
        queues_label = capfirst(obj._meta.get_field("queues").verbose_name)
        return [
            (label, _("every contact person (queue)"))
            if label == queues_label and value == "—"
            else (label, value)
            for label, value in super().get_detail_fields(obj)
        ]


class StandardTemplateEditView(StandardTemplateViewMixin, ObjectEditView):
    form_class = StandardTemplateForm

    def save_object(self, form, actor):
        fields = form.service_fields()
        if self.object is None:
            return services.create_template(actor=actor, **fields)
        return services.update_template(self.object, actor=actor, **fields)


class StandardTemplateInvalidateView(StandardTemplateViewMixin, AuditedInvalidateView):
    pass
