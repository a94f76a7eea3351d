"""The zoom's Merge and Split actions (OTOBO AgentTicketMerge, AgentSplitSelection).

Merge (``rw`` on both tickets) asks for the ticket to merge into, with a type-ahead on number and
title among the tickets the agent may see, and goes to that ticket afterwards. Split (``ro`` on
this ticket, ``create`` in the chosen contact person) makes a new ticket from one article
(``?article=<id>``, 404 unless it belongs to this ticket) and goes to the new ticket.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import selectors, services
from .action_views import TicketFormView, ticket_tag
from .links import search_tickets_to_link
from .merge_forms import MergeForm, SplitForm
from .models import Article
from .permissions import TicketAction

TYPE_AHEAD_LIMIT = 10


class MergeView(TicketFormView):
    action = TicketAction.MERGE
    form_class = MergeForm
    template_name = "tickets/merge/merge.html"
    title = gettext_lazy("Merge into another ticket")
    submit_label = gettext_lazy("Merge")
    target = None

    def get(self, request, *args, **kwargs):
        if request.htmx and "into" in request.GET:
            return self.type_ahead(request.GET["into"])
        return super().get(request, *args, **kwargs)

    def type_ahead(self, text: str):
        """htmx: tickets to merge into matching ``text`` (number or title), as datalist options."""
        candidates = [
            ticket
            for ticket in search_tickets_to_link(self.agent, text, TYPE_AHEAD_LIMIT + 1)
            if ticket.pk != self.ticket.pk and ticket.merged_into_id is None
        ][:TYPE_AHEAD_LIMIT]
        return render(
            self.request, "tickets/merge/candidates.html", {"candidates": candidates, "q": text}
        )

    def get_context(self, form):
        context = {"candidates_url": self.request.path}
        if self.ticket.merged_into_id is not None:
            target = selectors.merge_target(self.ticket)
            context["blocked_message"] = _(
                "This ticket is already merged into %(number)s; it cannot be merged again."
            ) % {"number": target.number}
        return context

    def perform(self, form):
        self.target = form.cleaned_data["into"]
        services.merge_ticket(self.ticket, into=self.target, actor=self.agent)
        return _("Ticket %(source)s was merged into %(target)s.") % {
            "source": self.ticket.number,
            "target": self.target.number,
        }

    def success_url(self) -> str:
        return reverse("tickets:zoom", args=[self.target.pk])


class SplitView(TicketFormView):
    action = TicketAction.SPLIT
    form_class = SplitForm
    template_name = "tickets/merge/split.html"
    title = gettext_lazy("Split into a new ticket")
    submit_label = gettext_lazy("Create the new ticket")
    new_ticket = None

    def get(self, request, *args, **kwargs):
        self.article = self.find_article(request)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.article = self.find_article(request)
        return super().post(request, *args, **kwargs)

    def find_article(self, request) -> Article:
        value = request.GET.get("article", "")
        if not value.isdigit():
            raise Http404(_("There is no such article in this ticket."))
        return get_object_or_404(
            Article.objects.filter(ticket=self.ticket).prefetch_related("attachments"),
            pk=int(value),
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "article": self.article}

    def get_form(self, data=None, files=None):
        form = super().get_form(data, files)
        if not form.fields["queue"].queryset.exists():
            raise PermissionDenied(_("You may not create tickets in any contact person (queue)."))
        return form

    def get_initial(self):
        subject = (self.article.subject or self.ticket.title).replace(ticket_tag(self.ticket), "")
        initial = {"title": subject.strip() or self.ticket.title}
        if (
            selectors.queues_for(self.agent, TicketAction.CREATE)
            .filter(pk=self.ticket.queue_id)
            .exists()
        ):
            initial["queue"] = self.ticket.queue_id
        return initial

    def get_context(self, form):
        return {"article": self.article, "ticket_hook": settings.OPSDESK_TICKET_HOOK}

    def perform(self, form):
        data = form.cleaned_data
        self.new_ticket = services.split_article(
            self.article,
            actor=self.agent,
            title=data["title"],
            queue=data["queue"],
            link_type=data["link_type"],
        )
        return _("Ticket %(number)s was created from the article.") % {
            "number": self.new_ticket.number
        }

    def success_url(self) -> str:
        return reverse("tickets:zoom", args=[self.new_ticket.pk])


MERGE_ACTION_VIEWS = {"merge": MergeView, "split": SplitView}
