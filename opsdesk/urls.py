from django.urls import include, path

from opsdesk.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("opsdesk.accounts.urls")),
    path("admin/dynamic-fields/", include("opsdesk.core.dynamic_field_urls")),
    path("admin/tickets/", include("opsdesk.tickets.admin_urls")),
    path("admin/", include("opsdesk.accounts.admin_urls")),
    path("customers/", include("opsdesk.customers.urls")),
    path("tickets/", include("opsdesk.tickets.urls")),
    path("customer/", include("opsdesk.customers.portal_urls")),
    path("api/", include("opsdesk.api.urls")),
    path("", include("opsdesk.core.urls")),
]
