"""REST API of the customers area: customer companies and customer users.

Agents who may see customers (``ro`` on ``users``) read; Customer Administration (``rw`` on
``customer_admin``) writes. Nothing here is ever deleted: ``DELETE`` sets the object invalid and
answers with it. Companies are addressed by their Customer ID and customer users by their login,
both found whatever the case (they are unique without regard to case).
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from opsdesk.accounts.choices import Permission
from opsdesk.accounts.selectors import has_group_permission
from opsdesk.api.permissions import IsAgent

from . import filtersets, services
from .models import CustomerCompany, CustomerUser
from .serializers import CustomerCompanySerializer, CustomerUserSerializer

READ = (Permission.RO.value, "users")
WRITE = (Permission.RW.value, "customer_admin")


def register(router) -> None:
    router.register("customer-companies", CustomerCompanyViewSet, basename="customer-company")
    router.register("customer-users", CustomerUserViewSet, basename="customer-user")


def may_read_customers(agent) -> bool:
    return has_group_permission(agent, *READ) or has_group_permission(agent, *WRITE)


def may_administer_customers(agent) -> bool:
    return has_group_permission(agent, *WRITE)


def detail_operations(key: str, description, **summaries) -> dict:
    """``extend_schema`` of each detail operation, with the key in the path described."""
    parameter = OpenApiParameter(
        key, OpenApiTypes.STR, OpenApiParameter.PATH, description=description
    )
    return {
        action: extend_schema(parameters=[parameter], **options)
        for action, options in summaries.items()
    }


class CustomerPermission(IsAgent):
    """Reading: ``ro`` on ``users`` (or Customer Administration); writing: ``rw`` on
    ``customer_admin``."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if request.method in SAFE_METHODS:
            return may_read_customers(request.user)
        return may_administer_customers(request.user)


class CustomerViewSet(viewsets.ModelViewSet):
    """One kind of customer record, looked up case-insensitively by its key in the URL."""

    permission_classes = [CustomerPermission]
    lookup_value_regex = r"[^/]+"
    key_field = ""

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        obj = get_object_or_404(queryset, **{f"{self.key_field}__iexact": value})
        self.check_object_permissions(self.request, obj)
        return obj

    def invalidate(self, instance, actor):
        raise NotImplementedError

    def perform_create(self, serializer):
        serializer.save(actor=self.request.user)

    def perform_update(self, serializer):
        serializer.save(actor=self.request.user)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        self.invalidate(instance, actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=instance.pk)).data)


@extend_schema_view(
    list=extend_schema(summary=_("List customers (companies)")),
    create=extend_schema(summary=_("Create a customer")),
    **detail_operations(
        "customer_id",
        _("Customer ID of the customer (not case-sensitive)."),
        retrieve={"summary": _("Show a customer")},
        update={
            "summary": _("Change a customer"),
            "description": _(
                "The Customer ID cannot be changed: give the current one (another is refused)."
            ),
        },
        partial_update={"summary": _("Change some fields of a customer")},
        destroy={
            "summary": _("Invalidate a customer"),
            "description": _(
                "Sets the customer invalid; customers are never deleted. Its users keep it, but "
                "no user can be added to it. Answers with the customer."
            ),
            "responses": {200: CustomerCompanySerializer},
        },
    ),
)
class CustomerCompanyViewSet(CustomerViewSet):
    """Customer companies, addressed by their Customer ID (``/customer-companies/ACME-JP/``).

    The Customer ID in the URL is found whatever its case. Filters: ``q`` (Customer ID, name,
    address, URL), ``validity``.
    """

    serializer_class = CustomerCompanySerializer
    filterset_class = filtersets.CompanyFilterSet
    queryset = CustomerCompany.objects.all()
    lookup_field = "customer_id"
    key_field = "customer_id"

    def invalidate(self, instance, actor):
        services.invalidate_company(instance, actor=actor)


@extend_schema_view(
    list=extend_schema(summary=_("List customer users")),
    create=extend_schema(summary=_("Create a customer user")),
    **detail_operations(
        "login",
        _("Login of the customer user (not case-sensitive)."),
        retrieve={"summary": _("Show a customer user")},
        update={"summary": _("Change a customer user")},
        partial_update={"summary": _("Change some fields of a customer user")},
        destroy={
            "summary": _("Invalidate a customer user"),
            "description": _(
                "Sets the customer user invalid: they can no longer sign in to the portal. "
                "Customer users are never deleted. Answers with the customer user."
            ),
            "responses": {200: CustomerUserSerializer},
        },
    ),
)
class CustomerUserViewSet(CustomerViewSet):
    """Customer users, addressed by their login (``/customer-users/jdoe/``), found whatever its
    case.

    Filters: ``q`` (login, name, email, phone, city, Customer ID, customer name), ``customer_id``
    (users whose primary or additional company has this Customer ID), ``role``, ``validity``.
    The password is write only; neither its hash nor the sign-in lockout is ever shown.
    """

    serializer_class = CustomerUserSerializer
    filterset_class = filtersets.CustomerUserFilterSet
    queryset = CustomerUser.objects.select_related("company").prefetch_related(
        Prefetch("additional_companies", queryset=CustomerCompany.objects.only("id", "customer_id"))
    )
    lookup_field = "login"
    key_field = "login"

    def invalidate(self, instance, actor):
        services.invalidate_customer_user(instance, actor=actor)
