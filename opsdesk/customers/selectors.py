"""Reads of the customers area with business meaning: pickers, company members, group grants."""

from django.conf import settings
from django.db.models import Q, QuerySet

from opsdesk.accounts.models import Group

from .choices import CustomerPermission
from .models import CustomerCompany, CustomerUser


def companies_for_picker(*, keep: CustomerCompany | None = None) -> QuerySet[CustomerCompany]:
    """Valid companies for choosing a user's company; ``keep`` stays listed even when invalid
    (a user already in an invalidated company keeps showing it and may be moved away)."""
    condition = Q(validity="valid")
    if keep is not None:
        condition |= Q(pk=keep.pk)
    return CustomerCompany.objects.filter(condition).order_by("name")


def users_of_company(company: CustomerCompany) -> QuerySet[CustomerUser]:
    """Users whose primary or additional company is ``company``."""
    return CustomerUser.objects.of_company(company).select_related("company")


def companies_of_user(user: CustomerUser) -> list[CustomerCompany]:
    """The user's primary company first, then the additional ones by name."""
    additional = [
        company
        for company in user.additional_companies.order_by("name")
        if company.pk != user.company_id
    ]
    return [user.company, *additional]


def always_groups() -> list[str]:
    """Groups every customer user holds ``rw`` on (``OPSDESK_CUSTOMER_ALWAYS_GROUPS``)."""
    return list(getattr(settings, "OPSDESK_CUSTOMER_ALWAYS_GROUPS", []))


def customer_user_groups(user: CustomerUser, permission: str) -> QuerySet[Group]:
    """Valid groups on which ``user`` holds ``permission`` (``rw`` implies ``ro``), including the
    groups every customer user holds."""
    keys = [permission]
    if permission != CustomerPermission.RW:
        keys.append(CustomerPermission.RW)
    condition = Q(
        customer_user_permissions__customer_user=user,
        customer_user_permissions__permission__in=keys,
    ) | Q(name__in=always_groups())
    return Group.objects.filter(condition, valid=True).distinct().order_by("name")


def customer_user_has_group_permission(user: CustomerUser, permission: str, group: str) -> bool:
    return customer_user_groups(user, permission).filter(name=group).exists()


def group_permission_matrix(user: CustomerUser) -> list[tuple[Group, set[str]]]:
    """Every valid group with the permissions ``user`` holds on it (for the permissions screen)."""
    held: dict[int, set[str]] = {}
    for group_id, permission in user.group_permissions.values_list("group_id", "permission"):
        held.setdefault(group_id, set()).add(permission)
    return [(group, held.get(group.pk, set())) for group in Group.objects.filter(valid=True)]
