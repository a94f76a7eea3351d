"""Admin screens of dynamic field definitions, mounted under /admin/dynamic-fields/."""

app_name = "dynamic_fields"

urlpatterns: list = []
