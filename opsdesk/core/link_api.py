"""REST API of links between objects (``/api/v1/links/``), with the rules of the zoom's Link dialog.

Objects are named ``{"type": "ticket", "key": "2026112410000012"}`` (tickets by their number; other
types by the key their area declares). Listing needs the object: ``?object=ticket:<number>``, and
shows only the linked objects the agent may see. Adding and removing a link need the link
permission on both objects (tickets: ``rw`` on their queue); an object the agent may not see is
answered as if it did not exist.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from opsdesk.api.permissions import IsAgent

from . import links
from .models import Link, LinkType


def register(router) -> None:
    router.register("links", LinkViewSet, basename="link")


# Serializers --------------------------------------------------------------------------------------


class ObjectReferenceSerializer(serializers.Serializer):
    """An object named by its type and key."""

    type = serializers.CharField(help_text=_("The object type, e.g. ticket."))
    key = serializers.CharField(help_text=_("The object's key; for tickets, the ticket number."))


class LinkedObjectSerializer(serializers.Serializer):
    type = serializers.CharField(help_text=_("The object type, e.g. ticket."))
    key = serializers.CharField(help_text=_("The object's key; for tickets, the ticket number."))
    label = serializers.CharField(help_text=_("How the object is shown, e.g. number and title."))
    url = serializers.CharField(help_text=_("The object's page in the web interface."))


class LinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    link_type = serializers.ChoiceField(choices=LinkType.choices)
    source = LinkedObjectSerializer(help_text=_("For parent/child links: the parent."))
    target = LinkedObjectSerializer(help_text=_("For parent/child links: the child."))
    created_at = serializers.DateTimeField()


class ObjectLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    link_type = serializers.ChoiceField(choices=LinkType.choices)
    relation = serializers.ChoiceField(
        choices=links.Relation.choices,
        help_text=_("What the linked object is to the object asked about."),
    )
    object = LinkedObjectSerializer(help_text=_("The linked object."))
    created_at = serializers.DateTimeField()


class LinkCreateSerializer(serializers.Serializer):
    source = ObjectReferenceSerializer(help_text=_("For parent/child links: the parent."))
    target = ObjectReferenceSerializer(help_text=_("For parent/child links: the child."))
    link_type = serializers.ChoiceField(choices=LinkType.choices)


# Helpers ------------------------------------------------------------------------------------------


def described(linkable: links.LinkableType, obj) -> dict:
    return {
        "type": linkable.key,
        "key": linkable.api_key(obj),
        "label": linkable.label_of(obj),
        "url": linkable.url_of(obj),
    }


def find_object(agent, type_key: str, key: str, field: str):
    """The object (type, key) among those ``agent`` may see; a 400 at ``field`` otherwise."""
    try:
        linkable = links.object_type(type_key)
    except DjangoValidationError as error:
        raise ValidationError({field: error.messages}) from error
    obj = linkable.from_api_key(key, agent=agent)
    if obj is None:
        raise ValidationError(
            {
                field: [
                    gettext_now("There is no %(type)s “%(key)s” that you may see.")
                    % {"type": str(linkable.label).lower(), "key": key}
                ]
            }
        )
    return obj


def visible_ends(link: Link, agent) -> dict:
    """{"source": {...}, "target": {...}} of ``link``; 404 unless the agent may see both."""
    ends = {}
    for end in ("source", "target"):
        type_key, pk = getattr(link, f"{end}_type"), getattr(link, f"{end}_id")
        try:
            linkable = links.object_type(type_key)
        except DjangoValidationError as error:
            raise Http404 from error
        obj = linkable.in_bulk([pk], agent).get(pk)
        if obj is None:
            raise Http404(gettext_now("There is no such link."))
        ends[end] = described(linkable, obj)
    return ends


def link_data(link: Link, ends: dict) -> dict:
    return {
        "id": link.pk,
        "link_type": link.link_type,
        "created_at": link.created_at,
        **ends,
    }


OBJECT = OpenApiParameter(
    "object",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=True,
    description=_("The object whose links to list, as type:key, e.g. ticket:2026112410000012."),
)
LINK_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The link's id.")
)


@extend_schema_view(
    list=extend_schema(
        summary=_("List the links of an object"),
        description=_(
            "The objects linked to ?object=type:key that you may see, with the relation of each "
            "(parent, child or normal) as seen from the object asked about. 404 when you may not "
            "see the object."
        ),
        parameters=[OBJECT],
        responses={200: ObjectLinkSerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary=_("Show a link"), parameters=[LINK_ID], responses={200: LinkSerializer}
    ),
    create=extend_schema(
        summary=_("Link two objects"),
        description=_(
            "Needs the link permission on both objects (tickets: rw). A link already joining "
            "the two objects is replaced. Refused with 400: an object linked to itself, a link "
            "type the two object types do not allow, a parent/child link that would make an "
            "object its own ancestor."
        ),
        request=LinkCreateSerializer,
        responses={201: LinkSerializer},
    ),
    destroy=extend_schema(
        summary=_("Remove a link"),
        description=_("Needs the link permission on both objects; history is written on both."),
        parameters=[LINK_ID],
        responses={204: None},
    ),
)
class LinkViewSet(viewsets.GenericViewSet):
    """Links between objects: list those of one object, add, show, remove (no change in
    place: add a link of another type to replace it)."""

    permission_classes = [IsAgent]
    queryset = Link.objects.none()
    serializer_class = LinkSerializer
    pagination_class = None  # the links of one object: few, listed whole
    lookup_value_regex = r"\d+"

    def get_serializer_class(self):
        return LinkCreateSerializer if self.action == "create" else LinkSerializer

    def list(self, request, *args, **kwargs):
        value = request.query_params.get("object", "")
        type_key, _sep, key = value.partition(":")
        if not type_key or not key:
            raise ValidationError(
                {"object": [gettext_now("Name the object as type:key, e.g. ticket:<number>.")]}
            )
        try:
            linkable = links.object_type(type_key)
        except DjangoValidationError as error:
            raise ValidationError({"object": error.messages}) from error
        obj = linkable.from_api_key(key, agent=request.user)
        if obj is None:
            raise Http404(gettext_now("There is no such object that you may see."))
        data = [
            {
                "id": item.link.pk,
                "link_type": item.link.link_type,
                "relation": item.relation,
                "object": described(item.object_type, item.obj),
                "created_at": item.link.created_at,
            }
            for item in links.linked_objects(obj, agent=request.user)
        ]
        return Response(ObjectLinkSerializer(data, many=True).data)

    def get_link(self) -> Link:
        link = Link.objects.filter(pk=self.kwargs["pk"]).first()
        if link is None:
            raise Http404(gettext_now("There is no such link."))
        return link

    def retrieve(self, request, *args, **kwargs):
        link = self.get_link()
        return Response(LinkSerializer(link_data(link, visible_ends(link, request.user))).data)

    def create(self, request, *args, **kwargs):
        serializer = LinkCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        agent = request.user
        source = find_object(agent, data["source"]["type"], data["source"]["key"], "source")
        target = find_object(agent, data["target"]["type"], data["target"]["key"], "target")
        link = links.add_link(
            actor=agent, source=source, target=target, link_type=data["link_type"]
        )
        ends = {
            "source": described(links.type_of(source), source),
            "target": described(links.type_of(target), target),
        }
        if (link.source_type, link.source_id) != links.object_key(source):
            ends = {"source": ends["target"], "target": ends["source"]}  # normal links: sorted
        return Response(LinkSerializer(link_data(link, ends)).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        link = self.get_link()
        visible_ends(link, request.user)
        links.remove_link(actor=request.user, link=link)
        return Response(status=status.HTTP_204_NO_CONTENT)
