"""Values of administrator-defined fields: text (CSV, API), storage, display and forms."""

import datetime

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from opsdesk.core.dynamic_fields import (
    FORM_PREFIX,
    DynamicFieldsFormMixin,
    display,
    display_rows,
    from_storage,
    parse_text,
    to_storage,
    to_text,
    validate_definition,
)
from opsdesk.core.models import DynamicField
from opsdesk.customers.models import CustomerCompany
from opsdesk.customers.tests.factories import CustomerCompanyFactory

TOKYO = datetime.timezone(datetime.timedelta(hours=9))


@pytest.fixture(autouse=True)
def english():
    """Messages and labels in English, whatever language an earlier test's request left active."""
    with translation.override("en"):
        yield


def definition(field_type="text", **fields) -> DynamicField:
    """An unsaved definition (the value functions never read the database)."""
    fields.setdefault("name", "field")
    fields.setdefault("label", "Field")
    return DynamicField(object_type="customer_company", field_type=field_type, **fields)


def saved(field_type="text", **fields) -> DynamicField:
    fields.setdefault("object_type", "customer_company")
    fields.setdefault("label", fields["name"].title())
    return DynamicField.objects.create(field_type=field_type, **fields)


def error_of(definition, text) -> str:
    with pytest.raises(ValidationError) as caught:
        parse_text(definition, text)
    return " ".join(caught.value.messages)


SIZES = [["s", "Small"], ["m", "Medium"], ["l", "Large"]]


# parse_text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field_type", "extra", "text", "stored"),
    [
        ("text", {}, "  hello  ", "hello"),
        ("textarea", {}, "line 1\nline 2", "line 1\nline 2"),
        ("integer", {}, "42", 42),
        ("integer", {}, "-7", -7),
        ("integer", {}, " +3 ", 3),
        ("date", {}, "2026-11-25", "2026-11-25"),
        ("datetime", {}, "2026-11-25T09:30:00+09:00", "2026-11-25T00:30:00+00:00"),
        ("dropdown", {"choices": SIZES}, "m", "m"),
        ("dropdown", {"choices": SIZES}, "large", "l"),  # by label, whatever the case
        ("multiselect", {"choices": SIZES}, "s|Large", ["s", "l"]),
        ("multiselect", {"choices": SIZES}, "s | s |", ["s"]),
        ("checkbox", {}, "yes", True),
        ("checkbox", {}, "Y", True),
        ("checkbox", {}, "1", True),
        ("checkbox", {}, "はい", True),
        ("checkbox", {}, "no", False),
        ("checkbox", {}, "0", False),
        ("checkbox", {}, "いいえ", False),
        ("checkbox", {}, "", False),
    ],
)
def test_parse_text_reads_each_field_type(field_type, extra, text, stored):
    assert parse_text(definition(field_type, **extra), text) == stored


def test_a_naive_date_and_time_is_read_in_the_current_time_zone():
    with timezone.override("Asia/Tokyo"):
        assert parse_text(definition("datetime"), "2026-11-25 09:30") == (
            "2026-11-25T00:30:00+00:00"
        )


@pytest.mark.parametrize(
    ("field_type", "extra", "text", "message"),
    [
        ("integer", {}, "ten", "“ten” is not a whole number."),
        ("integer", {}, "1.5", "“1.5” is not a whole number."),
        ("integer", {}, "1_000", "“1_000” is not a whole number."),
        ("integer", {}, "١٢", "“١٢” is not a whole number."),
        ("date", {}, "25/11/2026", "“25/11/2026” is not a date (write YYYY-MM-DD)."),
        ("date", {}, "2026-02-30", "“2026-02-30” is not a date (write YYYY-MM-DD)."),
        ("datetime", {}, "tomorrow", "is not a date and time"),
        ("dropdown", {"choices": SIZES}, "xl", "“xl” is not one of: s, m, l."),
        ("multiselect", {"choices": SIZES}, "s|xl", "“xl” is not one of: s, m, l."),
        ("checkbox", {}, "maybe", "Write yes or no (1 or 0)."),
        ("text", {"regex": r"C-\d+"}, "X-1", "“X-1” does not have the expected format."),
        ("text", {"regex": r"C-\d+", "regex_message": "Write C-123."}, "C-", "Write C-123."),
        ("text", {}, "x" * 1001, "Write at most 1000 characters (this has 1001)."),
    ],
)
def test_parse_text_refuses_bad_values_with_a_message(field_type, extra, text, message):
    assert message in error_of(definition(field_type, **extra), text)


def test_a_pattern_must_match_the_whole_value():
    field = definition("text", regex=r"\d{3}")
    assert parse_text(field, "123") == "123"
    assert error_of(field, "1234")
    assert parse_text(definition("textarea", regex=r"[a-z ]+"), "two words") == "two words"


@pytest.mark.parametrize(
    ("field_type", "extra"),
    [
        ("text", {}),
        ("textarea", {}),
        ("integer", {}),
        ("date", {}),
        ("datetime", {}),
        ("dropdown", {"choices": SIZES}),
        ("multiselect", {"choices": SIZES}),
    ],
)
def test_empty_is_none_unless_the_field_is_required(field_type, extra):
    assert parse_text(definition(field_type, **extra), "  ") is None
    assert error_of(definition(field_type, required=True, **extra), "") == (
        "This field is required."
    )


def test_a_multiselect_of_only_separators_is_empty():
    assert parse_text(definition("multiselect", choices=SIZES), "|") is None
    assert error_of(definition("multiselect", choices=SIZES, required=True), " | ") == (
        "This field is required."
    )


def test_a_required_checkbox_must_be_ticked():
    field = definition("checkbox", required=True)
    assert parse_text(field, "yes") is True
    assert error_of(field, "no") == "This box must be ticked (yes)."
    assert error_of(field, "") == "This box must be ticked (yes)."


# to_text: what parse_text reads back ------------------------------------------------------------


@pytest.mark.parametrize(
    ("field_type", "extra", "stored", "text"),
    [
        ("text", {}, "hello", "hello"),
        ("integer", {}, 0, "0"),
        ("date", {}, "2026-11-25", "2026-11-25"),
        ("datetime", {}, "2026-11-25T00:30:00+00:00", "2026-11-25T00:30:00+00:00"),
        ("dropdown", {"choices": SIZES}, "m", "m"),
        ("multiselect", {"choices": SIZES}, ["s", "l"], "s|l"),
        ("checkbox", {}, True, "yes"),
        ("checkbox", {}, False, "no"),
    ],
)
def test_to_text_writes_what_parse_text_reads_back(field_type, extra, stored, text):
    field = definition(field_type, **extra)
    assert to_text(field, stored) == text
    assert parse_text(field, text) == stored


@pytest.mark.parametrize("stored", [None, ""])
def test_to_text_of_nothing_is_empty(stored):
    assert to_text(definition("integer"), stored) == ""


# display -----------------------------------------------------------------------------------------


def test_display_shows_labels_local_times_and_words():
    assert display(definition("dropdown", choices=SIZES), "m") == "Medium"
    assert display(definition("multiselect", choices=SIZES), ["s", "l"]) == "Small, Large"
    assert display(definition("dropdown", choices=SIZES), "gone") == "gone"  # choice removed
    assert display(definition("checkbox"), True) == "yes"
    assert display(definition("checkbox"), False) == "no"
    assert display(definition("integer"), 0) == "0"
    assert display(definition("text"), None) == "—"
    assert display(definition("multiselect", choices=SIZES), []) == "—"
    with timezone.override("Asia/Tokyo"):
        assert display(definition("datetime"), "2026-11-25T00:30:00+00:00") == "2026-11-25 09:30"
        assert display(definition("datetime"), "2026-11-25T00:30:00") == "2026-11-25 09:30"
    assert display(definition("datetime"), "garbage") == "garbage"


def test_display_words_follow_the_language():
    with translation.override("ja"):
        assert display(definition("checkbox"), True) != "yes"


@pytest.mark.django_db
def test_display_rows_list_valid_fields_in_order_with_labels_in_the_language():
    saved("integer", name="seats", label="Seats", label_ja="席数", order=2)
    saved("text", name="code", label="Code", order=1)
    saved("text", name="legacy", label="Legacy", valid=False)
    saved("text", name="other", object_type="customer_user")

    rows = display_rows("customer_company", {"seats": 12, "legacy": "x"})
    with translation.override("ja"):
        japanese = display_rows("customer_company", {"seats": 12})

    assert rows == [("Code", "—"), ("Seats", "12")]
    assert japanese == [("Code", "—"), ("席数", "12")]


# to_storage / from_storage ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field_type", "value", "stored"),
    [
        ("text", "hello", "hello"),
        ("text", "", None),
        ("integer", 0, 0),
        ("integer", 5, 5),
        ("integer", None, None),
        ("date", datetime.date(2026, 11, 25), "2026-11-25"),
        (
            "datetime",
            datetime.datetime(2026, 11, 25, 9, 30, tzinfo=TOKYO),
            "2026-11-25T00:30:00+00:00",
        ),
        ("dropdown", "m", "m"),
        ("dropdown", "", None),
        ("multiselect", ["s", "l"], ["s", "l"]),
        ("multiselect", [], None),
        ("checkbox", True, True),
        ("checkbox", False, False),
        ("checkbox", None, False),
    ],
)
def test_to_storage_turns_form_values_into_json(field_type, value, stored):
    assert to_storage(definition(field_type), value) == stored


def test_from_storage_gives_form_values():
    assert from_storage(definition("date"), "2026-11-25") == datetime.date(2026, 11, 25)
    with timezone.override("Asia/Tokyo"):
        moment = from_storage(definition("datetime"), "2026-11-25T00:30:00+00:00")
    assert moment == datetime.datetime(2026, 11, 25, 9, 30, tzinfo=TOKYO)
    assert moment.utcoffset() == datetime.timedelta(hours=9)
    assert from_storage(definition("multiselect"), ["s"]) == ["s"]
    assert from_storage(definition("checkbox"), False) is False
    assert from_storage(definition("integer"), 0) == 0
    assert from_storage(definition("text"), "") is None


def test_from_storage_survives_values_it_cannot_read():
    assert from_storage(definition("date"), "2026-02-30") is None
    assert from_storage(definition("date"), "soon") is None
    assert from_storage(definition("datetime"), "2026-13-01T00:00:00") is None


# validate_definition ----------------------------------------------------------------------------


def test_a_sound_definition_passes():
    validate_definition(definition("dropdown", choices=SIZES, default_value="m"))
    validate_definition(definition("multiselect", choices=SIZES, default_value="s|l"))
    validate_definition(definition("text", regex=r"C-\d+", default_value="C-1"))
    validate_definition(definition("checkbox", default_value="yes"))


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"field_type": "dropdown", "choices": []}, "choices"),
        ({"field_type": "dropdown", "choices": [["a", "A"], ["a", "B"]]}, "choices"),
        ({"field_type": "dropdown", "choices": [["", "Empty"]]}, "choices"),
        ({"field_type": "dropdown", "choices": ["a", "b"]}, "choices"),
        ({"field_type": "multiselect", "choices": [["a|b", "AB"]]}, "choices"),
        ({"field_type": "text", "choices": SIZES}, "choices"),
        ({"field_type": "integer", "regex": r"\d+"}, "regex"),
        ({"field_type": "text", "regex": "(unclosed"}, "regex"),
        ({"field_type": "text", "regex": r"\d+", "default_value": "abc"}, "default_value"),
        ({"field_type": "date", "default_value": "today"}, "default_value"),
        ({"field_type": "dropdown", "choices": SIZES, "default_value": "xl"}, "default_value"),
        ({"field_type": "checkbox", "required": True, "default_value": "no"}, "default_value"),
    ],
)
def test_unsound_definitions_are_refused_on_their_field(fields, key):
    field_type = fields.pop("field_type")
    with pytest.raises(ValidationError) as caught:
        validate_definition(definition(field_type, **fields))
    assert key in caught.value.message_dict


# DynamicFieldsFormMixin ------------------------------------------------------------------------


class CompanyForm(DynamicFieldsFormMixin, forms.ModelForm):
    dynamic_object_type = "customer_company"

    class Meta:
        model = CustomerCompany
        fields = ("customer_id", "name")


@pytest.fixture
def company_fields(db):
    return {
        "code": saved("text", name="code", label="Code", regex=r"C-\d+", order=1),
        "seats": saved("integer", name="seats", label="Seats", default_value="10", order=2),
        "size": saved("dropdown", name="size", choices=SIZES, default_value="m", order=3),
        "skills": saved("multiselect", name="skills", choices=SIZES, order=4),
        "vip": saved("checkbox", name="vip", order=5),
        "since": saved("date", name="since", order=6),
        "legacy": saved("text", name="legacy", valid=False),
        "user_only": saved("text", name="user_only", object_type="customer_user"),
    }


def test_the_form_gets_a_field_per_valid_definition(company_fields):
    form = CompanyForm()

    names = [name for name in form.fields if name.startswith(FORM_PREFIX)]
    assert names == [
        FORM_PREFIX + name for name in ("code", "seats", "size", "skills", "vip", "since")
    ]
    assert isinstance(form.fields[FORM_PREFIX + "seats"], forms.IntegerField)
    assert isinstance(form.fields[FORM_PREFIX + "skills"], forms.MultipleChoiceField)
    assert isinstance(form.fields[FORM_PREFIX + "vip"], forms.BooleanField)
    assert [bound.name for bound in form.dynamic_bound_fields()] == names


def test_labels_follow_the_language(company_fields):
    company_fields["seats"].label_ja = "席数"
    company_fields["seats"].save()
    with translation.override("ja"):
        form = CompanyForm()
    assert form.fields[FORM_PREFIX + "seats"].label == "席数"
    assert CompanyForm().fields[FORM_PREFIX + "seats"].label == "Seats"


def test_a_new_object_gets_the_default_values(company_fields):
    form = CompanyForm()
    assert form[FORM_PREFIX + "seats"].initial == 10
    assert form[FORM_PREFIX + "size"].initial == "m"
    assert form[FORM_PREFIX + "code"].initial is None


def test_an_object_shows_its_stored_values_and_no_defaults(company_fields):
    company = CustomerCompanyFactory(extra={"code": "C-1", "skills": ["s", "l"], "vip": True})

    form = CompanyForm(instance=company)

    assert form[FORM_PREFIX + "code"].initial == "C-1"
    assert form[FORM_PREFIX + "skills"].initial == ["s", "l"]
    assert form[FORM_PREFIX + "vip"].initial is True
    assert form[FORM_PREFIX + "seats"].initial is None  # not stored, and not new: no default


def test_date_inputs_show_iso_dates_in_every_language(company_fields):
    company = CustomerCompanyFactory(extra={"since": "2026-11-25"})
    with translation.override("ja"):
        html = str(CompanyForm(instance=company)[FORM_PREFIX + "since"])
    assert 'type="date"' in html
    assert 'value="2026-11-25"' in html


def test_a_default_that_no_longer_fits_gives_no_initial_value(company_fields):
    DynamicField.objects.filter(pk=company_fields["size"].pk).update(default_value="xl")
    assert CompanyForm()[FORM_PREFIX + "size"].initial is None


def test_submitted_values_are_checked_and_stored(company_fields):
    company = CustomerCompanyFactory(customer_id="ACME", name="Acme", extra={"legacy": "kept"})
    data = {
        "customer_id": "ACME",
        "name": "Acme",
        FORM_PREFIX + "code": "X-1",
        FORM_PREFIX + "seats": "12",
        FORM_PREFIX + "size": "l",
        FORM_PREFIX + "skills": ["s", "m"],
        FORM_PREFIX + "vip": "on",
        FORM_PREFIX + "since": "2026-11-25",
    }

    bad = CompanyForm(data, instance=company)
    assert not bad.is_valid()
    assert bad.errors[FORM_PREFIX + "code"] == ["“X-1” does not have the expected format."]

    good = CompanyForm({**data, FORM_PREFIX + "code": "C-9"}, instance=company)
    assert good.is_valid(), good.errors
    assert good.extra_values() == {
        "legacy": "kept",  # values of invalidated fields are kept
        "code": "C-9",
        "seats": 12,
        "size": "l",
        "skills": ["s", "m"],
        "vip": True,
        "since": "2026-11-25",
    }


def test_emptied_fields_are_removed_from_extra(company_fields):
    company = CustomerCompanyFactory(
        customer_id="ACME", name="Acme", extra={"code": "C-1", "seats": 3, "vip": True}
    )
    form = CompanyForm({"customer_id": "ACME", "name": "Acme"}, instance=company)

    assert form.is_valid(), form.errors
    assert form.extra_values() == {"vip": False}


def test_a_required_field_must_be_filled_in(company_fields):
    company_fields["code"].required = True
    company_fields["code"].save()

    form = CompanyForm({"customer_id": "NEW", "name": "New"})

    assert not form.is_valid()
    assert form.errors[FORM_PREFIX + "code"] == ["This field is required."]
