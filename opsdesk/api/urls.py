"""``/api/``: version 1 of the REST API, its OpenAPI schema and the interactive documentation.

Each app keeps its endpoints in ``<app>/api.py`` with a ``register(router)`` function; adding an
app to the API is one line in ``API_MODULES``.
"""

from importlib import import_module

from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from .exceptions import not_found
from .routers import ApiRouter

API_MODULES = [
    "opsdesk.accounts.api",
    "opsdesk.customers.api",
    "opsdesk.tickets.api",
    "opsdesk.tickets.search_api",
    "opsdesk.tickets.merge_api",
    "opsdesk.core.link_api",
]

router = ApiRouter()
for module in API_MODULES:
    import_module(module).register(router)

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="api-v1:api-root"), name="api-home"),
    path("v1/", include((router.urls, "api"), namespace="api-v1")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html"),
        name="api-redoc",
    ),
    re_path(r"^(?P<path>.*)$", not_found),
]
