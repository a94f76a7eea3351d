"""The ticket zoom's actions (manual 5.5): lock, owner, note, phone call, reply, close, move...

Every action is a view on ``/tickets/<pk>/<action>/``. The base classes do what they all share:
find the ticket among those the agent may see (404 otherwise), check the action's permission on
the server (403, for GET as well), parse the form, call the service in one transaction, and go
back to the zoom with a message; a service's ValidationError is shown at the form's fields and
nothing is stored. Each action then only names its permission, form, texts and service call.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import View

from opsdesk.core.forms import add_validation_error, apply_bootstrap
from opsdesk.core.permissions import AgentRequiredMixin

from . import action_forms, outbound, selectors, services
from .choices import SenderType
from .models import Article, SystemAddress, Ticket
from .pdf import ticket_pdf
from .permissions import TicketAction, can, require


class TicketActionView(AgentRequiredMixin, View):
    """An action on one ticket: 404 unless the agent may see it, 403 unless ``action`` is allowed
    (checked before the HTTP method, so a forbidden GET is 403 too)."""

    action: str = TicketAction.VIEW

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:  # anonymous visitors go to sign in (the mixin)
            try:
                self.ticket = selectors.ticket_for_zoom(request.user, kwargs["pk"])
            except Ticket.DoesNotExist as error:
                raise Http404(_("There is no ticket with this number that you may see.")) from error
            require(request.user, self.action, self.ticket)
        return super().dispatch(request, *args, **kwargs)

    @property
    def agent(self):
        return self.request.user

    def zoom_url(self) -> str:
        return reverse("tickets:zoom", args=[self.ticket.pk])

    def success_url(self) -> str:
        if can(self.agent, TicketAction.VIEW, self.ticket):
            return self.zoom_url()
        # e.g. moved into a queue the agent cannot see
        return reverse("core:dashboard")


class TicketCommandView(TicketActionView):
    """A one-click action (POST only), e.g. lock or watch."""

    http_method_names = ["post"]

    def perform(self) -> str:
        """Do the change; return the success message."""
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        try:
            with transaction.atomic():
                message = self.perform()
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, message)
        return redirect(self.success_url())


class TicketFormView(TicketActionView):
    """An action with a form page: GET shows it, POST calls ``perform`` and returns to the zoom."""

    form_class: type = action_forms.ActionForm
    template_name = "tickets/actions/form.html"
    title = ""
    submit_label = gettext_lazy("Save")
    # Service error keys that the form names differently.
    error_fields: dict[str, str] = {}

    def get_initial(self) -> dict:
        return {}

    def get_form_kwargs(self) -> dict:
        return {"ticket": self.ticket, "agent": self.agent}

    def get_form(self, data=None, files=None):
        form = self.form_class(data, files, initial=self.get_initial(), **self.get_form_kwargs())
        if "template" in form.fields:
            self._wire_template_chooser(form)
        return form

    def get_context(self, form) -> dict:
        return {}

    def perform(self, form) -> str:
        """Call the service(s) with the form's data; return the success message."""
        raise NotImplementedError

    def render_form(self, form):
        apply_bootstrap(form)
        context = {
            "ticket": self.ticket,
            "form": form,
            "title": self.title,
            "submit_label": self.submit_label,
            "zoom_url": self.zoom_url(),
            "ticket_hook": settings.OPSDESK_TICKET_HOOK,
        }
        context.update(self.get_context(form))
        return render(self.request, self.template_name, context)

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        if request.htmx and "template" in request.GET and "body" in form.fields:
            # The template chooser refreshes the text, and the next state a template preselects.
            apply_bootstrap(form)
            next_state = form["next_state"] if "next_state" in form.initial else None
            return render(
                request,
                "tickets/actions/body_field.html",
                {"form": form, "field": form["body"], "next_state_field": next_state},
            )
        return self.render_form(form)

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():  # several service calls (note + change) as one
                    message = self.perform(form)
            except ValidationError as error:
                add_validation_error(form, self._renamed(error))
            else:
                messages.success(request, message)
                return redirect(self.success_url())
        return self.render_form(form)

    def _renamed(self, error: ValidationError) -> ValidationError:
        if not hasattr(error, "error_dict") or not self.error_fields:
            return error
        return ValidationError(
            {self.error_fields.get(name, name): errors for name, errors in error.error_dict.items()}
        )

    # Templates (standard answers) ---------------------------------------------------------------

    def template_text(self, template) -> str:
        """The text a chosen template puts into the body."""
        return outbound.fill(template.text, outbound.placeholders(self.ticket, self.agent))

    def chosen_template(self, form):
        value = self.request.GET.get("template")
        if not value or "template" not in form.fields:
            return None
        try:
            return form.fields["template"].queryset.filter(pk=int(value)).first()
        except (TypeError, ValueError):
            return None

    def _wire_template_chooser(self, form) -> None:
        query = self.request.GET.copy()
        query.pop("template", None)
        url = self.request.path + (f"?{query.urlencode()}" if query else "")
        form.fields["template"].widget.attrs.update(
            {
                "hx-get": url,
                "hx-trigger": "change",
                "hx-target": "#body-field",
                "hx-swap": "outerHTML",
            }
        )
        if form.is_bound:
            return
        template = self.chosen_template(form)
        if template is not None:
            form.initial["template"] = template.pk
            form.initial["body"] = self.body_with_template(template)
            if template.next_state_id and "next_state" in form.fields:
                next_states = form.fields["next_state"].queryset
                if next_states.filter(pk=template.next_state_id).exists():
                    form.initial["next_state"] = template.next_state_id

    def body_with_template(self, template) -> str:
        return self.template_text(template)

    # Shared steps -------------------------------------------------------------------------------

    def add_optional_note(self, form) -> None:
        note = form.note_arguments() if hasattr(form, "note_arguments") else None
        if note:
            services.add_note(self.ticket, actor=self.agent, **note)


# One-click actions --------------------------------------------------------------------------------


class LockView(TicketCommandView):
    action = TicketAction.LOCK

    def perform(self):
        services.lock_ticket(self.ticket, actor=self.agent)
        return _("The ticket is locked to you.")


class UnlockView(TicketCommandView):
    action = TicketAction.LOCK

    def perform(self):
        services.unlock_ticket(self.ticket, actor=self.agent)
        return _("The ticket is unlocked.")


class WatchView(TicketCommandView):
    action = TicketAction.WATCH

    def perform(self):
        services.watch_ticket(self.ticket, actor=self.agent)
        return _("You are watching this ticket.")


class UnwatchView(TicketCommandView):
    action = TicketAction.WATCH

    def perform(self):
        services.unwatch_ticket(self.ticket, actor=self.agent)
        return _("You no longer watch this ticket.")


# People -------------------------------------------------------------------------------------------


class OwnerView(TicketFormView):
    action = TicketAction.OWNER
    form_class = action_forms.OwnerForm
    title = gettext_lazy("Change the owner")

    def perform(self, form):
        self.add_optional_note(form)
        owner = form.cleaned_data["owner"]
        services.set_owner(self.ticket, actor=self.agent, owner=owner)
        if owner is None:
            return _("The ticket has no owner now.")
        return _("%(agent)s owns the ticket now.") % {"agent": owner.full_name}


class ResponsibleView(TicketFormView):
    action = TicketAction.RESPONSIBLE
    form_class = action_forms.ResponsibleForm
    title = gettext_lazy("Change the responsible agent")

    def perform(self, form):
        self.add_optional_note(form)
        responsible = form.cleaned_data["responsible"]
        services.set_responsible(self.ticket, actor=self.agent, responsible=responsible)
        if responsible is None:
            return _("Nobody is responsible for the ticket now.")
        return _("%(agent)s is responsible for the ticket now.") % {"agent": responsible.full_name}


# Articles -----------------------------------------------------------------------------------------


class NoteView(TicketFormView):
    action = TicketAction.NOTE
    form_class = action_forms.NoteForm
    title = gettext_lazy("Add a note")
    submit_label = gettext_lazy("Add the note")
    error_fields = {"state": "next_state"}

    def perform(self, form):
        services.add_note(self.ticket, actor=self.agent, **form.service_arguments())
        return _("The note was added.")


class PhoneView(TicketFormView):
    action = TicketAction.PHONE
    form_class = action_forms.PhoneForm
    submit_label = gettext_lazy("Record the call")
    error_fields = {"state": "next_state"}

    @property
    def outbound_call(self) -> bool:
        return self.request.GET.get("direction") == "outbound"

    @property
    def title(self):
        if self.outbound_call:
            return _("Phone call to the customer")
        return _("Phone call from the customer")

    def get_initial(self):
        return {"direction": "outbound" if self.outbound_call else "inbound"}

    def perform(self, form):
        services.add_phone_call(self.ticket, actor=self.agent, **form.service_arguments())
        return _("The phone call was recorded.")


class EmailView(TicketFormView):
    """A new mail to the customer from the ticket's queue (kind ``email``)."""

    action = TicketAction.REPLY
    form_class = action_forms.EmailForm
    template_name = "tickets/actions/email.html"
    title = gettext_lazy("Email the customer")
    submit_label = gettext_lazy("Send")
    kind = "email"
    error_fields = {"state": "next_state"}
    replied: Article | None = None

    def get_initial(self):
        return {
            "to": action_forms.customer_recipient(self.ticket),
            "subject": self.ticket.title,
            "body": self.body_with_text(""),
        }

    def body_with_text(self, text: str) -> str:
        return outbound.reply_body(self.ticket, self.agent, text, self.replied)

    def body_with_template(self, template) -> str:
        return self.body_with_text(self.template_text(template))

    def get_context(self, form):
        return {"replied": self.replied, "system_address": self.ticket.queue.system_address}

    def perform(self, form):
        article = services.send_email(
            self.ticket,
            actor=self.agent,
            kind=self.kind,
            replied=self.replied,
            **form.service_arguments(),
        )
        return _("The mail to %(to)s was sent.") % {"to": article.to_addresses}


def ticket_tag(ticket: Ticket) -> str:
    return f"[{settings.OPSDESK_TICKET_HOOK}{ticket.number}]"


class RepliedArticleMixin:
    """``?article=<id>``: the article answered or forwarded (default: the customer's latest)."""

    def get(self, request, *args, **kwargs):
        self.replied = self.find_article()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.replied = self.find_article()
        return super().post(request, *args, **kwargs)

    def find_article(self) -> Article:
        articles = Article.objects.filter(ticket=self.ticket).prefetch_related("attachments")
        value = self.request.GET.get("article")
        if value:
            if not value.isdigit():
                raise Http404(_("There is no such article in this ticket."))
            return get_object_or_404(articles, pk=int(value))
        latest = (
            articles.filter(sender_type=SenderType.CUSTOMER).order_by("-created_at", "-id").first()
            or articles.order_by("-created_at", "-id").first()
        )
        if latest is None:
            raise Http404(_("This ticket has no article to answer."))
        return latest

    def bare_subject(self) -> str:
        return (
            (self.replied.subject or self.ticket.title).replace(ticket_tag(self.ticket), "").strip()
        )


def _without_system_addresses(text: str, system: set[str]) -> list[str]:
    """Recipients of ``text`` that are not OpsDesk's own addresses (nor invalid)."""
    kept = []
    for recipient in outbound.split_addresses(text):
        addresses = outbound.address_only(recipient)
        if addresses and "@" in addresses[0] and addresses[0] not in system:
            kept.append(recipient)
    return kept


def reply_recipients(ticket: Ticket, article: Article, reply_all: bool) -> tuple[str, str]:
    """(To, Cc) of an answer to ``article``: its sender (Reply-To when set), for a reply to
    all also its other recipients (To stays To, Cc stays Cc); OpsDesk's own addresses are
    left out. An article without a mail sender (a phone call, our own mail) is answered to its
    recipients or the ticket's customer."""
    system = {email.lower() for email in SystemAddress.objects.values_list("email", flat=True)}
    to = _without_system_addresses(article.reply_to or article.from_address, system)
    if not to and article.sender_type != SenderType.CUSTOMER:
        to = _without_system_addresses(article.to_addresses, system)
    if not to and ticket.customer_email:
        to = [action_forms.customer_recipient(ticket)]
    cc: list[str] = []
    if reply_all:
        seen = {outbound.address_only(item)[0] for item in to}
        for target, text in ((to, article.to_addresses), (cc, article.cc_addresses)):
            for item in _without_system_addresses(text, system):
                address = outbound.address_only(item)[0]
                if address not in seen:
                    seen.add(address)
                    target.append(item)
    return ", ".join(to), ", ".join(cc)


class ReplyView(RepliedArticleMixin, EmailView):
    form_class = action_forms.ReplyForm
    kind = "reply"

    @property
    def reply_all(self) -> bool:
        return self.request.GET.get("all") == "1"

    @property
    def title(self):
        return _("Reply to all") if self.reply_all else _("Reply")

    def get_initial(self):
        to, cc = reply_recipients(self.ticket, self.replied, self.reply_all)
        return {
            "to": to,
            "cc": cc,
            "subject": outbound.reply_subject(self.ticket, self.bare_subject()),
            "body": self.body_with_text(""),
        }


class ForwardView(RepliedArticleMixin, EmailView):
    form_class = action_forms.ForwardForm
    title = gettext_lazy("Forward")
    kind = "forward"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "article": self.replied}

    def get_initial(self):
        return {
            "to": "",
            "subject": outbound.reply_subject(self.ticket, self.bare_subject(), prefix="Fwd"),
            "body": self.body_with_text(""),
        }

    def body_with_text(self, text: str) -> str:
        signature = outbound.fill(
            self.ticket.queue.signature.text, outbound.placeholders(self.ticket, self.agent)
        ).rstrip()
        parts = [text.rstrip(), outbound.quote(self.replied).rstrip(), signature]
        return "\n\n".join(part for part in parts if part) + "\n"


# States -------------------------------------------------------------------------------------------


class StateView(TicketFormView):
    action = TicketAction.STATE
    form_class = action_forms.StateForm
    title = gettext_lazy("Change the state")

    def get_context(self, form):
        if form.fields["state"].queryset.exists():
            return {}
        return {"blocked_message": self.blocked_message()}

    def blocked_message(self) -> str:
        return _(
            "A ticket of type “%(type)s” cannot go anywhere from “%(state)s”: its workflow "
            "allows no next state."
        ) % {
            "type": self.ticket.ticket_type.display_label,
            "state": self.ticket.state.display_label,
        }

    def perform(self, form):
        self.add_optional_note(form)
        state = form.cleaned_data["state"]
        services.set_state(
            self.ticket,
            actor=self.agent,
            state=state,
            pending_until=form.cleaned_data.get("pending_until") if state.is_pending else None,
        )
        return _("The state is now “%(state)s”.") % {"state": state.display_label}


class PendingView(StateView):
    action = TicketAction.PENDING
    form_class = action_forms.PendingForm
    title = gettext_lazy("Set pending")

    def blocked_message(self):
        return _("A ticket of type “%(type)s” cannot go to a pending state from “%(state)s”.") % {
            "type": self.ticket.ticket_type.display_label,
            "state": self.ticket.state.display_label,
        }


class CloseView(StateView):
    form_class = action_forms.CloseForm
    title = gettext_lazy("Close the ticket")
    submit_label = pgettext_lazy("ticket action", "Close")

    def blocked_message(self):
        allowed = ", ".join(
            state.display_label for state in selectors.next_states(self.ticket).order_by("id")
        )
        return _(
            "A ticket of type “%(type)s” cannot be closed from “%(state)s”. "
            "Allowed next states: %(allowed)s."
        ) % {
            "type": self.ticket.ticket_type.display_label,
            "state": self.ticket.state.display_label,
            "allowed": allowed or _("none"),
        }

    def perform(self, form):
        data = form.cleaned_data
        note = form.note_arguments()
        units = data.get("time_units") or 0
        values = form.changed_values()
        if values:  # set before the state: a closed ticket keeps what the closing agent entered
            services.set_dynamic_fields(self.ticket, actor=self.agent, values=values)
        if note:  # the note and the state change in one service call
            services.add_note(
                self.ticket, actor=self.agent, next_state=data["state"], time_units=units, **note
            )
        else:
            if units:
                services.account_time(self.ticket, actor=self.agent, units=units)
            services.set_state(self.ticket, actor=self.agent, state=data["state"])
        return _("The ticket is closed (“%(state)s”).") % {"state": data["state"].display_label}


# Attributes ---------------------------------------------------------------------------------------


class PriorityView(TicketFormView):
    action = TicketAction.PRIORITY
    form_class = action_forms.PriorityForm
    title = gettext_lazy("Change the priority")

    def perform(self, form):
        self.add_optional_note(form)
        priority = form.cleaned_data["priority"]
        services.set_priority(self.ticket, actor=self.agent, priority=priority)
        return _("The priority is now “%(priority)s”.") % {"priority": priority.display_label}


class MoveView(TicketFormView):
    action = TicketAction.MOVE
    form_class = action_forms.MoveForm
    title = gettext_lazy("Move to another contact person")
    submit_label = gettext_lazy("Move")

    def perform(self, form):
        self.add_optional_note(form)  # in the old queue, where the agent may add notes
        queue = form.cleaned_data["queue"]
        services.move_ticket(self.ticket, actor=self.agent, queue=queue)
        return _("The ticket was moved to “%(queue)s”.") % {"queue": queue.full_name}


class CustomerView(TicketFormView):
    action = TicketAction.CUSTOMER
    form_class = action_forms.CustomerForm
    template_name = "tickets/actions/customer.html"
    title = gettext_lazy("Change the customer")

    def perform(self, form):
        services.set_customer(self.ticket, actor=self.agent, **form.service_arguments())
        return _("The customer is now %(customer)s.") % {
            "customer": self.ticket.customer_display or "—"
        }


class AttributesView(TicketFormView):
    action = TicketAction.TITLE
    form_class = action_forms.AttributesForm
    title = gettext_lazy("Change the title and type")

    def perform(self, form):
        services.set_title(self.ticket, actor=self.agent, title=form.cleaned_data["title"])
        services.set_type(
            self.ticket, actor=self.agent, ticket_type=form.cleaned_data["ticket_type"]
        )
        return _("The title and type are saved.")


class DynamicFieldsView(TicketFormView):
    action = TicketAction.DYNAMIC_FIELDS
    form_class = action_forms.DynamicFieldsForm
    title = gettext_lazy("Change the dynamic fields")

    def get_context(self, form):
        if form.dynamic_definitions:
            return {}
        return {
            "blocked_message": _(
                "No dynamic fields are shown on this screen; administrators choose them under "
                "Admin, Dynamic fields."
            )
        }

    def perform(self, form):
        services.set_dynamic_fields(self.ticket, actor=self.agent, values=form.changed_values())
        return _("The dynamic fields are saved.")


class TimeView(TicketFormView):
    action = TicketAction.TIME
    form_class = action_forms.TimeForm
    title = gettext_lazy("Account time")

    def perform(self, form):
        entry = services.account_time(
            self.ticket, actor=self.agent, units=form.cleaned_data["time_units"]
        )
        return _("%(units)s time units were accounted.") % {"units": entry.units}


# Print --------------------------------------------------------------------------------------------


class PrintView(TicketActionView):
    """The ticket as a PDF: attributes, customer and every article (reading is enough, as in
    OTOBO's AgentTicketPrint)."""

    action = TicketAction.VIEW
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        response = HttpResponse(ticket_pdf(self.ticket, self.agent), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="ticket-{self.ticket.number}.pdf"'
        return response


ACTION_VIEWS = {
    "lock": LockView,
    "unlock": UnlockView,
    "watch": WatchView,
    "unwatch": UnwatchView,
    "owner": OwnerView,
    "responsible": ResponsibleView,
    "note": NoteView,
    "phone": PhoneView,
    "reply": ReplyView,
    "forward": ForwardView,
    "email": EmailView,
    "close": CloseView,
    "pending": PendingView,
    "state": StateView,
    "priority": PriorityView,
    "move": MoveView,
    "customer": CustomerView,
    "attributes": AttributesView,
    "dynamic_fields": DynamicFieldsView,
    "time": TimeView,
    "print": PrintView,
}
