"""Bulk action on tickets selected in a list (OTOBO AgentTicketBulk), at ``/tickets/bulk/``.

The lists send the selected tickets as repeated ``ticket=<pk>`` parameters (GET, or a POST
without ``apply``), with ``next`` the list to return to. The screen shows the selected tickets the
agent may see (others are left out, at most ``selectors.BULK_LIMIT``) and the form; applying it
runs ``services.bulk_action`` (one transaction per ticket, each change through its service) and
shows what was done to each ticket and what was refused, with the reason.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opsdesk.core.forms import add_validation_error
from opsdesk.core.http import safe_next_url
from opsdesk.core.permissions import agent_required

from . import selectors, services
from .bulk_forms import BulkForm


def selected_ids(request) -> list[int]:
    """The ``ticket`` parameters that are numbers (others are ignored)."""
    data = request.POST if request.method == "POST" else request.GET
    return [int(value) for value in data.getlist("ticket") if value.strip().isdigit()]


def return_url(request) -> str:
    """``next`` when it is a URL of this site, else the Tickets area."""
    data = request.POST if request.method == "POST" else request.GET
    return safe_next_url(request, data.get("next")) or reverse("core:area_tickets")


@agent_required()
@require_http_methods(["GET", "POST"])
def bulk(request):
    agent = request.user
    ids = selected_ids(request)
    next_url = return_url(request)
    context = {"next_url": next_url, "limit": selectors.BULK_LIMIT}
    try:
        tickets = selectors.tickets_for_bulk(agent, ids)
    except ValidationError as error:
        context.update({"tickets": [], "selection_error": " ".join(error.messages)})
        return render(request, "tickets/bulk/form.html", context, status=400)
    context.update({"tickets": tickets, "hidden_count": len(set(ids)) - len(tickets)})

    if request.method == "POST" and "apply" in request.POST:
        form = BulkForm(request.POST, agent=agent)
        if not tickets:
            form.add_error(None, _("Select at least one ticket that you may see."))
        elif form.is_valid():
            try:
                report = services.bulk_action(
                    [ticket.pk for ticket in tickets], actor=agent, changes=form.changes()
                )
            except ValidationError as error:
                add_validation_error(form, error)
            else:
                return render(
                    request, "tickets/bulk/result.html", {"report": report, "next_url": next_url}
                )
    else:
        form = BulkForm(agent=agent)
    context["form"] = form
    return render(request, "tickets/bulk/form.html", context)
