"""Reads of the customers area: company members, pickers and customer-user group grants."""

import pytest

from opsdesk.accounts.models import Group
from opsdesk.accounts.tests.factories import GroupFactory
from opsdesk.customers import selectors, services
from opsdesk.customers.choices import Validity
from opsdesk.customers.tests.factories import CustomerCompanyFactory, CustomerUserFactory

pytestmark = pytest.mark.django_db


def test_a_user_of_company_a_with_additional_company_b_is_listed_under_both():
    company_a = CustomerCompanyFactory(customer_id="A")
    company_b = CustomerCompanyFactory(customer_id="B")
    both = CustomerUserFactory(login="both", company=company_a, additional_companies=[company_b])
    only_a = CustomerUserFactory(login="only-a", company=company_a)
    only_b = CustomerUserFactory(login="only-b", company=company_b)

    assert set(selectors.users_of_company(company_a)) == {both, only_a}
    assert set(selectors.users_of_company(company_b)) == {both, only_b}
    # Listed once, even when the user has several of the companies.
    CustomerUserFactory(company=company_a, additional_companies=[company_b, company_a])
    assert selectors.users_of_company(company_a).count() == 3


def test_companies_for_picker_offers_valid_ones_and_keeps_the_current_one():
    valid = CustomerCompanyFactory(name="A valid")
    old = CustomerCompanyFactory(name="B old", validity=Validity.INVALID)
    CustomerCompanyFactory(name="C paused", validity=Validity.INVALID_TEMPORARILY)
    assert list(selectors.companies_for_picker()) == [valid]
    assert list(selectors.companies_for_picker(keep=old)) == [valid, old]


def test_companies_of_user_lists_the_primary_first_then_by_name():
    primary = CustomerCompanyFactory(name="Zeta")
    alpha, beta = CustomerCompanyFactory(name="Alpha"), CustomerCompanyFactory(name="Beta")
    user = CustomerUserFactory(company=primary, additional_companies=[beta, alpha])
    assert selectors.companies_of_user(user) == [primary, alpha, beta]


@pytest.fixture
def groups(roles):
    return {
        "network": GroupFactory(name="network"),
        "servers": GroupFactory(name="servers"),
        "retired": GroupFactory(name="retired", valid=False),
        "users": Group.objects.get(name="users"),
    }


def names(queryset) -> set[str]:
    return {group.name for group in queryset}


def test_rw_implies_ro_and_every_user_holds_the_always_groups(groups, settings):
    settings.OPSDESK_CUSTOMER_ALWAYS_GROUPS = ["users"]
    user = CustomerUserFactory()
    services.set_customer_user_group_permissions(
        user,
        actor=None,
        grants={groups["network"]: {"rw"}, groups["servers"]: {"ro"}, groups["retired"]: {"rw"}},
    )
    assert names(selectors.customer_user_groups(user, "rw")) == {"network", "users"}
    assert names(selectors.customer_user_groups(user, "ro")) == {"network", "servers", "users"}
    assert selectors.customer_user_has_group_permission(user, "ro", "network")
    assert not selectors.customer_user_has_group_permission(user, "rw", "servers")
    assert not selectors.customer_user_has_group_permission(user, "ro", "retired")  # invalid

    other = CustomerUserFactory()
    assert names(selectors.customer_user_groups(other, "ro")) == {"users"}
    settings.OPSDESK_CUSTOMER_ALWAYS_GROUPS = []
    assert names(selectors.customer_user_groups(other, "ro")) == set()


def test_group_permission_matrix_lists_every_valid_group(groups):
    user = CustomerUserFactory()
    services.set_customer_user_group_permissions(
        user, actor=None, grants={groups["network"]: {"ro", "rw"}}
    )
    matrix = dict(selectors.group_permission_matrix(user))
    assert matrix[groups["network"]] == {"ro", "rw"}
    assert matrix[groups["servers"]] == set()
    assert groups["retired"] not in matrix
