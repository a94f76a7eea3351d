"""Validation rules of customer companies and customer users, as the models enforce them."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from opsdesk.customers.choices import Validity
from opsdesk.customers.models import CustomerCompany, CustomerUser
from opsdesk.customers.tests.factories import (
    PASSWORD,
    CustomerCompanyFactory,
    CustomerUserFactory,
)

pytestmark = pytest.mark.django_db


def errors_of(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


# Companies --------------------------------------------------------------------------------------


def test_customer_id_is_unique_without_regard_to_case():
    CustomerCompanyFactory(customer_id="ACME-JP")
    errors = errors_of(CustomerCompany(customer_id="acme-jp", name="Another"))
    assert errors == {"customer_id": ["A customer with this Customer ID already exists."]}


def test_the_database_refuses_a_duplicate_customer_id_too():
    CustomerCompanyFactory(customer_id="ACME-JP")
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerCompany.objects.create(customer_id="Acme-Jp", name="Another")


@pytest.mark.parametrize("reserved", ["null", "NULL", "all", "All"])
def test_reserved_customer_ids_are_refused(reserved):
    errors = errors_of(CustomerCompany(customer_id=reserved, name="Wildcard"))
    assert errors["customer_id"] == [f"“{reserved}” is reserved; choose another Customer ID."]


@pytest.mark.parametrize("customer_id", ["has space", "semi;colon", "slash/id", ""])
def test_customer_id_format(customer_id):
    assert "customer_id" in errors_of(CustomerCompany(customer_id=customer_id, name="X"))


def test_customer_id_cannot_change_after_creation():
    company = CustomerCompanyFactory(customer_id="ACME-JP")
    company.customer_id = "ACME"
    assert errors_of(company) == {
        "customer_id": ["The Customer ID cannot be changed after creation."]
    }


def test_customer_name_is_unique_without_regard_to_case():
    CustomerCompanyFactory(name="Acme Japan")
    errors = errors_of(CustomerCompany(customer_id="OTHER", name="ACME JAPAN"))
    assert errors == {"name": ["A customer with this name already exists."]}


def test_customer_url_must_be_an_address():
    assert "url" in errors_of(CustomerCompany(customer_id="X", name="X", url="not a url"))


def test_an_unchanged_company_is_valid():
    company = CustomerCompanyFactory()
    company.city = "Kyoto"
    company.full_clean()
    assert company.is_valid
    assert str(company) == company.name


# Customer users ---------------------------------------------------------------------------------


def new_user(company, **fields) -> CustomerUser:
    values = {
        "login": "tanaka",
        "first_name": "Ichiro",
        "last_name": "Tanaka",
        "email": "tanaka@example.jp",
        "company": company,
    }
    values.update(fields)
    return CustomerUser(**values)


def test_login_is_unique_without_regard_to_case():
    existing = CustomerUserFactory(login="tanaka")
    errors = errors_of(new_user(existing.company, login="TANAKA", email="other@example.jp"))
    assert errors == {"login": ["A customer user with this login already exists."]}


def test_email_is_unique_among_valid_users_only():
    existing = CustomerUserFactory(email="shared@example.jp")
    company = existing.company
    message = "A valid customer user with this email address already exists."
    assert errors_of(new_user(company, email="SHARED@example.jp")) == {"email": [message]}

    # An invalid user's address may be taken by a new (valid) user, and stays usable by
    # further invalid users.
    existing.validity = Validity.INVALID
    existing.save()
    new_user(company, email="shared@example.jp").full_clean()
    new_user(company, email="shared@example.jp", validity=Validity.INVALID_TEMPORARILY).full_clean()


def test_the_database_refuses_two_valid_users_with_one_email():
    existing = CustomerUserFactory(email="shared@example.jp")
    with pytest.raises(IntegrityError), transaction.atomic():
        new_user(existing.company, email="Shared@Example.jp").save()
    new_user(existing.company, email="shared@example.jp", validity=Validity.INVALID).save()


def test_malformed_email_is_refused():
    company = CustomerCompanyFactory()
    assert errors_of(new_user(company, email="tanaka.example.jp")) == {
        "email": ["Enter a valid email address."]
    }


def test_primary_company_is_required():
    errors = errors_of(new_user(None))
    assert errors == {"company": ["This field cannot be null."]}


def test_nobody_joins_an_invalid_company_but_members_stay():
    old = CustomerCompanyFactory(validity=Validity.INVALID)
    message = "This customer is invalid; choose a valid customer."
    assert errors_of(new_user(old)) == {"company": [message]}

    member = CustomerUserFactory()
    member.company.validity = Validity.INVALID
    member.company.save()
    member.phone = "03-0000"
    member.full_clean()  # editing other fields keeps the invalidated company

    member.company = old
    assert errors_of(member) == {"company": [message]}


def test_time_zone_must_be_known():
    company = CustomerCompanyFactory()
    assert "time_zone" in errors_of(new_user(company, time_zone="Mars/Olympus"))
    new_user(company, time_zone="Asia/Tokyo").full_clean()


def test_portal_password():
    user = CustomerUserFactory()
    assert not user.has_usable_password
    assert not user.check_password("")
    first_hash = user.get_session_auth_hash()

    user.set_password(PASSWORD)
    user.save()
    assert user.has_usable_password
    assert user.check_password(PASSWORD)
    assert not user.check_password("wrong")
    assert user.get_session_auth_hash() != first_hash
    assert "portal" not in user.password  # stored hashed

    user.set_password(None)
    assert not user.has_usable_password


def test_company_ids_list_the_primary_company_first():
    primary, second, third = CustomerCompanyFactory.create_batch(3)
    user = CustomerUserFactory(company=primary, additional_companies=[third, second])
    assert user.company_ids()[0] == primary.pk
    assert sorted(user.company_ids()[1:]) == sorted([second.pk, third.pk])


def test_customer_user_names():
    user = CustomerUserFactory(first_name="Hanako", last_name="Yamada", email="h@example.jp")
    assert user.full_name == "Hanako Yamada"
    assert str(user) == "Hanako Yamada <h@example.jp>"
    assert not user.is_manager
