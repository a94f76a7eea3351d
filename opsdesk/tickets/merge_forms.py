"""Forms of the zoom's Merge and Split actions."""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opsdesk.core.models import LinkType

from . import selectors
from .action_forms import ActionForm
from .models import Article, Ticket
from .permissions import TicketAction, can

NUMBER = re.compile(r"\d+")


def visible_ticket_by_number(agent, text: str) -> Ticket | None:
    """The ticket numbered ``text`` (``Ticket#…`` or with brackets accepted) that ``agent`` may
    see, or ``None``."""
    text = (text or "").strip().strip("[]").strip()
    text = text.removeprefix(settings.OPSDESK_TICKET_HOOK).strip()
    if not NUMBER.fullmatch(text):
        return None
    return (
        selectors.tickets_visible_to(agent)
        .select_related("queue__group", "state")
        .filter(number=text)
        .first()
    )


class MergeForm(ActionForm):
    into = forms.CharField(
        label=gettext_lazy("Merge into ticket number"),
        max_length=60,
        help_text=gettext_lazy("Type a ticket number or words of its title, then pick the ticket."),
    )

    def clean_into(self) -> Ticket:
        target = visible_ticket_by_number(self.agent, self.cleaned_data["into"])
        if target is None:
            raise ValidationError(_("There is no ticket with this number that you may see."))
        if target.pk == self.ticket.pk:
            raise ValidationError(_("A ticket cannot be merged into itself."))
        if not can(self.agent, TicketAction.MERGE, target):
            raise ValidationError(
                _("You may not merge into tickets of the contact person “%(queue)s”.")
                % {"queue": target.queue.full_name}
            )
        return target


LINK_TYPE_CHOICES = (
    (LinkType.PARENT_CHILD, gettext_lazy("This ticket becomes the parent of the new ticket")),
    (LinkType.NORMAL, gettext_lazy("Normal link")),
)


class SplitForm(ActionForm):
    title = forms.CharField(label=gettext_lazy("Title of the new ticket"), max_length=255)
    queue = forms.ModelChoiceField(label=gettext_lazy("Contact person"), queryset=None)
    link_type = forms.ChoiceField(
        label=gettext_lazy("Link to this ticket"),
        choices=LINK_TYPE_CHOICES,
        initial=LinkType.PARENT_CHILD,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, article: Article, **kwargs):
        self.article = article
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = selectors.queues_for(self.agent, TicketAction.CREATE)
        self.fields["queue"].empty_label = None
