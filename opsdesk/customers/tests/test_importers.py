"""CSV import and export of customer companies and customer users (opsdesk.customers.importers)."""

import csv
import io

import pytest

from opsdesk.core.csv_import import (
    CREATE,
    UNCHANGED,
    UPDATE,
    csv_safe,
    decode_csv,
    plan_import,
    rejected_rows_csv,
    run_import,
)
from opsdesk.core.models import AuditAction, DynamicField
from opsdesk.core.services import history_of
from opsdesk.customers.importers import (
    CompanyImporter,
    CustomerUserImporter,
    company_export_rows,
    customer_user_export_rows,
)
from opsdesk.customers.models import CustomerCompany, CustomerUser
from opsdesk.customers.tests.factories import CustomerCompanyFactory, CustomerUserFactory

pytestmark = pytest.mark.django_db

USER_HEADER = (
    "login,first_name,last_name,email,customer_id,additional_customer_ids,role,validity,"
    "language,time_zone\n"
)


def plan(text, importer_class):
    return plan_import(text, importer_class())


def errors_of(import_plan):
    return [(error.line, error.message) for error in import_plan.errors]


def exported(rows, encoding="utf-8-sig") -> str:
    """The export rows as the list screens write them, decoded as an uploaded file would be."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([csv_safe(value) for value in row])
    return decode_csv(buffer.getvalue().encode(encoding))


@pytest.fixture
def companies():
    return {
        "acme": CustomerCompanyFactory(customer_id="ACME", name="Acme Ltd.", city="Osaka"),
        "beta": CustomerCompanyFactory(customer_id="BETA", name="Beta Inc."),
        "gamma": CustomerCompanyFactory(customer_id="GAMMA", name="Gamma KK"),
        "old": CustomerCompanyFactory(customer_id="OLD", name="Old Corp", validity="invalid"),
    }


# Companies --------------------------------------------------------------------------------------


def test_company_file_with_bad_rows_lists_each_and_writes_nothing(admin_agent, companies):
    text = (
        "customer_id,name,city,url,validity\n"
        "NEW-1,New One,Tokyo,https://new.example.com,valid\n"
        "bad id,Bad,,,\n"
        "NULL,Reserved,,,\n"
        "NEW-2,acme ltd.,,,\n"
        "NEW-3,Three,,not a url,\n"
        "NEW-4,Four,,,maybe\n"
        "new-1,Again,,,\n"
        "NEW-5,,,,\n"
    )
    result = plan(text, CompanyImporter)
    assert errors_of(result) == [
        (3, "customer_id: Use letters, digits and . @ + & - _ only (no spaces)."),
        (4, "customer_id: “NULL” is reserved; choose another Customer ID."),
        (5, "name: The customer “ACME” already has this name."),
        (6, "url: Enter a valid URL."),
        (7, "validity: “maybe” is not a validity: write valid, invalid or invalid-temporarily."),
        (8, "customer_id “new-1” is also on line 2."),
        (9, "name: This field cannot be blank."),
    ]
    assert [row.line for row in result.rows_to(CREATE)] == [2]
    with pytest.raises(ValueError):
        run_import(result, CompanyImporter(), actor=admin_agent)
    assert CustomerCompany.objects.count() == 4


def test_company_import_creates_with_history(admin_agent):
    text = "customer_id,name,city,validity\nNEW-1,New One,Tokyo,\nNEW-2,New Two,,no\n"
    importer = CompanyImporter()
    result = plan_import(text, importer)
    assert result.ok
    assert run_import(result, importer, actor=admin_agent)["create"] == 2
    one, two = CustomerCompany.objects.filter(customer_id__startswith="NEW").order_by("name")
    assert (one.name, one.city, one.validity, one.created_by) == (
        "New One",
        "Tokyo",
        "valid",
        admin_agent,
    )
    assert two.validity == "invalid"
    entry = history_of(one).get()
    assert (entry.action, entry.actor) == (AuditAction.CREATE, admin_agent)
    assert entry.changes["customer_id"] == "NEW-1"
    assert entry.changes["city"] == "Tokyo"


def test_company_update_by_customer_id_without_case_keeps_left_out_columns(admin_agent, companies):
    acme = companies["acme"]
    acme.comment = "keep me"
    acme.save()
    result = plan(
        "customer_id;city;validity\nacme;Kyoto;invalid-temporarily\nbeta;;\n", CompanyImporter
    )
    assert result.ok
    update, unchanged = result.rows
    assert (update.action, update.instance) == (UPDATE, acme)
    assert update.changes == {
        "city": ["Osaka", "Kyoto"],
        "validity": ["valid", "invalid-temporarily"],
    }
    # An empty cell empties the field; an empty validity keeps it.
    assert unchanged.action == UPDATE
    assert unchanged.changes == {"city": ["Tokyo", ""]}

    run_import(result, CompanyImporter(), actor=admin_agent)
    acme.refresh_from_db()
    assert (acme.customer_id, acme.city, acme.comment, acme.validity) == (
        "ACME",
        "Kyoto",
        "keep me",
        "invalid-temporarily",
    )
    assert acme.changed_by == admin_agent
    entry = history_of(acme).get()
    assert entry.action == AuditAction.UPDATE
    assert entry.changes == {
        "city": ["Osaka", "Kyoto"],
        "validity": ["valid", "invalid-temporarily"],
    }


def test_company_rename_to_a_name_in_use_is_refused(companies):
    result = plan(
        "customer_id,name\nBETA,GAMMA kk\nNEW-1,beta inc.\nACME,ACME LTD.\n", CompanyImporter
    )
    assert errors_of(result) == [
        (2, "name: The customer “GAMMA” already has this name."),
        (3, "name: The customer “BETA” already has this name."),
    ]
    # A company's own name, written otherwise, is no conflict.
    assert [row.changes for row in result.rows] == [{"name": ["Acme Ltd.", "ACME LTD."]}]


# Customer users ---------------------------------------------------------------------------------


def test_customer_user_file_with_bad_rows_lists_each_and_writes_nothing(admin_agent, companies):
    CustomerUserFactory(login="taken", email="taken@example.com", company=companies["acme"])
    text = USER_HEADER + (
        "alice,Alice,Able,alice@example.com,ACME,,user,valid,en,Asia/Tokyo\n"
        "bob,Bob,Baker,not-an-email,ACME,,,,,\n"
        "carol,Carol,Cook,carol@example.com,NOPE,,,,,\n"
        "dave,Dave,Dunn,dave@example.com,OLD,,,,,\n"
        "erin,Erin,Eck,TAKEN@example.com,ACME,,,,,\n"
        "frank,Frank,Fox,ALICE@example.com,ACME,,,,,\n"
        "ALICE,Alice,Again,alice2@example.com,ACME,,,,,\n"
        "gina,Gina,Gale,gina@example.com,ACME,NOPE|OLD,boss,maybe,xx,Mars/Base\n"
        "hank,,Hill,hank@example.com,,,,,,\n"
        "ivan,Ivan,Ivy,taken@example.com,ACME,,,invalid,,\n"
    )
    result = plan(text, CustomerUserImporter)
    assert errors_of(result) == [
        (3, "email: Enter a valid email address."),
        (4, "customer_id: No customer with Customer ID “NOPE” exists."),
        (5, "customer_id: The customer “OLD” is invalid; choose a valid customer."),
        (6, "email: The customer user “taken” already uses this email address."),
        (7, "email: “ALICE@example.com” is also on line 2."),
        (8, "login “ALICE” is also on line 2."),
        (
            9,
            "additional_customer_ids: No customer with Customer ID “NOPE” exists. "
            "The customer “OLD” is invalid and cannot be added.; "
            "role: “boss” is not a role: write user or manager.; "
            "validity: “maybe” is not a validity: write valid, invalid or invalid-temporarily.; "
            "language: Unknown language “xx”; use one of: en, ja.; "
            "time_zone: Unknown time zone “Mars/Base”; write a name such as Asia/Tokyo.",
        ),
        (10, "first_name: This field cannot be blank.; customer_id: This field is required."),
    ]
    # An invalid user may share the address of a valid one.
    assert [row.line for row in result.rows_to(CREATE)] == [2, 11]
    with pytest.raises(ValueError):
        run_import(result, CustomerUserImporter(), actor=admin_agent)
    assert list(CustomerUser.objects.values_list("login", flat=True)) == ["taken"]


def test_customer_user_import_creates_users_with_companies_and_history(admin_agent, companies):
    text = USER_HEADER + (
        "alice,Alice,Able,alice@example.com,acme,BETA|gamma|ACME,manager,,ja,Asia/Tokyo\n"
        "bob,Bob,Baker,bob@example.com,BETA,,,no,,\n"
    )
    importer = CustomerUserImporter()
    result = plan_import(text, importer)
    assert result.ok
    assert run_import(result, importer, actor=admin_agent)["create"] == 2
    alice = CustomerUser.objects.get(login="alice")
    assert (alice.company, alice.role, alice.validity, alice.language, alice.time_zone) == (
        companies["acme"],
        "manager",
        "valid",
        "ja",
        "Asia/Tokyo",
    )
    assert {company.customer_id for company in alice.additional_companies.all()} == {
        "BETA",
        "GAMMA",
    }
    assert not alice.has_usable_password
    assert alice.created_by == admin_agent
    bob = CustomerUser.objects.get(login="bob")
    assert (bob.validity, bob.role, bob.additional_companies.count()) == ("invalid", "user", 0)
    entry = history_of(alice).get()
    assert (entry.action, entry.actor) == (AuditAction.CREATE, admin_agent)
    assert entry.changes["company"] == "Acme Ltd."
    assert entry.changes["additional_companies"] == ["BETA", "GAMMA"]
    assert entry.changes["portal_access"] is False


def test_customer_user_update_by_login_without_case_keeps_left_out_columns(admin_agent, companies):
    user = CustomerUserFactory(
        login="Alice", phone="1", comment="keep me", company=companies["acme"]
    )
    result = plan("login;phone;title\nALICE;2;Dr\n", CustomerUserImporter)
    assert [(row.action, row.changes) for row in result.rows] == [
        (UPDATE, {"title": ["", "Dr"], "phone": ["1", "2"]})
    ]
    run_import(result, CustomerUserImporter(), actor=admin_agent)
    user.refresh_from_db()
    assert (user.login, user.phone, user.title, user.comment, user.company) == (
        "Alice",
        "2",
        "Dr",
        "keep me",
        companies["acme"],
    )
    entry = history_of(user).get()
    assert entry.action == AuditAction.UPDATE
    assert entry.changes == {"phone": ["1", "2"], "title": ["", "Dr"]}


def test_additional_customer_ids_replace_clear_or_stay(admin_agent, companies):
    acme, beta, gamma, old = (companies[key] for key in ("acme", "beta", "gamma", "old"))
    ann = CustomerUserFactory(login="ann", company=acme, additional_companies=[beta, old])
    ben = CustomerUserFactory(login="ben", company=acme, additional_companies=[beta])
    cid = CustomerUserFactory(login="cid", company=acme, additional_companies=[beta])
    dan = CustomerUserFactory(login="dan", company=acme, additional_companies=[gamma])
    text = (
        "login,customer_id,additional_customer_ids\n"
        "ann,ACME,GAMMA|OLD\n"  # an invalid company held already may stay
        "ben,ACME,\n"  # cleared
        "cid,ACME,BETA\n"  # unchanged
        "dan,GAMMA,GAMMA\n"  # moved: the new primary is no additional company
    )
    result = plan(text, CustomerUserImporter)
    assert result.ok
    assert [(row.action, row.changes) for row in result.rows] == [
        (UPDATE, {"additional_customer_ids": ["BETA|OLD", "GAMMA|OLD"]}),
        (UPDATE, {"additional_customer_ids": ["BETA", ""]}),
        (UNCHANGED, {}),
        (
            UPDATE,
            {"customer_id": ["ACME", "GAMMA"], "additional_customer_ids": ["GAMMA", ""]},
        ),
    ]
    run_import(result, CustomerUserImporter(), actor=admin_agent)

    def additional(user):
        return sorted(company.customer_id for company in user.additional_companies.all())

    assert additional(ann) == ["GAMMA", "OLD"]
    assert additional(ben) == []
    assert additional(cid) == ["BETA"]
    dan.refresh_from_db()
    assert (dan.company, additional(dan)) == (gamma, [])
    assert history_of(dan).get().changes == {
        "additional_companies": [["GAMMA"], []],
        "company": ["Acme Ltd.", "Gamma KK"],
    }
    assert not history_of(cid).exists()
    # Users of company A with additional company B are listed under both.
    assert set(CustomerUser.objects.of_company(gamma)) == {ann, dan}


def test_users_may_stay_in_an_invalidated_company_but_not_join_one(companies):
    stays = CustomerUserFactory(login="stays", company=companies["old"])
    CustomerUserFactory(login="moves", company=companies["acme"])
    result = plan("login,customer_id,phone\nstays,OLD,5\nmoves,OLD,5\n", CustomerUserImporter)
    assert [(row.instance, row.changes) for row in result.rows] == [(stays, {"phone": ["", "5"]})]
    assert errors_of(result) == [
        (3, "customer_id: The customer “OLD” is invalid; choose a valid customer.")
    ]


def test_an_invalid_user_made_valid_must_not_take_an_address_in_use(companies):
    CustomerUserFactory(login="holder", email="same@example.com", company=companies["acme"])
    CustomerUserFactory(
        login="sleeper", email="same@example.com", validity="invalid", company=companies["acme"]
    )
    result = plan("login,validity\nsleeper,valid\n", CustomerUserImporter)
    assert errors_of(result) == [
        (2, "email: The customer user “holder” already uses this email address.")
    ]


# Dynamic fields ---------------------------------------------------------------------------------


@pytest.fixture
def dynamic_fields():
    return [
        DynamicField.objects.create(
            object_type="customer_company",
            name="Employees",
            label="Employees",
            field_type="integer",
        ),
        DynamicField.objects.create(
            object_type="customer_company",
            name="tier",
            label="Tier",
            field_type="dropdown",
            choices=[["gold", "Gold"], ["silver", "Silver"]],
        ),
        DynamicField.objects.create(
            object_type="customer_company",
            name="city",  # the name of a fixed column: this field gets no column
            label="City (extra)",
            field_type="text",
        ),
        DynamicField.objects.create(
            object_type="customer_company",
            name="retired",
            label="Retired",
            field_type="text",
            valid=False,
        ),
        DynamicField.objects.create(
            object_type="customer_user", name="vip", label="VIP", field_type="checkbox"
        ),
        DynamicField.objects.create(
            object_type="customer_user", name="since", label="Since", field_type="date"
        ),
    ]


def test_dynamic_field_columns(admin_agent, companies, dynamic_fields):
    assert CompanyImporter().columns[-2:] == ("Employees", "tier")
    assert CustomerUserImporter().columns[-2:] == ("since", "vip")
    acme = companies["acme"]
    acme.extra = {"retired": "kept", "tier": "gold"}
    acme.save()
    text = (
        "customer_id,name,employees,TIER\n"
        "ACME,Acme Ltd.,250,\n"
        "NEW-1,New One,abc,bronze\n"
        "NEW-2,New Two,12,Silver\n"
    )
    result = plan(text, CompanyImporter)
    assert errors_of(result) == [
        (3, "Employees: “abc” is not a whole number.; tier: “bronze” is not one of: gold, silver.")
    ]
    assert result.rows[0].changes == {"Employees": ["", "250"], "tier": ["gold", ""]}
    run_import(result, CompanyImporter(), actor=admin_agent, partial=True)
    acme.refresh_from_db()
    assert acme.extra == {"retired": "kept", "Employees": 250}
    assert CustomerCompany.objects.get(customer_id="NEW-2").extra == {
        "Employees": 12,
        "tier": "silver",
    }
    assert history_of(acme).get().changes == {
        "extra.Employees": [None, 250],
        "extra.tier": ["gold", None],
    }

    user = CustomerUserFactory(login="vera", company=acme, extra={"since": "2024-04-01"})
    result = plan("login,vip,since\nvera,yes,\nvera2,,\n", CustomerUserImporter)
    assert errors_of(result) == [
        (
            3,
            "first_name: This field cannot be blank.; last_name: This field cannot be blank.; "
            "email: This field cannot be blank.; customer_id: This field is required.",
        )
    ]
    assert result.rows[0].changes == {"since": ["2024-04-01", ""], "vip": ["", "yes"]}
    run_import(result, CustomerUserImporter(), actor=admin_agent, partial=True)
    user.refresh_from_db()
    assert user.extra == {"vip": True}


def test_required_dynamic_field_needs_a_value_for_new_records(companies):
    DynamicField.objects.create(
        object_type="customer_company",
        name="region",
        label="Region",
        field_type="text",
        required=True,
    )
    result = plan("customer_id,name\nNEW-1,New\nACME,Acme Ltd.\n", CompanyImporter)
    assert errors_of(result) == [(2, "region: This field is required.")]
    assert [row.action for row in result.rows] == [UNCHANGED]


# Export and round trips -------------------------------------------------------------------------


def test_export_rows_have_the_import_columns_without_a_query_per_row(
    companies, dynamic_fields, django_assert_max_num_queries
):
    acme, beta, gamma = companies["acme"], companies["beta"], companies["gamma"]
    acme.extra = {"Employees": 5, "tier": "gold"}
    acme.phone = "+81"
    acme.save()
    for number in range(5):
        CustomerUserFactory(
            login=f"user{number}",
            company=acme,
            additional_companies=[gamma, beta, acme],
            extra={"vip": True},
        )
    with django_assert_max_num_queries(2):
        company_rows = list(company_export_rows(CustomerCompany.objects.order_by("customer_id")))
    assert company_rows[0] == list(CompanyImporter().columns)
    assert company_rows[1] == [
        "ACME",
        "Acme Ltd.",
        "",
        "",
        "Osaka",
        "Japan",
        "",
        "",
        "valid",
        "5",
        "gold",
    ]
    with django_assert_max_num_queries(3):
        user_rows = list(customer_user_export_rows(CustomerUser.objects.all()))
    assert user_rows[0] == list(CustomerUserImporter().columns)
    assert len(user_rows) == 6
    row = dict(zip(user_rows[0], user_rows[1], strict=True))
    assert (row["customer_id"], row["additional_customer_ids"], row["since"], row["vip"]) == (
        "ACME",
        "BETA|GAMMA",
        "",
        "yes",
    )


def test_japanese_names_round_trip_through_export_and_shift_jis(
    admin_agent, companies, dynamic_fields
):
    tokyo = CustomerCompanyFactory(
        customer_id="TOKYO-1",
        name="株式会社東京システム",
        street="千代田区丸の内1-1",
        city="東京",
        country="日本",
        comment="重要顧客\n二行目",
        extra={"Employees": 30},
    )
    CustomerUserFactory(
        login="tanaka",
        first_name="太郎",
        last_name="田中",
        title="様",
        phone="+81 3-1234-5678",
        company=tokyo,
        additional_companies=[companies["acme"]],
        language="ja",
        time_zone="Asia/Tokyo",
        role="manager",
        extra={"vip": True, "since": "2025-01-31"},
    )
    CustomerUserFactory(login="suzuki", first_name="花子", last_name="鈴木", company=tokyo)

    company_text = exported(company_export_rows(CustomerCompany.objects.all()))
    shift_jis = decode_csv(company_text.encode("cp932"))
    result = plan(shift_jis, CompanyImporter)
    assert result.ok
    assert {row.action for row in result.rows} == {UNCHANGED}
    assert len(result.rows) == 5

    user_text = exported(customer_user_export_rows(CustomerUser.objects.all()))
    assert "田中" in user_text
    # The same file written with ";" as Excel does in some locales.
    rows = list(csv.reader(io.StringIO(user_text, newline="")))
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";").writerows(rows)
    for text in (user_text, buffer.getvalue()):
        result = plan(decode_csv(text.encode("cp932")), CustomerUserImporter)
        assert result.ok
        assert [row.action for row in result.rows] == [UNCHANGED, UNCHANGED]


def test_japanese_import_from_shift_jis(admin_agent, companies):
    text = USER_HEADER.replace(",", ";") + "sato;一郎;佐藤;sato@example.jp;ACME;;;;ja;\n"
    result = plan(decode_csv(text.encode("cp932")), CustomerUserImporter)
    run_import(result, CustomerUserImporter(), actor=admin_agent)
    sato = CustomerUser.objects.get(login="sato")
    assert (sato.first_name, sato.last_name, sato.language) == ("一郎", "佐藤", "ja")


# Partial import ---------------------------------------------------------------------------------


def test_partial_import_writes_only_the_good_rows_and_returns_the_rejected_ones(
    admin_agent, companies
):
    text = USER_HEADER + (
        "alice,Alice,Able,alice@example.com,ACME,BETA,,,,\n"
        "bob,Bob,Baker,not-an-email,ACME,,,,,\n"
        "carol,キャロル,Cook,carol@example.com,NOPE,,,,,\n"
        "dave,Dave,Dunn,dave@example.com,GAMMA,,,,,\n"
    )
    importer = CustomerUserImporter()
    result = plan_import(text, importer)
    counts = run_import(result, importer, actor=admin_agent, partial=True)
    assert counts == {"create": 2, "update": 0, "unchanged": 0, "rejected": 2}
    assert set(CustomerUser.objects.values_list("login", flat=True)) == {"alice", "dave"}
    assert history_of(CustomerUser.objects.get(login="dave")).get().action == AuditAction.CREATE
    rejected = rejected_rows_csv(result).splitlines()
    assert rejected[0] == USER_HEADER.strip() + ",error"
    assert rejected[1:] == [
        "bob,Bob,Baker,not-an-email,ACME,,,,,,email: Enter a valid email address.",
        "carol,キャロル,Cook,carol@example.com,NOPE,,,,,,"
        "customer_id: No customer with Customer ID “NOPE” exists.",
    ]
    # Corrected, the rejected lines import (the error column is ignored).
    corrected = (
        "\n".join(rejected).replace("not-an-email", "bob@example.com").replace("NOPE", "BETA")
    )
    result = plan(corrected, CustomerUserImporter)
    assert result.ok
    assert [row.action for row in result.rows] == [CREATE, CREATE]
