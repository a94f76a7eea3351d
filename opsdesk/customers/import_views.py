"""CSV import screens of Customer Administration: companies and customer users.

The generic import view previews the file, lists every bad line and imports all or nothing (or,
by choice, the valid lines with the rejected ones to download); the importers write in bulk.
"""

from opsdesk.core.generic import ObjectImportView

from .importers import CompanyImporter, CustomerUserImporter
from .models import CustomerCompany, CustomerUser

CUSTOMER_ADMINISTRATION = ("rw", "customer_admin")


class CompanyImportView(ObjectImportView):
    required = CUSTOMER_ADMINISTRATION
    model = CustomerCompany
    url_base = "customers:company"
    importer_class = CompanyImporter
    rejected_filename = "customers-rejected.csv"


class CustomerUserImportView(ObjectImportView):
    required = CUSTOMER_ADMINISTRATION
    model = CustomerUser
    url_base = "customers:customer_user"
    importer_class = CustomerUserImporter
    rejected_filename = "customer-users-rejected.csv"
