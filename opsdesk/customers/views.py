"""Customer Administration (manual 4.3 and 4.3.1), declared on the generic object views of ``core``.

Two tabs, customers (companies) and customer users; every screen needs rw on ``customer_admin``.
"""

import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from opsdesk.core.dynamic_fields import display_rows
from opsdesk.core.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectInvalidateView,
    ObjectListView,
    ObjectViewMixin,
    apply_bootstrap,
)

from . import services
from .filtersets import CompanyFilterSet, CustomerUserFilterSet
from .forms import (
    AUTOCOMPLETE_LIMIT,
    CompanyForm,
    CustomerUserForm,
    CustomerUserGroupPermissionsForm,
    company_label,
)
from .importers import company_export_rows, customer_user_export_rows
from .models import CustomerCompany, CustomerUser
from .search import CUSTOMER_ADMINISTRATION
from .selectors import always_groups, companies_of_user, customer_user_groups, users_of_company
from .tables import CompanyTable, CustomerUserTable

logger = logging.getLogger(__name__)

# A company page lists this many of its customer users; the rest are one click away.
COMPANY_USERS_SHOWN = 100


class CustomerAdministrationMixin:
    """Permission and OTOBO's three-value validity (``validity``, ``is_valid``) for every screen."""

    required = CUSTOMER_ADMINISTRATION
    validity_field = "validity"

    def is_valid_object(self, obj) -> bool:
        return obj.is_valid


class CustomerListView(ObjectListView):
    """A list with the Customers | Customer users tabs above it."""

    template_name = "customers/admin/object_list.html"
    tab = ""

    def get_extra_context(self) -> dict:
        return {"customer_tab": self.tab}


def _send_set_password_mail(request, user: CustomerUser, *, welcome: bool) -> tuple[bool, str]:
    """Mail ``user`` a set-password link; (sent, message for the agent)."""
    try:
        sent = services.send_set_password_email(
            user, base_url=request.build_absolute_uri("/"), welcome=welcome
        )
    except OSError as error:  # smtplib.SMTPException and connection errors
        logger.warning("Set-password mail to customer user %s failed: %s", user.pk, error)
        return False, _("The mail to %(email)s could not be sent: %(error)s") % {
            "email": user.email,
            "error": error,
        }
    if not sent:
        return False, _("No mail was sent: the customer user is not valid or has no email address.")
    return True, _("A link to set the password was emailed to %(email)s.") % {"email": user.email}


# Customers (companies) --------------------------------------------------------------------------


class CompanyViewMixin(CustomerAdministrationMixin):
    model = CustomerCompany
    url_base = "customers:company"


class CompanyListView(CompanyViewMixin, CustomerListView):
    queryset = CustomerCompany.objects.all()
    filterset_class = CompanyFilterSet
    table_class = CompanyTable
    export_filename = "customers.csv"
    tab = "companies"

    def export_rows(self, queryset):
        """The import's columns, so that an exported file can be edited and imported again."""
        return company_export_rows(queryset)


class CompanyDetailView(CompanyViewMixin, ObjectDetailView):
    queryset = CustomerCompany.objects.select_related("created_by", "changed_by")
    detail_fields = (
        "customer_id",
        "name",
        "street",
        "zip",
        "city",
        "country",
        "url",
        "comment",
        "validity",
        "created_at",
        "created_by",
        "changed_at",
        "changed_by",
    )
    extra_template = "customers/admin/company_extra.html"

    def get_detail_fields(self, obj):
        return super().get_detail_fields(obj) + display_rows("customer_company", obj.extra)

    def get_extra_actions(self, obj):
        actions = [
            (
                _("Customer users"),
                reverse("customers:customer_user_list")
                + "?"
                + urlencode({"customer_id": obj.customer_id}),
            )
        ]
        if obj.is_valid:
            actions.append(
                (
                    _("Add customer user"),
                    reverse("customers:customer_user_add")
                    + "?"
                    + urlencode({"company": obj.customer_id}),
                )
            )
        return actions

    def get_extra_context(self, obj):
        users = users_of_company(obj).order_by("last_name", "first_name", "login")
        shown = [(user, user.company_id == obj.pk) for user in users[:COMPANY_USERS_SHOWN]]
        total = len(shown) if len(shown) < COMPANY_USERS_SHOWN else users.count()
        return {
            "company_users": shown,
            "company_user_count": total,
            "all_users_url": reverse("customers:customer_user_list")
            + "?"
            + urlencode({"customer_id": obj.customer_id}),
        }


class CompanyEditView(CompanyViewMixin, ObjectEditView):
    form_class = CompanyForm

    def save_object(self, form, actor):
        if self.object is None:
            return services.create_company(actor=actor, **form.service_fields())
        return services.update_company(self.object, actor=actor, **form.service_fields())


class CompanyInvalidateView(CompanyViewMixin, ObjectInvalidateView):
    def invalidate_object(self, obj, actor):
        return services.invalidate_company(obj, actor=actor)


class CompanyAutocompleteView(CompanyViewMixin, ObjectViewMixin, View):
    """``<option>``s of valid companies whose Customer ID or name contains the typed text, for
    the ``<datalist>`` of the customer field (``?q=``; the field's own name works too)."""

    template_name = "customers/admin/company_options.html"

    def get(self, request):
        text = (request.GET.get("q") or request.GET.get("company") or "").strip()
        # A chosen suggestion reads "ID — name": look the ID up.
        text = text.split(" — ")[0].strip()
        companies = CustomerCompany.objects.valid()
        if text:
            companies = companies.filter(Q(customer_id__icontains=text) | Q(name__icontains=text))
        options = [
            (company.customer_id, company_label(company))
            for company in companies.order_by("customer_id")[:AUTOCOMPLETE_LIMIT]
        ]
        return render(request, self.template_name, {"options": options})


# Customer users ---------------------------------------------------------------------------------


class CustomerUserViewMixin(CustomerAdministrationMixin):
    model = CustomerUser
    url_base = "customers:customer_user"


class CustomerUserListView(CustomerUserViewMixin, CustomerListView):
    queryset = CustomerUser.objects.select_related("company").prefetch_related(
        "additional_companies"
    )
    filterset_class = CustomerUserFilterSet
    table_class = CustomerUserTable
    export_filename = "customer_users.csv"
    tab = "customer_users"

    def export_rows(self, queryset):
        """The import's columns, so that an exported file can be edited and imported again."""
        # The export prefetches what it needs itself.
        return customer_user_export_rows(queryset.prefetch_related(None))


class CustomerUserDetailView(CustomerUserViewMixin, ObjectDetailView):
    queryset = CustomerUser.objects.select_related("company", "created_by", "changed_by")
    detail_fields = (
        "login",
        "title",
        "first_name",
        "last_name",
        "email",
        "phone",
        "mobile",
        "fax",
        "street",
        "zip",
        "city",
        "country",
        "comment",
        "role",
        "validity",
        "language",
        "time_zone",
        "created_at",
        "created_by",
        "changed_at",
        "changed_by",
    )
    extra_template = "customers/admin/customer_user_extra.html"

    def get_detail_fields(self, obj):
        return super().get_detail_fields(obj) + display_rows("customer_user", obj.extra)

    def get_extra_actions(self, obj):
        return [
            (_("Group permissions"), reverse("customers:customer_user_permissions", args=[obj.pk]))
        ]

    def get_extra_context(self, obj):
        rw_groups = list(customer_user_groups(obj, "rw"))
        ro_groups = [group for group in customer_user_groups(obj, "ro") if group not in rw_groups]
        return {
            "companies": [
                (company, index == 0) for index, company in enumerate(companies_of_user(obj))
            ],
            "rw_groups": rw_groups,
            "ro_groups": ro_groups,
            "always_groups": always_groups(),
            "send_password_url": reverse("customers:customer_user_send_password", args=[obj.pk]),
            "permissions_url": reverse("customers:customer_user_permissions", args=[obj.pk]),
        }


class CustomerUserEditView(CustomerUserViewMixin, ObjectEditView):
    form_class = CustomerUserForm
    mail_outcome: tuple[bool, str] | None = None

    def get_form_kwargs(self):
        # "Add customer user" on a company's page fills in its Customer ID.
        if self.kwargs.get("pk") is None and self.request.GET.get("company"):
            return {"initial": {"company": self.request.GET["company"]}}
        return {}

    def save_object(self, form, actor):
        fields = form.service_fields()
        password = form.cleaned_data.get("new_password") or None
        additional = form.cleaned_data["additional_companies"]
        if self.object is not None:
            return services.update_customer_user(
                self.object,
                actor=actor,
                password=password,
                additional_companies=additional,
                **fields,
            )
        user = services.create_customer_user(
            actor=actor, password=password, additional_companies=additional, **fields
        )
        if form.cleaned_data.get("send_password_link"):
            self.mail_outcome = _send_set_password_mail(self.request, user, welcome=True)
        return user

    def after_change_url(self, obj=None):
        # Called once the save succeeded and its own message was added: report the mail after it.
        if self.mail_outcome is not None:
            sent, message = self.mail_outcome
            (messages.success if sent else messages.warning)(self.request, message)
        return super().after_change_url(obj)


class CustomerUserInvalidateView(CustomerUserViewMixin, ObjectInvalidateView):
    def invalidate_object(self, obj, actor):
        return services.invalidate_customer_user(obj, actor=actor)


class CustomerUserSendPasswordView(CustomerUserViewMixin, ObjectViewMixin, View):
    """POST: mail the user a link to set their portal password (a welcome mail when they have
    none yet)."""

    http_method_names = ["post"]

    def post(self, request, pk):
        user = get_object_or_404(self.get_queryset(), pk=pk)
        sent, message = _send_set_password_mail(request, user, welcome=not user.has_usable_password)
        (messages.success if sent else messages.error)(request, message)
        return redirect(self.object_url("detail", user))


class CustomerUserPermissionsView(CustomerUserViewMixin, ObjectViewMixin, View):
    """ro / rw per group: which groups' queues the customer user may see and create tickets in."""

    template_name = "customers/admin/customer_user_permissions.html"

    def render_matrix(self, user, form):
        apply_bootstrap(form)
        context = self.base_context(user) | {"form": form, "always_groups": always_groups()}
        return render(self.request, self.template_name, context)

    def get(self, request, pk):
        user = get_object_or_404(self.get_queryset(), pk=pk)
        return self.render_matrix(user, CustomerUserGroupPermissionsForm(customer_user=user))

    def post(self, request, pk):
        user = get_object_or_404(self.get_queryset(), pk=pk)
        form = CustomerUserGroupPermissionsForm(request.POST, customer_user=user)
        if not form.is_valid():
            return self.render_matrix(user, form)
        services.set_customer_user_group_permissions(user, actor=request.user, grants=form.grants())
        messages.success(request, _("The permissions were saved."))
        return redirect(self.object_url("detail", user))
