"""Personal preferences (manual 1.3) and the lost-password flow, in the ``accounts`` namespace."""

from django.urls import path

from . import password_views, preferences_views

urlpatterns = [
    path("password/reset/", password_views.password_reset_request, name="password_reset"),
    path("password/reset/sent/", password_views.password_reset_done, name="password_reset_done"),
    path(
        "password/reset/complete/",
        password_views.password_reset_complete,
        name="password_reset_complete",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        password_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("preferences/profile/", preferences_views.profile, name="profile"),
    path("preferences/misc/", preferences_views.miscellaneous, name="preferences_misc"),
    path("preferences/api-tokens/", preferences_views.api_tokens, name="api_tokens"),
    path(
        "preferences/api-tokens/<int:pk>/revoke/",
        preferences_views.revoke_api_token,
        name="api_token_revoke",
    ),
]
