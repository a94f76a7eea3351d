"""The zoom's "Link" action (manual 5.5.1): the ticket's links, each removable, and a form to link
it to another object (a ticket today; FAQ items and configuration items once registered).

``/tickets/<pk>/link/``: needs ``rw`` (``TicketAction.LINK``) like every change of the ticket. The
search box asks the same URL with htmx (``?q=``) and gets the matching objects the agent may see;
without JavaScript the form works too: a search text that finds exactly one object links it, one
that finds several shows them to choose from. A POST with ``remove=<link id>`` removes a link.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opsdesk.core import links as core_links
from opsdesk.core.models import Link, LinkType

from .action_forms import ActionForm
from .action_views import TicketFormView
from .links import TICKET
from .permissions import TicketAction

SEARCH_LIMIT = 20


def result_entries(linkable, objects) -> list[dict]:
    """Search results as the dialog shows them: pk, label and status (label, closed)."""
    if linkable is None:
        return []
    return [
        {"pk": obj.pk, "label": linkable.label_of(obj), "status": linkable.status_of(obj)}
        for obj in objects
    ]


class LinkAs:
    """The link type field's values: how this ticket relates to the object linked."""

    NORMAL = "normal"
    PARENT = "parent"  # this ticket is the parent
    CHILD = "child"  # this ticket is the child

    CHOICES = (
        (NORMAL, gettext_lazy("Normal")),
        (PARENT, gettext_lazy("Parent/child: this ticket is the parent")),
        (CHILD, gettext_lazy("Parent/child: this ticket is the child")),
    )


class LinkForm(ActionForm):
    object_type = forms.ChoiceField(label=gettext_lazy("Object type"))
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("A ticket number (* for any characters) or words of the title."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    target = forms.IntegerField(required=False, widget=forms.HiddenInput)
    link_as = forms.ChoiceField(
        label=gettext_lazy("Link type"),
        choices=LinkAs.CHOICES,
        initial=LinkAs.NORMAL,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.linkable_types = {item.key: item for item in core_links.linkable_types_for(TICKET)}
        self.fields["object_type"].choices = [
            (item.key, item.label) for item in self.linkable_types.values()
        ]
        self.fields["object_type"].initial = TICKET
        self.results: list = []  # the last search's objects, of type ``results_type``
        self.results_type = None

    def linkable(self, key: str | None = None):
        key = key or self.data.get("object_type") or TICKET
        return self.linkable_types.get(key)

    def search(self, linkable, text: str) -> list:
        """Objects of ``linkable`` matching ``text`` that the agent may see (not this ticket)."""
        self.results_type = linkable
        if linkable is None or not text.strip():
            return []
        found = linkable.search(self.agent, text, SEARCH_LIMIT + 1)
        itself = (TICKET, self.ticket.pk)
        return [obj for obj in found if (linkable.key, obj.pk) != itself][:SEARCH_LIMIT]

    def clean(self):
        data = super().clean()
        linkable = self.linkable_types.get(data.get("object_type", ""))
        if linkable is None:
            return data
        data["linkable"] = linkable
        target = data.get("target")
        if target:
            obj = linkable.in_bulk([target], self.agent).get(target)
            if obj is None:
                self.add_error("q", _("There is no such object that you may see."))
            data["object"] = obj
            return data
        text = data.get("q") or ""
        if not text.strip():
            self.add_error("q", _("Search for the object to link, then choose it."))
            return data
        self.results = self.search(linkable, text)
        if len(self.results) == 1:
            data["object"] = self.results[0]
        elif not self.results:
            self.add_error("q", _("Nothing matches that you may see."))
        else:
            self.add_error("q", _("Several objects match: choose one."))
        return data


class LinkView(TicketFormView):
    """Links of the ticket: list, add, remove."""

    action = TicketAction.LINK
    form_class = LinkForm
    template_name = "tickets/links/link.html"
    title = gettext_lazy("Link")
    submit_label = gettext_lazy("Add the link")
    error_fields = {"link_type": "link_as"}

    def get_form(self, data=None, files=None):
        form = super().get_form(data, files)
        # choosing another object type repeats the search among objects of that type
        form.fields["object_type"].widget.attrs.update(
            {
                "hx-get": self.request.path,
                "hx-trigger": "change",
                "hx-target": "#link-results",
                "hx-include": "[name='q']",
            }
        )
        return form

    def get_context(self, form):
        return {
            "link_groups": core_links.links_of(self.ticket, agent=self.agent),
            "results": result_entries(form.results_type, form.results),
            "q": form.data.get("q", "") if form.is_bound else self.request.GET.get("q", ""),
        }

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        text = request.GET.get("q", "")
        linkable = form.linkable(request.GET.get("object_type"))
        form.results = form.search(linkable, text)
        if request.htmx:
            results = result_entries(linkable, form.results)
            return render(request, "tickets/links/results.html", {"results": results, "q": text})
        return self.render_form(form)

    def post(self, request, *args, **kwargs):
        if "remove" in request.POST:
            return self.remove(request.POST["remove"])
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        other = data["object"]
        linkable = data["linkable"]
        link_as = data["link_as"]
        if link_as == LinkAs.CHILD:
            source, target, link_type = other, self.ticket, LinkType.PARENT_CHILD
        else:
            link_type = LinkType.PARENT_CHILD if link_as == LinkAs.PARENT else LinkType.NORMAL
            source, target = self.ticket, other
        try:
            core_links.add_link(actor=self.agent, source=source, target=target, link_type=link_type)
        except PermissionDenied as error:  # the other object: shown on the form, not a 403 page
            raise ValidationError({"q": str(error)}) from error
        return _("%(object)s is linked (%(relation)s).") % {
            "object": linkable.describe(other),
            "relation": dict(LinkAs.CHOICES)[link_as],
        }

    def success_url(self) -> str:
        return self.request.path

    def remove(self, value: str):
        link = self.link_of_ticket(value)
        key = (TICKET, self.ticket.pk)
        other_type, other_id = core_links.other_end(link, key)
        described = f"{other_type} {other_id}"
        if other_type in {item.key for item in core_links.object_types()}:
            linkable = core_links.object_type(other_type)
            other = linkable.in_bulk([other_id], self.agent).get(other_id)
            if other is None:  # a link the agent cannot see the other end of
                raise Http404(_("There is no such link."))
            described = linkable.describe(other)
        try:
            with transaction.atomic():
                core_links.remove_link(actor=self.agent, link=link)
        except (PermissionDenied, ValidationError) as error:
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            messages.error(self.request, text)
        else:
            messages.success(
                self.request, _("The link to %(object)s was removed.") % {"object": described}
            )
        return redirect(self.request.path)

    def link_of_ticket(self, value: str) -> Link:
        """The link ``value`` if one of its ends is this ticket (404 otherwise)."""
        if not str(value).isdigit():
            raise Http404(_("There is no such link."))
        link = (
            Link.objects.filter(core_links.links_query(TICKET, self.ticket.pk))
            .filter(pk=int(value))
            .first()
        )
        if link is None:
            raise Http404(_("There is no such link."))
        return link


LINK_ACTION_VIEWS = {"link": LinkView}
