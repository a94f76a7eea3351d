"""Tables of the Customer Administration lists (companies, customer users)."""

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from opsdesk.core.generic import ObjectTable

from .choices import Validity
from .models import CustomerCompany, CustomerUser

VALIDITY_BADGES = {
    Validity.VALID: "text-bg-success",
    Validity.INVALID: "text-bg-secondary",
    Validity.INVALID_TEMPORARILY: "text-bg-warning",
}

# Additional customers shown by name in the list; more are summarised as "+N".
ADDITIONAL_NAMES_SHOWN = 2


class ValidityChoiceColumn(tables.Column):
    """OTOBO's three validity values as badges on screen, the stored value in exports."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("verbose_name", capfirst(_("validity")))
        super().__init__(*args, **kwargs)

    def render(self, value, record):
        return format_html(
            '<span class="badge {}">{}</span>',
            VALIDITY_BADGES.get(value, "text-bg-secondary"),
            record.get_validity_display(),
        )

    def value(self, value, record):
        return value


class CompanyTable(ObjectTable):
    customer_id = tables.Column(linkify=("customers:company_detail", [tables.A("pk")]))
    name = tables.Column(linkify=("customers:company_detail", [tables.A("pk")]))
    city = tables.Column()
    country = tables.Column()
    validity = ValidityChoiceColumn()
    changed_at = tables.DateTimeColumn(short=True)

    class Meta(ObjectTable.Meta):
        model = CustomerCompany
        fields = ("customer_id", "name", "city", "country", "validity", "changed_at")
        order_by = ("name",)


class CustomerUserTable(ObjectTable):
    """Needs ``select_related("company")`` and ``prefetch_related("additional_companies")``."""

    login = tables.Column(linkify=("customers:customer_user_detail", [tables.A("pk")]))
    name = tables.Column(
        verbose_name=capfirst(_("name")),
        accessor="full_name",
        order_by=("last_name", "first_name"),
    )
    email = tables.EmailColumn()
    phone = tables.Column()
    company = tables.Column(
        verbose_name=capfirst(_("customer")),
        order_by=("company__name",),
        linkify=False,
    )
    role = tables.Column()
    validity = ValidityChoiceColumn()

    class Meta(ObjectTable.Meta):
        model = CustomerUser
        fields = ("login", "name", "email", "phone", "company", "role", "validity")
        order_by = ("name",)

    @staticmethod
    def _additional(record) -> list[CustomerCompany]:
        return [
            company
            for company in record.additional_companies.all()
            if company.pk != record.company_id
        ]

    def render_company(self, value, record):
        primary = format_html(
            '<span title="{}">{}</span>{}',
            value.customer_id,
            value.name,
            ""
            if value.is_valid
            else format_html(' <span class="badge text-bg-secondary">{}</span>', _("invalid")),
        )
        additional = sorted(self._additional(record), key=lambda company: company.name)
        if not additional:
            return primary
        if len(additional) <= ADDITIONAL_NAMES_SHOWN:
            names = format_html_join(", ", "{}", ((company.name,) for company in additional))
            return format_html(
                '{} <span class="small text-body-secondary">+ {}</span>', primary, names
            )
        return format_html(
            '{} <span class="badge text-bg-light border" title="{}">+{}</span>',
            primary,
            ", ".join(company.name for company in additional),
            len(additional),
        )

    def value_company(self, value, record):
        return value.customer_id
