import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from opsdesk.accounts.demo import DEMO_PASSWORD
from opsdesk.customers.demo import (
    DEMO_COMPANIES,
    DEMO_CUSTOMER_USERS,
    DEMO_PORTAL_LOGINS,
    seed_demo_customers,
)
from opsdesk.customers.models import CustomerCompany, CustomerUser
from opsdesk.customers.tests.factories import CustomerCompanyFactory

pytestmark = pytest.mark.django_db


def test_seeding_creates_three_companies_and_ten_customer_users_once():
    companies, users = seed_demo_customers()

    assert len(companies) == 3
    assert len(users) == 10
    assert CustomerCompany.objects.count() == 3
    assert CustomerUser.objects.count() == 10

    assert seed_demo_customers() == ([], [])
    assert CustomerCompany.objects.count() == 3
    assert CustomerUser.objects.count() == 10


def test_seeding_only_adds_what_is_missing():
    existing = CustomerCompanyFactory(customer_id="acme", name="Our own Acme")

    companies, users = seed_demo_customers()

    assert sorted(company.customer_id for company in companies) == ["GLOBEX", "NIHON-DENKI"]
    assert len(users) == 10
    existing.refresh_from_db()
    assert existing.name == "Our own Acme"  # left untouched
    assert CustomerUser.objects.filter(company=existing).count() == 3

    CustomerUser.objects.filter(login="jane.doe").update(first_name="Janet")
    CustomerUser.objects.filter(login="sophie.taylor").delete()
    assert [user.login for user in seed_demo_customers()[1]] == ["sophie.taylor"]
    assert CustomerUser.objects.get(login="jane.doe").first_name == "Janet"


def test_the_japanese_company_has_japanese_users():
    seed_demo_customers()

    company = CustomerCompany.objects.get(customer_id="NIHON-DENKI")
    assert company.name == "日本電機株式会社"
    assert company.city == "東京都"
    users = CustomerUser.objects.filter(company=company)
    assert users.count() == 4
    assert {(user.language, user.time_zone) for user in users} == {("ja", "Asia/Tokyo")}
    assert CustomerUser.objects.get(login="tanaka.hiroshi").full_name == "田中 宏"


def test_each_company_has_one_manager_and_one_user_has_an_additional_company():
    seed_demo_customers()

    for customer_id in DEMO_COMPANIES:
        managers = CustomerUser.objects.filter(company__customer_id=customer_id, role="manager")
        assert managers.count() == 1, customer_id
    with_more = [user for user in CustomerUser.objects.all() if user.additional_companies.exists()]
    assert [user.login for user in with_more] == ["sato.kenji"]
    assert list(
        CustomerUser.objects.of_company(CustomerCompany.objects.get(customer_id="ACME"))
        .order_by("login")
        .values_list("login", flat=True)
    ) == ["jane.doe", "john.smith", "michael.brown", "sato.kenji"]


def test_every_demo_customer_user_signs_in_to_the_portal_with_the_demo_password(client):
    seed_demo_customers()

    for login in DEMO_CUSTOMER_USERS:
        user = CustomerUser.objects.get(login=login)
        assert user.is_valid
        assert user.check_password(DEMO_PASSWORD), login

    # The portal answers in the user's language (Japanese); the override restores ours after.
    with translation.override("en"):
        response = client.post(
            reverse("portal:login"), {"username": "tanaka.hiroshi", "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302
        home = client.get(response["Location"])
    assert home.status_code == 200
    assert "田中" in home.content.decode()


def test_setup_with_demo_seeds_customers_and_prints_portal_logins(capsys):
    call_command("opsdesk_setup", "--demo")
    first = capsys.readouterr().out
    call_command("opsdesk_setup", "--demo")
    second = capsys.readouterr().out

    assert "Demo customers seeded: 3 companies, 10 customer users." in first
    assert "Demo customers seeded" not in second
    for output in (first, second):
        assert "Customer portal: /customer/" in output
        for login in DEMO_PORTAL_LOGINS:
            assert login in output
        assert DEMO_PASSWORD in output
    assert CustomerUser.objects.count() == 10
