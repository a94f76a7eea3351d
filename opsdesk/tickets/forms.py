"""Forms of the agent's ticket screens: new phone ticket and new email ticket (manual 5.1).

The forms parse what the agent entered into the keyword arguments of ``services.create_ticket`` and
``services.create_email_ticket``; the services keep the rules (workflow, permissions, sizes).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opsdesk.accounts.models import Agent
from opsdesk.core import dynamic_fields
from opsdesk.core.dynamic_fields import FORM_PREFIX, DynamicFieldsFormMixin
from opsdesk.core.forms import apply_bootstrap
from opsdesk.customers.models import CustomerCompany, CustomerUser
from opsdesk.customers.selectors import companies_of_user

from . import outbound, selectors
from .choices import Channel, DynamicFieldScreen, SenderType, TemplateType
from .models import Priority, Queue, StandardTemplate, TicketState, TicketType
from .permissions import TicketAction
from .services import ArticleDraft, AttachmentUpload

# The customer search offers this many customer users at most; typing more narrows the list.
CUSTOMER_SEARCH_LIMIT = 15

# The fields whose values the htmx refreshes of a new-ticket form send along.
REFRESH_INCLUDE = (
    "[name=queue],[name=owner],[name=responsible],[name=ticket_type],[name=state],"
    "[name=pending_until],[name=template]"
)


def screen_display_rows(screen: str, extra: dict | None) -> list[tuple[str, str]]:
    """(label, value) of the ticket dynamic fields shown on ``screen``."""
    language = translation.get_language()
    extra = extra or {}
    return [
        (
            definition.label_for(language),
            dynamic_fields.display(definition, extra.get(definition.name)),
        )
        for definition in dynamic_fields.screen_definitions("ticket", screen)
    ]


def customer_users_matching(text: str):
    """Valid customer users whose login, name, email or company (ID or name) contains ``text``."""
    users = CustomerUser.objects.valid().select_related("company")
    for word in text.split():
        users = users.filter(
            Q(login__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(company__customer_id__icontains=word)
            | Q(company__name__icontains=word)
        )
    return users.order_by("last_name", "first_name", "login")


def customer_user_by_text(text: str) -> CustomerUser | None:
    """The valid customer user whose login or email is exactly ``text`` (any case), if any."""
    addresses = outbound.address_only(text)
    candidates = Q(login__iexact=text)
    if addresses:
        candidates |= Q(email__iexact=addresses[0])
    return CustomerUser.objects.valid().filter(candidates).select_related("company").first()


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list of uploaded files."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class NewStateField(forms.ModelChoiceField):
    """Offers the states a new ticket of the chosen type may start in, but accepts any valid
    state, so that the service says in its own words why another one is refused."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return TicketState.objects.get(pk=int(value), valid=True)
        except (TypeError, ValueError, TicketState.DoesNotExist) as error:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from error


def _agent_label(agent: Agent) -> str:
    return f"{agent.full_name} ({agent.login})"


class NewTicketForm(DynamicFieldsFormMixin, forms.Form):
    """What the new phone and new email ticket screens share.

    Styled for Bootstrap (``apply_bootstrap``) once its querysets are in place.
    """

    kind = ""  # "phone" or "email": the URL of the screen and of its htmx refreshes
    dynamic_object_type = "ticket"
    dynamic_screen = DynamicFieldScreen.CREATE

    customer = forms.CharField(label=_("Customer user"), required=False, max_length=500)
    customer_user = forms.ModelChoiceField(
        queryset=CustomerUser.objects.valid(), required=False, widget=forms.HiddenInput
    )
    customer_company = forms.ModelChoiceField(
        label=_("Customer"), queryset=CustomerCompany.objects.all(), required=False
    )
    queue = forms.ModelChoiceField(label=_("Contact person"), queryset=Queue.objects.none())
    title = forms.CharField(label=pgettext_lazy("ticket", "Title"), max_length=255)
    body = forms.CharField(
        label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    ticket_type = forms.ModelChoiceField(label=_("Type"), queryset=TicketType.objects.none())
    state = NewStateField(label=_("State"), queryset=TicketState.objects.none())
    pending_until = forms.DateTimeField(
        label=_("Pending until"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("When the ticket needs attention again (your time zone)."),
    )
    priority = forms.ModelChoiceField(label=_("Priority"), queryset=Priority.objects.none())
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Agent.objects.none())
    responsible = forms.ModelChoiceField(
        label=_("Responsible"),
        queryset=Agent.objects.none(),
        required=False,
        empty_label=_("— the owner —"),
    )
    time_units = forms.DecimalField(
        label=_("Time units"), required=False, min_value=0, max_digits=10, decimal_places=2
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(self, *args, agent: Agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.agent = agent
        fields = self.fields

        queues = selectors.queues_for(agent, TicketAction.CREATE).select_related(
            "group", "system_address", "salutation", "signature"
        )
        fields["queue"].queryset = queues.order_by("full_name")
        fields["queue"].label_from_instance = lambda queue: queue.full_name
        self.chosen_queue = self.chosen_object(fields["queue"].queryset, "queue")

        types = TicketType.objects.filter(valid=True).order_by("name")
        fields["ticket_type"].queryset = types
        default_type = selectors.default_ticket_type()
        fields["ticket_type"].initial = default_type.pk
        self.chosen_type = self.chosen_object(types, "ticket_type") or default_type

        initial_states = selectors.initial_states(self.chosen_type).order_by("id")
        fields["state"].queryset = initial_states
        default_state = self.chosen_type.default_state
        initial_ids = [state.pk for state in initial_states]
        fields["state"].initial = (
            default_state.pk if default_state.pk in initial_ids else next(iter(initial_ids), None)
        )
        # A refresh after the type changed keeps the chosen state only if the new type allows it.
        if not self.is_bound and str(self.initial.get("state", "")) not in {
            str(pk) for pk in initial_ids
        }:
            self.initial.pop("state", None)
        self.chosen_state = self.chosen_object(
            TicketState.objects.filter(valid=True), "state"
        ) or next((state for state in initial_states if state.pk == fields["state"].initial), None)
        self.pending_shown = bool(self.chosen_state and self.chosen_state.is_pending)
        if self.pending_shown:
            fields["pending_until"].required = True

        fields["priority"].queryset = Priority.objects.filter(valid=True).order_by("level")
        fields["priority"].initial = selectors.default_priority().pk

        owners = Agent.objects.filter(pk=agent.pk)
        responsibles = Agent.objects.none()
        if self.chosen_queue is not None:
            candidates = selectors.owner_candidates(self.chosen_queue).order_by().values("pk")
            owners = Agent.objects.filter(Q(pk__in=candidates) | Q(pk=agent.pk))
            responsibles = Agent.objects.filter(
                pk__in=selectors.responsible_candidates(self.chosen_queue).order_by().values("pk")
            )
        fields["owner"].queryset = owners.order_by("last_name", "first_name", "login")
        fields["owner"].initial = agent.pk
        fields["owner"].label_from_instance = _agent_label
        fields["responsible"].queryset = responsibles.order_by("last_name", "first_name", "login")
        fields["responsible"].label_from_instance = _agent_label

        self._add_htmx()
        self.drop_stale_initial("owner", "responsible")
        self.set_up()
        apply_bootstrap(self)

    def set_up(self) -> None:
        """Screen-specific fields and choices (before the form is styled and validated)."""

    def full_clean(self):
        super().full_clean()
        apply_bootstrap(self)

    def add_error(self, field, error):
        super().add_error(field, error)
        apply_bootstrap(self)

    # Set-up ------------------------------------------------------------------------------------

    def chosen_object(self, queryset, name):
        """The object chosen in field ``name`` (posted, or the initial value), or None."""
        if self.is_bound:
            value = self.data.get(self.add_prefix(name))
        else:
            value = self.initial.get(name, self.fields[name].initial)
        value = getattr(value, "pk", value)
        try:
            return queryset.filter(pk=int(value)).first() if value not in (None, "") else None
        except (TypeError, ValueError):
            return None

    def drop_stale_initial(self, *names: str) -> None:
        """After a refresh, forget initial choices that the new options no longer contain."""
        if self.is_bound:
            return
        for name in names:
            if (
                self.initial.get(name)
                and self.chosen_object(self.fields[name].queryset, name) is None
            ):
                del self.initial[name]

    def _add_htmx(self) -> None:
        def refresh(part: str, target: str) -> dict[str, str]:
            return {
                "hx-get": reverse("tickets:new_ticket_fields", args=[self.kind, part]),
                "hx-trigger": "change",
                "hx-target": target,
                "hx-swap": "outerHTML",
                "hx-include": REFRESH_INCLUDE,
            }

        self.fields["queue"].widget.attrs.update(refresh("queue", "#queue-fields"))
        self.fields["ticket_type"].widget.attrs.update(refresh("workflow", "#workflow-fields"))
        self.fields["state"].widget.attrs.update(refresh("workflow", "#workflow-fields"))
        self.fields["customer"].widget.attrs.update(
            {
                "autocomplete": "off",
                "spellcheck": "false",
                "hx-get": reverse("tickets:customer_search"),
                "hx-trigger": "input changed delay:300ms, search",
                "hx-target": "#customer-results",
                "hx-sync": "this:replace",
                "type": "search",
            }
        )

    # Reading -----------------------------------------------------------------------------------

    def dynamic_bound_fields(self):
        return [self[FORM_PREFIX + definition.name] for definition in self.dynamic_definitions]

    def customer_choice(self) -> dict | None:
        """The customer user picked in the search, their companies and the chosen one (for
        showing the choice again when the form comes back with errors)."""
        user = self.chosen_object(
            CustomerUser.objects.valid().select_related("company"), "customer_user"
        )
        if user is None:
            return None
        companies = companies_of_user(user)
        company = self.chosen_object(CustomerCompany.objects.all(), "customer_company")
        return {
            "customer_user": user,
            "companies": companies,
            "selected_company_id": company.pk if company is not None else user.company_id,
        }

    def clean(self):
        data = super().clean()
        user = data.get("customer_user")
        text = (data.get("customer") or "").strip()
        if user is None and text:
            user = customer_user_by_text(text)
        data["customer_user"] = user
        if user is None:
            data["customer_company"] = None
        self.clean_customer_text(user, text)
        return data

    def clean_customer_text(self, user: CustomerUser | None, text: str) -> None:
        raise NotImplementedError

    def attachment_uploads(self) -> list[AttachmentUpload]:
        return [
            AttachmentUpload.from_uploaded_file(upload)
            for upload in self.cleaned_data.get("attachments") or []
        ]

    def common_arguments(self) -> dict:
        """Keyword arguments of the create services that both screens share."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "queue": data["queue"],
            "customer_user": data["customer_user"],
            "customer_company": data.get("customer_company"),
            "ticket_type": data["ticket_type"],
            "state": data["state"],
            "priority": data["priority"],
            "owner": data["owner"],
            "responsible": data.get("responsible"),
            "pending_until": data.get("pending_until") if self.pending_shown else None,
            "extra": self.extra_values(),
        }


class NewPhoneTicketForm(NewTicketForm):
    """A customer called: the first article is their call (channel phone, sender customer)."""

    kind = "phone"

    def set_up(self):
        customer = self.fields["customer"]
        customer.label = _("From customer")
        customer.help_text = _(
            "Type a name, login, email or company and choose the customer user; for an unknown "
            "caller write who called (name, phone number or email address)."
        )

    def clean_customer_text(self, user, text):
        self.from_text = text
        self.customer_address = ""
        if user is None:
            if not text:
                self.add_error("customer", _("Choose a customer user or write who called."))
                return
            try:
                validate_email(text)
            except ValidationError:
                pass
            else:
                self.customer_address = text

    def ticket_arguments(self) -> dict:
        """The keyword arguments of ``services.create_ticket`` (without the actor)."""
        data = self.cleaned_data
        user = data["customer_user"]
        caller = f"{user.full_name} <{user.email}>" if user is not None else self.from_text
        article = ArticleDraft(
            channel=Channel.PHONE,
            sender_type=SenderType.CUSTOMER,
            subject=data["title"],
            body=data.get("body") or "",
            is_visible_for_customer=True,
            from_address=caller,
            to_addresses=data["queue"].full_name,
            attachments=self.attachment_uploads(),
            time_units=data.get("time_units") or 0,
        )
        return {
            **self.common_arguments(),
            "article": article,
            "customer_address": self.customer_address,
        }


class NewEmailTicketForm(NewTicketForm):
    """The agent writes to a customer: the first article is the sent mail."""

    kind = "email"

    cc = forms.CharField(label=_("Cc"), required=False, max_length=2000)
    bcc = forms.CharField(label=_("Bcc"), required=False, max_length=2000)
    template = forms.ModelChoiceField(
        label=_("Template"),
        queryset=StandardTemplate.objects.none(),
        required=False,
        help_text=_("Choosing a template replaces the text."),
    )

    field_order = ("customer", "cc", "bcc", "queue", "template", "title", "body")

    def set_up(self):
        self.fields["body"].required = True  # a mail needs a text (attachments alone do not do)
        customer = self.fields["customer"]
        customer.label = _("To customer")
        customer.help_text = _(
            "Type a name, login, email or company and choose the customer user, or enter an "
            "email address."
        )
        if self.chosen_queue is not None:
            self.fields["template"].queryset = selectors.templates_for(
                self.chosen_queue, TemplateType.CREATE
            ).order_by("name")
        self.fields["template"].widget.attrs.update(
            {
                "hx-get": reverse("tickets:new_ticket_fields", args=[self.kind, "template"]),
                "hx-trigger": "change",
                "hx-target": "#body-field",
                "hx-swap": "outerHTML",
                "hx-include": REFRESH_INCLUDE,
            }
        )
        self.drop_stale_initial("template")

    def clean_customer_text(self, user, text):
        self.to_text = user.email if user is not None else text
        self.customer_address = ""
        if user is None:
            addresses = outbound.address_only(text)
            valid = len(addresses) == 1
            if valid:
                try:
                    validate_email(addresses[0])
                except ValidationError:
                    valid = False
            if not valid:
                self.add_error("customer", _("Choose a customer user or enter one email address."))
                return
            self.customer_address = addresses[0]
            self.to_text = outbound.split_addresses(text)[0]

    def email_ticket_arguments(self) -> dict:
        """The keyword arguments of ``services.create_email_ticket`` (without the actor)."""
        data = self.cleaned_data
        return {
            **self.common_arguments(),
            "to": self.to_text,
            "cc": data.get("cc") or "",
            "bcc": data.get("bcc") or "",
            "body": data.get("body") or "",
            "customer_address": self.customer_address,
            "attachments": self.attachment_uploads(),
            "time_units": data.get("time_units") or 0,
        }


NEW_TICKET_FORMS = {"phone": NewPhoneTicketForm, "email": NewEmailTicketForm}
