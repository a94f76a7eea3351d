"""CSV import and export of customer companies and customer users (Customer Administration).

Rows are checked in memory, with the models' own field rules (``full_clean`` without its
uniqueness queries), against what ``prepare`` loads for the whole file in a few queries: the
records the rows name, the companies they refer to and the holders of their email addresses.
``apply_all`` then writes every row at once: bulk inserts and updates, the additional companies
through the M2M table, and one audit entry per created or changed record in the format of the
services (``snapshot``/``diff``). The per-row services would need several queries a row; this way
10,000 rows import in a few seconds (bench/customers_import.py).

An exported file has exactly the import's columns, so that it can be edited and imported again.
"""

from collections.abc import Iterable, Iterator

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Prefetch
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opsdesk.accounts.choices import Language, known_time_zones
from opsdesk.core.csv_import import (
    CREATE,
    REJECTED_COLUMN,
    UNCHANGED,
    UPDATE,
    CsvRow,
    ImportFailed,
    PlannedRow,
    RowImporter,
    Snapshotter,
    bulk_record_changes,
    bulk_update,
)
from opsdesk.core.dynamic_fields import definitions_for, parse_text, to_text
from opsdesk.core.models import (
    AuditAction,
    DynamicField,
    DynamicFieldObjectType,
    DynamicFieldType,
)
from opsdesk.core.services import diff

from .choices import CustomerRole, Validity
from .models import CustomerCompany, CustomerUser

CHUNK_SIZE = 900  # values per IN (...) lookup, below SQLite's limit of bound parameters
BATCH_SIZE = 500  # rows per bulk INSERT/UPDATE
MULTI_SEPARATOR = "|"

VALIDITY_WORDS = {
    **{value: value for value in Validity.values},
    "invalid_temporarily": Validity.INVALID_TEMPORARILY,
    "yes": Validity.VALID,
    "y": Validity.VALID,
    "true": Validity.VALID,
    "1": Validity.VALID,
    "no": Validity.INVALID,
    "n": Validity.INVALID,
    "false": Validity.INVALID,
    "0": Validity.INVALID,
}


def _chunks(values: Iterable) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), CHUNK_SIZE):
        yield values[start : start + CHUNK_SIZE]


def _by_lower(queryset: models.QuerySet, field: str, values: Iterable[str]) -> dict:
    """The objects whose ``field`` equals one of ``values`` without regard to case, by lowered
    value (a few queries however many values: the lookups use the lower(...) unique indexes)."""
    found = {}
    keys = sorted({value.lower() for value in values if value})
    for chunk in _chunks(keys):
        for obj in queryset.annotate(import_key=Lower(field)).filter(import_key__in=chunk):
            found[getattr(obj, field).lower()] = obj
    return found


def _parse_word(values: dict, column: str, words: dict, message: str, errors: dict):
    """The value a word column stands for, None when blank or absent (or wrong: see errors)."""
    text = values.get(column, "")
    if not text:
        return None
    value = words.get(text.lower())
    if value is None:
        errors[column] = [message % {"value": text}]
    return value


def _write(rows: list[PlannedRow], write) -> None:
    """Run the bulk writes in a savepoint; a constraint that the checks could not foresee (another
    agent changed the same records meanwhile) refuses the import instead of breaking the page."""
    try:
        with transaction.atomic():
            write()
    except IntegrityError as error:
        raise ImportFailed(
            rows[0].line if rows else 0,
            _("The records changed while importing (%s). Please upload the file again.") % error,
        ) from error


class DynamicFieldColumns:
    """One column per valid dynamic field of ``object_type``, named as the field.

    A field whose name (without case) is already a column of the importer, or ``error``, gets no
    column; its values stay as they are.
    """

    object_type = ""
    base_columns: tuple[str, ...] = ()

    def load_definitions(self) -> None:
        taken = {column.lower() for column in self.base_columns} | {REJECTED_COLUMN}
        self.definitions: dict[str, DynamicField] = {}
        for definition in definitions_for(self.object_type):
            if definition.name.lower() in taken:
                continue
            taken.add(definition.name.lower())
            self.definitions[definition.name] = definition
        self.columns = (*self.base_columns, *self.definitions)

    def extra_values(self, values: dict, stored: dict | None, *, creating: bool, errors: dict):
        """The new ``extra`` dict: the stored one with the row's dynamic-field columns applied.

        Absent columns keep their values; a new record gets the field's default, and a required
        field without default needs its column.
        """
        stored = stored or {}
        extra = dict(stored)
        for column, definition in self.definitions.items():
            if column in values:
                text = values[column]
            elif creating and (definition.default_value or definition.required):
                text = definition.default_value
            else:
                continue
            try:
                value = parse_text(definition, text)
            except ValidationError as error:
                errors[column] = error.messages
                continue
            checkbox = definition.field_type == DynamicFieldType.CHECKBOX
            if checkbox and not value and not stored.get(definition.name):
                continue  # not ticked before either: leave it as it is stored
            if value is None:
                extra.pop(definition.name, None)
            else:
                extra[definition.name] = value
        return extra

    def extra_changes(self, before: dict, after: dict) -> dict:
        return {
            column: [to_text(definition, before.get(definition.name)), to_text(definition, value)]
            for column, definition in self.definitions.items()
            if before.get(definition.name) != (value := after.get(definition.name))
        }

    def extra_cells(self, extra: dict | None) -> list[str]:
        extra = extra or {}
        return [
            to_text(definition, extra.get(definition.name))
            for definition in self.definitions.values()
        ]

    def raise_errors(self, errors: dict) -> None:
        """Raise the row's errors, one entry per column in the order of the columns."""
        if errors:
            order = {column: index for index, column in enumerate(self.columns)}
            raise ValidationError(
                {key: errors[key] for key in sorted(errors, key=lambda k: order.get(k, 999))}
            )


def _model_errors(instance: models.Model, errors: dict, exclude: Iterable[str] = ()) -> None:
    """The model's own field rules and ``clean`` (the importer checks uniqueness in bulk)."""
    try:
        instance.full_clean(
            exclude=[*exclude, *errors], validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)


# Companies --------------------------------------------------------------------------------------

COMPANY_FIELDS = ("name", "street", "zip", "city", "country", "url", "comment")


class CompanyImporter(DynamicFieldColumns, RowImporter):
    """Customer companies by Customer ID: a new one creates a company, a known one (without regard
    to case) updates it; the Customer ID itself never changes."""

    object_type = DynamicFieldObjectType.CUSTOMER_COMPANY
    base_columns = ("customer_id", *COMPANY_FIELDS, "validity")
    required_columns = ("customer_id",)
    unique_columns = ("customer_id", "name")
    description = gettext_lazy(
        "A new Customer ID creates a customer, an existing one (not case-sensitive) updates it; "
        "the Customer ID itself never changes. validity is valid, invalid or invalid-temporarily "
        "(yes and no work too). Each extra field has a column named as the field. Columns left out "
        "of the file keep their values."
    )

    def __init__(self):
        self.load_definitions()

    def prepare(self, rows: list[CsvRow]) -> None:
        self.by_customer_id = _by_lower(
            CustomerCompany.objects.all(),
            "customer_id",
            (row.values["customer_id"] for row in rows),
        )
        self.by_name = _by_lower(
            CustomerCompany.objects.only("pk", "customer_id", "name"),
            "name",
            (row.values.get("name", "") for row in rows),
        )

    def validate(self, row: CsvRow) -> PlannedRow:
        values = row.values
        company = self.by_customer_id.get(values["customer_id"].lower())
        creating = company is None
        errors: dict[str, list] = {}
        fields = {name: values[name] for name in COMPANY_FIELDS if name in values}
        validity = _parse_word(
            values,
            "validity",
            VALIDITY_WORDS,
            _("“%(value)s” is not a validity: write valid, invalid or invalid-temporarily."),
            errors,
        )
        if validity is not None:
            fields["validity"] = validity
        fields["extra"] = self.extra_values(
            values, None if creating else company.extra, creating=creating, errors=errors
        )
        if creating:
            candidate = CustomerCompany(customer_id=values["customer_id"], **fields)
        else:
            stored = {name: getattr(company, name) for name in (*COMPANY_FIELDS, "validity")}
            candidate = CustomerCompany(customer_id=company.customer_id, **(stored | fields))
        _model_errors(candidate, errors)
        if "name" not in errors and candidate.name:
            holder = self.by_name.get(candidate.name.lower())
            if holder is not None and (creating or holder.pk != company.pk):
                errors["name"] = [
                    _("The customer “%(customer_id)s” already has this name.")
                    % {"customer_id": holder.customer_id}
                ]
        self.raise_errors(errors)

        if creating:
            return PlannedRow(row.line, CREATE, values, data={"object": candidate})
        changed = {
            name: getattr(candidate, name)
            for name in (*COMPANY_FIELDS, "validity", "extra")
            if getattr(candidate, name) != getattr(company, name)
        }
        changes = {
            name: [getattr(company, name), value]
            for name, value in changed.items()
            if name != "extra"
        } | self.extra_changes(company.extra or {}, candidate.extra)
        return PlannedRow(
            row.line,
            UPDATE if changed else UNCHANGED,
            values,
            data={"fields": changed},
            instance=company,
            changes=changes,
        )

    def apply_all(self, rows: list[PlannedRow], *, actor) -> None:
        by = actor if getattr(actor, "is_authenticated", False) else None
        now = timezone.now()
        created, updated, audit = [], [], []
        fields = {"changed_at", "changed_by"}
        snap = Snapshotter(CustomerCompany)
        for row in rows:
            if row.action == CREATE:
                company = row.data["object"]
                company.created_by = company.changed_by = by
                created.append(company)
                continue
            company = row.instance
            before = snap(company)
            for name, value in row.data["fields"].items():
                setattr(company, name, value)
            fields.update(row.data["fields"])
            company.changed_by, company.changed_at = by, now
            updated.append(company)
            audit.append((company, AuditAction.UPDATE, diff(before, snap(company))))

        def write():
            CustomerCompany.objects.bulk_create(created, batch_size=BATCH_SIZE)
            if updated:
                bulk_update(CustomerCompany, updated, sorted(fields))

        _write(rows, write)
        audit += [(company, AuditAction.CREATE, snap(company)) for company in created]
        bulk_record_changes(actor, CustomerCompany, audit)


def company_export_rows(queryset) -> Iterator[list[str]]:
    """The import's header, then one row per company (a file that imports as "unchanged")."""
    importer = CompanyImporter()
    yield list(importer.columns)
    for company in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield [
            company.customer_id,
            *(getattr(company, name) for name in COMPANY_FIELDS),
            company.validity,
            *importer.extra_cells(company.extra),
        ]


# Customer users ---------------------------------------------------------------------------------

USER_TEXT_FIELDS = (
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
)
USER_FIELDS = (*USER_TEXT_FIELDS, "role", "validity", "language", "time_zone")
ROLE_WORDS = {
    **{value: value for value in CustomerRole.values},
    "customer user": CustomerRole.USER,
    "customer manager": CustomerRole.MANAGER,
}


class CustomerUserImporter(DynamicFieldColumns, RowImporter):
    """Customer users by login: a new login creates a user (without a portal password), a known
    one (without regard to case) updates it. The companies must exist already."""

    object_type = DynamicFieldObjectType.CUSTOMER_USER
    base_columns = (
        "login",
        *USER_TEXT_FIELDS,
        "customer_id",
        "additional_customer_ids",
        "role",
        "validity",
        "language",
        "time_zone",
    )
    required_columns = ("login",)
    unique_columns = ("login",)
    description = gettext_lazy(
        "A new login creates a customer user, an existing one (not case-sensitive) updates it. "
        "New users have no portal password: send them a set-password link. customer_id is the "
        "Customer ID of the user's customer, additional_customer_ids further Customer IDs "
        "separated by “|”; the customers must exist already (import the customers first: this "
        "file cannot create them). role is user or manager; validity is valid, invalid or "
        "invalid-temporarily (yes and no work too); language is en or ja; time_zone a name such "
        "as Asia/Tokyo. Each extra field has a column named as the field. Columns left out of "
        "the file keep their values."
    )

    def __init__(self):
        self.load_definitions()

    def prepare(self, rows: list[CsvRow]) -> None:
        self.by_login = _by_lower(
            CustomerUser.objects.all(), "login", (row.values["login"] for row in rows)
        )
        users = list(self.by_login.values())
        customer_ids = set()
        for row in rows:
            customer_ids.add(row.values.get("customer_id", ""))
            customer_ids.update(
                part.strip()
                for part in row.values.get("additional_customer_ids", "").split(MULTI_SEPARATOR)
            )
        self.companies = _by_lower(CustomerCompany.objects.all(), "customer_id", customer_ids)
        # The users' current companies, without a join or prefetch per user.
        by_pk = {company.pk: company for company in self.companies.values()}
        through = CustomerUser.additional_companies.through
        memberships: dict[int, list[int]] = {}
        for chunk in _chunks(user.pk for user in users):
            pairs = through.objects.filter(customeruser_id__in=chunk).values_list(
                "customeruser_id", "customercompany_id"
            )
            for user_pk, company_pk in pairs:
                memberships.setdefault(user_pk, []).append(company_pk)
        missing = {user.company_id for user in users}
        missing.update(pk for pks in memberships.values() for pk in pks)
        for chunk in _chunks(missing - set(by_pk)):
            by_pk.update(
                (company.pk, company) for company in CustomerCompany.objects.filter(pk__in=chunk)
            )
        for user in users:
            user.company = by_pk[user.company_id]
        self.additional_of = {
            user_pk: {pk: by_pk[pk] for pk in pks} for user_pk, pks in memberships.items()
        }
        emails = {row.values.get("email", "").lower() for row in rows}
        emails.update(user.email.lower() for user in self.by_login.values())
        emails.discard("")
        # Valid users holding the addresses in question: (pk, login) by lowered address.
        self.email_holders: dict[str, list[tuple[int, str]]] = {}
        for chunk in _chunks(sorted(emails)):
            holders = (
                CustomerUser.objects.valid()
                .annotate(import_key=Lower("email"))
                .filter(import_key__in=chunk)
                .values_list("pk", "login", "email")
            )
            for pk, login, email in holders:
                self.email_holders.setdefault(email.lower(), []).append((pk, login))
        self.emails_in_file: dict[str, int] = {}
        self.time_zones = known_time_zones()

    def _company(self, values: dict, user: CustomerUser | None, errors: dict):
        """The primary company the row names (or keeps); joining an invalid one is refused."""
        current = user.company if user is not None else None
        if "customer_id" not in values and current is not None:
            return current
        customer_id = values.get("customer_id", "")
        if not customer_id:
            errors["customer_id"] = [_("This field is required.")]
            return None
        company = self.companies.get(customer_id.lower())
        if company is None:
            errors["customer_id"] = [
                _("No customer with Customer ID “%(value)s” exists.") % {"value": customer_id}
            ]
        elif not company.is_valid and company != current:
            errors["customer_id"] = [
                _("The customer “%(value)s” is invalid; choose a valid customer.")
                % {"value": company.customer_id}
            ]
            return None
        return company

    def _additional(self, values: dict, stored: dict, errors: dict) -> dict:
        """The additional companies by pk: the row's, or the stored ones without the column."""
        if "additional_customer_ids" not in values:
            return dict(stored)
        result, unknown, invalid = {}, [], []
        for part in values["additional_customer_ids"].split(MULTI_SEPARATOR):
            part = part.strip()
            if not part:
                continue
            company = self.companies.get(part.lower())
            if company is None:
                unknown.append(part)
            elif not company.is_valid and company.pk not in stored:
                invalid.append(company.customer_id)
            else:
                result[company.pk] = company
        messages = []
        if unknown:
            messages.append(
                _("No customer with Customer ID “%(value)s” exists.")
                % {"value": "”, “".join(unknown)}
            )
        if invalid:
            messages.append(
                _("The customer “%(value)s” is invalid and cannot be added.")
                % {"value": "”, “".join(invalid)}
            )
        if messages:
            errors["additional_customer_ids"] = messages
        return result

    def validate(self, row: CsvRow) -> PlannedRow:
        values = row.values
        user = self.by_login.get(values["login"].lower())
        creating = user is None
        errors: dict[str, list] = {}
        fields = {name: values[name] for name in USER_TEXT_FIELDS if name in values}
        role = _parse_word(
            values,
            "role",
            ROLE_WORDS,
            _("“%(value)s” is not a role: write user or manager."),
            errors,
        )
        validity = _parse_word(
            values,
            "validity",
            VALIDITY_WORDS,
            _("“%(value)s” is not a validity: write valid, invalid or invalid-temporarily."),
            errors,
        )
        fields |= {
            name: value
            for name, value in (("role", role), ("validity", validity))
            if value is not None
        }
        if "language" in values:
            language = values["language"].lower()
            if language and language not in Language.values:
                errors["language"] = [
                    _("Unknown language “%(value)s”; use one of: %(known)s.")
                    % {"value": values["language"], "known": ", ".join(Language.values)}
                ]
            else:
                fields["language"] = language
        if "time_zone" in values:
            # Checked here against the list loaded once (the model's validator reads it per row).
            if values["time_zone"] and values["time_zone"] not in self.time_zones:
                errors["time_zone"] = [
                    _("Unknown time zone “%(value)s”; write a name such as Asia/Tokyo.")
                    % {"value": values["time_zone"]}
                ]
            else:
                fields["time_zone"] = values["time_zone"]
        company = self._company(values, user, errors)
        stored_additional = {} if creating else dict(self.additional_of.get(user.pk, {}))
        additional = self._additional(values, stored_additional, errors)
        if company is not None:
            additional.pop(company.pk, None)
        fields["extra"] = self.extra_values(
            values, None if creating else user.extra, creating=creating, errors=errors
        )
        if creating:
            candidate = CustomerUser(login=values["login"], **fields)
        else:
            stored = {name: getattr(user, name) for name in USER_FIELDS}
            candidate = CustomerUser(login=user.login, **(stored | fields))
        _model_errors(candidate, errors, exclude=("company", "password", "time_zone"))
        self._check_email(candidate, user, row.line, errors)
        self.raise_errors(errors)

        if creating:
            candidate.company = company
            return PlannedRow(
                row.line,
                CREATE,
                values,
                data={"object": candidate, "additional": list(additional.values())},
            )
        changed = {
            name: getattr(candidate, name)
            for name in (*USER_FIELDS, "extra")
            if getattr(candidate, name) != getattr(user, name)
        }
        changes = {
            name: [getattr(user, name), value] for name, value in changed.items() if name != "extra"
        }
        if company.pk != user.company_id:
            changed["company"] = company
            changes["customer_id"] = [user.company.customer_id, company.customer_id]
        changes |= self.extra_changes(user.extra or {}, candidate.extra)
        data = {"fields": changed, "stored_additional": list(stored_additional.values())}
        if set(additional) != set(stored_additional):
            data["additional"] = list(additional.values())
            changes["additional_customer_ids"] = [
                MULTI_SEPARATOR.join(sorted(c.customer_id for c in stored_additional.values())),
                MULTI_SEPARATOR.join(sorted(c.customer_id for c in additional.values())),
            ]
        return PlannedRow(
            row.line,
            UPDATE if changes else UNCHANGED,
            values,
            data=data,
            instance=user,
            changes=changes,
        )

    def _check_email(self, candidate, user, line: int, errors: dict) -> None:
        """Email addresses are unique among valid users, in the database and within the file."""
        if "email" in errors or candidate.validity != Validity.VALID or not candidate.email:
            return
        key = candidate.email.lower()
        own_pk = user.pk if user is not None else None
        holder = next(
            (login for pk, login in self.email_holders.get(key, ()) if pk != own_pk), None
        )
        if holder is not None:
            errors["email"] = [
                _("The customer user “%(login)s” already uses this email address.")
                % {"login": holder}
            ]
        elif key in self.emails_in_file:
            errors["email"] = [
                _("“%(value)s” is also on line %(line)d.")
                % {"value": candidate.email, "line": self.emails_in_file[key]}
            ]
        elif not errors:
            self.emails_in_file[key] = line

    def apply_all(self, rows: list[PlannedRow], *, actor) -> None:
        by = actor if getattr(actor, "is_authenticated", False) else None
        now = timezone.now()
        created, updated, audit = [], [], []
        # (user, additional companies) of new users and of users whose companies change; model
        # instances without a primary key cannot be dict keys.
        new_memberships, replaced_memberships = [], []
        fields = {"changed_at", "changed_by"}
        snap = Snapshotter(CustomerUser)

        def user_snapshot(user, additional):  # what services._user_snapshot records
            return snap(
                user,
                {
                    "additional_companies": [company.customer_id for company in additional],
                    "portal_access": user.has_usable_password,
                },
            )

        for row in rows:
            if row.action == CREATE:
                user = row.data["object"]
                user.created_by = user.changed_by = by
                created.append(user)
                new_memberships.append((user, row.data["additional"]))
                continue
            user = row.instance
            stored_additional = row.data["stored_additional"]
            additional = row.data.get("additional")
            if additional is None:
                additional = stored_additional
            else:
                replaced_memberships.append((user, additional))
            before = user_snapshot(user, stored_additional)
            for name, value in row.data["fields"].items():
                setattr(user, name, value)
            fields.update(row.data["fields"])
            user.changed_by, user.changed_at = by, now
            updated.append(user)
            audit.append((user, AuditAction.UPDATE, diff(before, user_snapshot(user, additional))))

        through = CustomerUser.additional_companies.through

        def write():
            CustomerUser.objects.bulk_create(created, batch_size=BATCH_SIZE)
            if updated:
                bulk_update(CustomerUser, updated, sorted(fields))
            for chunk in _chunks(user.pk for user, _companies in replaced_memberships):
                through.objects.filter(customeruser_id__in=chunk).delete()
            through.objects.bulk_create(
                (
                    through(customeruser_id=user.pk, customercompany_id=company.pk)
                    for user, companies in new_memberships + replaced_memberships
                    for company in companies
                ),
                batch_size=BATCH_SIZE,
            )

        _write(rows, write)
        audit += [
            (user, AuditAction.CREATE, user_snapshot(user, additional))
            for user, additional in new_memberships
        ]
        bulk_record_changes(actor, CustomerUser, audit)


def customer_user_export_rows(queryset) -> Iterator[list[str]]:
    """The import's header, then one row per customer user (a file that imports as "unchanged")."""
    importer = CustomerUserImporter()
    yield list(importer.columns)
    queryset = queryset.select_related("company").prefetch_related(
        Prefetch(
            "additional_companies",
            queryset=CustomerCompany.objects.only("pk", "customer_id"),
            to_attr="exported_additional_companies",
        )
    )
    for user in queryset.iterator(chunk_size=CHUNK_SIZE):
        additional = sorted(
            company.customer_id
            for company in user.exported_additional_companies
            if company.pk != user.company_id
        )
        yield [
            user.login,
            *(getattr(user, name) for name in USER_TEXT_FIELDS),
            user.company.customer_id,
            MULTI_SEPARATOR.join(additional),
            user.role,
            user.validity,
            user.language,
            user.time_zone,
            *importer.extra_cells(user.extra),
        ]
