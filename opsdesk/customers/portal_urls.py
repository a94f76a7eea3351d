"""The customer portal, mounted under /customer/ (its own session cookie, see ``middleware``)."""

from django.urls import path

from . import portal_views as views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/lost/", views.password_lost, name="password_lost"),
    path("password/lost/sent/", views.password_lost_done, name="password_lost_done"),
    path("password/set/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
    path("profile/", views.profile, name="profile"),
]
