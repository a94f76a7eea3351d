"""Forms of the ticket zoom's actions (note, phone call, reply, forward, close, move...).

Each form parses what the agent entered; the view hands it to a service, which keeps the rules
(permissions, the type's workflow, attachment sizes). Fields whose choices depend on the ticket
(next states, owner candidates, queues) are set up from ``ticket`` and ``agent``. State fields
offer the workflow's next states but accept any valid state, so that a stale page (another agent
changed the state meanwhile) gets the service's own explanation rather than "invalid choice".
"""

from email.headerregistry import Address

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from opsdesk.accounts.models import Agent
from opsdesk.core.dynamic_fields import FORM_PREFIX, DynamicFieldsFormMixin, to_storage
from opsdesk.customers.models import CustomerCompany, CustomerUser
from opsdesk.customers.selectors import companies_of_user

from . import outbound, selectors
from .choices import CLOSED_STATE_TYPES, DynamicFieldScreen, StateType
from .forms import MultipleFileField, NewStateField, customer_user_by_text
from .models import Article, Priority, Queue, StandardTemplate, Ticket, TicketState, TicketType
from .permissions import TicketAction, can
from .services import AttachmentUpload

DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def agent_label(agent: Agent) -> str:
    return f"{agent.full_name} ({agent.login})"


def formatted_address(name: str, email: str) -> str:
    """``Name <email>`` quoted as mail headers need it (names may hold commas or Japanese)."""
    if not name:
        return email
    try:
        return str(Address(display_name=name, addr_spec=email))
    except (ValueError, IndexError):  # an address the header classes cannot parse
        return email


def customer_recipient(ticket: Ticket) -> str:
    """The ticket's customer as a recipient (empty when the ticket has no customer address)."""
    if ticket.customer_user_id:
        user = ticket.customer_user
        return formatted_address(user.full_name, user.email)
    return ticket.customer_address


class ActionForm(forms.Form):
    """A zoom action's form: knows its ticket and the acting agent (styled for Bootstrap by the
    view, once the choices that depend on the ticket are set)."""

    def __init__(self, *args, ticket: Ticket, agent: Agent, **kwargs):
        self.ticket = ticket
        self.agent = agent
        super().__init__(*args, **kwargs)

    def drop(self, *names: str) -> None:
        for name in names:
            self.fields.pop(name, None)


# Field groups ------------------------------------------------------------------------------------


def subject_field(required: bool = False) -> forms.CharField:
    return forms.CharField(label=gettext_lazy("Subject"), max_length=250, required=required)


def body_field(rows: int = 10) -> forms.CharField:
    # Not required here: the service says "Write a text." unless files are attached.
    return forms.CharField(
        label=gettext_lazy("Text"), required=False, widget=forms.Textarea(attrs={"rows": rows})
    )


def time_units_field(required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=gettext_lazy("Time units"),
        required=required,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        help_text=gettext_lazy("Working time spent, in your organisation's units."),
    )


def pending_until_field() -> forms.DateTimeField:
    return forms.DateTimeField(
        label=gettext_lazy("Pending until"),
        required=False,
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("For pending states: when the ticket needs attention again."),
    )


class AttachmentsMixin:
    """A multi-file ``attachments`` field whose files are refused over the size limit before they
    are read (the service checks again)."""

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        limit = settings.OPSDESK_ATTACHMENT_MAX_SIZE
        too_big = [upload for upload in files if upload.size > limit]
        if too_big:
            raise ValidationError(
                [
                    _("“%(name)s” is %(size)s; files may be at most %(limit)s.")
                    % {
                        "name": upload.name,
                        "size": filesizeformat(upload.size),
                        "limit": filesizeformat(limit),
                    }
                    for upload in too_big
                ]
            )
        return files

    def attachment_uploads(self) -> list[AttachmentUpload]:
        return [
            AttachmentUpload.from_uploaded_file(upload)
            for upload in self.cleaned_data.get("attachments") or []
        ]


class NextStateMixin:
    """A ``next_state`` field offering the workflow's next states (empty: keep the state) and a
    ``pending_until`` field. Without the state permission both are dropped."""

    def setup_next_state(self, states=None):
        if not can(self.agent, TicketAction.STATE, self.ticket):
            self.drop("next_state", "pending_until")
            return
        field = self.fields["next_state"]
        if states is None:
            states = selectors.next_states(self.ticket)
        field.queryset = states.order_by("id")
        field.empty_label = _("— keep “%(state)s” —") % {"state": self.ticket.state.display_label}

    def state_arguments(self) -> dict:
        """``next_state`` and ``pending_until`` keyword arguments for the article services."""
        state = self.cleaned_data.get("next_state")
        if state is None:
            return {}
        return {"next_state": state, "pending_until": self.cleaned_data.get("pending_until")}


def next_state_field(label=None) -> NewStateField:
    return NewStateField(
        label=label or gettext_lazy("Next state"),
        queryset=TicketState.objects.none(),
        required=False,
    )


class TemplateMixin:
    """A ``template`` chooser of standard templates of one type for the ticket's queue; choosing
    one refreshes the text (htmx, see the view)."""

    template_type = ""

    def setup_template(self):
        templates = selectors.templates_for(self.ticket.queue, self.template_type).order_by("name")
        if not templates.exists():
            self.drop("template")
            return
        self.fields["template"].queryset = templates


def template_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=gettext_lazy("Template"),
        queryset=StandardTemplate.objects.none(),
        required=False,
        help_text=gettext_lazy("Choosing a template replaces the text."),
    )


class OptionalNoteMixin:
    """An optional note (subject and text) added with the change, for agents who may add notes."""

    def setup_note(self):
        if not can(self.agent, TicketAction.NOTE, self.ticket):
            self.drop("note_subject", "note_body")

    def note_arguments(self) -> dict | None:
        body = (self.cleaned_data.get("note_body") or "").strip()
        if not body:
            return None
        return {"subject": self.cleaned_data.get("note_subject") or "", "body": body}


def note_fields():
    return (
        forms.CharField(label=gettext_lazy("Note subject"), max_length=250, required=False),
        forms.CharField(
            label=gettext_lazy("Note"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 4}),
            help_text=gettext_lazy("Optional: an internal note recorded with the change."),
        ),
    )


# People ----------------------------------------------------------------------------------------


class OwnerForm(OptionalNoteMixin, ActionForm):
    owner = forms.ModelChoiceField(
        label=gettext_lazy("New owner"),
        queryset=Agent.objects.none(),
        required=False,
        empty_label=gettext_lazy("— nobody —"),
    )
    note_subject, note_body = note_fields()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        field.queryset = selectors.owner_candidates(self.ticket.queue)
        field.label_from_instance = agent_label
        self.initial.setdefault("owner", self.ticket.owner_id)
        self.setup_note()


class ResponsibleForm(OptionalNoteMixin, ActionForm):
    responsible = forms.ModelChoiceField(
        label=gettext_lazy("New responsible agent"),
        queryset=Agent.objects.none(),
        required=False,
        empty_label=gettext_lazy("— nobody —"),
    )
    note_subject, note_body = note_fields()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["responsible"]
        field.queryset = selectors.responsible_candidates(self.ticket.queue)
        field.label_from_instance = agent_label
        self.initial.setdefault("responsible", self.ticket.responsible_id)
        self.setup_note()


# Articles --------------------------------------------------------------------------------------


class NoteForm(TemplateMixin, AttachmentsMixin, NextStateMixin, ActionForm):
    template_type = "note"

    template = template_field()
    subject = subject_field()
    body = body_field()
    is_visible_for_customer = forms.BooleanField(
        label=gettext_lazy("Visible for the customer"),
        required=False,
        help_text=gettext_lazy("Off: an internal note that only agents see."),
    )
    attachments = MultipleFileField(label=gettext_lazy("Attachments"), required=False)
    time_units = time_units_field()
    next_state = next_state_field()
    pending_until = pending_until_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_template()
        self.setup_next_state()

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "subject": data.get("subject") or "",
            "body": data.get("body") or "",
            "is_visible_for_customer": bool(data.get("is_visible_for_customer")),
            "attachments": self.attachment_uploads(),
            "time_units": data.get("time_units") or 0,
            **self.state_arguments(),
        }


class PhoneForm(AttachmentsMixin, NextStateMixin, ActionForm):
    direction = forms.ChoiceField(
        label=gettext_lazy("Call"),
        choices=(
            ("inbound", gettext_lazy("The customer called (inbound)")),
            ("outbound", gettext_lazy("I called the customer (outbound)")),
        ),
        widget=forms.RadioSelect,
        initial="inbound",
    )
    subject = subject_field()
    body = body_field()
    attachments = MultipleFileField(label=gettext_lazy("Attachments"), required=False)
    time_units = time_units_field()
    next_state = next_state_field()
    pending_until = pending_until_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_next_state()

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "inbound": data["direction"] == "inbound",
            "subject": data.get("subject") or "",
            "body": data.get("body") or "",
            "attachments": self.attachment_uploads(),
            "time_units": data.get("time_units") or 0,
            **self.state_arguments(),
        }


class EmailForm(TemplateMixin, AttachmentsMixin, NextStateMixin, ActionForm):
    """A mail from the ticket's queue: a new mail to the customer, a reply or a forward."""

    template_type = "email"

    to = forms.CharField(label=gettext_lazy("To"), max_length=2000)
    cc = forms.CharField(label=gettext_lazy("Cc"), max_length=2000, required=False)
    bcc = forms.CharField(label=gettext_lazy("Bcc"), max_length=2000, required=False)
    subject = subject_field(required=True)
    template = template_field()
    body = body_field(rows=16)
    attachments = MultipleFileField(label=gettext_lazy("Attachments"), required=False)
    time_units = time_units_field()
    next_state = next_state_field()
    pending_until = pending_until_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_template()
        self.setup_next_state()

    def clean_to(self):
        return self._addresses("to")

    def clean_cc(self):
        return self._addresses("cc")

    def clean_bcc(self):
        return self._addresses("bcc")

    def _addresses(self, name: str) -> str:
        """Each address must be valid; returned as one ``A <a@x>, b@y`` line."""
        text = self.cleaned_data.get(name) or ""
        parts = outbound.split_addresses(text)
        wrong = []
        for address in outbound.address_only(text):
            try:
                validate_email(address)
            except ValidationError:
                wrong.append(address)
        if wrong or (text.strip() and not parts):
            raise ValidationError(
                _("Not a valid email address: %(addresses)s")
                % {"addresses": ", ".join(wrong) or text.strip()}
            )
        return ", ".join(parts)

    def extra_attachments(self) -> list[AttachmentUpload]:
        return []

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "to": data["to"],
            "cc": data.get("cc") or "",
            "bcc": data.get("bcc") or "",
            "subject": data["subject"],
            "body": data.get("body") or "",
            "attachments": [*self.extra_attachments(), *self.attachment_uploads()],
            "time_units": data.get("time_units") or 0,
            **self.state_arguments(),
        }


class ReplyForm(EmailForm):
    template_type = "answer"


class ForwardForm(EmailForm):
    """A forward: the replied article's files are offered to be sent along."""

    template_type = "forward"

    forward_attachments = forms.MultipleChoiceField(
        label=gettext_lazy("Attachments of the forwarded article"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    field_order = ("to", "cc", "bcc", "subject", "template", "body", "forward_attachments")

    def __init__(self, *args, article: Article, **kwargs):
        self.article = article
        super().__init__(*args, **kwargs)
        self.article_attachments = {str(item.pk): item for item in article.attachments.all()}
        if self.article_attachments:
            self.fields["forward_attachments"].choices = [
                (pk, f"{item.filename} ({filesizeformat(item.size)})")
                for pk, item in self.article_attachments.items()
            ]
            self.initial.setdefault("forward_attachments", list(self.article_attachments))
        else:
            self.drop("forward_attachments")

    def extra_attachments(self) -> list[AttachmentUpload]:
        uploads = []
        for pk in self.cleaned_data.get("forward_attachments") or []:
            item = self.article_attachments[pk]
            with item.file.open("rb") as stored:
                content = stored.read()
            uploads.append(
                AttachmentUpload(
                    filename=item.filename,
                    content=content,
                    content_type=item.content_type,
                    content_id=item.content_id,
                    inline=item.inline,
                )
            )
        return uploads


# States ----------------------------------------------------------------------------------------


class StateForm(OptionalNoteMixin, ActionForm):
    """Any next state the workflow allows, with a pending time for pending states."""

    state_types: tuple[str, ...] | None = None  # limit the offered states to these types
    include_current_pending = False
    wrong_type_message = ""

    state = next_state_field(label=gettext_lazy("Next state"))
    pending_until = pending_until_field()
    note_subject, note_body = note_fields()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].required = True
        self.fields["state"].empty_label = None
        self.fields["state"].queryset = self.offered_states()
        self.setup_note()

    def offered_states(self):
        states = selectors.next_states(self.ticket)
        if self.state_types is not None:
            states = states.filter(state_type__in=self.state_types)
        if self.include_current_pending and self.ticket.state.is_pending:
            states = (states | TicketState.objects.filter(pk=self.ticket.state_id)).distinct()
        return states.order_by("id")

    def clean_state(self):
        state = self.cleaned_data.get("state")
        types = self.state_types
        if state is not None and types is not None and state.state_type not in types:
            raise ValidationError(self.wrong_type_message)
        return state


class CloseForm(DynamicFieldsFormMixin, StateForm):
    """A closed state, a closing note, time units and the dynamic fields of the Close screen."""

    state_types = tuple(t for t in CLOSED_STATE_TYPES if t != StateType.MERGED)
    wrong_type_message = gettext_lazy("Choose one of the closed states.")
    dynamic_object_type = "ticket"
    dynamic_screen = DynamicFieldScreen.CLOSE

    state = next_state_field(label=gettext_lazy("Closed state"))
    pending_until = None
    note_subject, note_body = note_fields()
    time_units = time_units_field()

    def __init__(self, *args, ticket: Ticket, **kwargs):
        self.instance = ticket  # the stored dynamic field values are the form's initial ones
        super().__init__(*args, ticket=ticket, **kwargs)
        self.fields["note_body"].help_text = _("Why the ticket is closed (an internal note).")

    def changed_values(self) -> dict:
        """The Close screen's dynamic fields whose value the agent changed (``None`` clears)."""
        stored = self.ticket.extra or {}
        return {
            name: value
            for name, value in dynamic_field_values(self).items()
            if stored.get(name) != value
        }


class PendingForm(StateForm):
    state_types = (StateType.PENDING_REMINDER,)
    include_current_pending = True
    wrong_type_message = gettext_lazy("Choose one of the pending states.")

    state = next_state_field(label=gettext_lazy("Pending state"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pending_until"].required = True
        if self.ticket.state.is_pending:
            self.initial.setdefault("state", self.ticket.state_id)
            self.initial.setdefault("pending_until", self.ticket.pending_until)


# Attributes ------------------------------------------------------------------------------------


class PriorityForm(OptionalNoteMixin, ActionForm):
    priority = forms.ModelChoiceField(
        label=gettext_lazy("Priority"), queryset=Priority.objects.none(), empty_label=None
    )
    note_subject, note_body = note_fields()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority"].queryset = Priority.objects.filter(valid=True).order_by("level")
        self.initial.setdefault("priority", self.ticket.priority_id)
        self.setup_note()


class MoveForm(OptionalNoteMixin, ActionForm):
    queue = forms.ModelChoiceField(
        label=gettext_lazy("New contact person"), queryset=Queue.objects.none()
    )
    note_subject, note_body = note_fields()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["queue"]
        field.queryset = (
            selectors.queues_for(self.agent, TicketAction.MOVE)
            .exclude(pk=self.ticket.queue_id)
            .order_by("full_name")
        )
        field.label_from_instance = lambda queue: queue.full_name
        self.setup_note()


class CustomerForm(ActionForm):
    """A customer user chosen in the search as you type of the new ticket screens (its choice
    block posts ``customer_user`` and ``customer_company``, one of the user's companies), or a
    login or email address typed in, or a bare email address."""

    customer = forms.CharField(
        label=gettext_lazy("Customer user"),
        max_length=500,
        required=False,
        help_text=gettext_lazy(
            "Type a name, login, email or company and choose the customer user, or enter an "
            "email address."
        ),
    )
    customer_user = forms.ModelChoiceField(
        queryset=CustomerUser.objects.valid(), required=False, widget=forms.HiddenInput
    )
    customer_company = forms.ModelChoiceField(
        queryset=CustomerCompany.objects.all(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ticket = self.ticket
        if not ticket.customer_user_id:
            self.initial.setdefault("customer", ticket.customer_address)
        self.fields["customer"].widget.attrs.update(
            {
                "autocomplete": "off",
                "spellcheck": "false",
                "type": "search",
                "hx-get": reverse("tickets:customer_search"),
                "hx-trigger": "input changed delay:300ms, search",
                "hx-target": "#customer-results",
                "hx-sync": "this:replace",
            }
        )

    def customer_choice(self) -> dict | None:
        """The chosen customer user's block: the posted choice, else the ticket's user."""
        user, company_id = self.ticket.customer_user, self.ticket.customer_company_id
        if self.is_bound:
            value = self.data.get(self.add_prefix("customer_user"))
            user = (
                CustomerUser.objects.valid().filter(pk=value).first()
                if value and str(value).isdigit()
                else None
            )
            company_id = self.data.get(self.add_prefix("customer_company"))
            company_id = int(company_id) if company_id and str(company_id).isdigit() else None
        if user is None:
            return None
        return {
            "customer_user": user,
            "companies": companies_of_user(user),
            "selected_company_id": company_id,
        }

    def clean(self):
        data = super().clean()
        text = (data.get("customer") or "").strip()
        user = data.get("customer_user")
        if user is not None and text and user.pk == self.ticket.customer_user_id:
            # The ticket's user was left chosen, but the agent typed someone else.
            user = None
        if user is None and text:
            user = customer_user_by_text(text)
            data["customer_company"] = None
        data["customer_user"] = user
        data["customer_address"] = ""
        if user is not None:
            return data
        data["customer_company"] = None
        addresses = outbound.address_only(text)
        valid = len(addresses) == 1
        if valid:
            try:
                validate_email(addresses[0])
            except ValidationError:
                valid = False
        if not valid:
            self.add_error("customer", _("Choose a customer user or enter one email address."))
        else:
            data["customer_address"] = addresses[0]
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "customer_user": data["customer_user"],
            "customer_company": data.get("customer_company"),
            "customer_address": data["customer_address"],
        }


class AttributesForm(ActionForm):
    """Title and type; only types whose workflow contains the ticket's current state."""

    title = forms.CharField(label=pgettext_lazy("ticket", "Title"), max_length=255)
    ticket_type = forms.ModelChoiceField(
        label=gettext_lazy("Type"), queryset=TicketType.objects.none(), empty_label=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("title", self.ticket.title)
        self.initial.setdefault("ticket_type", self.ticket.ticket_type_id)
        types = TicketType.objects.filter(valid=True, states=self.ticket.state).distinct()
        self.fields["ticket_type"].queryset = types.order_by("name")


def dynamic_field_values(form) -> dict:
    """Stored values by field name (``None`` clears) of a form's dynamic fields."""
    return {
        definition.name: to_storage(
            definition, form.cleaned_data.get(FORM_PREFIX + definition.name)
        )
        for definition in form.dynamic_definitions
    }


class DynamicFieldsForm(DynamicFieldsFormMixin, forms.Form):
    dynamic_object_type = "ticket"
    dynamic_screen = DynamicFieldScreen.EDIT

    def __init__(self, *args, ticket: Ticket, agent: Agent, **kwargs):
        self.ticket = self.instance = ticket
        self.agent = agent
        super().__init__(*args, **kwargs)

    def changed_values(self) -> dict:
        """Stored values by field name (``None`` clears) of the fields on the form."""
        return dynamic_field_values(self)


class TimeForm(ActionForm):
    time_units = time_units_field(required=True)
