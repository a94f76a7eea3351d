"""REST API of the accounts area: agents, groups and roles (administrators), ``me/`` (any agent).

Nothing here is ever deleted: ``DELETE`` sets the object invalid and answers with it.
"""

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from opsdesk.api.permissions import IsAdminAgent, IsAgent

from . import filtersets, services
from .models import Agent, AgentGroupPermission, Group, Role, RoleGroupPermission
from .serializers import (
    AgentSerializer,
    GroupPermissionSerializer,
    GroupSerializer,
    MeSerializer,
    RoleSerializer,
)


def register(router) -> None:
    router.register("agents", AgentViewSet, basename="agent")
    router.register("groups", GroupViewSet, basename="group")
    router.register("roles", RoleViewSet, basename="role")
    router.register_view("me", MeView, name="me")


@extend_schema_field(OpenApiTypes.STR)
class RoleNameFilter(django_filters.ModelMultipleChoiceFilter):
    """Roles given by name; several are combined with "or"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("field_name", "roles__name")
        super().__init__(to_field_name="name", queryset=Role.objects.all(), **kwargs)


class AgentFilterSet(filtersets.AgentFilterSet):
    """The admin list's filters (``q``, ``valid``, ``role``); API callers give roles by name."""

    role = RoleNameFilter(label=_("Holds one of these roles (by name)"))


class RoleFilterSet(filtersets.RoleFilterSet):
    agent = django_filters.CharFilter(
        field_name="agents__login", lookup_expr="iexact", label=_("Held by the agent (login)")
    )


class AccountsViewSet(viewsets.ModelViewSet):
    """Administration of one kind of accounts object; writes go through ``services``."""

    permission_classes = [IsAdminAgent]

    def invalidate(self, instance, actor):
        raise NotImplementedError

    def perform_create(self, serializer):
        serializer.save(actor=self.request.user)

    def perform_update(self, serializer):
        serializer.save(actor=self.request.user)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        self.invalidate(instance, actor=request.user)
        return self.answer_with(instance)

    def answer_with(self, instance):
        """The object as stored now, loaded as the list loads it."""
        return Response(self.get_serializer(self.get_queryset().get(pk=instance.pk)).data)

    @staticmethod
    def grant_from(request) -> dict:
        """``{"group": Group, "permissions": [...]}`` from a group-permissions request."""
        grant = GroupPermissionSerializer(data=request.data)
        grant.is_valid(raise_exception=True)
        return grant.validated_data


@extend_schema_view(
    list=extend_schema(summary=_("List agents")),
    retrieve=extend_schema(summary=_("Show an agent")),
    create=extend_schema(summary=_("Create an agent")),
    update=extend_schema(summary=_("Change an agent")),
    partial_update=extend_schema(summary=_("Change some fields of an agent")),
    destroy=extend_schema(
        summary=_("Invalidate an agent"),
        description=_("Sets the agent invalid; agents are never deleted. Answers with the agent."),
        responses={200: AgentSerializer},
    ),
)
class AgentViewSet(AccountsViewSet):
    """Agents: staff who sign in to OpsDesk. For administrators only."""

    serializer_class = AgentSerializer
    filterset_class = AgentFilterSet
    queryset = Agent.objects.prefetch_related(
        "roles",
        Prefetch(
            "group_permissions", queryset=AgentGroupPermission.objects.select_related("group")
        ),
    )

    def invalidate(self, instance, actor):
        services.invalidate_agent(agent=instance, actor=actor)

    @extend_schema(
        summary=_("Set an agent's permissions on one group"),
        description=_(
            "Replaces the agent's direct permissions on the group. Answers with the agent."
        ),
        request=GroupPermissionSerializer,
        responses=AgentSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="group-permissions",
        url_name="group-permissions",
    )
    def group_permissions(self, request, pk=None):
        agent = self.get_object()
        grant = self.grant_from(request)
        services.set_agent_group_permissions(agent=agent, actor=request.user, **grant)
        return self.answer_with(agent)


@extend_schema_view(
    list=extend_schema(summary=_("List groups")),
    retrieve=extend_schema(summary=_("Show a group")),
    create=extend_schema(summary=_("Create a group")),
    update=extend_schema(summary=_("Change a group")),
    partial_update=extend_schema(summary=_("Change some fields of a group")),
    destroy=extend_schema(
        summary=_("Invalidate a group"),
        description=_("Sets the group invalid: its grants stop counting. Answers with the group."),
        responses={200: GroupSerializer},
    ),
)
class GroupViewSet(AccountsViewSet):
    """Groups: sets of queues, FAQ categories and CMDB classes that permissions are granted on.

    For administrators only.
    """

    serializer_class = GroupSerializer
    filterset_class = filtersets.GroupFilterSet
    queryset = Group.objects.all()

    def invalidate(self, instance, actor):
        services.invalidate_group(group=instance, actor=actor)


@extend_schema_view(
    list=extend_schema(summary=_("List roles")),
    retrieve=extend_schema(summary=_("Show a role")),
    create=extend_schema(summary=_("Create a role")),
    update=extend_schema(summary=_("Change a role")),
    partial_update=extend_schema(summary=_("Change some fields of a role")),
    destroy=extend_schema(
        summary=_("Invalidate a role"),
        description=_("Sets the role invalid: its grants stop counting. Answers with the role."),
        responses={200: RoleSerializer},
    ),
)
class RoleViewSet(AccountsViewSet):
    """Roles: bundles of group permissions given to agents. For administrators only."""

    serializer_class = RoleSerializer
    filterset_class = RoleFilterSet
    queryset = Role.objects.prefetch_related(
        Prefetch("agents", queryset=Agent.objects.only("id", "login")),
        Prefetch("group_permissions", queryset=RoleGroupPermission.objects.select_related("group")),
    )

    def invalidate(self, instance, actor):
        services.invalidate_role(role=instance, actor=actor)

    @extend_schema(
        summary=_("Set a role's permissions on one group"),
        description=_("Replaces the role's permissions on the group. Answers with the role."),
        request=GroupPermissionSerializer,
        responses=RoleSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="group-permissions",
        url_name="group-permissions",
    )
    def group_permissions(self, request, pk=None):
        role = self.get_object()
        grant = self.grant_from(request)
        services.set_role_group_permissions(role=role, actor=request.user, **grant)
        return self.answer_with(role)


class MeView(APIView):
    """The signed-in agent: profile, roles and the group permissions in effect."""

    permission_classes = [IsAgent]

    @extend_schema(summary=_("Show the signed-in agent"), responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user, context={"request": request}).data)
