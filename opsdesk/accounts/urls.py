from django.urls import include, path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/2fa/", views.login_2fa_view, name="login_2fa"),
    path("logout/", views.logout_view, name="logout"),
    path("logout/everywhere/", views.logout_everywhere_view, name="logout_everywhere"),
    path("", include("opsdesk.accounts.preferences_urls")),
]
