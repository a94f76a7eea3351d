from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "opsdesk.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from opsdesk.core.dynamic_fields import register_object_type

        from .importers import CompanyImporter, CustomerUserImporter
        from .models import CustomerCompany, CustomerUser
        from .search import register_search

        register_search()
        register_object_type(
            "customer_company", CustomerCompany, reserved=CompanyImporter.base_columns
        )
        register_object_type(
            "customer_user", CustomerUser, reserved=CustomerUserImporter.base_columns
        )
