"""Admin screens of dynamic field definitions, mounted under /admin/dynamic-fields/."""

from django.urls import path

from . import dynamic_field_views as views

app_name = "dynamic_fields"

urlpatterns = [
    path("", views.DynamicFieldListView.as_view(), name="dynamic_field_list"),
    path("add/", views.DynamicFieldEditView.as_view(), name="dynamic_field_add"),
    path("<int:pk>/", views.DynamicFieldDetailView.as_view(), name="dynamic_field_detail"),
    path("<int:pk>/edit/", views.DynamicFieldEditView.as_view(), name="dynamic_field_edit"),
    path(
        "<int:pk>/invalidate/",
        views.DynamicFieldInvalidateView.as_view(),
        name="dynamic_field_invalidate",
    ),
]
