"""Admin screens of the accounts area (agents, groups, roles), mounted under /admin/."""

from django.urls import path

from . import admin_views as views

app_name = "accounts_admin"

urlpatterns = [
    path("agents/", views.AgentListView.as_view(), name="agent_list"),
    path("agents/add/", views.AgentEditView.as_view(), name="agent_add"),
    path("agents/import/", views.AgentImportView.as_view(), name="agent_import"),
    path("agents/<int:pk>/", views.AgentDetailView.as_view(), name="agent_detail"),
    path("agents/<int:pk>/edit/", views.AgentEditView.as_view(), name="agent_edit"),
    path(
        "agents/<int:pk>/invalidate/", views.AgentInvalidateView.as_view(), name="agent_invalidate"
    ),
    path("groups/", views.GroupListView.as_view(), name="group_list"),
    path("groups/add/", views.GroupEditView.as_view(), name="group_add"),
    path("groups/<int:pk>/", views.GroupDetailView.as_view(), name="group_detail"),
    path("groups/<int:pk>/edit/", views.GroupEditView.as_view(), name="group_edit"),
    path(
        "groups/<int:pk>/invalidate/", views.GroupInvalidateView.as_view(), name="group_invalidate"
    ),
    path(
        "groups/<int:pk>/permissions/",
        views.GroupPermissionsView.as_view(),
        name="group_permissions",
    ),
    path("roles/", views.RoleListView.as_view(), name="role_list"),
    path("roles/add/", views.RoleEditView.as_view(), name="role_add"),
    path("roles/<int:pk>/", views.RoleDetailView.as_view(), name="role_detail"),
    path("roles/<int:pk>/edit/", views.RoleEditView.as_view(), name="role_edit"),
    path("roles/<int:pk>/invalidate/", views.RoleInvalidateView.as_view(), name="role_invalidate"),
    path(
        "roles/<int:pk>/permissions/", views.RolePermissionsView.as_view(), name="role_permissions"
    ),
    path("roles/<int:pk>/members/", views.RoleMembersView.as_view(), name="role_members"),
]
