"""REST API: merge a ticket into another (``POST /api/v1/tickets/<number>/merge/``).

The ticket to merge is found among those the caller may see (404 otherwise); the target is named
by its number in ``into`` and must be visible too (400 otherwise). Both need ``rw`` (403 without);
the rules of ``services.merge_ticket`` answer 400 (into itself, into or from a merged ticket).
The answer is the surviving ticket, as ``GET /api/v1/tickets/<number>/`` shows it.
"""

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from opsdesk.api.permissions import IsAgent

from . import selectors, services
from .api import ticket_with_articles, visible_tickets
from .models import Ticket
from .serializers import TicketDetailSerializer


def register(router) -> None:
    router.register(
        r"tickets/(?P<number>[^/.]+)/merge", TicketMergeViewSet, basename="ticket-merge"
    )


class TicketMergeSerializer(serializers.Serializer):
    into = serializers.CharField(
        max_length=50, help_text=_("The number of the ticket that the ticket is merged into.")
    )


@extend_schema(
    summary=_("Merge a ticket into another"),
    description=_(
        "Moves the ticket's articles, time accounting, watchers and links into the ticket named "
        "by into, which becomes its parent; the ticket goes to the state merged and follow-ups "
        "to it land in the target. Needs rw on both contact persons. Answers with the target."
    ),
    parameters=[
        OpenApiParameter(
            "number",
            OpenApiTypes.STR,
            OpenApiParameter.PATH,
            description=_("The number of the ticket to merge."),
        )
    ],
    request=TicketMergeSerializer,
    responses={
        200: TicketDetailSerializer,
        400: OpenApiResponse(description=_("Refused: the reason per field.")),
        403: OpenApiResponse(description=_("No rw permission on one of the tickets.")),
        404: OpenApiResponse(description=_("No ticket with this number that you may see.")),
    },
)
class TicketMergeViewSet(viewsets.GenericViewSet):
    permission_classes = [IsAgent]
    serializer_class = TicketMergeSerializer

    def get_queryset(self):
        return visible_tickets(self.request.user)

    def create(self, request, number=None):
        ticket = self.get_queryset().filter(number=number).first()
        if ticket is None:
            raise Http404(gettext_now("There is no ticket with this number."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        into_number = serializer.validated_data["into"].strip()
        target = self.get_queryset().filter(number=into_number).first()
        if target is None:
            raise serializers.ValidationError(
                {"into": [gettext_now("There is no ticket with this number that you may see.")]}
            )
        with transaction.atomic():
            survivor = services.merge_ticket(ticket, into=target, actor=request.user)
        fresh = ticket_with_articles(
            Ticket.objects.select_related(*selectors.TICKET_HEADER_RELATED), pk=survivor.pk
        )
        data = TicketDetailSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_200_OK)
