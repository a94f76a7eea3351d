"""Agent ticket screens: new phone and new email ticket, the ticket zoom with its history, and the
downloads of attachments and original messages (manual 5.1 and 5.5).

Every view starts from what the agent may see (``selectors.tickets_visible_to``): a ticket in a
queue without ``ro`` is answered with 404, as if it did not exist. The zoom's action dialogs live in
``action_views.py``.
"""

import re
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods

from opsdesk.accounts.choices import ArticleOrder
from opsdesk.core.dynamic_fields import labels_by_name
from opsdesk.core.forms import add_validation_error
from opsdesk.core.links import links_of
from opsdesk.core.permissions import agent_required
from opsdesk.customers.models import CustomerUser
from opsdesk.customers.selectors import companies_of_user

from . import selectors, services
from .action_urls import ALL_ACTION_VIEWS as ACTION_VIEWS
from .action_views import TicketCommandView
from .choices import DynamicFieldScreen, SenderType
from .forms import (
    CUSTOMER_SEARCH_LIMIT,
    NEW_TICKET_FORMS,
    customer_users_matching,
    screen_display_rows,
)
from .html import sanitize_html
from .models import Article, Attachment, Priority, Ticket, TicketState, TicketType
from .permissions import TicketAction, allowed_actions

# New tickets ------------------------------------------------------------------------------------

# Service errors under names the forms do not have, shown on the field they concern.
SERVICE_ERROR_FIELDS = {
    "to": "customer",
    "customer_company": "customer",
    "customer_address": "customer",
    "extra": NON_FIELD_ERRORS,
}


def _require_create(agent) -> None:
    if not selectors.queues_for(agent, TicketAction.CREATE).exists():
        raise PermissionDenied(_("You may not create tickets in any contact person (queue)."))


def _show_service_error(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        remapped: dict[str, list] = {}
        for name, errors in error.error_dict.items():
            remapped.setdefault(SERVICE_ERROR_FIELDS.get(name, name), []).extend(errors)
        error = ValidationError(remapped)
    add_validation_error(form, error)


def _new_ticket(request, kind: str):
    agent = request.user
    _require_create(agent)
    form_class = NEW_TICKET_FORMS[kind]
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, agent=agent)
        if form.is_valid():
            try:
                if kind == "phone":
                    ticket = services.create_ticket(actor=agent, **form.ticket_arguments())
                else:
                    ticket = services.create_email_ticket(
                        actor=agent, **form.email_ticket_arguments()
                    )
            except ValidationError as error:
                _show_service_error(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                if kind == "phone":
                    text = _("Ticket %(number)s was created.") % {"number": ticket.number}
                else:
                    text = _("Ticket %(number)s was created and the mail sent to %(to)s.") % {
                        "number": ticket.number,
                        "to": form.to_text,
                    }
                messages.success(request, text)
                return redirect("tickets:zoom", pk=ticket.pk)
    else:
        initial = {
            name: request.GET[name] for name in ("customer_user", "queue") if request.GET.get(name)
        }
        form = form_class(agent=agent, initial=initial)
    context = {
        "form": form,
        "kind": kind,
        "files_lost": request.method == "POST" and bool(request.FILES),
    }
    return render(request, "tickets/new_ticket.html", context)


@agent_required()
@require_http_methods(["GET", "POST"])
def new_phone_ticket(request):
    """A customer called (manual 5.1.1): the call is the ticket's first article."""
    return _new_ticket(request, "phone")


@agent_required()
@require_http_methods(["GET", "POST"])
def new_email_ticket(request):
    """The agent writes to a customer (manual 5.1.2): the sent mail is the first article."""
    return _new_ticket(request, "email")


NEW_TICKET_PARTS = {
    "queue": "tickets/new_ticket/queue_fields.html",
    "workflow": "tickets/new_ticket/workflow_fields.html",
    "template": "tickets/new_ticket/body_field.html",
}


@agent_required()
@require_GET
def new_ticket_fields(request, kind: str, part: str):
    """htmx: the part of a new-ticket form that depends on the queue (owner, responsible,
    templates), on the type and state (states, pending time) or on the chosen template (text)."""
    if kind not in NEW_TICKET_FORMS or part not in NEW_TICKET_PARTS:
        raise Http404
    if part == "template" and kind != "email":
        raise Http404
    agent = request.user
    _require_create(agent)
    names = ("queue", "owner", "responsible", "ticket_type", "state", "pending_until", "template")
    initial = {name: request.GET[name] for name in names if request.GET.get(name)}
    form = NEW_TICKET_FORMS[kind](agent=agent, initial=initial)
    if part == "template":
        template = form.chosen_object(form.fields["template"].queryset, "template")
        if template is None:  # no template chosen (any more): the text stays as written
            return HttpResponse(status=204)
        form.initial["body"] = template.text
    return render(request, NEW_TICKET_PARTS[part], {"form": form, "kind": kind})


@agent_required()
@require_GET
def customer_search(request):
    """htmx: valid customer users matching ``?q=`` (login, name, email, company), for the customer
    fields of the ticket screens; ``?select=<id>`` answers the chosen user's block (hidden
    ``customer_user`` and a ``customer_company`` choice among the user's companies)."""
    agent = request.user
    if not (
        selectors.queues_for(agent, TicketAction.CREATE).exists()
        or selectors.queues_for(agent, TicketAction.CUSTOMER).exists()
    ):
        raise PermissionDenied
    if "select" in request.GET or "clear" in request.GET:
        customer_user = None
        if "select" in request.GET:
            try:
                customer_user = (
                    CustomerUser.objects.valid()
                    .select_related("company")
                    .get(pk=int(request.GET["select"]))
                )
            except (ValueError, CustomerUser.DoesNotExist) as error:
                raise Http404 from error
        context = {
            "customer_user": customer_user,
            "companies": companies_of_user(customer_user) if customer_user else [],
            "clear_results": True,
        }
        return render(request, "tickets/customer/selected.html", context)
    text = (request.GET.get("q") or request.GET.get("customer") or "").strip()
    users = list(customer_users_matching(text)[:CUSTOMER_SEARCH_LIMIT]) if text else []
    return render(request, "tickets/customer/results.html", {"users": users, "q": text})


# Ticket zoom ------------------------------------------------------------------------------------

# The permission (ticket action) each entry of the zoom's menu needs: the one its view checks on
# the server (``action_views.ACTION_VIEWS``), so that the menu and the 403s cannot drift apart.
ACTION_REQUIREMENTS = {name: view.action for name, view in ACTION_VIEWS.items()} | {
    "history": TicketAction.VIEW
}

# Actions that change something at once: buttons of POST forms rather than links to a dialog.
POST_ACTIONS = frozenset(
    name for name, view in ACTION_VIEWS.items() if issubclass(view, TicketCommandView)
)


@dataclass(frozen=True)
class MenuEntry:
    name: str
    label: str
    url: str
    post: bool = False


def action_menu(ticket: Ticket, allowed: frozenset[str], watching: bool):
    """The zoom's action menu grouped like OTOBO's: (group label or None, entries), only with
    the actions ``allowed``; groups left empty are dropped."""

    def entry(name: str, label: str) -> MenuEntry | None:
        if ACTION_REQUIREMENTS[name] not in allowed:
            return None
        url_name = "tickets:history" if name == "history" else f"tickets:{name}"
        return MenuEntry(name, label, reverse(url_name, args=[ticket.pk]), name in POST_ACTIONS)

    groups = [
        (None, [entry("unlock", _("Unlock")) if ticket.locked else entry("lock", _("Lock"))]),
        (None, [entry("unwatch", _("Unwatch")) if watching else entry("watch", _("Watch"))]),
        (None, [entry("print", _("Print"))]),
        (None, [entry("priority", _("Priority"))]),
        (
            _("People"),
            [
                entry("owner", _("Owner")),
                entry("responsible", _("Responsible")),
                entry("customer", _("Customer")),
            ],
        ),
        (
            _("Communication"),
            [
                entry("note", _("Note")),
                entry("phone", _("Phone call")),
                entry("email", _("Email")),
            ],
        ),
        (None, [entry("pending", _("Pending"))]),
        (None, [entry("close", pgettext("ticket action", "Close"))]),
        (
            _("Miscellaneous"),
            [
                entry("history", _("History")),
                entry("attributes", _("Title and type")),
                entry("dynamic_fields", _("Dynamic fields")),
                entry("time", _("Time accounting")),
                None if ticket.merged_into_id else entry("merge", _("Merge")),
                entry("link", _("Link")),
            ],
        ),
        (None, [entry("move", _("Move"))]),
        (None, [entry("state", _("State"))]),
    ]
    result = []
    for label, entries in groups:
        kept = [item for item in entries if item is not None]
        if kept:
            result.append((label, kept))
    return result


@dataclass(frozen=True)
class ArticleEntry:
    """An article as the timeline shows it."""

    article: Article
    kind: str  # "customer" (visible for the customer), "internal" (note) or "system"
    html: str  # the sanitised HTML body, or "" for plain text
    expanded: bool
    reply_all: bool


def article_kind(article: Article) -> str:
    if article.sender_type == SenderType.SYSTEM:
        return "system"
    return "customer" if article.is_visible_for_customer else "internal"


def _has_several_recipients(article: Article) -> bool:
    addresses = [part for part in article.to_addresses.split(",") if part.strip()]
    return bool(article.cc_addresses.strip()) or len(addresses) > 1


def article_entries(ticket: Ticket, agent) -> list[ArticleEntry]:
    newest_first = agent.article_order == ArticleOrder.NEWEST_FIRST
    articles = list(selectors.articles_of(ticket, newest_first=newest_first))
    newest = max(articles, key=lambda item: (item.created_at, item.pk), default=None)
    return [
        ArticleEntry(
            article=article,
            kind=article_kind(article),
            # Sanitised again on display: rows written by older versions or by hand stay safe.
            html=sanitize_html(article.body_html) if article.body_html else "",
            expanded=article is newest,
            reply_all=_has_several_recipients(article),
        )
        for article in articles
    ]


def _visible_ticket(agent, pk: int) -> Ticket:
    try:
        return selectors.ticket_for_zoom(agent, pk)
    except Ticket.DoesNotExist as error:
        raise Http404 from error


@agent_required()
@require_GET
def zoom(request, pk: int):
    """The ticket zoom (manual 5.5): header, customer and linked-objects panels, actions and the
    article timeline; 404 unless the agent has ``ro`` on the ticket's queue."""
    agent = request.user
    ticket = _visible_ticket(agent, pk)
    allowed = allowed_actions(agent, ticket)
    watching = selectors.watching(agent, ticket)
    customer_user = ticket.customer_user
    context = {
        "ticket": ticket,
        "allowed": allowed,
        "menu": action_menu(ticket, allowed, watching),
        "watching": watching,
        "can_reply": TicketAction.REPLY in allowed,
        "articles": article_entries(ticket, agent),
        "newest_first": agent.article_order == ArticleOrder.NEWEST_FIRST,
        "dynamic_rows": screen_display_rows(DynamicFieldScreen.ZOOM, ticket.extra),
        "customer_user": customer_user,
        "company": ticket.customer_company,
        "other_tickets": list(selectors.other_open_tickets_of_customer(ticket, agent)),
        "time_units": ticket.time_accounting.aggregate(total=Sum("units"))["total"],
        "inline_types": INLINE_TYPES,
        "link_groups": links_of(ticket, agent=agent),
    }
    return render(request, "tickets/zoom.html", context)


def _history_field_label(name: str, dynamic_labels: dict[str, str]) -> str:
    if not name:
        return ""
    if name in dynamic_labels:
        return dynamic_labels[name]
    try:
        return str(Ticket._meta.get_field(name).verbose_name)
    except Exception:  # a field that is not a model field ("customer"): its name is its label
        return name.replace("_", " ")


def _history_vocabulary() -> dict[str, dict[str, str]]:
    """Variable name -> label in the viewer's language, for the history's state, priority and
    type values (history keeps the variable names, which do not change with the language)."""
    return {
        "state": {state.name: state.display_label for state in TicketState.objects.all()},
        "priority": {item.name: item.display_label for item in Priority.objects.all()},
        "ticket_type": {item.name: item.display_label for item in TicketType.objects.all()},
    }


def _history_value(field: str, value: str, vocabulary: dict[str, dict[str, str]]) -> str:
    if field in vocabulary:
        return vocabulary[field].get(value, value)
    if field == "pending_until" and value:
        moment = parse_datetime(value)
        if moment is not None:
            return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    return value


@agent_required()
@require_GET
def history(request, pk: int):
    """Every change of the ticket, newest first."""
    ticket = _visible_ticket(request.user, pk)
    labels = labels_by_name("ticket")
    vocabulary = _history_vocabulary()
    entries = [
        (
            entry,
            _history_field_label(entry.field, labels),
            _history_value(entry.field, entry.old_value, vocabulary),
            _history_value(entry.field, entry.new_value, vocabulary),
        )
        for entry in selectors.history_of(ticket).reverse()
    ]
    return render(request, "tickets/history.html", {"ticket": ticket, "entries": entries})


@agent_required()
@require_GET
def by_number(request, number: str):
    """/tickets/number/<number>/ leads to the zoom of the ticket, if the agent may see it."""
    ticket = (
        selectors.tickets_visible_to(request.user).filter(number=number.strip()).only("pk").first()
    )
    if ticket is None:
        raise Http404
    return redirect("tickets:zoom", pk=ticket.pk)


NUMBER_IN_TEXT = re.compile(r"\d{6,}")


@agent_required()
@require_GET
def jump_to_number(request):
    """The Tickets area's "ticket number" box: to the zoom, or back with a message."""
    text = request.GET.get("number", "")
    found = NUMBER_IN_TEXT.search(text)
    ticket = None
    if found:
        ticket = (
            selectors.tickets_visible_to(request.user)
            .filter(number=found.group(0))
            .only("pk")
            .first()
        )
    if ticket is None:
        messages.error(
            request,
            _("There is no ticket %(number)s that you may see.") % {"number": text.strip()},
        )
        return redirect("core:area_tickets")
    return redirect("tickets:zoom", pk=ticket.pk)


# Downloads --------------------------------------------------------------------------------------

CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
# Shown in the browser with ?inline=1; anything else (HTML, SVG, scripts...) is only downloaded.
INLINE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "application/pdf"}
)
UNSAFE_IN_FILENAME = re.compile(r"[\x00-\x1f\x7f/\\]+")


def safe_filename(name: str, fallback: str = "attachment") -> str:
    """A file name for Content-Disposition: no control characters or path separators."""
    return UNSAFE_IN_FILENAME.sub("_", name or "").strip(" .") or fallback


def _open(field_file):
    try:
        return field_file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404 from error


@agent_required()
@require_GET
def attachment(request, pk: int):
    """An article's attachment as a download; ``?inline=1`` shows images and PDFs in the
    browser. 404 unless the agent may see the ticket."""
    item = (
        Attachment.objects.filter(
            pk=pk, article__ticket__in=selectors.tickets_visible_to(request.user)
        )
        .only("file", "filename", "content_type")
        .first()
    )
    if item is None:
        raise Http404
    content_type = (item.content_type or "").split(";")[0].strip().lower()
    if not CONTENT_TYPE.match(content_type):
        content_type = "application/octet-stream"
    inline = request.GET.get("inline") == "1" and content_type in INLINE_TYPES
    response = FileResponse(
        _open(item.file),
        as_attachment=not inline,
        filename=safe_filename(item.filename),
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@agent_required()
@require_GET
def article_source(request, pk: int):
    """The original message of an email article (.eml, ``message/rfc822``)."""
    article = (
        Article.objects.filter(pk=pk, ticket__in=selectors.tickets_visible_to(request.user))
        .select_related("ticket")
        .only("source", "ticket__number")
        .first()
    )
    if article is None or not article.source:
        raise Http404
    response = FileResponse(
        _open(article.source),
        as_attachment=True,
        filename=f"{article.ticket.number}-{article.pk}.eml",
        content_type="message/rfc822",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
