"""Customer Administration screens (manual 4.3, registration 4.3.1)."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from opsdesk.accounts.models import Group
from opsdesk.accounts.tests.factories import GroupFactory
from opsdesk.core.models import AuditAction, DynamicField
from opsdesk.core.services import history_of
from opsdesk.customers import services
from opsdesk.customers.choices import Validity
from opsdesk.customers.models import CustomerCompany, CustomerUser
from opsdesk.customers.selectors import customer_user_groups
from opsdesk.customers.tests.factories import (
    PASSWORD,
    CustomerCompanyFactory,
    CustomerUserFactory,
)

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "lantern-Orchid-4417"


@pytest.fixture
def acme(db):
    return CustomerCompanyFactory(customer_id="ACME-JP", name="Acme Japan", city="Osaka")


@pytest.fixture
def beta(db):
    return CustomerCompanyFactory(customer_id="BETA", name="Beta Corporation", city="Nagoya")


@pytest.fixture
def world(roles, acme):
    return {"company": acme, "user": CustomerUserFactory(login="hanako", company=acme)}


def field_error(response, name: str) -> str:
    """The text of the error shown next to the form field ``name``."""
    match = re.search(
        rf'<div class="invalid-feedback d-block" id="id_{name}_error">(.*?)</div>',
        response.content.decode(),
        re.S,
    )
    return match.group(1).strip() if match else ""


def rows(response) -> list:
    return [row.record for row in response.context["table"].paginated_rows]


# Permissions ------------------------------------------------------------------------------------

SCREENS = [
    ("company_list", None),
    ("company_add", None),
    ("company_import", None),
    ("company_autocomplete", None),
    ("company_detail", "company"),
    ("company_edit", "company"),
    ("customer_user_list", None),
    ("customer_user_add", None),
    ("customer_user_import", None),
    ("customer_user_detail", "user"),
    ("customer_user_edit", "user"),
    ("customer_user_permissions", "user"),
]


@pytest.mark.parametrize("name, kind", SCREENS)
def test_screens_need_rw_on_customer_admin(name, kind, world, client, make_agent, plain_agent):
    url = reverse(f"customers:{name}", args=[world[kind].pk] if kind else [])

    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))

    for agent in (plain_agent, make_agent("itsm_user"), make_agent("itsm_viewer")):
        client.force_login(agent)
        assert client.get(url).status_code == 403

    for role in ("itsm_manager", "itsm_admin"):
        client.force_login(make_agent(role))
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "name, kind",
    [
        ("company_invalidate", "company"),
        ("customer_user_invalidate", "user"),
        ("customer_user_send_password", "user"),
    ],
)
def test_actions_are_post_only_and_need_rw_on_customer_admin(name, kind, world, client, make_agent):
    url = reverse(f"customers:{name}", args=[world[kind].pk])
    response = client.post(url)
    assert response["Location"].startswith(reverse("accounts:login"))
    client.force_login(make_agent("itsm_user"))
    assert client.post(url).status_code == 403
    client.force_login(make_agent("itsm_manager"))
    assert client.get(url).status_code == 405
    world[kind].refresh_from_db()
    assert world[kind].is_valid
    assert mail.outbox == []


# Company lists ----------------------------------------------------------------------------------


def test_company_list_searches_filters_and_shows_both_tabs(admin_client, acme, beta):
    CustomerCompanyFactory(customer_id="OLD", name="Old Trading", validity=Validity.INVALID)
    url = reverse("customers:company_list")

    page = admin_client.get(url)
    body = page.content.decode()
    assert 'data-testid="customer-tabs"' in body
    assert reverse("customers:customer_user_list") in body
    assert reverse("customers:company_add") in body
    assert reverse("customers:company_import") in body
    assert "?export=csv" in body
    assert {company.customer_id for company in rows(page)} == {"ACME-JP", "BETA", "OLD"}

    assert [c.customer_id for c in rows(admin_client.get(url, {"q": "nagoya"}))] == ["BETA"]
    assert [c.customer_id for c in rows(admin_client.get(url, {"q": "acme-j"}))] == ["ACME-JP"]
    assert [c.customer_id for c in rows(admin_client.get(url, {"q": "trading"}))] == ["OLD"]
    invalid = admin_client.get(url, {"validity": "invalid"})
    assert [company.customer_id for company in rows(invalid)] == ["OLD"]
    valid = admin_client.get(url, {"validity": "valid", "sort": "-customer_id"})
    assert [company.customer_id for company in rows(valid)] == ["BETA", "ACME-JP"]


def test_list_search_refreshes_as_you_type(admin_client, acme, beta):
    body = admin_client.get(reverse("customers:company_list")).content.decode()
    assert re.search(r'hx-trigger="[^"]*input[^"]*delay', body)
    partial = admin_client.get(
        reverse("customers:company_list"), {"q": "acme"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in partial
    assert "Acme Japan" in partial
    assert "Beta Corporation" not in partial


def test_company_list_query_count_is_pinned(admin_client, django_assert_max_num_queries):
    CustomerCompanyFactory.create_batch(20)
    with django_assert_max_num_queries(10):
        response = admin_client.get(reverse("customers:company_list"))
    assert response.context["table"].paginator.count == 20


def test_company_csv_export_has_the_import_columns(admin_client, acme, beta):
    from opsdesk.customers.importers import company_export_rows

    header = next(iter(company_export_rows(CustomerCompany.objects.none())))
    response = admin_client.get(reverse("customers:company_list"), {"export": "csv", "q": "acme"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="customers.csv"' in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(header)
    assert len(lines) == 2
    assert "ACME-JP" in lines[1]


# Company add / edit -----------------------------------------------------------------------------


def company_form(**overrides):
    data = {
        "customer_id": "GAMMA",
        "name": "Gamma KK",
        "street": "1-2-3 Marunouchi",
        "zip": "100-0005",
        "city": "Tokyo",
        "country": "Japan",
        "url": "https://gamma.example.jp",
        "comment": "",
        "validity": "valid",
    }
    data.update(overrides)
    return data


@pytest.fixture
def contract_field(db):
    return DynamicField.objects.create(
        object_type="customer_company",
        name="contract_no",
        label="Contract number",
        field_type="text",
    )


def test_add_company(admin_client, admin_agent, contract_field):
    response = admin_client.post(
        reverse("customers:company_add"), company_form(extra__contract_no="C-2025-7")
    )
    company = CustomerCompany.objects.get(customer_id="GAMMA")
    assert response["Location"] == reverse("customers:company_detail", args=[company.pk])
    assert (company.name, company.city, company.url) == (
        "Gamma KK",
        "Tokyo",
        "https://gamma.example.jp",
    )
    assert company.extra == {"contract_no": "C-2025-7"}
    assert company.created_by == admin_agent
    entry = history_of(company).get()
    assert (entry.action, entry.actor) == (AuditAction.CREATE, admin_agent)
    assert entry.changes["extra.contract_no"] == "C-2025-7"

    body = admin_client.get(response["Location"]).content.decode()
    assert "Contract number" in body
    assert "C-2025-7" in body


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"customer_id": "acme-jp"}, "customer_id", "A customer with this Customer ID already"),
        ({"name": "ACME JAPAN"}, "name", "A customer with this name already exists."),
        ({"customer_id": "NULL"}, "customer_id", "“NULL” is reserved; choose another Customer ID."),
        ({"customer_id": "all"}, "customer_id", "“all” is reserved; choose another Customer ID."),
        ({"customer_id": "has space"}, "customer_id", "no spaces"),
        ({"customer_id": ""}, "customer_id", "This field is required."),
        ({"url": "not a url"}, "url", "Enter a valid URL."),
    ],
)
def test_company_form_shows_errors_next_to_the_field_and_writes_nothing(
    overrides, field, message, admin_client, acme
):
    before = CustomerCompany.objects.count()
    response = admin_client.post(reverse("customers:company_add"), company_form(**overrides))
    assert response.status_code == 200
    assert message in field_error(response, field)
    assert CustomerCompany.objects.count() == before


def test_edit_company_keeps_the_customer_id(admin_client, admin_agent, acme):
    url = reverse("customers:company_edit", args=[acme.pk])
    page = admin_client.get(url).content.decode()
    assert re.search(r'<input[^>]*name="customer_id"[^>]*disabled', page)

    response = admin_client.post(
        url, company_form(customer_id="CHANGED", name="Acme Japan KK", city="Kobe")
    )
    assert response.status_code == 302
    acme.refresh_from_db()
    assert (acme.customer_id, acme.name, acme.city) == ("ACME-JP", "Acme Japan KK", "Kobe")
    entry = history_of(acme).get()
    assert entry.action == AuditAction.UPDATE
    assert entry.changes["name"] == ["Acme Japan", "Acme Japan KK"]
    assert "customer_id" not in entry.changes


def test_edit_company_refuses_a_name_in_use(admin_client, acme, beta):
    response = admin_client.post(
        reverse("customers:company_edit", args=[beta.pk]),
        company_form(customer_id="BETA", name="acme japan"),
    )
    assert "A customer with this name already exists." in field_error(response, "name")
    beta.refresh_from_db()
    assert beta.name == "Beta Corporation"


def test_invalidate_company(admin_client, admin_agent, acme):
    detail = reverse("customers:company_detail", args=[acme.pk])
    invalidate = reverse("customers:company_invalidate", args=[acme.pk])
    assert invalidate in admin_client.get(detail).content.decode()

    response = admin_client.post(invalidate)
    assert response["Location"] == detail
    acme.refresh_from_db()
    assert acme.validity == Validity.INVALID
    assert history_of(acme).first().changes == {"validity": ["valid", "invalid"]}
    body = admin_client.get(detail).content.decode()
    assert invalidate not in body  # only valid records offer the button
    assert "History" in body


def test_company_detail_lists_primary_and_additional_users(admin_client, acme, beta):
    primary = CustomerUserFactory(login="p-user", first_name="Prim", last_name="Ary", company=acme)
    extra = CustomerUserFactory(
        login="a-user",
        first_name="Addi",
        last_name="Tional",
        company=beta,
        additional_companies=[acme],
    )
    CustomerUserFactory(login="other", first_name="Not", last_name="Listed", company=beta)

    body = admin_client.get(reverse("customers:company_detail", args=[acme.pk])).content.decode()
    section = body.split('data-testid="company-users"')[1].split("</section>")[0]
    assert "Prim Ary" in section
    assert "Addi Tional" in section
    assert "Not Listed" not in section
    assert "primary customer" in section
    assert "additional customer" in section
    assert "Primary customer: Beta Corporation" in section
    assert reverse("customers:customer_user_detail", args=[primary.pk]) in section
    assert reverse("customers:customer_user_detail", args=[extra.pk]) in section

    filtered_list = reverse("customers:customer_user_list") + "?customer_id=ACME-JP"
    assert filtered_list in body
    assert reverse("customers:customer_user_add") + "?company=ACME-JP" in body

    # The same user is listed on the page of their primary company too.
    beta_body = admin_client.get(reverse("customers:company_detail", args=[beta.pk])).content
    assert "Addi Tional" in beta_body.decode()


def test_company_detail_query_count_does_not_grow_with_users(
    admin_client, acme, beta, django_assert_max_num_queries
):
    for _number in range(15):
        CustomerUserFactory(company=acme)
        CustomerUserFactory(company=beta, additional_companies=[acme])
    with django_assert_max_num_queries(13):
        response = admin_client.get(reverse("customers:company_detail", args=[acme.pk]))
    assert response.context["company_user_count"] == 30


# Customer user lists ----------------------------------------------------------------------------


def test_customer_user_list_searches_and_filters(admin_client, acme, beta):
    CustomerUserFactory(
        login="tanaka", first_name="Ichiro", last_name="Tanaka", phone="06-1111", company=acme
    )
    CustomerUserFactory(
        login="suzuki",
        first_name="Hanako",
        last_name="Suzuki",
        email="hanako@beta.example.jp",
        company=beta,
        additional_companies=[acme],
    )
    CustomerUserFactory(login="gone", company=acme, validity=Validity.INVALID)
    url = reverse("customers:customer_user_list")

    page = admin_client.get(url)
    body = page.content.decode()
    assert 'data-testid="customer-tabs"' in body
    assert reverse("customers:company_list") in body
    assert reverse("customers:customer_user_add") in body
    assert reverse("customers:customer_user_import") in body
    assert "+ Acme Japan" in body  # additional customers are named next to the primary one

    def logins(**query):
        return sorted(user.login for user in rows(admin_client.get(url, query)))

    assert logins(q="06-11") == ["tanaka"]
    assert logins(q="hanako@beta") == ["suzuki"]
    assert logins(q="ichiro tanaka") == ["tanaka"]
    assert logins(validity="invalid") == ["gone"]
    assert logins(validity="valid") == ["suzuki", "tanaka"]
    assert logins(customer_id="acme-jp") == ["gone", "suzuki", "tanaka"]
    assert logins(customer_id="BETA") == ["suzuki"]


def test_customer_user_list_summarises_many_additional_customers(admin_client, acme):
    others = [CustomerCompanyFactory(name=f"Other {n}") for n in range(3)]
    CustomerUserFactory(login="many", company=acme, additional_companies=others)
    body = admin_client.get(reverse("customers:customer_user_list")).content.decode()
    assert "+3" in body
    assert "Other 0, Other 1, Other 2" in body  # in the badge's title


def test_customer_user_list_query_count_is_pinned(
    admin_client, acme, beta, django_assert_max_num_queries
):
    gamma = CustomerCompanyFactory()
    for _number in range(20):
        CustomerUserFactory(company=acme, additional_companies=[beta, gamma])
    url = reverse("customers:customer_user_list")
    with django_assert_max_num_queries(11):
        response = admin_client.get(url)
    assert response.context["table"].paginator.count == 20
    with django_assert_max_num_queries(11):
        admin_client.get(url, {"customer_id": "BETA", "q": "customer"})
    with django_assert_max_num_queries(11):
        admin_client.get(url, {"export": "csv"})


def test_customer_user_csv_export_has_the_import_columns(admin_client, acme, beta):
    from opsdesk.customers.importers import customer_user_export_rows

    header = next(iter(customer_user_export_rows(CustomerUser.objects.none())))
    CustomerUserFactory(login="yamada", last_name="山田", company=acme, additional_companies=[beta])
    CustomerUserFactory(login="other", company=beta)
    response = admin_client.get(
        reverse("customers:customer_user_list"), {"export": "csv", "q": "山田"}
    )
    assert response.status_code == 200
    assert 'filename="customer_users.csv"' in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(header)
    assert len(lines) == 2
    assert "yamada" in lines[1]
    assert "山田" in lines[1]


# Customer user add (registration) / edit --------------------------------------------------------


def user_form(**overrides):
    data = {
        "login": "hyamada",
        "title": "Ms",
        "first_name": "Hanako",
        "last_name": "Yamada",
        "email": "hanako@acme.example.jp",
        "phone": "06-1234-5678",
        "mobile": "",
        "fax": "",
        "street": "",
        "zip": "",
        "city": "Osaka",
        "country": "Japan",
        "comment": "",
        "company": "ACME-JP",
        "additional_companies": [],
        "role": "user",
        "validity": "valid",
        "language": "ja",
        "time_zone": "Asia/Tokyo",
        "new_password": "",
        "send_password_link": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_register_customer_user_mails_a_working_set_password_link(
    admin_client, admin_agent, acme, beta
):
    response = admin_client.post(
        reverse("customers:customer_user_add"),
        user_form(additional_companies=[beta.pk], role="manager"),
    )
    user = CustomerUser.objects.get(login="hyamada")
    assert response["Location"] == reverse("customers:customer_user_detail", args=[user.pk])
    assert (user.company, list(user.additional_companies.all())) == (acme, [beta])
    assert (user.role, user.language, user.time_zone) == ("manager", "ja", "Asia/Tokyo")
    assert not user.has_usable_password
    assert user.created_by == admin_agent
    entry = history_of(user).get()
    assert (entry.action, entry.actor) == (AuditAction.CREATE, admin_agent)
    assert entry.changes["additional_companies"] == ["BETA"]

    follow = admin_client.get(response["Location"]).content.decode()
    assert "was created" in follow
    assert "A link to set the password was emailed to hanako@acme.example.jp." in follow

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["hanako@acme.example.jp"]
    link = re.search(r"https?://\S+/customer/password/set/\S+", message.body).group(0)
    page = admin_client.get(urlsplit(link).path, follow=True)
    assert page.status_code == 200
    assert page.context["validlink"]


def test_register_without_mail_but_with_a_password(admin_client, acme):
    admin_client.post(
        reverse("customers:customer_user_add"),
        user_form(send_password_link=None, new_password=GOOD_PASSWORD),
    )
    user = CustomerUser.objects.get(login="hyamada")
    assert user.check_password(GOOD_PASSWORD)
    assert mail.outbox == []
    assert "password" not in history_of(user).get().changes


def test_registration_reports_a_mail_that_could_not_be_sent(admin_client, acme, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(services, "send_mail", refuse)
    response = admin_client.post(reverse("customers:customer_user_add"), user_form(), follow=True)
    body = response.content.decode()
    assert CustomerUser.objects.filter(login="hyamada").exists()
    assert "was created" in body
    assert "could not be sent: mail server down" in body


def test_add_form_offers_the_mail_checkbox_ticked(admin_client, acme):
    body = admin_client.get(reverse("customers:customer_user_add")).content.decode()
    assert re.search(r'<input type="checkbox" name="send_password_link"[^>]*checked', body)
    assert 'list="id_company_options"' in body
    assert reverse("customers:company_autocomplete") in body
    prefilled = admin_client.get(reverse("customers:customer_user_add"), {"company": "ACME-JP"})
    assert 'value="ACME-JP"' in prefilled.content.decode()


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"company": "NOPE"}, "company", "No customer with Customer ID “NOPE” exists."),
        ({"company": ""}, "company", "Enter the Customer ID of the user&#x27;s customer."),
        ({"company": "OLD"}, "company", "is invalid; choose a valid customer."),
        ({"login": "TAKEN"}, "login", "A customer user with this login already exists."),
        (
            {"email": "Taken@Example.com"},
            "email",
            "A valid customer user with this email address already exists.",
        ),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"first_name": ""}, "first_name", "This field is required."),
        ({"new_password": "12345678"}, "new_password", "This password is entirely numeric."),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice."),
    ],
)
def test_registration_errors_are_shown_next_to_the_field_and_nothing_is_written(
    overrides, field, message, admin_client, acme
):
    CustomerCompanyFactory(customer_id="OLD", validity=Validity.INVALID)
    CustomerUserFactory(login="taken", email="taken@example.com", company=acme)
    before = CustomerUser.objects.count()
    response = admin_client.post(reverse("customers:customer_user_add"), user_form(**overrides))
    assert response.status_code == 200
    assert message in field_error(response, field)
    assert CustomerUser.objects.count() == before
    assert mail.outbox == []


def test_an_invalid_users_email_address_may_be_reused(admin_client, acme):
    CustomerUserFactory(email="shared@example.com", company=acme, validity=Validity.INVALID)
    response = admin_client.post(
        reverse("customers:customer_user_add"), user_form(email="shared@example.com")
    )
    assert response.status_code == 302
    assert CustomerUser.objects.filter(email="shared@example.com").count() == 2


def test_edit_customer_user(admin_client, admin_agent, acme, beta):
    user = CustomerUserFactory(
        login="hyamada", email="hanako@acme.example.jp", company=acme, password=PASSWORD
    )
    url = reverse("customers:customer_user_edit", args=[user.pk])
    page = admin_client.get(url).content.decode()
    assert re.search(r'name="company"[^>]*value="ACME-JP"|value="ACME-JP"[^>]*name="company"', page)
    assert 'name="send_password_link"' not in page

    response = admin_client.post(
        url,
        user_form(
            company="beta",
            additional_companies=[acme.pk],
            phone="06-9999",
            send_password_link=None,
            first_name=user.first_name,
            last_name=user.last_name,
        ),
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.company, user.phone) == (beta, "06-9999")
    assert list(user.additional_companies.all()) == [acme]
    assert user.check_password(PASSWORD)  # an empty password field keeps the password
    changes = history_of(user).get().changes
    assert changes["company"] == ["Acme Japan", "Beta Corporation"]
    assert changes["additional_companies"] == [[], ["ACME-JP"]]
    assert mail.outbox == []


def test_a_user_in_an_invalidated_company_keeps_it_when_editing(admin_client, acme, beta):
    user = CustomerUserFactory(login="stay", company=acme, additional_companies=[beta])
    services.invalidate_company(acme, actor=None)
    services.invalidate_company(beta, actor=None)
    url = reverse("customers:customer_user_edit", args=[user.pk])
    assert "Beta Corporation" in admin_client.get(url).content.decode()  # still offered

    response = admin_client.post(
        url,
        user_form(
            login="stay",
            email=user.email,
            company="ACME-JP",
            additional_companies=[beta.pk],
            phone="099",
        ),
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.company, user.phone, list(user.additional_companies.all())) == (
        acme,
        "099",
        [beta],
    )


def test_the_additional_customers_offer_valid_companies_only(admin_client, acme):
    CustomerCompanyFactory(customer_id="OLD", name="Old Trading", validity=Validity.INVALID)
    body = admin_client.get(reverse("customers:customer_user_add")).content.decode()
    assert "ACME-JP — Acme Japan" in body
    assert "Old Trading" not in body


def test_customer_user_dynamic_fields_are_saved(admin_client, acme):
    DynamicField.objects.create(
        object_type="customer_user",
        name="department",
        label="Department",
        field_type="dropdown",
        choices=[["sales", "Sales"], ["it", "IT"]],
        required=True,
    )
    missing = admin_client.post(reverse("customers:customer_user_add"), user_form())
    assert "This field is required." in field_error(missing, "extra__department")
    admin_client.post(reverse("customers:customer_user_add"), user_form(extra__department="it"))
    user = CustomerUser.objects.get(login="hyamada")
    assert user.extra == {"department": "it"}
    body = admin_client.get(
        reverse("customers:customer_user_detail", args=[user.pk])
    ).content.decode()
    assert "Department" in body


# Company autocomplete ---------------------------------------------------------------------------


def test_company_autocomplete_offers_valid_companies_by_id_or_name(admin_client, acme, beta):
    CustomerCompanyFactory(customer_id="ACME-OLD", name="Acme Old", validity=Validity.INVALID)
    url = reverse("customers:company_autocomplete")
    body = admin_client.get(url, {"q": "acme"}).content.decode()
    assert '<option value="ACME-JP">ACME-JP — Acme Japan</option>' in body
    assert "ACME-OLD" not in body
    assert "BETA" not in body
    assert "BETA" in admin_client.get(url, {"q": "corporation"}).content.decode()
    # The customer field's htmx request sends the input's own name.
    assert "ACME-JP" in admin_client.get(url, {"company": "acme"}).content.decode()


def test_company_autocomplete_offers_at_most_20(admin_client):
    CustomerCompanyFactory.create_batch(25)
    body = admin_client.get(reverse("customers:company_autocomplete")).content.decode()
    assert body.count("<option") == 20


# Customer user detail, invalidation, set-password link ------------------------------------------


def test_customer_user_detail(admin_client, acme, beta, roles):
    user = CustomerUserFactory(
        login="hyamada",
        first_name="Hanako",
        last_name="Yamada",
        company=acme,
        additional_companies=[beta],
    )
    services.update_customer_user(user, actor=None, phone="06-5555")
    body = admin_client.get(
        reverse("customers:customer_user_detail", args=[user.pk])
    ).content.decode()
    companies = body.split('data-testid="customer-user-companies"')[1].split("</section>")[0]
    assert "Acme Japan" in companies and "Beta Corporation" in companies
    assert "primary customer" in companies and "additional customer" in companies
    assert "no (the user cannot sign in until they set one)" in body
    assert reverse("customers:customer_user_permissions", args=[user.pk]) in body
    assert reverse("customers:customer_user_send_password", args=[user.pk]) in body
    assert reverse("customers:customer_user_invalidate", args=[user.pk]) in body
    history = body.split('data-testid="history"')[1]
    assert "06-5555" in history


def test_customer_user_detail_query_count_is_pinned(
    admin_client, acme, roles, django_assert_max_num_queries
):
    others = CustomerCompanyFactory.create_batch(5)
    user = CustomerUserFactory(company=acme, additional_companies=others)
    for number in range(5):
        services.update_customer_user(user, actor=None, phone=str(number))
    with django_assert_max_num_queries(14):
        admin_client.get(reverse("customers:customer_user_detail", args=[user.pk]))


def test_invalidate_customer_user(admin_client, admin_agent, acme):
    user = CustomerUserFactory(company=acme)
    detail = reverse("customers:customer_user_detail", args=[user.pk])
    response = admin_client.post(reverse("customers:customer_user_invalidate", args=[user.pk]))
    assert response["Location"] == detail
    user.refresh_from_db()
    assert user.validity == Validity.INVALID
    entry = history_of(user).first()
    assert (entry.actor, entry.changes["validity"]) == (admin_agent, ["valid", "invalid"])
    body = admin_client.get(detail).content.decode()
    assert reverse("customers:customer_user_invalidate", args=[user.pk]) not in body
    assert reverse("customers:customer_user_send_password", args=[user.pk]) not in body


def test_send_set_password_link(admin_client, acme):
    user = CustomerUserFactory(email="kenji@acme.example.jp", company=acme, password=PASSWORD)
    response = admin_client.post(
        reverse("customers:customer_user_send_password", args=[user.pk]), follow=True
    )
    assert "A link to set the password was emailed to kenji@acme.example.jp." in (
        response.content.decode()
    )
    assert len(mail.outbox) == 1
    assert "/customer/password/set/" in mail.outbox[0].body

    services.invalidate_customer_user(user, actor=None)
    response = admin_client.post(
        reverse("customers:customer_user_send_password", args=[user.pk]), follow=True
    )
    assert "No mail was sent" in response.content.decode()
    assert len(mail.outbox) == 1


# Group permissions ------------------------------------------------------------------------------


def test_group_permissions_screen(admin_client, admin_agent, acme, roles, settings):
    settings.OPSDESK_CUSTOMER_ALWAYS_GROUPS = ["users"]
    user = CustomerUserFactory(company=acme)
    network = GroupFactory(name="network")
    GroupFactory(name="retired", valid=False)
    url = reverse("customers:customer_user_permissions", args=[user.pk])

    page = admin_client.get(url).content.decode()
    assert f'name="group_{network.pk}"' in page
    assert "retired" not in page
    assert "OPSDESK_CUSTOMER_ALWAYS_GROUPS" in page
    assert "granted to every customer user" in page

    response = admin_client.post(url, {f"group_{network.pk}": ["rw"]})
    assert response["Location"] == reverse("customers:customer_user_detail", args=[user.pk])
    assert {group.name for group in customer_user_groups(user, "ro")} == {"network", "users"}
    assert history_of(user).first().changes == {"group_permissions": [[], ["network:rw"]]}

    detail = admin_client.get(response["Location"]).content.decode()
    section = detail.split('data-testid="customer-user-groups"')[1]
    assert "network" in section

    admin_client.post(url, {})
    assert {group.name for group in customer_user_groups(user, "ro")} == {"users"}


def test_group_permissions_refuse_unknown_keys(admin_client, acme, roles):
    user = CustomerUserFactory(company=acme)
    group = Group.objects.get(name="users")
    response = admin_client.post(
        reverse("customers:customer_user_permissions", args=[user.pk]),
        {f"group_{group.pk}": ["fly"]},
    )
    assert response.status_code == 200
    assert not user.group_permissions.exists()


def test_history_names_extra_fields_and_group_permissions_by_their_labels(admin_client, roles):
    DynamicField.objects.create(
        object_type="customer_user", name="contract_no", label="Contract number", field_type="text"
    )
    user = CustomerUserFactory()
    services.update_customer_user(user, actor=None, extra={"contract_no": "C-1"})
    services.set_customer_user_group_permissions(
        user, actor=None, grants={Group.objects.get(name="users"): ["ro"]}
    )
    history = admin_client.get(reverse("customers:customer_user_detail", args=[user.pk]))
    text = history.content.decode()
    assert "Contract number" in text
    assert "Group permissions" in text
    assert "extra.contract_no" not in text
