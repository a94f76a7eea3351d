"""Admin screens of agents, groups and roles, declared on the generic object views of ``core``."""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from opsdesk.core.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectImportView,
    ObjectInvalidateView,
    ObjectListView,
    ObjectViewMixin,
    apply_bootstrap,
)

from . import services
from .admin_forms import (
    AgentForm,
    AgentImporter,
    GroupForm,
    RoleForm,
    RoleMembersForm,
    group_permission_matrix,
    role_permission_matrix,
)
from .choices import Permission
from .filtersets import AgentFilterSet, GroupFilterSet, RoleFilterSet
from .models import Agent, AgentGroupPermission, Group, Role, RoleGroupPermission
from .tables import AgentTable, GroupTable, RoleTable

ADMIN = (Permission.RW.value, "admin")

# Agents -----------------------------------------------------------------------------------------


class AgentViewMixin:
    model = Agent
    url_base = "accounts_admin:agent"
    required = ADMIN
    validity_field = "is_active"


class AgentListView(AgentViewMixin, ObjectListView):
    queryset = Agent.objects.prefetch_related("roles")
    filterset_class = AgentFilterSet
    table_class = AgentTable
    export_filename = "agents.csv"

    def export_rows(self, queryset):
        """The import's columns, so that an exported file can be edited and imported again."""
        yield list(AgentImporter.columns)
        for agent in queryset:
            yield [
                agent.login,
                agent.first_name,
                agent.last_name,
                agent.email,
                agent.title,
                agent.phone,
                agent.mobile,
                agent.language,
                "|".join(role.name for role in agent.roles.all()),
                "yes" if agent.is_active else "no",
            ]


class AgentDetailView(AgentViewMixin, ObjectDetailView):
    queryset = Agent.objects.prefetch_related("roles")
    detail_fields = (
        "title",
        "first_name",
        "last_name",
        "login",
        "email",
        "phone",
        "mobile",
        "language",
        "time_zone",
        "is_active",
        "roles",
        "out_of_office_start",
        "out_of_office_end",
        "out_of_office_note",
        "totp_enabled",
        "last_login",
        "created_at",
        "changed_at",
    )


class AgentEditView(AgentViewMixin, ObjectEditView):
    form_class = AgentForm

    def save_object(self, form, actor):
        password = form.cleaned_data.get("new_password") or None
        roles = form.cleaned_data["roles"]
        if self.object is None:
            return services.create_agent(
                actor=actor, password=password, roles=roles, **form.service_fields()
            )
        return services.update_agent(
            agent=self.object, actor=actor, password=password, roles=roles, **form.service_fields()
        )


class AgentInvalidateView(AgentViewMixin, ObjectInvalidateView):
    def invalidate_object(self, obj, actor):
        return services.invalidate_agent(agent=obj, actor=actor)


class AgentImportView(AgentViewMixin, ObjectImportView):
    importer_class = AgentImporter


# Groups -----------------------------------------------------------------------------------------


class GroupViewMixin:
    model = Group
    url_base = "accounts_admin:group"
    required = ADMIN


class GroupListView(GroupViewMixin, ObjectListView):
    queryset = Group.objects.all()
    filterset_class = GroupFilterSet
    table_class = GroupTable


def _keys_by(grants, owner: str) -> list[tuple]:
    """[(owner, [permission labels])] from grant rows: owners in row order, keys in menu order."""
    holders: dict = {}
    for grant in grants:
        holders.setdefault(getattr(grant, owner), set()).add(grant.permission)
    return [
        (holder, [label for key, label in Permission.choices if key in keys])
        for holder, keys in holders.items()
    ]


class GroupDetailView(GroupViewMixin, ObjectDetailView):
    detail_fields = ("name", "comment", "valid", "created_at", "changed_at")
    extra_template = "accounts/admin/group_holders.html"

    def get_extra_actions(self, obj):
        return [(_("Permissions"), self.object_url("permissions", obj))]

    def get_extra_context(self, obj):
        agent_grants = (
            AgentGroupPermission.objects.filter(group=obj)
            .select_related("agent")
            .order_by("agent__last_name", "agent__first_name", "agent__login", "permission")
        )
        role_grants = (
            RoleGroupPermission.objects.filter(group=obj)
            .select_related("role")
            .prefetch_related("role__agents")
            .order_by("role__name", "permission")
        )
        return {
            "agent_holders": _keys_by(agent_grants, "agent"),
            "role_holders": _keys_by(role_grants, "role"),
        }


class GroupEditView(GroupViewMixin, ObjectEditView):
    form_class = GroupForm

    def save_object(self, form, actor):
        if self.object is None:
            return services.create_group(actor=actor, **form.cleaned_data)
        return services.update_group(group=self.object, actor=actor, **form.cleaned_data)


class GroupInvalidateView(GroupViewMixin, ObjectInvalidateView):
    def invalidate_object(self, obj, actor):
        return services.invalidate_group(group=obj, actor=actor)


class PermissionMatrixView(ObjectViewMixin, View):
    """A checkbox matrix of permission keys; ``sections`` name the kinds of rows shown."""

    template_name = "accounts/admin/permission_matrix.html"
    sections: tuple[tuple[str, str], ...] = ()  # (row kind, heading)
    intro = ""

    def make_form(self, obj, data=None):
        raise NotImplementedError

    def save(self, obj, form, actor):
        raise NotImplementedError

    def render_matrix(self, obj, form):
        context = self.base_context(obj) | {
            "form": form,
            "intro": self.intro,
            "sections": [(heading, form.rows(kind)) for kind, heading in self.sections],
        }
        return render(self.request, self.template_name, context)

    def get(self, request, pk):
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        return self.render_matrix(obj, self.make_form(obj))

    def post(self, request, pk):
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        form = self.make_form(obj, request.POST)
        if not form.is_valid():
            return self.render_matrix(obj, form)
        self.save(obj, form, request.user)
        messages.success(request, _("The permissions were saved."))
        return redirect(self.object_url("detail", obj))


class GroupPermissionsView(GroupViewMixin, PermissionMatrixView):
    sections = (("role", gettext_lazy("Roles")), ("agent", gettext_lazy("Agents")))
    intro = gettext_lazy(
        "Permissions held on this group by each role and, directly, by each agent. "
        "“read and write” includes every other permission."
    )

    def make_form(self, obj, data=None):
        return group_permission_matrix(obj, data)

    def save(self, obj, form, actor):
        services.set_group_permission_matrix(
            group=obj,
            agent_permissions=form.changed_rows("agent"),
            role_permissions=form.changed_rows("role"),
            actor=actor,
        )


# Roles ------------------------------------------------------------------------------------------


class RoleViewMixin:
    model = Role
    url_base = "accounts_admin:role"
    required = ADMIN


class RoleListView(RoleViewMixin, ObjectListView):
    queryset = Role.objects.annotate(member_count=Count("agents"))
    filterset_class = RoleFilterSet
    table_class = RoleTable


class RoleDetailView(RoleViewMixin, ObjectDetailView):
    queryset = Role.objects.prefetch_related("agents")
    detail_fields = ("name", "comment", "valid", "created_at", "changed_at")
    extra_template = "accounts/admin/role_extra.html"

    def get_extra_actions(self, obj):
        return [
            (_("Permissions"), self.object_url("permissions", obj)),
            (_("Members"), self.object_url("members", obj)),
        ]

    def get_extra_context(self, obj):
        grants = (
            RoleGroupPermission.objects.filter(role=obj)
            .select_related("group")
            .order_by("group__name", "permission")
        )
        return {"group_grants": _keys_by(grants, "group"), "members": obj.agents.all()}


class RoleEditView(RoleViewMixin, ObjectEditView):
    form_class = RoleForm

    def save_object(self, form, actor):
        if self.object is None:
            return services.create_role(actor=actor, **form.cleaned_data)
        return services.update_role(role=self.object, actor=actor, **form.cleaned_data)


class RoleInvalidateView(RoleViewMixin, ObjectInvalidateView):
    def invalidate_object(self, obj, actor):
        return services.invalidate_role(role=obj, actor=actor)


class RolePermissionsView(RoleViewMixin, PermissionMatrixView):
    sections = (("group", gettext_lazy("Groups")),)
    intro = gettext_lazy(
        "Permissions this role gives its agents on each group. "
        "“read and write” includes every other permission."
    )

    def make_form(self, obj, data=None):
        return role_permission_matrix(obj, data)

    def save(self, obj, form, actor):
        services.set_role_permission_matrix(
            role=obj, group_permissions=form.changed_rows("group"), actor=actor
        )


class RoleMembersView(RoleViewMixin, ObjectViewMixin, View):
    """Which agents hold the role."""

    template_name = "accounts/admin/role_members.html"

    def render_members(self, role, form):
        apply_bootstrap(form)
        return render(self.request, self.template_name, self.base_context(role) | {"form": form})

    def get(self, request, pk):
        role = get_object_or_404(self.get_queryset(), pk=pk)
        form = RoleMembersForm(initial={"agents": list(role.agents.values_list("pk", flat=True))})
        return self.render_members(role, form)

    def post(self, request, pk):
        role = get_object_or_404(self.get_queryset(), pk=pk)
        form = RoleMembersForm(request.POST)
        if not form.is_valid():
            return self.render_members(role, form)
        services.set_role_members(role=role, agents=form.cleaned_data["agents"], actor=request.user)
        messages.success(request, _("The members of the role were saved."))
        return redirect(self.object_url("detail", role))
