"""Writes of the customers area: their rules, their bad inputs and the history they leave."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import resolve

from opsdesk.accounts.models import Group
from opsdesk.accounts.tests.factories import GroupFactory
from opsdesk.core.models import AuditAction
from opsdesk.core.services import history_of
from opsdesk.customers import services
from opsdesk.customers.choices import Validity
from opsdesk.customers.models import CustomerCompany, CustomerUser
from opsdesk.customers.tests.factories import (
    PASSWORD,
    CustomerCompanyFactory,
    CustomerUserFactory,
)

pytestmark = pytest.mark.django_db

BASE_URL = "https://desk.example.jp/"


def messages_of(caught) -> dict[str, list[str]]:
    return caught.value.message_dict


# Companies --------------------------------------------------------------------------------------


def test_create_company_records_who_and_history(admin_agent):
    company = services.create_company(
        actor=admin_agent, customer_id="ACME-JP", name="Acme Japan", city="Osaka"
    )
    assert (company.created_by, company.changed_by) == (admin_agent, admin_agent)
    entry = history_of(company).get()
    assert (entry.action, entry.actor) == (AuditAction.CREATE, admin_agent)
    assert entry.changes["customer_id"] == "ACME-JP"
    assert entry.changes["city"] == "Osaka"


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"customer_id": "acme-jp", "name": "Other"}, "customer_id"),
        ({"customer_id": "OTHER", "name": "acme japan"}, "name"),
        ({"customer_id": "null", "name": "Other"}, "customer_id"),
        ({"customer_id": "OTHER", "name": "Other", "url": "nope"}, "url"),
    ],
)
def test_create_company_refuses_bad_input_and_writes_nothing(fields, field, admin_agent):
    CustomerCompanyFactory(customer_id="ACME-JP", name="Acme Japan")
    with pytest.raises(ValidationError) as caught:
        services.create_company(actor=admin_agent, **fields)
    assert field in messages_of(caught)
    assert CustomerCompany.objects.count() == 1


def test_update_company_refuses_a_new_customer_id(admin_agent):
    company = CustomerCompanyFactory(customer_id="ACME-JP")
    for new_id in ("ACME", "acme-jp"):
        with pytest.raises(ValidationError) as caught:
            services.update_company(company, actor=admin_agent, customer_id=new_id)
        assert messages_of(caught) == {
            "customer_id": ["The Customer ID cannot be changed after creation."]
        }
    company.refresh_from_db()
    assert company.customer_id == "ACME-JP"
    assert not history_of(company).exists()


def test_update_company_logs_what_changed(admin_agent):
    company = CustomerCompanyFactory(customer_id="ACME-JP", name="Acme", city="Osaka")
    services.update_company(
        company, actor=admin_agent, customer_id="ACME-JP", name="Acme Japan", city="Osaka"
    )
    entry = history_of(company).get()
    assert (entry.action, entry.actor) == (AuditAction.UPDATE, admin_agent)
    assert entry.changes == {"name": ["Acme", "Acme Japan"]}

    services.update_company(company, actor=admin_agent, name="Acme Japan")
    assert history_of(company).count() == 1  # nothing changed, nothing logged


def test_invalidate_company_keeps_it_and_its_users(admin_agent):
    user = CustomerUserFactory()
    company = user.company
    services.invalidate_company(company, actor=admin_agent)
    company.refresh_from_db()
    assert company.validity == Validity.INVALID
    assert history_of(company).get().changes == {"validity": ["valid", "invalid"]}
    user.refresh_from_db()
    assert user.company == company

    with pytest.raises(ValidationError):
        services.set_company_validity(company, actor=admin_agent, validity="gone")
    services.set_company_validity(company, actor=admin_agent, validity=Validity.INVALID_TEMPORARILY)
    company.refresh_from_db()
    assert company.validity == Validity.INVALID_TEMPORARILY


# Customer users ---------------------------------------------------------------------------------


def register(actor=None, **fields) -> CustomerUser:
    values = {
        "login": "tanaka",
        "first_name": "Ichiro",
        "last_name": "Tanaka",
        "email": "tanaka@example.jp",
    }
    values.update(fields)
    if "company" not in values:
        values["company"] = CustomerCompanyFactory()
    return services.create_customer_user(actor=actor, **values)


def test_create_customer_user_with_additional_companies_and_history(admin_agent):
    primary, extra = CustomerCompanyFactory(), CustomerCompanyFactory(customer_id="EXTRA")
    user = register(
        admin_agent, company=primary, additional_companies=[extra, primary], password=PASSWORD
    )
    assert list(user.additional_companies.all()) == [extra]  # the primary is not repeated
    assert user.check_password(PASSWORD)
    assert user.created_by == admin_agent
    entry = history_of(user).get()
    assert (entry.action, entry.actor) == (AuditAction.CREATE, admin_agent)
    assert entry.changes["additional_companies"] == ["EXTRA"]
    assert entry.changes["portal_access"] is True
    assert "password" not in entry.changes


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"login": "TAKEN"}, "login", "A customer user with this login already exists."),
        (
            {"email": "Taken@Example.jp"},
            "email",
            "A valid customer user with this email address already exists.",
        ),
        ({"email": "no-at-sign"}, "email", "Enter a valid email address."),
        ({"company": None}, "company", "This field cannot be null."),
        ({"first_name": ""}, "first_name", "This field cannot be blank."),
    ],
)
def test_create_customer_user_refuses_bad_input(fields, field, message):
    CustomerUserFactory(login="taken", email="taken@example.jp")
    before = CustomerUser.objects.count()
    with pytest.raises(ValidationError) as caught:
        register(**fields)
    assert message in messages_of(caught)[field]
    assert CustomerUser.objects.count() == before


def test_an_invalid_users_address_may_be_reused():
    CustomerUserFactory(email="shared@example.jp", validity=Validity.INVALID)
    assert register(email="shared@example.jp").is_valid


def test_new_users_cannot_join_invalid_companies():
    old = CustomerCompanyFactory(name="Old Trading", validity=Validity.INVALID)
    with pytest.raises(ValidationError) as caught:
        register(company=old)
    assert "company" in messages_of(caught)

    with pytest.raises(ValidationError) as caught:
        register(additional_companies=[old])
    assert messages_of(caught) == {
        "additional_companies": ["The customer “Old Trading” is invalid and cannot be added."]
    }
    assert not CustomerUser.objects.exists()


def test_existing_users_keep_invalidated_companies(admin_agent):
    primary, extra = CustomerCompanyFactory(), CustomerCompanyFactory()
    user = CustomerUserFactory(company=primary, additional_companies=[extra])
    services.invalidate_company(primary, actor=admin_agent)
    services.invalidate_company(extra, actor=admin_agent)

    services.update_customer_user(
        user, actor=admin_agent, phone="06-0000", additional_companies=[extra]
    )
    user.refresh_from_db()
    assert (user.company, user.phone) == (primary, "06-0000")
    assert list(user.additional_companies.all()) == [extra]

    # ...but may not be moved into another invalid company.
    other_old = CustomerCompanyFactory(validity=Validity.INVALID)
    with pytest.raises(ValidationError):
        services.update_customer_user(
            user, actor=admin_agent, additional_companies=[extra, other_old]
        )
    with pytest.raises(ValidationError):
        services.update_customer_user(
            CustomerUser.objects.get(pk=user.pk), company=other_old, actor=None
        )


def test_update_customer_user_logs_changes_but_never_the_password(admin_agent):
    primary, extra = CustomerCompanyFactory(), CustomerCompanyFactory(customer_id="EXTRA")
    user = CustomerUserFactory(company=primary, last_name="Old", additional_companies=[extra])

    services.update_customer_user(user, actor=admin_agent, last_name="New", password=PASSWORD)
    entry = history_of(user).get()
    assert entry.actor == admin_agent
    assert entry.changes["last_name"] == ["Old", "New"]
    assert entry.changes["password"] == ["", "changed"]
    assert entry.changes["portal_access"] == [False, True]
    assert PASSWORD not in str(entry.changes)
    assert list(user.additional_companies.all()) == [extra]  # None keeps them

    services.update_customer_user(user, actor=admin_agent, additional_companies=[])
    assert history_of(user).first().changes == {"additional_companies": [["EXTRA"], []]}
    assert not user.additional_companies.exists()


def test_invalidate_customer_user(admin_agent):
    user = CustomerUserFactory()
    services.invalidate_customer_user(user, actor=admin_agent)
    user.refresh_from_db()
    assert user.validity == Validity.INVALID
    assert history_of(user).get().changes == {"validity": ["valid", "invalid"]}
    with pytest.raises(ValidationError):
        services.set_customer_user_validity(user, actor=admin_agent, validity="deleted")


# Set-password mail ------------------------------------------------------------------------------


def mailed_link(message) -> str:
    return re.search(r"https://desk\.example\.jp/customer/password/set/\S+", message.body).group(0)


def test_welcome_mail_has_a_working_set_password_link():
    user = CustomerUserFactory(login="kenji", first_name="Kenji", last_name="Ito")
    assert services.send_set_password_email(user, base_url=BASE_URL, welcome=True)
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject == "Your OpsDesk customer portal account"
    assert "Hello Kenji Ito," in message.body
    assert "An account has been created for you" in message.body
    assert "Your login is: kenji" in message.body
    assert "https://desk.example.jp/customer/login/" in message.body

    match = resolve(urlsplit(mailed_link(message)).path)
    assert match.view_name == "portal:set_password"
    assert services.customer_token_generator.check_token(user, match.kwargs["token"])


def test_lost_password_mail():
    user = CustomerUserFactory(password=PASSWORD)
    assert services.send_set_password_email(user, base_url=BASE_URL)
    message = mail.outbox[0]
    assert message.subject == "Set your OpsDesk customer portal password"
    assert "asked to set a new password" in message.body
    assert mailed_link(message)


def test_the_link_stops_working_once_the_password_is_set():
    user = CustomerUserFactory()
    services.send_set_password_email(user, base_url=BASE_URL, welcome=True)
    token = resolve(urlsplit(mailed_link(mail.outbox[0])).path).kwargs["token"]
    services.set_own_password(user, new_password=PASSWORD)
    assert not services.customer_token_generator.check_token(user, token)
    assert history_of(user).get().changes == {"password": ["", "set by the customer user"]}


def test_invalid_users_get_no_mail():
    user = CustomerUserFactory(validity=Validity.INVALID)
    assert not services.send_set_password_email(user, base_url=BASE_URL, welcome=True)
    assert mail.outbox == []


# Own profile and portal login -------------------------------------------------------------------


def test_update_own_profile_allows_profile_fields_only():
    user = CustomerUserFactory(phone="1")
    services.update_own_profile(user, phone="2", language="ja")
    user.refresh_from_db()
    assert (user.phone, user.language) == ("2", "ja")
    entry = history_of(user).get()
    assert entry.actor is None
    assert entry.changes["phone"] == ["1", "2"]
    with pytest.raises(ValueError):
        services.update_own_profile(user, email="new@example.jp")


def test_record_portal_login_clears_the_lockout():
    user = CustomerUserFactory()
    CustomerUser.objects.filter(pk=user.pk).update(failed_login_count=4)
    services.record_portal_login(user)
    user.refresh_from_db()
    assert user.last_login is not None
    assert user.failed_login_count == 0


# Group permissions ------------------------------------------------------------------------------


def test_set_customer_user_group_permissions(admin_agent, roles):
    user = CustomerUserFactory()
    network, users = GroupFactory(name="network"), Group.objects.get(name="users")
    services.set_customer_user_group_permissions(
        user, actor=admin_agent, grants={network: {"ro", "rw"}, users: {"ro"}}
    )
    assert set(user.group_permissions.values_list("group__name", "permission")) == {
        ("network", "ro"),
        ("network", "rw"),
        ("users", "ro"),
    }
    entry = history_of(user).get()
    assert entry.actor == admin_agent
    assert entry.changes == {"group_permissions": [[], ["network:ro", "network:rw", "users:ro"]]}

    # The same grants again change nothing and log nothing.
    services.set_customer_user_group_permissions(
        user, actor=admin_agent, grants={network: {"ro", "rw"}, users: {"ro"}}
    )
    assert history_of(user).count() == 1

    services.set_customer_user_group_permissions(user, actor=admin_agent, grants={network: {"ro"}})
    assert set(user.group_permissions.values_list("group__name", "permission")) == {
        ("network", "ro")
    }


def test_unknown_group_permissions_are_refused(roles):
    user = CustomerUserFactory()
    with pytest.raises(ValidationError):
        services.set_customer_user_group_permissions(
            user, actor=None, grants={GroupFactory(): {"admin"}}
        )
    assert not user.group_permissions.exists()
