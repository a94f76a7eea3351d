"""Demo customers: three companies (one Japanese) and ten customer users who can use the portal.

Every demo customer user signs in to the portal with the demo agents' password.
"""

from django.db import transaction

from opsdesk.accounts.demo import DEMO_PASSWORD

from .choices import CustomerRole
from .models import CustomerCompany, CustomerUser
from .services import create_company, create_customer_user

# Customer ID -> fields of the company
DEMO_COMPANIES = {
    "NIHON-DENKI": {
        "name": "日本電機株式会社",
        "street": "千代田区丸の内1-1-1",
        "zip": "100-0005",
        "city": "東京都",
        "country": "日本",
        "url": "https://nihon-denki.example.jp",
    },
    "ACME": {
        "name": "Acme Corporation",
        "street": "123 Main Street",
        "zip": "62701",
        "city": "Springfield",
        "country": "United States",
        "url": "https://acme.example.com",
    },
    "GLOBEX": {
        "name": "Globex Corporation",
        "street": "1 Cypress Creek Road",
        "zip": "EC1A 1BB",
        "city": "London",
        "country": "United Kingdom",
        "url": "https://globex.example.com",
    },
}

# Per company: the mail domain, the portal language and the time zone of its users.
_LOCALE = {
    "NIHON-DENKI": ("nihon-denki.example.jp", "ja", "Asia/Tokyo"),
    "ACME": ("acme.example.com", "en", "America/Chicago"),
    "GLOBEX": ("globex.example.com", "en", "Europe/London"),
}

MANAGER, USER = CustomerRole.MANAGER.value, CustomerRole.USER.value

# login -> (first name, last name, Customer ID, role, additional Customer IDs, phone)
DEMO_CUSTOMER_USERS = {
    "tanaka.hiroshi": ("宏", "田中", "NIHON-DENKI", MANAGER, (), "03-1234-5601"),
    "suzuki.yuki": ("由紀", "鈴木", "NIHON-DENKI", USER, (), "03-1234-5602"),
    "sato.kenji": ("健二", "佐藤", "NIHON-DENKI", USER, ("ACME",), "03-1234-5603"),
    "takahashi.aya": ("綾", "高橋", "NIHON-DENKI", USER, (), "03-1234-5604"),
    "john.smith": ("John", "Smith", "ACME", MANAGER, (), "+1 217 555 0101"),
    "jane.doe": ("Jane", "Doe", "ACME", USER, (), "+1 217 555 0102"),
    "michael.brown": ("Michael", "Brown", "ACME", USER, (), "+1 217 555 0103"),
    "emma.wilson": ("Emma", "Wilson", "GLOBEX", MANAGER, (), "+44 20 7946 0101"),
    "oliver.jones": ("Oliver", "Jones", "GLOBEX", USER, (), "+44 20 7946 0102"),
    "sophie.taylor": ("Sophie", "Taylor", "GLOBEX", USER, (), "+44 20 7946 0103"),
}

# The logins that ``opsdesk_setup --demo`` prints: a manager of each company.
DEMO_PORTAL_LOGINS = ("tanaka.hiroshi", "john.smith", "emma.wilson")


@transaction.atomic
def seed_demo_customers() -> tuple[list[CustomerCompany], list[CustomerUser]]:
    """Create the demo companies and customer users that do not exist yet.

    Existing ones (same Customer ID or login, whatever the case) are left untouched. Returns
    what was created.
    """
    created_companies = []
    companies = {}
    for customer_id, fields in DEMO_COMPANIES.items():
        company = CustomerCompany.objects.filter(customer_id__iexact=customer_id).first()
        if company is None:
            company = create_company(actor=None, customer_id=customer_id, **fields)
            created_companies.append(company)
        companies[customer_id] = company

    created_users = []
    for login, (first, last, customer_id, role, additional, phone) in DEMO_CUSTOMER_USERS.items():
        if CustomerUser.objects.filter(login__iexact=login).exists():
            continue
        domain, language, time_zone = _LOCALE[customer_id]
        user = create_customer_user(
            actor=None,
            login=login,
            first_name=first,
            last_name=last,
            email=f"{login}@{domain}",
            company=companies[customer_id],
            additional_companies=[companies[other] for other in additional],
            role=role,
            phone=phone,
            language=language,
            time_zone=time_zone,
            password=DEMO_PASSWORD,
        )
        created_users.append(user)
    return created_companies, created_users
