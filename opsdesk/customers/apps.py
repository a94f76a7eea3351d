from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "opsdesk.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from .search import register_search

        register_search()
