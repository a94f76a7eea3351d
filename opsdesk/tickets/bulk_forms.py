"""The bulk action form (OTOBO AgentTicketBulk): what to change on every selected ticket."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from opsdesk.accounts.models import Agent
from opsdesk.core.forms import BootstrapFormMixin

from . import selectors
from .action_forms import agent_label, pending_until_field
from .choices import StateType
from .merge_forms import visible_ticket_by_number
from .models import Priority, TicketState, TicketType
from .permissions import TicketAction
from .services import BulkChanges, BulkLock, BulkMerge


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return agent_label(obj)


class BulkForm(BootstrapFormMixin, forms.Form):
    """Every field is optional: an empty one leaves that attribute alone. The services check each
    change's permission per ticket; the form checks what does not depend on the ticket."""

    state = forms.ModelChoiceField(label=gettext_lazy("State"), queryset=None, required=False)
    pending_until = pending_until_field()
    queue = forms.ModelChoiceField(
        label=gettext_lazy("Move to contact person"), queryset=None, required=False
    )
    owner = AgentChoiceField(label=gettext_lazy("Owner"), queryset=None, required=False)
    responsible = AgentChoiceField(label=gettext_lazy("Responsible"), queryset=None, required=False)
    priority = forms.ModelChoiceField(label=gettext_lazy("Priority"), queryset=None, required=False)
    ticket_type = forms.ModelChoiceField(label=gettext_lazy("Type"), queryset=None, required=False)
    lock = forms.ChoiceField(
        label=gettext_lazy("Lock"),
        required=False,
        choices=(
            (BulkLock.KEEP, gettext_lazy("leave as it is")),
            (BulkLock.LOCK, gettext_lazy("lock to me")),
            (BulkLock.UNLOCK, gettext_lazy("unlock")),
        ),
        initial=BulkLock.KEEP,
        widget=forms.RadioSelect,
    )
    note_subject = forms.CharField(
        label=gettext_lazy("Note subject"), max_length=250, required=False
    )
    note_body = forms.CharField(
        label=gettext_lazy("Note text"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    note_visible_for_customer = forms.BooleanField(
        label=gettext_lazy("The note is visible for the customer"), required=False
    )
    merge = forms.ChoiceField(
        label=pgettext_lazy("bulk action", "Merge"),
        required=False,
        choices=(
            (BulkMerge.NONE, gettext_lazy("do not merge")),
            (BulkMerge.INTO_TICKET, gettext_lazy("merge into the ticket numbered below")),
            (BulkMerge.INTO_OLDEST, gettext_lazy("merge into the oldest selected ticket")),
        ),
        initial=BulkMerge.NONE,
        widget=forms.RadioSelect,
    )
    merge_into = forms.CharField(
        label=gettext_lazy("Merge into ticket number"), max_length=60, required=False
    )
    link_parent = forms.CharField(
        label=gettext_lazy("Link to a parent ticket (number)"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("Each selected ticket becomes a child of this ticket."),
    )
    link_together = forms.BooleanField(
        label=gettext_lazy("Link the selected tickets together (Normal)"), required=False
    )
    unlock_after = forms.BooleanField(
        label=gettext_lazy("Unlock the tickets after the action"), required=False
    )

    def __init__(self, *args, agent: Agent, **kwargs):
        self.agent = agent
        super().__init__(*args, **kwargs)
        self.fields["state"].queryset = TicketState.objects.filter(valid=True).exclude(
            state_type=StateType.MERGED
        )
        self.fields["queue"].queryset = selectors.queues_for(agent, TicketAction.MOVE)
        agents = Agent.objects.filter(is_active=True).order_by("last_name", "first_name", "login")
        self.fields["owner"].queryset = agents
        self.fields["responsible"].queryset = agents
        self.fields["priority"].queryset = Priority.objects.filter(valid=True)
        self.fields["ticket_type"].queryset = TicketType.objects.filter(valid=True)

    def _ticket_by_number(self, name: str):
        text = self.cleaned_data.get(name, "").strip()
        if not text:
            return None
        ticket = visible_ticket_by_number(self.agent, text)
        if ticket is None:
            self.add_error(name, _("There is no ticket with this number that you may see."))
        return ticket

    def clean(self):
        data = super().clean()
        state = data.get("state")
        if state is not None and state.is_pending and not data.get("pending_until"):
            self.add_error(
                "pending_until",
                _("The state “%s” needs a pending time.") % state.display_label,
            )
        if data.get("note_subject", "").strip() and not data.get("note_body", "").strip():
            self.add_error("note_body", _("Write a text for the note."))
        data["merge_into_ticket"] = None
        if not data.get("merge") and data.get("merge_into", "").strip():
            data["merge"] = BulkMerge.INTO_TICKET  # a number typed, the choice forgotten
        if data.get("merge") == BulkMerge.INTO_TICKET:
            if not data.get("merge_into", "").strip():
                self.add_error("merge_into", _("Enter the number of the ticket to merge into."))
            else:
                data["merge_into_ticket"] = self._ticket_by_number("merge_into")
        data["link_parent_ticket"] = self._ticket_by_number("link_parent")
        if not self.errors and self.changes().is_empty():
            raise ValidationError(_("Choose at least one change."))
        return data

    def changes(self) -> BulkChanges:
        data = self.cleaned_data
        return BulkChanges(
            state=data.get("state"),
            pending_until=data.get("pending_until"),
            queue=data.get("queue"),
            owner=data.get("owner"),
            responsible=data.get("responsible"),
            priority=data.get("priority"),
            ticket_type=data.get("ticket_type"),
            lock=data.get("lock") or BulkLock.KEEP,
            note_subject=data.get("note_subject", ""),
            note_body=data.get("note_body", ""),
            note_visible_for_customer=bool(data.get("note_visible_for_customer")),
            merge=data.get("merge") or BulkMerge.NONE,
            merge_into=data.get("merge_into_ticket"),
            link_parent=data.get("link_parent_ticket"),
            link_together=bool(data.get("link_together")),
            unlock_after=bool(data.get("unlock_after")),
        )
