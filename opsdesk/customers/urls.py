"""Customer Administration (manual 4.3), mounted under /customers/."""

from django.urls import path

from . import import_views, views

app_name = "customers"

urlpatterns = [
    path("companies/", views.CompanyListView.as_view(), name="company_list"),
    path("companies/add/", views.CompanyEditView.as_view(), name="company_add"),
    path("companies/import/", import_views.CompanyImportView.as_view(), name="company_import"),
    path(
        "companies/autocomplete/",
        views.CompanyAutocompleteView.as_view(),
        name="company_autocomplete",
    ),
    path("companies/<int:pk>/", views.CompanyDetailView.as_view(), name="company_detail"),
    path("companies/<int:pk>/edit/", views.CompanyEditView.as_view(), name="company_edit"),
    path(
        "companies/<int:pk>/invalidate/",
        views.CompanyInvalidateView.as_view(),
        name="company_invalidate",
    ),
    path("users/", views.CustomerUserListView.as_view(), name="customer_user_list"),
    path("users/add/", views.CustomerUserEditView.as_view(), name="customer_user_add"),
    path(
        "users/import/",
        import_views.CustomerUserImportView.as_view(),
        name="customer_user_import",
    ),
    path("users/<int:pk>/", views.CustomerUserDetailView.as_view(), name="customer_user_detail"),
    path("users/<int:pk>/edit/", views.CustomerUserEditView.as_view(), name="customer_user_edit"),
    path(
        "users/<int:pk>/invalidate/",
        views.CustomerUserInvalidateView.as_view(),
        name="customer_user_invalidate",
    ),
    path(
        "users/<int:pk>/permissions/",
        views.CustomerUserPermissionsView.as_view(),
        name="customer_user_permissions",
    ),
    path(
        "users/<int:pk>/send-password/",
        views.CustomerUserSendPasswordView.as_view(),
        name="customer_user_send_password",
    ),
]
