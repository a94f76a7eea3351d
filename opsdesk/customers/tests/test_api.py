import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from opsdesk.accounts.services import create_api_token
from opsdesk.core.models import AuditAction, AuditLogEntry, DynamicField
from opsdesk.customers.models import CustomerCompany, CustomerUser
from opsdesk.customers.tests.factories import CustomerCompanyFactory, CustomerUserFactory

pytestmark = pytest.mark.django_db

COMPANIES = reverse("api-v1:customer-company-list")
USERS = reverse("api-v1:customer-user-list")

NEW_COMPANY = {
    "customer_id": "ACME-JP",
    "name": "Acme Japan",
    "city": "Osaka",
    "url": "https://acme.example.jp",
}


def company_url(customer_id: str) -> str:
    return reverse("api-v1:customer-company-detail", args=[customer_id])


def user_url(login: str) -> str:
    return reverse("api-v1:customer-user-detail", args=[login])


def client_for(agent):
    client = APIClient()
    if agent is not None:
        client.force_authenticate(agent)
    return client


def token_client(agent):
    """A client that signs every request with a personal API token, as scripts do."""
    _, raw = create_api_token(agent=agent, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.fixture
def manager(make_agent):
    return make_agent("itsm_manager", login="manager")


@pytest.fixture
def api(manager):
    """An API client of an agent with Customer Administration (an operation manager)."""
    return client_for(manager)


@pytest.fixture
def acme():
    return CustomerCompanyFactory(customer_id="ACME", name="Acme Corporation", city="Springfield")


@pytest.fixture
def globex():
    return CustomerCompanyFactory(customer_id="GLOBEX", name="Globex", city="Cypress Creek")


def new_user(**changes):
    return {
        "login": "jdoe",
        "first_name": "Jane",
        "last_name": "Doe",
        "email": "jane.doe@acme.example",
        "customer_id": "ACME",
        **changes,
    }


# Permissions ------------------------------------------------------------------------------------


def _requests(company, user):
    return [
        ("get", COMPANIES),
        ("get", company_url(company.customer_id)),
        ("post", COMPANIES),
        ("put", company_url(company.customer_id)),
        ("patch", company_url(company.customer_id)),
        ("delete", company_url(company.customer_id)),
        ("get", USERS),
        ("get", user_url(user.login)),
        ("post", USERS),
        ("put", user_url(user.login)),
        ("patch", user_url(user.login)),
        ("delete", user_url(user.login)),
    ]


def _status(client, method, url):
    data = {"name": "Changed", "first_name": "Changed"} if method != "delete" else None
    return getattr(client, method)(url, data, format="json").status_code


def test_anonymous_callers_are_refused_everything(acme):
    user = CustomerUserFactory(company=acme, login="jdoe")
    for method, url in _requests(acme, user):
        response = getattr(client_for(None), method)(url, {}, format="json")
        assert response.status_code == 401, (method, url)
        assert response.json()["detail"]
    assert CustomerCompany.objects.get(pk=acme.pk).is_valid


@pytest.mark.parametrize("role", ["itsm_viewer", "itsm_user"])
def test_agents_who_see_customers_read_but_do_not_write(role, make_agent, acme):
    user = CustomerUserFactory(company=acme, login="jdoe", first_name="Jane")
    client = client_for(make_agent(role))

    for method, url in _requests(acme, user):
        expected = 200 if method == "get" else 403
        assert _status(client, method, url) == expected, (method, url)

    assert CustomerCompany.objects.get(pk=acme.pk).name == "Acme Corporation"
    assert CustomerUser.objects.get(pk=user.pk).first_name == "Jane"
    assert CustomerUser.objects.get(pk=user.pk).is_valid


def test_agents_without_customer_permissions_are_refused(plain_agent, acme):
    user = CustomerUserFactory(company=acme, login="jdoe")
    client = client_for(plain_agent)
    for method, url in _requests(acme, user):
        assert _status(client, method, url) == 403, (method, url)


@pytest.mark.parametrize("role", ["itsm_manager", "itsm_admin"])
def test_customer_administrators_write(role, make_agent):
    client = client_for(make_agent(role))

    assert client.post(COMPANIES, NEW_COMPANY, format="json").status_code == 201
    created = client.post(USERS, new_user(customer_id="ACME-JP"), format="json")
    assert created.status_code == 201, created.json()
    assert client.patch(user_url("jdoe"), {"city": "Kobe"}, format="json").status_code == 200
    assert client.delete(company_url("ACME-JP")).status_code == 200


def test_a_personal_token_works_and_keeps_its_agents_limits(manager, make_agent, acme):
    viewer = token_client(make_agent("itsm_viewer"))
    writer = token_client(manager)

    assert viewer.get(COMPANIES).status_code == 200
    assert viewer.post(COMPANIES, NEW_COMPANY, format="json").status_code == 403
    assert writer.post(COMPANIES, NEW_COMPANY, format="json").status_code == 201


# Companies --------------------------------------------------------------------------------------


def test_a_company_is_created_and_shown_by_its_customer_id(api, manager):
    response = api.post(COMPANIES, NEW_COMPANY, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["customer_id"] == "ACME-JP"
    assert body["validity"] == "valid"
    assert body["extra"] == {}
    company = CustomerCompany.objects.get(customer_id="ACME-JP")
    assert company.created_by == manager
    assert AuditLogEntry.objects.filter(
        action=AuditAction.CREATE, object_id=str(company.pk), actor=manager
    ).exists()

    for key in ("ACME-JP", "acme-jp"):  # found whatever the case
        shown = api.get(company_url(key))
        assert shown.status_code == 200
        assert shown.json()["name"] == "Acme Japan"


def test_customer_ids_with_dots_and_at_signs_are_addressable(api):
    CustomerCompanyFactory(customer_id="acme.co@jp", name="Dotted")
    assert api.get(company_url("acme.co@jp")).json()["name"] == "Dotted"


def test_an_unknown_company_is_a_json_404(api):
    response = api.get(company_url("NOPE"))
    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer_id": "acme"}, "customer_id"),  # unique whatever the case
        ({"name": "ACME CORPORATION"}, "name"),
        ({"customer_id": "all"}, "customer_id"),  # reserved
        ({"customer_id": "NULL"}, "customer_id"),
        ({"customer_id": "with space"}, "customer_id"),
        ({"customer_id": ""}, "customer_id"),
        ({"name": ""}, "name"),
        ({"url": "not a url"}, "url"),
        ({"validity": "maybe"}, "validity"),
        ({"extra": {"unknown": "x"}}, "extra"),
    ],
)
def test_an_invalid_company_is_refused_with_field_messages(api, acme, change, field):
    before = CustomerCompany.objects.count()
    audit_before = AuditLogEntry.objects.count()

    response = api.post(COMPANIES, {**NEW_COMPANY, **change}, format="json")

    assert response.status_code == 400
    messages = response.json()[field]
    assert messages
    assert CustomerCompany.objects.count() == before
    assert AuditLogEntry.objects.count() == audit_before


def test_a_reserved_customer_id_is_named_in_the_message(api):
    response = api.post(COMPANIES, {**NEW_COMPANY, "customer_id": "all"}, format="json")
    assert response.json() == {"customer_id": ["“all” is reserved; choose another Customer ID."]}


def test_a_company_is_changed_but_its_customer_id_stays(api, acme):
    changed = api.patch(company_url("ACME"), {"city": "Shelbyville"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["city"] == "Shelbyville"

    full = api.put(
        company_url("acme"),
        {"customer_id": "ACME", "name": "Acme Corp.", "comment": "renamed"},
        format="json",
    )
    assert full.status_code == 200, full.json()

    renamed = api.patch(company_url("ACME"), {"customer_id": "ACME2"}, format="json")
    recased = api.put(company_url("ACME"), {"customer_id": "acme", "name": "X"}, format="json")

    for refused in (renamed, recased):
        assert refused.status_code == 400
        assert refused.json() == {
            "customer_id": ["The Customer ID cannot be changed after creation."]
        }
    acme.refresh_from_db()
    assert (acme.customer_id, acme.name, acme.city) == ("ACME", "Acme Corp.", "Shelbyville")


def test_delete_invalidates_a_company_and_keeps_it(api, acme, manager):
    member = CustomerUserFactory(company=acme)

    response = api.delete(company_url("ACME"))

    assert response.status_code == 200
    assert response.json()["validity"] == "invalid"
    acme.refresh_from_db()
    assert acme.validity == "invalid"
    assert acme.changed_by == manager
    member.refresh_from_db()
    assert member.company == acme
    # An invalid company takes no new users, but may be made valid again.
    refused = api.post(USERS, new_user(), format="json")
    assert refused.status_code == 400
    assert refused.json()["customer_id"]
    revalidated = api.patch(company_url("ACME"), {"validity": "valid"}, format="json")
    assert revalidated.json()["validity"] == "valid"


def test_the_company_list_filters_by_search_and_validity(api, acme, globex):
    CustomerCompanyFactory(customer_id="OLD", name="Old Ltd.", validity="invalid")

    def ids(**params):
        response = api.get(COMPANIES, params)
        assert response.status_code == 200, response.json()
        return sorted(item["customer_id"] for item in response.json()["results"])

    assert ids() == ["ACME", "GLOBEX", "OLD"]
    assert ids(validity="valid") == ["ACME", "GLOBEX"]
    assert ids(validity="invalid") == ["OLD"]
    assert ids(q="springfield") == ["ACME"]
    assert ids(q="glo") == ["GLOBEX"]
    assert api.get(COMPANIES, {"validity": "maybe"}).status_code == 400


def test_the_company_list_is_paginated(api):
    for number in range(5):
        CustomerCompanyFactory(customer_id=f"C{number}")
    body = api.get(COMPANIES, {"limit": 2, "offset": 2}).json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["next"] and body["previous"]


def test_company_extra_fields_are_checked_by_their_definitions(api, admin_agent):
    DynamicField.objects.create(
        object_type="customer_company",
        name="contract_no",
        label="Contract number",
        field_type="text",
        regex=r"C-\d+",
        regex_message="Write C- and digits.",
    )
    DynamicField.objects.create(
        object_type="customer_company", name="seats", label="Seats", field_type="integer"
    )

    bad = api.post(
        COMPANIES,
        {**NEW_COMPANY, "extra": {"contract_no": "X1", "seats": "many"}},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["extra"] == {
        "contract_no": ["Write C- and digits."],
        "seats": ["“many” is not a whole number."],
    }

    good = api.post(
        COMPANIES, {**NEW_COMPANY, "extra": {"contract_no": "C-7", "seats": 12}}, format="json"
    )
    assert good.status_code == 201, good.json()
    assert good.json()["extra"] == {"contract_no": "C-7", "seats": 12}

    cleared = api.patch(company_url("ACME-JP"), {"extra": {"seats": None}}, format="json")
    assert cleared.json()["extra"] == {"contract_no": "C-7"}


# Customer users ---------------------------------------------------------------------------------


def test_a_customer_user_is_created_with_companies_and_a_portal_password(api, acme, globex):
    response = api.post(
        USERS,
        new_user(
            customer_id="acme",  # found whatever the case
            additional_customer_ids=["GLOBEX", "ACME"],
            role="manager",
            language="ja",
            time_zone="Asia/Tokyo",
            password="portal-Lantern-5821",
        ),
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["customer_id"] == "ACME"
    assert body["customer_name"] == "Acme Corporation"
    assert body["additional_customer_ids"] == ["GLOBEX"]  # the primary one is left out
    assert body["role"] == "manager"
    assert body["portal_access"] is True
    assert "password" not in body
    user = CustomerUser.objects.get(login="jdoe")
    assert user.check_password("portal-Lantern-5821")
    assert list(user.additional_companies.all()) == [globex]
    assert (user.language, user.time_zone) == ("ja", "Asia/Tokyo")


def test_a_form_encoded_request_may_give_several_additional_companies(api, acme, globex):
    other = CustomerCompanyFactory(customer_id="INITECH")
    DynamicField.objects.create(
        object_type="customer_user",
        name="badge",
        label="Badge",
        field_type="integer",
        required=True,
    )
    data = new_user(additional_customer_ids=["GLOBEX", "INITECH"])

    missing = api.post(USERS, data)  # multipart, as an HTML form sends it
    created = api.post(USERS, {**data, "extra.badge": "7"})

    assert missing.status_code == 400
    assert missing.json() == {"extra": {"badge": ["This field is required."]}}
    assert created.status_code == 201, created.json()
    assert created.json()["additional_customer_ids"] == ["GLOBEX", "INITECH"]
    assert created.json()["extra"] == {"badge": 7}
    assert set(CustomerUser.objects.get(login="jdoe").additional_companies.all()) == {
        globex,
        other,
    }


def test_a_customer_user_without_a_password_has_no_portal_access(api, acme):
    body = api.post(USERS, new_user(), format="json").json()
    assert body["portal_access"] is False
    assert not CustomerUser.objects.get(login="jdoe").has_usable_password


def test_the_api_never_shows_the_password_hash_or_the_lockout(api, acme):
    user = CustomerUserFactory(company=acme, login="jdoe", password="portal-Lantern-5821")
    texts = [api.get(USERS).content.decode(), api.get(user_url("jdoe")).content.decode()]
    user.refresh_from_db()
    for text in texts:
        assert user.password not in text
        for hidden in ("password", "failed_login", "locked_until", "last_failed_login"):
            assert hidden not in text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"login": "TAKEN"}, "login", "A customer user with this login already exists."),
        (
            {"email": "Taken@Acme.example"},
            "email",
            "A valid customer user with this email address already exists.",
        ),
        ({"email": "not-an-address"}, "email", None),
        (
            {"customer_id": "NOPE"},
            "customer_id",
            "No customer with Customer ID “NOPE” exists.",
        ),
        ({"customer_id": None}, "customer_id", None),
        (
            {"additional_customer_ids": ["GLOBEX", "NOPE"]},
            "additional_customer_ids",
            "No customer with Customer ID “NOPE” exists.",
        ),
        ({"role": "boss"}, "role", None),
        ({"validity": "maybe"}, "validity", None),
        ({"language": "xx"}, "language", None),
        ({"time_zone": "Mars/Olympus"}, "time_zone", None),
        ({"password": "12345678"}, "password", None),
        ({"password": "jane.doe@acme.example"}, "password", None),
        ({"extra": {"shoe_size": 42}}, "extra", None),
        ({"login": ""}, "login", None),
    ],
)
def test_an_invalid_customer_user_is_refused_and_nothing_is_created(
    api, acme, globex, change, field, message
):
    CustomerUserFactory(company=acme, login="taken", email="taken@acme.example")
    before = CustomerUser.objects.count()
    audit_before = AuditLogEntry.objects.count()

    response = api.post(USERS, new_user(**change), format="json")

    assert response.status_code == 400
    messages = response.json()[field]
    assert messages
    if message is not None:
        assert message in messages
    assert CustomerUser.objects.count() == before
    assert AuditLogEntry.objects.count() == audit_before


def test_joining_an_invalid_additional_company_is_refused(api, acme):
    CustomerCompanyFactory(customer_id="GONE", validity="invalid")

    response = api.post(USERS, new_user(additional_customer_ids=["GONE"]), format="json")

    assert response.status_code == 400
    assert response.json()["additional_customer_ids"]
    assert not CustomerUser.objects.exists()


def test_a_customer_user_is_changed_by_login(api, acme, globex, manager):
    user = CustomerUserFactory(
        company=acme, login="jdoe", first_name="Jane", additional_companies=[globex]
    )

    moved = api.patch(
        user_url("JDOE"), {"customer_id": "GLOBEX", "phone": "+81 3 1234"}, format="json"
    )

    assert moved.status_code == 200, moved.json()
    assert moved.json()["customer_id"] == "GLOBEX"
    assert moved.json()["phone"] == "+81 3 1234"
    user.refresh_from_db()
    assert user.company == globex
    assert user.first_name == "Jane"  # untouched by a partial update
    assert user.changed_by == manager
    assert AuditLogEntry.objects.filter(
        action=AuditAction.UPDATE, object_id=str(user.pk), actor=manager
    ).exists()

    replaced = api.patch(user_url("jdoe"), {"additional_customer_ids": ["ACME"]}, format="json")
    assert replaced.json()["additional_customer_ids"] == ["ACME"]
    emptied = api.patch(user_url("jdoe"), {"additional_customer_ids": []}, format="json")
    assert emptied.json()["additional_customer_ids"] == []


def test_a_full_update_sets_a_new_password(api, acme):
    user = CustomerUserFactory(company=acme, login="jdoe", password="portal-Lantern-5821")

    response = api.put(
        user_url("jdoe"),
        new_user(login="jane", email="jane@acme.example", password="new-Harbour-7731"),
        format="json",
    )

    assert response.status_code == 200, response.json()
    user.refresh_from_db()
    assert (user.login, user.email) == ("jane", "jane@acme.example")
    assert user.check_password("new-Harbour-7731")
    assert api.get(user_url("jane")).status_code == 200


def test_a_refused_change_changes_nothing(api, acme):
    user = CustomerUserFactory(company=acme, login="jdoe", first_name="Jane")
    CustomerUserFactory(company=acme, login="other", email="other@acme.example")

    taken = api.patch(
        user_url("jdoe"), {"first_name": "Janet", "email": "OTHER@acme.example"}, format="json"
    )
    unknown = api.patch(user_url("jdoe"), {"first_name": "Janet", "customer_id": "X"})

    assert taken.status_code == unknown.status_code == 400
    assert "email" in taken.json()
    assert "customer_id" in unknown.json()
    user.refresh_from_db()
    assert user.first_name == "Jane"


def test_delete_invalidates_a_customer_user(api, acme, manager):
    user = CustomerUserFactory(company=acme, login="jdoe")

    response = api.delete(user_url("jdoe"))

    assert response.status_code == 200
    assert response.json()["validity"] == "invalid"
    user.refresh_from_db()
    assert user.validity == "invalid"
    assert AuditLogEntry.objects.filter(
        action=AuditAction.UPDATE, object_id=str(user.pk), actor=manager
    ).exists()
    # Its email address is free again for a valid user.
    created = api.post(USERS, new_user(login="jdoe2", email=user.email), format="json")
    assert created.status_code == 201, created.json()


def test_customer_user_extra_fields_get_defaults_and_need_required_ones(api, acme):
    DynamicField.objects.create(
        object_type="customer_user",
        name="department",
        label="Department",
        field_type="dropdown",
        choices=[["it", "IT"], ["sales", "Sales"]],
        default_value="it",
    )
    DynamicField.objects.create(
        object_type="customer_user",
        name="badge",
        label="Badge number",
        field_type="integer",
        required=True,
    )
    DynamicField.objects.create(
        object_type="customer_user",
        name="skills",
        label="Skills",
        field_type="multiselect",
        choices=[["db", "Databases"], ["net", "Networks"]],
    )
    DynamicField.objects.create(
        object_type="customer_user", name="vip", label="VIP", field_type="checkbox"
    )

    missing = api.post(USERS, new_user(), format="json")
    assert missing.status_code == 400
    assert missing.json() == {"extra": {"badge": ["This field is required."]}}

    bad_choice = api.post(
        USERS, new_user(extra={"badge": 7, "skills": ["db", "cooking"]}), format="json"
    )
    assert bad_choice.status_code == 400
    assert list(bad_choice.json()["extra"]) == ["skills"]

    created = api.post(
        USERS,
        new_user(extra={"badge": "7", "skills": ["db", "Networks"], "vip": True}),
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["extra"] == {
        "badge": 7,
        "department": "it",
        "skills": ["db", "net"],
        "vip": True,
    }

    required_cleared = api.patch(user_url("jdoe"), {"extra": {"badge": None}}, format="json")
    assert required_cleared.status_code == 400
    assert required_cleared.json()["extra"]["badge"]


def test_values_of_invalidated_fields_are_kept_and_may_be_sent_back(api, acme):
    field = DynamicField.objects.create(
        object_type="customer_user", name="legacy", label="Legacy", field_type="text"
    )
    api.post(USERS, new_user(extra={"legacy": "old value"}), format="json")
    field.valid = False
    field.save()

    body = api.get(user_url("jdoe")).json()
    assert body["extra"] == {"legacy": "old value"}
    sent_back = api.put(user_url("jdoe"), {**new_user(), "extra": body["extra"]}, format="json")
    assert sent_back.status_code == 200, sent_back.json()
    changed = api.patch(user_url("jdoe"), {"extra": {"legacy": "new value"}}, format="json")
    assert changed.status_code == 400
    assert CustomerUser.objects.get(login="jdoe").extra == {"legacy": "old value"}


def test_the_user_list_filters_by_customer_id_including_additional_companies(api, acme, globex):
    CustomerUserFactory(company=acme, login="alice", role="manager")
    CustomerUserFactory(company=globex, login="bob", additional_companies=[acme])
    CustomerUserFactory(company=globex, login="carol", first_name="Carol", validity="invalid")

    def logins(**params):
        response = api.get(USERS, params)
        assert response.status_code == 200, response.json()
        return sorted(item["login"] for item in response.json()["results"])

    assert logins(customer_id="ACME") == ["alice", "bob"]
    assert logins(customer_id="acme") == ["alice", "bob"]
    assert logins(customer_id="GLOBEX") == ["bob", "carol"]
    assert logins(role="manager") == ["alice"]
    assert logins(validity="invalid") == ["carol"]
    assert logins(validity="valid", customer_id="GLOBEX") == ["bob"]
    assert logins(q="carol") == ["carol"]
    assert logins(q="acme corporation") == ["alice"]  # the primary company's name
    assert api.get(USERS, {"role": "boss"}).status_code == 400


def test_the_user_list_needs_the_same_queries_for_few_and_many_users(
    manager, acme, globex, django_assert_max_num_queries
):
    client = token_client(manager)

    def add_users(count):
        for _ in range(count):
            CustomerUserFactory(company=acme, additional_companies=[globex])

    add_users(2)
    assert client.get(USERS).status_code == 200  # the first use of a token records it
    add_users(20)
    # token, the caller's grants (direct, via roles), count, users with companies, additional ones
    with django_assert_max_num_queries(6):
        response = client.get(USERS)
    assert len(response.json()["results"]) == 22
    assert all(item["additional_customer_ids"] == ["GLOBEX"] for item in response.json()["results"])


def test_the_company_list_needs_no_query_per_company(manager, django_assert_max_num_queries):
    client = token_client(manager)
    for _ in range(10):
        CustomerCompanyFactory()
    client.get(COMPANIES)
    with django_assert_max_num_queries(5):
        response = client.get(COMPANIES)
    assert response.json()["count"] == 10


def test_a_customer_user_detail_needs_few_queries(
    manager, acme, globex, django_assert_max_num_queries
):
    CustomerUserFactory(company=acme, login="jdoe", additional_companies=[globex])
    client = token_client(manager)
    client.get(user_url("jdoe"))
    with django_assert_max_num_queries(5):
        assert client.get(user_url("jdoe")).status_code == 200


def test_the_schema_describes_the_customer_endpoints(admin_client):
    schema = admin_client.get("/api/schema/", {"format": "json"}).json()

    assert "/api/v1/customer-companies/{customer_id}/" in schema["paths"]
    assert "/api/v1/customer-users/{login}/" in schema["paths"]
    user = schema["components"]["schemas"]["CustomerUser"]["properties"]
    assert "password" not in user
    assert "password" in schema["components"]["schemas"]["CustomerUserRequest"]["properties"]
    delete = schema["paths"]["/api/v1/customer-users/{login}/"]["delete"]
    assert set(delete["responses"]) == {"200"}
