"""The ticket search screen (manual 5.4): the search form, the results in the shared ticket list,
search templates (save, run, overwrite, delete) and the export of the results as CSV or XLSX.

Results start from ``selectors.tickets_visible_to``: tickets of queues without ``ro`` never appear,
in the list, the counts or the exports. At most ``settings.OPSDESK_TICKET_SEARCH_LIMIT`` tickets
are listed or exported; the list says so when there are more. A search that finds exactly one
ticket opens it (unless the agent is paging or exporting).

htmx: submitting the form swaps the region ``#ticket-search`` (form and results) and pushes the
URL, so a search can be bookmarked and shared; sorting and paging swap ``#ticket-list`` only.
Without JavaScript the same URLs answer with the whole page.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from opsdesk.core.db import is_statement_timeout, statement_timeout
from opsdesk.core.http import safe_next_url
from opsdesk.core.permissions import agent_required

from . import export, search_services, selectors
from .list_views import ticket_list_context
from .models import TicketSearchProfile
from .search_forms import SaveSearchForm, search_filterset, search_layout

SEARCH_REQUIRED = ("ro", "users")  # the menu's requirement (core/menu.py)
REGION_TARGET = "ticket-search"
LIST_TARGET = "ticket-list"
EXPORT_KINDS = {"csv": export.csv_response, "xlsx": export.xlsx_response}


def search_limit() -> int:
    return settings.OPSDESK_TICKET_SEARCH_LIMIT


def _base_queryset(agent):
    return selectors.tickets_visible_to(agent).select_related(*selectors.TICKET_LIST_RELATED)


def _search_url(criteria_query: str) -> str:
    url = reverse("tickets:search")
    return f"{url}?{criteria_query}" if criteria_query else url


# Parameters of the screen kept in its URL besides the criteria.
SCREEN_PARAMS = ("page", "sort", "per_page", "profile")


def _clean_query(request, criteria: dict) -> QueryDict:
    """The criteria and the screen's own parameters, without the form's empty fields."""
    query = search_services.criteria_as_query(criteria)
    for name in SCREEN_PARAMS:
        if request.GET.get(name):
            query[name] = request.GET[name]
    if not criteria and "search" in request.GET:
        query["search"] = "1"
    return query


def _same_query(first: QueryDict, second: QueryDict) -> bool:
    return sorted(first.lists()) == sorted(second.lists())


def _profiles(agent):
    return search_services.search_profiles_for(agent).prefetch_related("shared_with_roles")


@agent_required(SEARCH_REQUIRED)
@require_GET
def search(request):
    """The form, and once submitted the tickets matching it (``?search=1`` with no criteria:
    every visible ticket). On PostgreSQL a search running longer than
    ``OPSDESK_TICKET_SEARCH_TIMEOUT`` seconds is stopped and the agent asked to narrow it."""
    try:
        with statement_timeout(settings.OPSDESK_TICKET_SEARCH_TIMEOUT):
            response = _search(request)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            return response
    except Exception as error:
        if not is_statement_timeout(error):
            raise
    stopped = _(
        "The search took longer than %(seconds)s seconds and was stopped. Narrow it down: "
        "add words or a phrase, or choose contact persons, states or a time range."
    ) % {"seconds": f"{settings.OPSDESK_TICKET_SEARCH_TIMEOUT:g}"}
    return _search(request, stopped=stopped)


def _search(request, *, stopped: str = ""):
    """The search screen; ``stopped``: the search was stopped (too slow), show the form with
    this message instead of results."""
    agent = request.user
    criteria = search_services.criteria_from_query(request.GET)
    submitted = bool(criteria) or "search" in request.GET
    htmx = getattr(request, "htmx", None)
    clean_url = _search_url(_clean_query(request, criteria).urlencode())
    if submitted and not htmx and not _same_query(request.GET, _clean_query(request, criteria)):
        # The form sends every field, empty or not: answer with the short URL worth sharing.
        return redirect(clean_url)
    filterset = search_filterset(request, _base_queryset(agent), request.GET if submitted else None)
    criteria_query = search_services.criteria_as_query(criteria).urlencode()
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "layout": search_layout(filterset.form),
        "submitted": submitted,
        "criteria_query": criteria_query,
        "has_criteria": bool(criteria),
        "profiles": _profiles(agent),
        "profile_id": request.GET.get("profile", ""),
        "save_form": SaveSearchForm(agent=agent),
        "search_url": reverse("tickets:search"),
        "stopped_message": stopped,
    }
    if submitted and filterset.is_valid() and not stopped:
        results = filterset.qs
        paging = any(name in request.GET for name in ("page", "sort", "per_page"))
        if not paging:
            found = list(results.order_by().values_list("pk", flat=True)[:2])
            if len(found) == 1:
                zoom = reverse("tickets:zoom", args=[found[0]])
                if htmx:
                    return HttpResponseClientRedirect(zoom)
                return redirect(zoom)
        context.update(
            ticket_list_context(
                request,
                results,
                default_order=("age",),
                count_cap=search_limit(),
                empty_text=_("No ticket matches this search."),
                poll=False,
            )
        )
        context["export_urls"] = {
            kind: f"{reverse('tickets:search_export', args=[kind])}?{criteria_query}"
            for kind in EXPORT_KINDS
        }
    template = "tickets/search/search.html"
    if htmx and not htmx.history_restore_request:
        if htmx.target == REGION_TARGET:
            template = "tickets/search/region.html"
        elif htmx.target == LIST_TARGET and "table" in context:
            template = "tickets/lists/ticket_list.html"
    if stopped and htmx:
        template = "tickets/search/region.html"
    response = render(request, template, context)
    if htmx and stopped:
        response["HX-Retarget"] = f"#{REGION_TARGET}"
        response["HX-Reswap"] = "outerHTML"
    if htmx and htmx.target == REGION_TARGET and submitted:
        response["HX-Push-Url"] = clean_url
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@agent_required(SEARCH_REQUIRED)
@require_GET
def search_export(request, kind: str):
    """The current search's results (at most the search limit) as a CSV or XLSX download."""
    if kind not in EXPORT_KINDS:
        raise Http404
    agent = request.user
    filterset = search_filterset(request, _base_queryset(agent), request.GET, dynamic_fields=None)
    if not filterset.is_valid():
        messages.error(request, _("Correct the search before exporting its results."))
        criteria = search_services.criteria_from_query(request.GET)
        return redirect(_search_url(search_services.criteria_as_query(criteria).urlencode()))
    tickets = export.export_queryset(
        filterset.qs.order_by("-created_at", "-id"), limit=search_limit()
    )
    return EXPORT_KINDS[kind](tickets, agent=agent, filename=f"tickets.{kind}")


# Search templates ---------------------------------------------------------------------------------


def _back_to_search(request, query: str) -> HttpResponseRedirect:
    return redirect(_search_url(query))


def _show_errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@agent_required(SEARCH_REQUIRED)
@require_POST
def save_profile(request):
    """Save the current search (``query``) as a template of the agent."""
    agent = request.user
    form = SaveSearchForm(request.POST, agent=agent)
    query = request.POST.get("query", "")
    if not form.is_valid():
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, message)
        return _back_to_search(request, query)
    try:
        profile = search_services.save_search_profile(
            actor=agent,
            name=form.cleaned_data["name"],
            criteria=search_services.criteria_from_query(QueryDict(query)),
            roles=form.cleaned_data["roles"],
            replace=form.cleaned_data["replace"],
        )
    except ValidationError as error:
        _show_errors(request, error)
        return _back_to_search(request, query)
    messages.success(request, _("The search template “%(name)s” was saved.") % {"name": profile})
    return _back_to_search(request, f"{query}&profile={profile.pk}" if query else "")


def _visible_profile(agent, pk: int) -> TicketSearchProfile:
    return get_object_or_404(search_services.search_profiles_for(agent), pk=pk)


@agent_required(SEARCH_REQUIRED)
@require_GET
def run_profile(request, pk: int):
    """Run a template: the search screen with its criteria."""
    profile = _visible_profile(request.user, pk)
    query = search_services.criteria_as_query(profile.criteria)
    query["profile"] = str(profile.pk)
    return redirect(_search_url(query.urlencode()))


@agent_required(SEARCH_REQUIRED)
@require_POST
def overwrite_profile(request, pk: int):
    """Replace the criteria of the agent's own template by the current search."""
    profile = _visible_profile(request.user, pk)
    query = request.POST.get("query", "")
    try:
        search_services.update_search_profile(
            profile,
            actor=request.user,
            criteria=search_services.criteria_from_query(QueryDict(query)),
        )
    except ValidationError as error:
        _show_errors(request, error)
        return _back_to_search(request, query)
    messages.success(request, _("The search template “%(name)s” was updated.") % {"name": profile})
    return _back_to_search(request, f"{query}&profile={profile.pk}" if query else "")


@agent_required(SEARCH_REQUIRED)
@require_POST
def delete_profile(request, pk: int):
    profile = _visible_profile(request.user, pk)
    name = profile.name
    search_services.delete_search_profile(profile, actor=request.user)
    messages.success(request, _("The search template “%(name)s” was deleted.") % {"name": name})
    return redirect(safe_next_url(request, request.POST.get("next")) or "tickets:search")
