"""Ticket lists (manual 5.2, 5.3): the queue view, the status view, the agent's locked, watched and
responsible tickets, the escalation view, My Queues, and the preview of a ticket's last article.

Every list starts from a selector that keeps to the queues where the agent has ``ro``; the table,
pager, bulk bar and preview come from ``ticket_list_context`` and the partial
``tickets/lists/ticket_list.html``, which the search results reuse. A page costs the same number of
queries with 2 or 100 rows, and never counts more than ``paging.DEFAULT_COUNT_CAP`` tickets.

htmx: a request whose target is ``ticket-list`` gets only the list (filters, sorting, paging and
the periodic refresh); in the queue view a target ``queue-view`` gets tree and list together.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from opsdesk.accounts.choices import PageSize, RefreshInterval
from opsdesk.core.forms import apply_bootstrap
from opsdesk.core.permissions import agent_required

from . import preference_services, selectors
from .list_filters import StatusListFilterSet, TicketListFilterSet
from .paging import (
    DEFAULT_COUNT_CAP,
    CappedPaginator,
    IdsFirstQuerySet,
    capped_count,
    format_capped_count,
    with_ids_first,
)
from .tables import TicketTable

LIST_TARGET = "ticket-list"
QUEUE_VIEW_TARGET = "queue-view"
QUEUE_VIEW_REQUIRED = ("ro", "queue_view")  # the menu's requirement (core/menu.py)
LISTS_REQUIRED = ("ro", "users")


# The shared list ---------------------------------------------------------------------------------


def page_size_for(request) -> int:
    """``?per_page=`` when it is one of the offered sizes, else the agent's preference."""
    offered = set(PageSize.values)
    try:
        asked = int(request.GET.get("per_page", ""))
    except ValueError:
        asked = 0
    if asked in offered:
        return asked
    return getattr(request.user, "page_size", None) or PageSize.TWENTY_FIVE


def refresh_interval_for(request) -> int:
    """Seconds between automatic refreshes (0: off), from the agent's preference."""
    return getattr(request.user, "refresh_interval", None) or RefreshInterval.OFF


def bulk_url() -> str | None:
    try:
        return reverse("tickets:bulk")
    except NoReverseMatch:  # the bulk screen is not wired (yet)
        return None


def _compact(form):
    """Small controls and three-line multiple selects, so that the filters take little room."""
    for field in form.fields.values():
        widget = field.widget
        css = widget.attrs.get("class", "")
        if "form-select" in css.split():
            widget.attrs["class"] = css + " form-select-sm"
        elif "form-control" in css.split():
            widget.attrs["class"] = css + " form-control-sm"
        if getattr(widget, "allow_multiple_selected", False):
            widget.attrs.setdefault("size", 3)
    return form


PRIORITY_LEVEL = "priority__level"


def _add_tiebreaker(table) -> None:
    """End the table's order with the id, so that tickets with equal sort values (same state,
    same priority...) keep their place from one page to the next; sort by the priority's level
    without joining the priority table (the priority ids in level order,
    ``paging.IdsFirstQuerySet.partitioned``)."""
    data = getattr(table.data, "data", None)
    if not isinstance(data, QuerySet):
        return
    order = list(data.query.order_by) or list(data.model._meta.ordering)
    names = [item for item in order if isinstance(item, str)]
    if len(names) != len(order):
        return
    names = ["id" if name == "pk" else "-id" if name == "-pk" else name for name in names]
    if not any(name.lstrip("-") == "id" for name in names):
        names.append("id")
    if (
        isinstance(data, IdsFirstQuerySet)
        and names[0].lstrip("-") == PRIORITY_LEVEL
        and not any("__" in name for name in names[1:])  # then: the ticket's own columns
    ):
        priority_ids = selectors.priority_ids_by_level(descending=names[0].startswith("-"))
        table.data.data = data.partitioned("priority_id", priority_ids, then=tuple(names[1:]))
    elif names != order:
        table.data.data = data.order_by(*names)


def ticket_list_context(
    request,
    queryset,
    *,
    filterset=None,
    default_order: tuple[str, ...] | None = ("age",),
    highlight_queue_ids=(),
    list_url: str | None = None,
    table_class: type[TicketTable] = TicketTable,
    exclude_columns: tuple[str, ...] = (),
    empty_text: str | None = None,
    count_cap: int = DEFAULT_COUNT_CAP,
    poll: bool = True,
    ids_first: bool = False,
) -> dict:
    """Everything ``tickets/lists/ticket_list.html`` needs to show ``queryset``.

    ``queryset`` must already be limited to what the agent may see and ``select_related`` the
    table's relations (``selectors.TICKET_LIST_RELATED``). ``filterset`` (bound to
    ``request.GET``) narrows it; invalid filter values show their message and an empty list.
    ``?sort=`` accepts sortable column names only (``-`` for descending), else ``default_order``
    applies (None: the queryset's own order). ``list_url`` is what the periodic refresh fetches
    (default: this request's URL); ``poll=False`` when an enclosing region refreshes instead.
    ``ids_first``: read the page in two queries, its ids from the ticket table (and its indexes)
    alone, then those rows with their relations (``paging.IdsFirstQuerySet``; one query more,
    much faster on big lists sorted by priority or filtered by state).
    """
    filter_form = None
    if filterset is not None:
        filter_form = _compact(apply_bootstrap(filterset.form))
        invalid = filterset.is_bound and not filterset.form.is_valid()
        queryset = queryset.none() if invalid else filterset.qs
    if ids_first:
        queryset = with_ids_first(queryset)
    sort = request.GET.get("sort", "").strip()
    table = table_class(
        queryset,
        order_by=sort or default_order,
        highlight_queue_ids=highlight_queue_ids,
        exclude=exclude_columns,
    )
    _add_tiebreaker(table)
    if empty_text:
        table.empty_text = empty_text
    per_page = page_size_for(request)
    paging = {
        "paginator_class": CappedPaginator,
        "per_page": per_page,
        "count_queryset": queryset,
        "cap": count_cap,
    }
    try:
        table.paginate(page=request.GET.get("page", 1), **paging)
    except PageNotAnInteger:
        table.paginate(page=1, **paging)
    except EmptyPage:
        table.paginate(page=table.paginator.num_pages, **paging)
    return {
        "table": table,
        "paginator": table.paginator,
        "page": table.page,
        "ticket_count": table.paginator.count_display,
        "ticket_count_capped": table.paginator.capped,
        "count_cap": format_capped_count(count_cap, count_cap + 1),
        "filterset": filterset,
        "filter_form": filter_form,
        "sort": sort,
        "per_page": per_page,
        "page_sizes": PageSize.values,
        "list_url": list_url or request.get_full_path(),
        "list_path": request.path,
        "bulk_url": bulk_url(),
        "refresh_interval": refresh_interval_for(request) if poll else 0,
        "hidden_params": {},
        "reset_url": request.path,
    }


def _respond(request, full_template: str, context: dict, partials: dict[str, str]):
    """The full page, or for an htmx request the partial its target names."""
    template = full_template
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request and htmx.target in partials:
        template = partials[htmx.target]
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


LIST_PARTIALS = {LIST_TARGET: "tickets/lists/ticket_list.html"}


def _keep_params(request, context: dict, params: dict[str, str]) -> None:
    """Parameters the filter form carries along (``hidden_params``) and its reset link."""
    kept = {name: value for name, value in params.items() if value}
    context["hidden_params"] = kept
    context["reset_url"] = request.path + (f"?{urlencode(kept)}" if kept else "")


# Queue view --------------------------------------------------------------------------------------


def queue_tree_items(nodes, *, selected=None, followed=frozenset()) -> SafeString:
    """The queue tree's links (``tickets/lists/queue_tree.html``), one per queue with its counts,
    built in Python: through the template engine the 60 queues of a big installation cost more
    CPU than the 25 ticket rows."""
    in_mine = escape(_("in My Queues"))
    counts_title = escape(_("open / available (unlocked)"))
    with_sub = escape(_("with sub-queues"))
    parts = []
    for node in nodes:
        pk = node.pk
        css = "list-group-item list-group-item-action d-flex justify-content-between"
        if selected is not None and selected.pk == pk:
            css += ' active" aria-current="page'
        if not node.subtree_total:
            css += " text-body-secondary"
        star = f'<span title="{in_mine}">★</span> ' if pk in followed else ""
        below = ""
        if node.children:
            below = (
                f' <span class="opacity-75" title="{with_sub}">'
                f"(Σ {localize(node.subtree_total)})</span>"
            )
        parts.append(
            f'<a class="{css}" href="?queue={pk}" hx-get="?queue={pk}" hx-push-url="true" '
            f'data-queue="{pk}" style="padding-left: {node.depth + 1}rem">'
            f"<span>{star}{escape(node.queue.name)}</span>"
            f'<span class="text-nowrap" data-testid="queue-count" title="{counts_title}">'
            f'{localize(node.total)} <span class="opacity-75">/ {localize(node.available)}</span>'
            f"{below}</span></a>"
        )
    return mark_safe("\n".join(parts))


@agent_required(QUEUE_VIEW_REQUIRED)
@require_GET
def queue_view(request):
    """The queue tree with open-ticket counts, and the open tickets of the chosen queue (``?queue=
    <id>``), of My Queues (``mine``) or of all queues (``all``); ``?view=available``: unlocked
    ones only. Default: My Queues when the agent follows any, else all."""
    agent = request.user
    state_ids = selectors.open_state_ids()
    nodes = selectors.queue_overview(agent, state_ids=state_ids)
    followed = selectors.followed_queue_ids(agent)
    visible = {node.pk for node in nodes}
    choice = request.GET.get("queue", "").strip() or ("mine" if followed else "all")
    selected = None
    if choice == "mine":
        queue_ids = followed & visible
    elif choice == "all":
        queue_ids = visible
    else:
        try:
            selected = next(node for node in nodes if str(node.pk) == choice)
        except StopIteration:
            raise Http404(_("There is no such contact person, or you may not see it.")) from None
        queue_ids = {selected.pk}
    available_only = request.GET.get("view") == "available"
    tickets = selectors.queue_view_tickets(
        agent, queue_ids, available_only, state_ids=state_ids, visible_ids=visible
    )
    filterset = TicketListFilterSet(request.GET or None, queryset=tickets, request=request)
    context = ticket_list_context(
        request,
        tickets,
        filterset=filterset,
        default_order=("-priority", "-age"),
        highlight_queue_ids=followed,
        exclude_columns=() if selected is None else ("queue",),
        empty_text=(
            _("You follow no contact person yet: choose My Queues below the tree.")
            if choice == "mine" and not followed
            else _("No open tickets here.")
        ),
        poll=False,
        ids_first=True,
    )
    context.update(
        {
            "nodes": nodes,
            "queue_tree_items": queue_tree_items(nodes, selected=selected, followed=followed),
            "choice": choice,
            "selected": selected,
            "available_only": available_only,
            "followed": followed,
            "mine_total": sum(node.total for node in nodes if node.pk in followed),
            "mine_available": sum(node.available for node in nodes if node.pk in followed),
            "all_total": sum(node.total for node in nodes),
            "all_available": sum(node.available for node in nodes),
            "region_refresh_interval": refresh_interval_for(request),
        }
    )
    _keep_params(request, context, {"queue": choice, "view": "available" if available_only else ""})
    return _respond(
        request,
        "tickets/lists/queue_view.html",
        context,
        {
            LIST_TARGET: "tickets/lists/ticket_list.html",
            QUEUE_VIEW_TARGET: "tickets/lists/queue_region.html",
        },
    )


# Status view and personal lists -----------------------------------------------------------------


@agent_required(LISTS_REQUIRED)
@require_GET
def status_view(request):
    """Open or closed (``?view=closed``) tickets of every queue the agent may see."""
    agent = request.user
    closed = request.GET.get("view") == "closed"
    visible = selectors.visible_queue_ids(agent)
    tickets = selectors.status_view_tickets(agent, closed=closed, visible_ids=visible)
    other = selectors.status_view_tickets(agent, closed=not closed, visible_ids=visible)
    counts = {closed: capped_count(tickets), not closed: capped_count(other)}
    filterset = StatusListFilterSet(request.GET or None, queryset=tickets, request=request)
    context = ticket_list_context(
        request,
        tickets,
        filterset=filterset,
        default_order=("age",),
        empty_text=_("No closed tickets.") if closed else _("No open tickets."),
        ids_first=True,
    )
    context.update(
        {
            "title": _("Status view"),
            "tabs": [
                (
                    "open",
                    _("Open tickets"),
                    format_capped_count(counts[False]),
                    not closed,
                ),
                ("closed", _("Closed tickets"), format_capped_count(counts[True]), closed),
            ],
            "testid": "status-view",
        }
    )
    _keep_params(request, context, {"view": "closed" if closed else ""})
    return _respond(request, "tickets/lists/list_page.html", context, LIST_PARTIALS)


PERSONAL_LISTS = {
    "locked": (
        selectors.locked_tickets,
        gettext_lazy("Locked tickets"),
        gettext_lazy("Tickets you own and have locked. Unlock a ticket to give it back."),
        gettext_lazy("You have no locked tickets."),
        ("age",),
    ),
    "watched": (
        selectors.watched_tickets,
        gettext_lazy("Watched tickets"),
        gettext_lazy("Tickets you watch (Watch in the ticket's menu)."),
        gettext_lazy("You watch no tickets."),
        ("age",),
    ),
    "responsible": (
        selectors.responsible_tickets,
        gettext_lazy("Responsible tickets"),
        gettext_lazy("Open tickets for which you are the responsible agent."),
        gettext_lazy("You are responsible for no open tickets."),
        ("age",),
    ),
    "escalation": (
        selectors.escalation_tickets,
        gettext_lazy("Escalation view"),
        gettext_lazy("Open tickets with an escalation time, the nearest deadline first."),
        gettext_lazy(
            "No open ticket has an escalation time. Escalation times come from the SLA of a "
            "ticket's service: tickets without an SLA never escalate."
        ),
        ("escalation",),
    ),
}


def _personal_list(request, kind: str):
    selector, title, description, empty_text, default_order = PERSONAL_LISTS[kind]
    tickets = selector(request.user)
    filterset = StatusListFilterSet(request.GET or None, queryset=tickets, request=request)
    context = ticket_list_context(
        request,
        tickets,
        filterset=filterset,
        default_order=default_order,
        empty_text=str(empty_text),
        ids_first=True,
    )
    context.update(
        {
            "title": title,
            "description": description,
            "testid": f"{kind}-list",
        }
    )
    _keep_params(request, context, {})
    return _respond(request, "tickets/lists/list_page.html", context, LIST_PARTIALS)


@agent_required(LISTS_REQUIRED)
@require_GET
def locked_list(request):
    return _personal_list(request, "locked")


@agent_required(LISTS_REQUIRED)
@require_GET
def watched_list(request):
    return _personal_list(request, "watched")


@agent_required(LISTS_REQUIRED)
@require_GET
def responsible_list(request):
    return _personal_list(request, "responsible")


@agent_required(LISTS_REQUIRED)
@require_GET
def escalation_view(request):
    return _personal_list(request, "escalation")


# Preview and My Queues ---------------------------------------------------------------------------


@agent_required()
@require_GET
def preview(request, pk: int):
    """htmx: the last article of a ticket (subject, from, date, start of the text); 404 when the
    agent may not see the ticket."""
    article = selectors.last_article_preview(request.user, pk)
    if article is None and not selectors.tickets_visible_to(request.user).filter(pk=pk).exists():
        raise Http404
    return render(request, "tickets/lists/preview.html", {"article": article, "ticket_pk": pk})


@agent_required()
@require_http_methods(["GET", "POST"])
def my_queues(request):
    """Choose the queues of My Queues (followed queues) among those the agent may see."""
    agent = request.user
    queues = list(selectors.queues_for(agent).order_by("full_name"))
    if request.method == "POST":
        wanted = set(request.POST.getlist("queue"))
        chosen = [queue for queue in queues if str(queue.pk) in wanted]
        if len(chosen) != len(wanted):
            messages.error(request, _("Choose only contact persons from the list."))
        else:
            preference_services.set_followed_queues(agent, chosen)
            messages.success(request, _("Your followed contact persons were saved."))
            return redirect("tickets:my_queues")
        followed = {queue.pk for queue in chosen}
    else:
        followed = selectors.followed_queue_ids(agent)
    return render(request, "tickets/lists/my_queues.html", {"queues": queues, "followed": followed})
