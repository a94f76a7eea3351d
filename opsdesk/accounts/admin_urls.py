"""Admin screens of the accounts area (agents, groups, roles), mounted under /admin/."""

app_name = "accounts_admin"

urlpatterns = []
