"""Writes of the customers area: companies, customer users, their group permissions and passwords.

Every write validates with the models' rules (field-level messages), runs in a transaction and
leaves an audit entry, so the change history of each record shows who changed what and when.
"""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from opsdesk.accounts.models import Group
from opsdesk.core.models import AuditAction
from opsdesk.core.services import (
    create_object,
    diff,
    record_change,
    snapshot,
    update_object,
)

from .choices import CustomerPermission, Validity
from .models import CustomerCompany, CustomerUser, CustomerUserGroupPermission

# Companies --------------------------------------------------------------------------------------


def create_company(*, actor, customer_id: str, name: str, **fields) -> CustomerCompany:
    """Register a customer company; the Customer ID is the key and cannot change later."""
    return create_object(CustomerCompany, actor=actor, customer_id=customer_id, name=name, **fields)


def update_company(company: CustomerCompany, *, actor, **fields) -> CustomerCompany:
    """Change a company's fields; changing the Customer ID is refused."""
    new_id = fields.pop("customer_id", None)
    if new_id is not None and new_id.strip() != company.customer_id:
        raise ValidationError(
            {"customer_id": _("The Customer ID cannot be changed after creation.")}
        )
    return update_object(company, actor=actor, **fields)


def set_company_validity(company: CustomerCompany, *, actor, validity: str) -> CustomerCompany:
    """Make a company valid, invalid or invalid-temporarily; companies are never deleted."""
    if validity not in Validity.values:
        raise ValidationError({"validity": _("Unknown validity “%s”.") % validity})
    return update_object(company, actor=actor, validity=validity)


def invalidate_company(company: CustomerCompany, *, actor) -> CustomerCompany:
    return set_company_validity(company, actor=actor, validity=Validity.INVALID)


# Customer users ---------------------------------------------------------------------------------


def _check_additional_companies(
    user: CustomerUser, companies: Iterable[CustomerCompany], *, previous: set[int] | None = None
) -> list[CustomerCompany]:
    """The additional companies without the primary one; joining an invalid company is refused."""
    previous = previous or set()
    result = []
    for company in dict.fromkeys(companies):
        if company.pk == user.company_id:
            continue
        if not company.is_valid and company.pk not in previous:
            raise ValidationError(
                {
                    "additional_companies": _(
                        "The customer “%(name)s” is invalid and cannot be added."
                    )
                    % {"name": company.name}
                }
            )
        result.append(company)
    return result


def _user_snapshot(user: CustomerUser, additional: Iterable[CustomerCompany]) -> dict:
    return snapshot(
        user,
        {
            "additional_companies": [company.customer_id for company in additional],
            "portal_access": user.has_usable_password,
        },
    )


@transaction.atomic
def create_customer_user(
    *,
    actor,
    login: str,
    first_name: str,
    last_name: str,
    email: str,
    company: CustomerCompany,
    additional_companies: Iterable[CustomerCompany] = (),
    password: str | None = None,
    **fields,
) -> CustomerUser:
    """Register a customer user in ``company`` (which must be valid).

    Login and email are unique without regard to case (email among valid users); without a
    password the user has no portal access until they set one through a mailed link.
    """
    user = CustomerUser(
        login=login,
        first_name=first_name,
        last_name=last_name,
        email=email,
        company=company,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        changed_by=actor if getattr(actor, "is_authenticated", False) else None,
        **fields,
    )
    user.set_password(password)
    user.full_clean()
    additional = _check_additional_companies(user, additional_companies)
    user.save()
    user.additional_companies.set(additional)
    record_change(
        actor=actor,
        instance=user,
        action=AuditAction.CREATE,
        changes=_user_snapshot(user, additional),
    )
    return user


@transaction.atomic
def update_customer_user(
    user: CustomerUser,
    *,
    actor,
    additional_companies: Iterable[CustomerCompany] | None = None,
    password: str | None = None,
    **fields,
) -> CustomerUser:
    """Change a customer user; ``additional_companies=None`` keeps them, a password replaces the
    old one (and ends the user's other portal sessions)."""
    stored = CustomerUser.objects.get(pk=user.pk)
    stored_additional = list(stored.additional_companies.all())
    before = _user_snapshot(stored, stored_additional)
    for name, value in fields.items():
        setattr(user, name, value)
    if password:
        user.set_password(password)
    if getattr(actor, "is_authenticated", False):
        user.changed_by = actor
    user.full_clean()
    if additional_companies is None:
        additional = [company for company in stored_additional if company.pk != user.company_id]
    else:
        additional = _check_additional_companies(
            user,
            additional_companies,
            previous={company.pk for company in stored_additional},
        )
    user.save()
    user.additional_companies.set(additional)
    changes = diff(before, _user_snapshot(user, additional))
    if password:
        changes["password"] = ["", _("changed")]
    record_change(actor=actor, instance=user, action=AuditAction.UPDATE, changes=changes)
    return user


def set_customer_user_validity(user: CustomerUser, *, actor, validity: str) -> CustomerUser:
    if validity not in Validity.values:
        raise ValidationError({"validity": _("Unknown validity “%s”.") % validity})
    return update_customer_user(user, actor=actor, validity=validity)


def invalidate_customer_user(user: CustomerUser, *, actor) -> CustomerUser:
    """Invalid customer users cannot sign in to the portal; they are never deleted."""
    return set_customer_user_validity(user, actor=actor, validity=Validity.INVALID)


# Passwords and the set-password link ------------------------------------------------------------


class CustomerUserTokenGenerator(PasswordResetTokenGenerator):
    """Set-password links for customer users: one use, expiring after PASSWORD_RESET_TIMEOUT.

    The token changes as soon as the password or the last login changes.
    """

    key_salt = "opsdesk.customers.CustomerUserTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        login_timestamp = (
            "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None)
        )
        return f"{user.pk}{user.password}{login_timestamp}{timestamp}{user.email}{user.validity}"


customer_token_generator = CustomerUserTokenGenerator()


def set_password_url(user: CustomerUser, *, base_url: str) -> str:
    path = reverse(
        "portal:set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": customer_token_generator.make_token(user),  # type: ignore[arg-type]
        },
    )
    return base_url.rstrip("/") + path


def send_set_password_email(user: CustomerUser, *, base_url: str, welcome: bool = False) -> bool:
    """Mail the user a link to set a portal password: a welcome mail after registration or the
    lost-password mail. Invalid users and users without an address get nothing (returns False)."""
    if not user.is_valid or not user.email:
        return False
    context = {
        "customer_user": user,
        "set_password_url": set_password_url(user, base_url=base_url),
        "portal_url": base_url.rstrip("/") + reverse("portal:login"),
        "valid_minutes": max(1, settings.PASSWORD_RESET_TIMEOUT // 60),
        "welcome": welcome,
    }
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = render_to_string("customers/email/set_password_subject.txt", context)
        body = render_to_string("customers/email/set_password_body.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])
    return True


@transaction.atomic
def set_own_password(user: CustomerUser, *, new_password: str) -> CustomerUser:
    """A customer user sets their portal password (profile or mailed link); the lockout clears."""
    user.set_password(new_password)
    user.failed_login_count = 0
    user.locked_until = None
    user.save(update_fields=["password", "failed_login_count", "locked_until", "changed_at"])
    record_change(
        actor=None,
        instance=user,
        action=AuditAction.UPDATE,
        changes={"password": ["", _("set by the customer user")]},
    )
    return user


# Fields a customer user may change on their own profile in the portal.
PROFILE_FIELDS = ("title", "first_name", "last_name", "phone", "mobile", "language", "time_zone")


def update_own_profile(user: CustomerUser, **fields) -> CustomerUser:
    """A customer user changes their own name, phone, language or time zone (nothing else)."""
    refused = set(fields) - set(PROFILE_FIELDS)
    if refused:
        raise ValueError(f"Fields not editable by customer users: {sorted(refused)}")
    return update_customer_user(user, actor=None, **fields)


def record_portal_login(user: CustomerUser) -> None:
    CustomerUser.objects.filter(pk=user.pk).update(
        last_login=timezone.now(), failed_login_count=0, locked_until=None
    )


# Group permissions ------------------------------------------------------------------------------


@transaction.atomic
def set_customer_user_group_permissions(
    user: CustomerUser, *, actor, grants: dict[Group, Iterable[str]]
) -> None:
    """Replace the user's group permissions by ``grants`` (group -> {"ro", "rw"})."""
    wanted = set()
    for group, permissions in grants.items():
        for permission in permissions:
            if permission not in CustomerPermission.values:
                raise ValidationError(_("Unknown permission “%s”.") % permission)
            wanted.add((group.pk, permission))
    current = {
        (grant.group_id, grant.permission): grant
        for grant in CustomerUserGroupPermission.objects.filter(customer_user=user)
    }
    names = dict(
        Group.objects.filter(pk__in={pk for pk, _p in wanted | set(current)}).values_list(
            "pk", "name"
        )
    )

    def describe(keys):
        return sorted(f"{names[pk]}:{permission}" for pk, permission in keys)

    removed = set(current) - wanted
    added = wanted - set(current)
    if not removed and not added:
        return
    CustomerUserGroupPermission.objects.filter(pk__in=[current[key].pk for key in removed]).delete()
    CustomerUserGroupPermission.objects.bulk_create(
        CustomerUserGroupPermission(customer_user=user, group_id=pk, permission=permission)
        for pk, permission in added
    )
    record_change(
        actor=actor,
        instance=user,
        action=AuditAction.UPDATE,
        changes={"group_permissions": [describe(current), describe(wanted)]},
    )
