"""The customers area's hits in the global search box."""

import pytest
from django.urls import reverse

from opsdesk.customers.search import search_companies, search_customer_users
from opsdesk.customers.tests.factories import CustomerCompanyFactory, CustomerUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db):
    return CustomerCompanyFactory(customer_id="ACME-JP", name="Acme Japan", city="Sapporo")


def test_customer_administrators_find_companies_by_id_name_or_city(make_agent, acme):
    CustomerCompanyFactory(name="Unrelated", city="Fukuoka")
    url = reverse("customers:company_detail", args=[acme.pk])
    for role in ("itsm_admin", "itsm_manager"):
        agent = make_agent(role)
        for text in ("acme-j", "japan", "sappo"):
            hits = search_companies(agent, text)
            assert [(hit.label, hit.url) for hit in hits] == [("Acme Japan (ACME-JP)", url)]


def test_customer_administrators_find_customer_users(admin_agent, acme):
    user = CustomerUserFactory(
        login="hsato",
        first_name="Hiroshi",
        last_name="Sato",
        email="hiroshi@acme.example.jp",
        phone="011-555-0101",
        company=acme,
    )
    CustomerUserFactory(login="other", first_name="Other", last_name="Person")
    url = reverse("customers:customer_user_detail", args=[user.pk])
    for text in ("hsato", "hiroshi@", "Sato", "555-0101"):
        hits = search_customer_users(admin_agent, text)
        assert [hit.url for hit in hits] == [url]
    hit = search_customer_users(admin_agent, "hsato")[0]
    assert hit.label == "Hiroshi Sato (hsato)"
    assert hit.detail == "hiroshi@acme.example.jp · Acme Japan"


def test_agents_without_customer_administration_find_nothing(make_agent, plain_agent, acme):
    CustomerUserFactory(login="acme-user", company=acme)
    for agent in (make_agent("itsm_user"), plain_agent):
        assert search_companies(agent, "acme") == []
        assert search_customer_users(agent, "acme") == []


def test_global_search_page_shows_customer_hits(admin_client, client, make_agent, acme):
    CustomerUserFactory(login="kyamada", first_name="Kaori", last_name="Yamada", company=acme)
    body = admin_client.get(reverse("core:search"), {"q": "acme"}).content.decode()
    assert "Acme Japan (ACME-JP)" in body
    body = admin_client.get(reverse("core:search"), {"q": "yamada"}).content.decode()
    assert "Kaori Yamada (kyamada)" in body

    client.force_login(make_agent("itsm_user"))
    body = client.get(reverse("core:search"), {"q": "acme"}).content.decode()
    assert "Acme Japan" not in body


def test_search_query_count_is_bounded(admin_agent, acme, django_assert_max_num_queries):
    for _number in range(15):
        CustomerUserFactory(company=acme, last_name="Acme-staff")
    with django_assert_max_num_queries(6):
        hits = search_customer_users(admin_agent, "acme")
    assert len(hits) == 10
