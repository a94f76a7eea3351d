from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .menu import menu_for

PREFERENCE_LINKS = (
    ("accounts:profile", _("User Profile")),
    ("accounts:notification_settings", _("Notification Settings")),
    ("accounts:preferences_misc", _("Miscellaneous")),
    ("accounts:api_tokens", _("API tokens")),
)


def _resolvable(name: str) -> bool:
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


def shell(request):
    """The main menu and the avatar menu of the signed-in agent, for the base layout."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"main_menu": [], "preference_links": []}
    return {
        "main_menu": menu_for(user),
        "preference_links": [
            (name, label) for name, label in PREFERENCE_LINKS if _resolvable(name)
        ],
    }
