"""The ticket search screen, its exports and search templates, under /tickets/search/."""

from django.urls import path

from . import search_views

urlpatterns = [
    path("search/", search_views.search, name="search"),
    path("search/export/<str:kind>/", search_views.search_export, name="search_export"),
    path("search/templates/", search_views.save_profile, name="search_profile_save"),
    path("search/templates/<int:pk>/", search_views.run_profile, name="search_profile_run"),
    path(
        "search/templates/<int:pk>/overwrite/",
        search_views.overwrite_profile,
        name="search_profile_overwrite",
    ),
    path(
        "search/templates/<int:pk>/delete/",
        search_views.delete_profile,
        name="search_profile_delete",
    ),
]
