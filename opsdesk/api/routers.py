"""The root router of ``/api/v1/``: every app's ``api.py`` registers its endpoints here."""

from django.core.exceptions import ImproperlyConfigured
from django.urls import path
from rest_framework.routers import DefaultRouter


class ApiRouter(DefaultRouter):
    """A DRF router that also takes plain API views (such as ``me/``) and lists them at the root.

    ``register(prefix, viewset, basename=...)`` works as usual; ``register_view(prefix, view,
    name=...)`` serves an ``APIView`` at ``<prefix>/``.
    """

    include_format_suffixes = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.views: list[tuple[str, type, str]] = []

    def register_view(self, prefix: str, view, *, name: str) -> None:
        taken = {existing for existing, _, _ in self.views} | {item[0] for item in self.registry}
        if prefix in taken:
            raise ImproperlyConfigured(f"Something is already registered at api/v1/{prefix}/.")
        self.views.append((prefix, view, name))

    def get_api_root_view(self, api_urls=None):
        list_name = self.routes[0].name
        root = {
            prefix: list_name.format(basename=basename) for prefix, _, basename in self.registry
        }
        root.update({prefix: name for prefix, _, name in self.views})
        return self.APIRootView.as_view(api_root_dict=dict(sorted(root.items())))

    def get_urls(self):
        views = [path(f"{prefix}/", view.as_view(), name=name) for prefix, view, name in self.views]
        return views + super().get_urls()
