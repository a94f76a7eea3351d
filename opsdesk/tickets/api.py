"""REST API of the tickets area: tickets, their articles and attachments, and the master data
clients need to write them (queues, states, priorities, ticket types with their workflows).

Permissions are the UI's: an agent sees the tickets of the queues whose group grants them ``ro``
(others answer 404, as if they did not exist) and each change needs the permission its service
checks (``note`` for notes, ``move_into``, ``owner``, ``priority``, ``rw`` for the rest): without
it the answer is 403 and nothing changes. Tickets are addressed by their number
(``/tickets/2026112410000012/``) and never deleted.
"""

from django.conf import settings
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser, get_encoding
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils import json

from opsdesk.api.permissions import IsAgent

from . import filtersets, selectors
from .models import (
    Article,
    Attachment,
    Priority,
    Ticket,
    TicketState,
    TicketType,
    TicketTypeState,
    TicketTypeTransition,
)
from .permissions import TicketAction
from .serializers import (
    ArticleCreateSerializer,
    ArticleSerializer,
    AttachmentSerializer,
    PrioritySerializer,
    QueueSerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketSerializer,
    TicketStateSerializer,
    TicketTypeSerializer,
    TicketUpdateSerializer,
)

TICKET_NUMBER = OpenApiParameter(
    "number", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The ticket number.")
)
ARTICLES_TICKET_NUMBER = OpenApiParameter(
    "ticket_number", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The ticket number.")
)
VARIABLE_NAME = OpenApiParameter(
    "name", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The variable name.")
)


def register(router) -> None:
    router.register("tickets", TicketViewSet, basename="ticket")
    router.register(
        r"tickets/(?P<ticket_number>[^/]+)/articles",
        TicketArticleViewSet,
        basename="ticket-article",
    )
    router.register("articles", ArticleViewSet, basename="article")
    router.register("attachments", AttachmentViewSet, basename="attachment")
    router.register("queues", QueueViewSet, basename="queue")
    router.register("ticket-states", TicketStateViewSet, basename="ticket-state")
    router.register("priorities", PriorityViewSet, basename="priority")
    router.register("ticket-types", TicketTypeViewSet, basename="ticket-type")


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def request_body_limit() -> int:
    """The largest JSON body the ticket endpoints read: one attachment of the largest size, in
    base64, and room for the rest (at least Django's limit for form posts)."""
    encoded = -(-settings.OPSDESK_ATTACHMENT_MAX_SIZE // 3) * 4
    return max(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0, encoded + 1024 * 1024)


class AttachmentJSONParser(BaseParser):
    """JSON, for requests that carry attachments in base64.

    DRF's JSON parser reads the body through Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB),
    meant for form posts; here files travel inside the JSON, so the limit follows the
    attachment size limit (larger files are then refused by name, with the limit).
    """

    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        limit = request_body_limit()
        request = parser_context.get("request")
        length = int(getattr(request, "META", {}).get("CONTENT_LENGTH") or 0)
        body = stream.read(limit + 1) if length <= limit else b""
        if length > limit or len(body) > limit:
            raise RequestTooLarge(
                gettext_now("The request is larger than %(limit)s.")
                % {"limit": filesizeformat(limit)}
            )
        try:
            return json.loads(body.decode(get_encoding(parser_context)))
        except ValueError as error:
            raise ParseError(gettext_now("JSON parse error - %s") % error) from error


def visible_tickets(agent):
    """The tickets ``agent`` may see, with what their representation needs."""
    return selectors.tickets_visible_to(agent).select_related(*selectors.TICKET_HEADER_RELATED)


def articles_with_attachments():
    return Article.objects.select_related("created_by", "ticket").prefetch_related("attachments")


def ticket_with_articles(queryset, **lookup) -> Ticket:
    return queryset.prefetch_related(
        Prefetch(
            "articles",
            queryset=Article.objects.select_related("created_by")
            .prefetch_related("attachments")
            .order_by("created_at", "id"),
        )
    ).get(**lookup)


@extend_schema_view(
    list=extend_schema(
        summary=_("List tickets"),
        description=_(
            "The tickets in the contact persons (queues) you may see (ro), newest first. "
            "Filters: q (number or title contains), number (* for any characters), queue (id), "
            "state, state_type, priority, type (variable names; several repeated or separated "
            "by commas), owner, responsible, customer_user (logins), customer_id, locked, "
            "created_after/before, changed_after/before (ISO 8601), ordering."
        ),
    ),
    retrieve=extend_schema(
        summary=_("Show a ticket with its articles"), parameters=[TICKET_NUMBER]
    ),
    create=extend_schema(
        summary=_("Create a ticket with its first article"),
        description=_(
            "Needs the create permission on the contact person. The first article is recorded "
            "(a phone call by default); no mail is sent: to write to the customer, add an "
            "article with send_email. Attachments come base64-encoded."
        ),
        request=TicketCreateSerializer,
        responses={201: TicketDetailSerializer},
    ),
    partial_update=extend_schema(
        summary=_("Change a ticket's attributes"),
        description=_(
            "Each attribute that changes goes through its own rule and permission (state along "
            "the type's workflow, queue needs move_into, owner needs owner, priority needs "
            "priority, the others rw); values equal to the current ones are left alone. The "
            "ticket's attributes change first, then it moves, then owner, responsible and lock "
            "(which must fit the queue it ends up in). All changes are made or none: a refused "
            "one answers 400 (403 for a missing permission) and nothing is changed."
        ),
        parameters=[TICKET_NUMBER],
        request=TicketUpdateSerializer,
        responses={200: TicketDetailSerializer},
    ),
)
class TicketViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Tickets, addressed by their number. No ``PUT`` and no ``DELETE``: ``PATCH`` changes what
    it names, and tickets are closed, never deleted."""

    permission_classes = [IsAgent]
    parser_classes = [AttachmentJSONParser]
    filterset_class = filtersets.TicketFilterSet
    lookup_field = "number"
    lookup_value_regex = r"[^/]+"

    def get_queryset(self):
        return visible_tickets(self.request.user)

    def get_serializer_class(self):
        return {
            "list": TicketSerializer,
            "create": TicketCreateSerializer,
            "partial_update": TicketUpdateSerializer,
        }.get(self.action, TicketDetailSerializer)

    def get_object(self):
        queryset = self.get_queryset()
        try:
            ticket = ticket_with_articles(queryset, number=self.kwargs["number"])
        except Ticket.DoesNotExist as error:
            raise Http404(gettext_now("There is no ticket with this number.")) from error
        self.check_object_permissions(self.request, ticket)
        return ticket

    def answer_with(self, ticket: Ticket, status_code=status.HTTP_200_OK) -> Response:
        """The ticket as stored now. The caller just changed it (the services checked that they
        may), so it is shown even when it moved out of the queues they see."""
        fresh = ticket_with_articles(
            Ticket.objects.select_related(*selectors.TICKET_HEADER_RELATED), pk=ticket.pk
        )
        data = TicketDetailSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = serializer.save(actor=request.user)
        response = self.answer_with(ticket, status.HTTP_201_CREATED)
        response["Location"] = response.data["url"]
        return response

    def partial_update(self, request, *args, **kwargs):
        ticket = self.get_object()
        serializer = self.get_serializer(ticket, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.save(actor=request.user)
        return self.answer_with(ticket)


@extend_schema_view(
    list=extend_schema(
        summary=_("List a ticket's articles"),
        description=_("Oldest first; internal ones (not visible for the customer) are marked."),
        parameters=[ARTICLES_TICKET_NUMBER],
    ),
    create=extend_schema(
        summary=_("Add an article to a ticket"),
        description=_(
            "A note (channel internal) needs the note permission; phone calls, recorded mail and "
            "sent mail need rw. With send_email the article is mailed from the ticket's contact "
            "person to to/cc/bcc (kind reply, email or forward; in_reply_to_article threads "
            "it) and kept with its source. state (and pending_until) sets the next state."
        ),
        parameters=[ARTICLES_TICKET_NUMBER],
        request=ArticleCreateSerializer,
        responses={201: ArticleSerializer},
    ),
)
class TicketArticleViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The articles of one ticket (``/tickets/<number>/articles/``)."""

    permission_classes = [IsAgent]
    parser_classes = [AttachmentJSONParser]
    serializer_class = ArticleSerializer

    def ticket(self) -> Ticket:
        if not hasattr(self, "_ticket"):
            self._ticket = get_object_or_404(
                visible_tickets(self.request.user), number=self.kwargs["ticket_number"]
            )
        return self._ticket

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no ticket
            return Article.objects.none()
        return articles_with_attachments().filter(ticket=self.ticket()).order_by("created_at", "id")

    def get_serializer_class(self):
        return ArticleCreateSerializer if self.action == "create" else ArticleSerializer

    def create(self, request, *args, **kwargs):
        ticket = self.ticket()
        serializer = ArticleCreateSerializer(
            data=request.data, context={**self.get_serializer_context(), "ticket": ticket}
        )
        serializer.is_valid(raise_exception=True)
        article = serializer.save(actor=request.user)
        data = ArticleSerializer(
            articles_with_attachments().get(pk=article.pk), context=self.get_serializer_context()
        ).data
        return Response(data, status=status.HTTP_201_CREATED)


class DownloadViewSet(viewsets.GenericViewSet):
    """Endpoints that answer with a file: they answer whatever the client accepts (errors still
    come as JSON)."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


@extend_schema_view(
    retrieve=extend_schema(summary=_("Show an article")),
    source=extend_schema(
        summary=_("Download an article's original message"),
        description=_("The message as received or sent (email articles); 404 when there is none."),
        responses={
            (200, "message/rfc822"): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("The original message.")
            ),
        },
    ),
)
class ArticleViewSet(mixins.RetrieveModelMixin, DownloadViewSet):
    """One article, seen by who may see its ticket."""

    permission_classes = [IsAgent]
    serializer_class = ArticleSerializer

    def get_queryset(self):
        visible = selectors.tickets_visible_to(self.request.user)
        return articles_with_attachments().filter(ticket__in=visible)

    @action(detail=True, methods=["get"], url_path="source", url_name="source")
    def source(self, request, pk=None):
        article = self.get_object()
        if not article.source:
            raise Http404(gettext_now("This article has no original message."))
        return FileResponse(
            article.source.open("rb"),
            content_type="message/rfc822",
            as_attachment=True,
            filename=f"{article.ticket.number}-{article.pk}.eml",
        )


@extend_schema_view(
    retrieve=extend_schema(summary=_("Show an attachment's metadata")),
    download=extend_schema(
        summary=_("Download an attachment"),
        description=_("The file, with its content type, as a download."),
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("The file.")
            ),
        },
    ),
)
class AttachmentViewSet(mixins.RetrieveModelMixin, DownloadViewSet):
    """An article's file, seen by who may see its ticket."""

    permission_classes = [IsAgent]
    serializer_class = AttachmentSerializer

    def get_queryset(self):
        visible = selectors.tickets_visible_to(self.request.user)
        return Attachment.objects.filter(article__ticket__in=visible)

    @action(detail=True, methods=["get"], url_path="download", url_name="download")
    def download(self, request, pk=None):
        attachment = self.get_object()
        try:
            content = attachment.file.open("rb")
        except FileNotFoundError as error:
            raise Http404(gettext_now("The file of this attachment is missing.")) from error
        return FileResponse(
            content,
            content_type=attachment.content_type or "application/octet-stream",
            as_attachment=True,
            filename=attachment.filename,
        )


# Master data ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("List contact persons (queues)"),
        description=_("The valid queues you may see (ro), with your permissions on each."),
    ),
    retrieve=extend_schema(summary=_("Show a contact person (queue)")),
)
class QueueViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsAgent]
    serializer_class = QueueSerializer

    def get_queryset(self):
        return (
            selectors.queues_for(self.request.user, TicketAction.VIEW)
            .select_related("group", "system_address")
            .order_by("full_name")
        )


class VocabularyViewSet(viewsets.ReadOnlyModelViewSet):
    """Master data every agent may read, addressed by variable name."""

    permission_classes = [IsAgent]
    lookup_field = "name"
    lookup_value_regex = r"[a-z0-9_:]+"


@extend_schema_view(
    list=extend_schema(summary=_("List ticket states")),
    retrieve=extend_schema(summary=_("Show a ticket state"), parameters=[VARIABLE_NAME]),
)
class TicketStateViewSet(VocabularyViewSet):
    serializer_class = TicketStateSerializer
    queryset = TicketState.objects.order_by("id")


@extend_schema_view(
    list=extend_schema(summary=_("List priorities")),
    retrieve=extend_schema(summary=_("Show a priority"), parameters=[VARIABLE_NAME]),
)
class PriorityViewSet(VocabularyViewSet):
    serializer_class = PrioritySerializer
    queryset = Priority.objects.order_by("level")


@extend_schema_view(
    list=extend_schema(
        summary=_("List ticket types with their workflows"),
        description=_("Each type's allowed states, initial states and transitions."),
    ),
    retrieve=extend_schema(summary=_("Show a ticket type"), parameters=[VARIABLE_NAME]),
)
class TicketTypeViewSet(VocabularyViewSet):
    serializer_class = TicketTypeSerializer
    queryset = (
        TicketType.objects.select_related("default_state")
        .prefetch_related(
            Prefetch(
                "state_links",
                queryset=TicketTypeState.objects.select_related("state").order_by("state_id"),
            ),
            Prefetch(
                "transitions",
                queryset=TicketTypeTransition.objects.select_related(
                    "from_state", "to_state"
                ).order_by("from_state_id", "to_state_id"),
            ),
        )
        .order_by("name")
    )
