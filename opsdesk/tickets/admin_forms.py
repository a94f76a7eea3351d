"""Forms of the ticket settings under Admin: contact persons (queues), states, priorities, ticket
types and their workflow matrix, system addresses, salutations, signatures and templates.

The forms parse input; the rules that involve other rows (full names, defaults, workflows, what is
in use) live in ``admin_services``.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from opsdesk.accounts.models import Group

from .admin_services import queue_descendants
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
)

# What salutations and signatures may contain; filled in when an answer is composed
# (``outbound.placeholders``).
PLACEHOLDERS = (
    ("customer_name", _("the customer user's name (or the customer's address)")),
    ("agent_name", _("the name of the agent who answers")),
    ("ticket_number", _("the ticket number")),
    ("title", _("the ticket's title")),
    ("queue", _("the ticket's contact person (queue), as its full name")),
)
PLACEHOLDER_PATTERN = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholder_help():
    listed = "; ".join(f"{{{name}}}: {description}" for name, description in PLACEHOLDERS)
    return format_lazy("{} {}", _("Placeholders filled in when an answer is written:"), listed)


def check_placeholders(text: str) -> None:
    known = {name for name, _description in PLACEHOLDERS}
    used = set(PLACEHOLDER_PATTERN.findall(text or ""))
    unknown = sorted(used - known)
    if unknown:
        raise ValidationError(
            _("Unknown placeholder: %(unknown)s. Available: %(known)s.")
            % {
                "unknown": ", ".join(f"{{{name}}}" for name in unknown),
                "known": ", ".join(f"{{{name}}}" for name, _description in PLACEHOLDERS),
            }
        )


def valid_or_current(queryset, current_pk):
    """Valid rows, plus the one already chosen (so that an edit keeps it)."""
    condition = Q(valid=True)
    if current_pk is not None:
        condition |= Q(pk=current_pk)
    return queryset.filter(condition)


class ServiceFieldsMixin:
    """The cleaned values that an admin service takes as keyword arguments; fields fixed after
    creation are left out when editing."""

    fixed_after_creation: tuple[str, ...] = ()

    def service_fields(self) -> dict:
        fields = dict(self.cleaned_data)
        if self.instance.pk is not None:
            for name in self.fixed_after_creation:
                fields.pop(name, None)
        return fields

    def fix_after_creation(self):
        if self.instance.pk is None:
            return
        for name in self.fixed_after_creation:
            # A disabled field keeps the stored value whatever is posted.
            self.fields[name].disabled = True
            self.fields[name].help_text = _("Cannot be changed after creation.")


class DefaultFlagFormMixin:
    """The one-default constraint is the service's business: it moves the flag from the old
    default to the new one in the same transaction."""

    def _get_validation_exclusions(self):
        return super()._get_validation_exclusions() | {"is_default"}


# Contact persons (queues) -----------------------------------------------------------------------


class QueueForm(ServiceFieldsMixin, forms.ModelForm):
    class Meta:
        model = Queue
        fields = (
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
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        parents = valid_or_current(Queue.objects.all(), instance.parent_id)
        if instance.pk is not None:
            # Not itself, nor one of its sub-queues (the service refuses these too).
            below = [queue.pk for queue in queue_descendants(instance)]
            parents = parents.exclude(pk__in=[instance.pk, *below])
        self.fields["parent"].queryset = parents.order_by("full_name")
        self.fields["parent"].help_text = _(
            "Empty: a top-level contact person. The full name is Parent::Name."
        )
        self.fields["name"].help_text = _("Without “::”; choose the parent under “sub-queue of”.")
        self.fields["group"].queryset = valid_or_current(
            Group.objects.all(), instance.group_id
        ).order_by("name")
        self.fields["group"].help_text = _(
            "Agents' permissions on this group decide who sees and works its tickets."
        )
        self.fields["system_address"].queryset = valid_or_current(
            SystemAddress.objects.all(), instance.system_address_id
        )
        self.fields["salutation"].queryset = valid_or_current(
            Salutation.objects.all(), instance.salutation_id
        )
        self.fields["signature"].queryset = valid_or_current(
            Signature.objects.all(), instance.signature_id
        )


# States -----------------------------------------------------------------------------------------


class StateForm(ServiceFieldsMixin, forms.ModelForm):
    fixed_after_creation = ("name",)

    class Meta:
        model = TicketState
        fields = ("name", "label", "label_ja", "state_type", "state_group", "comment", "valid")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fix_after_creation()
        if self.instance.pk is None:
            self.fields["name"].help_text = _(
                "Used in the API and in definitions (lower case, digits and _); cannot be changed "
                "later."
            )
        # "merged" is the internal result of a merge; no other state may take that type.
        self.fields["state_type"].choices = [
            (value, label)
            for value, label in self.fields["state_type"].choices
            if value != StateType.MERGED
        ]
        self.fields["state_type"].help_text = _(
            "Drives behaviour: new, open and pending reminder tickets still need work; closed "
            "and removed ones are done. Pending reminder states need a pending time."
        )
        self.fields["state_group"].help_text = _(
            "The group the information centers and the dashboard count the state in."
        )


# Priorities -------------------------------------------------------------------------------------


class PriorityForm(DefaultFlagFormMixin, ServiceFieldsMixin, forms.ModelForm):
    fixed_after_creation = ("name",)

    class Meta:
        model = Priority
        fields = ("name", "level", "label", "label_ja", "color", "is_default", "valid")
        widgets = {"color": forms.TextInput(attrs={"type": "color", "class": "form-control-color"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fix_after_creation()
        self.fields["is_default"].help_text = _(
            "Making this priority the default takes the flag from the current default."
        )


# Ticket types -----------------------------------------------------------------------------------


class TicketTypeForm(DefaultFlagFormMixin, ServiceFieldsMixin, forms.ModelForm):
    fixed_after_creation = ("name",)

    class Meta:
        model = TicketType
        fields = (
            "name",
            "label",
            "label_ja",
            "default_state",
            "is_default",
            "restrict_transitions",
            "comment",
            "valid",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fix_after_creation()
        instance = self.instance
        states = TicketState.objects.exclude(state_type=StateType.MERGED)
        if instance.pk is None:
            self.fields["default_state"].queryset = states.filter(valid=True)
            self.fields["default_state"].help_text = _(
                "The new type's workflow starts with this state; add more states and "
                "transitions on its workflow page."
            )
        else:
            initial = instance.state_links.filter(initial=True).values("state")
            self.fields["default_state"].queryset = states.filter(
                Q(pk__in=initial, valid=True) | Q(pk=instance.default_state_id)
            )
            self.fields["default_state"].help_text = _(
                "One of the states the workflow allows for a new ticket."
            )
        self.fields["is_default"].help_text = _(
            "Making this type the default takes the flag from the current default."
        )


class WorkflowForm(forms.Form):
    """The workflow matrix: allowed states, those allowed for a new ticket, and transitions
    (``"<from pk>:<to pk>"``) between them."""

    states = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    initial_states = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    transitions = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {state.pk: state for state in candidates}
        keys = [(str(pk), str(state)) for pk, state in self.candidates.items()]
        self.fields["states"].choices = keys
        self.fields["initial_states"].choices = keys
        self.fields["transitions"].choices = [
            (f"{a}:{b}", f"{self.candidates[a]} → {self.candidates[b]}")
            for a in self.candidates
            for b in self.candidates
        ]

    def workflow(self) -> dict:
        """The keyword arguments of ``set_type_workflow``. Transitions of states that are no
        longer allowed are dropped: removing a state removes its transitions."""
        states = [self.candidates[int(pk)] for pk in self.cleaned_data["states"]]
        allowed = {state.pk for state in states}
        initial = [self.candidates[int(pk)] for pk in self.cleaned_data["initial_states"]]
        transitions = []
        for key in self.cleaned_data["transitions"]:
            a, b = (int(part) for part in key.split(":"))
            if a in allowed and b in allowed:
                transitions.append((self.candidates[a], self.candidates[b]))
        return {"states": states, "initial_states": initial, "transitions": transitions}


# System addresses, salutations, signatures ------------------------------------------------------


class SystemAddressForm(ServiceFieldsMixin, forms.ModelForm):
    class Meta:
        model = SystemAddress
        fields = ("email", "display_name", "comment", "valid")


class PlaceholderTextForm(ServiceFieldsMixin, forms.ModelForm):
    """Salutations and signatures: a text with placeholders."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].widget = forms.Textarea(attrs={"rows": 8})
        self.fields["text"].help_text = placeholder_help()

    def clean_text(self):
        text = self.cleaned_data["text"]
        check_placeholders(text)
        return text


class SalutationForm(PlaceholderTextForm):
    class Meta:
        model = Salutation
        fields = ("name", "text", "comment", "valid")


class SignatureForm(PlaceholderTextForm):
    class Meta:
        model = Signature
        fields = ("name", "text", "comment", "valid")


# Templates (standard answers) ---------------------------------------------------------------------


class StandardTemplateForm(ServiceFieldsMixin, forms.ModelForm):
    class Meta:
        model = StandardTemplate
        fields = (
            "name",
            "template_type",
            "subject",
            "text",
            "next_state",
            "queues",
            "comment",
            "valid",
        )
        widgets = {"text": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        self.fields["next_state"].queryset = valid_or_current(
            TicketState.objects.exclude(state_type=StateType.MERGED), instance.next_state_id
        )
        self.fields["next_state"].help_text = _(
            "Preselected as the ticket's next state when the template is used."
        )
        held = list(instance.queues.values_list("pk", flat=True)) if instance.pk else []
        self.fields["queues"].queryset = Queue.objects.filter(
            Q(valid=True) | Q(pk__in=held)
        ).order_by("full_name")
        self.fields["queues"].widget.attrs["size"] = 8
        self.fields["queues"].label = _("Contact persons (queues)")
