"""The admin screens of dynamic field definitions (/admin/dynamic-fields/)."""

import pytest
from django.urls import reverse

from opsdesk.core.dynamic_fields import definitions_for
from opsdesk.core.models import AuditAction, AuditLogEntry, DynamicField
from opsdesk.core.services import create_object

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"dynamic_fields:dynamic_field_{name}", args=args)


@pytest.fixture
def size_field(admin_agent):
    return create_object(
        DynamicField,
        actor=admin_agent,
        object_type="customer_user",
        name="shirt_size",
        label="Shirt size",
        label_ja="シャツのサイズ",
        field_type="dropdown",
        choices=[["s", "Small"], ["m", "Medium"], ["l", "l"]],
        default_value="m",
    )


def form_data(**changes):
    data = {
        "object_type": "customer_company",
        "name": "contract_no",
        "label": "Contract number",
        "label_ja": "契約番号",
        "field_type": "text",
        "choices": "",
        "default_value": "",
        "regex": r"C-\d+",
        "regex_message": "Write C- and digits.",
        "help_text": "",
        "order": "10",
        "valid": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_urls_live_under_admin_dynamic_fields():
    assert url("list") == "/admin/dynamic-fields/"
    assert url("add") == "/admin/dynamic-fields/add/"
    assert url("edit", 3) == "/admin/dynamic-fields/3/edit/"


@pytest.mark.parametrize("screen", ["list", "add", "detail", "edit"])
def test_only_administrators_reach_the_screens(screen, size_field, client, make_agent):
    target = url(screen, size_field.pk) if screen in {"detail", "edit"} else url(screen)

    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))

    for role in (None, "itsm_manager", "itsm_user"):
        client.force_login(make_agent(role))
        assert client.get(target).status_code == 403

    client.force_login(make_agent("itsm_admin"))
    assert client.get(target).status_code == 200


def test_agents_without_admin_cannot_post(size_field, client, make_agent):
    client.force_login(make_agent("itsm_manager"))

    assert client.post(url("add"), form_data()).status_code == 403
    assert client.post(url("edit", size_field.pk), form_data(label="X")).status_code == 403
    assert client.post(url("invalidate", size_field.pk)).status_code == 403

    assert DynamicField.objects.count() == 1
    size_field.refresh_from_db()
    assert (size_field.label, size_field.valid) == ("Shirt size", True)


def test_the_list_shows_filters_and_searches_the_definitions(admin_client, size_field):
    DynamicField.objects.create(
        object_type="customer_company", name="seats", label="Seats", field_type="integer"
    )
    DynamicField.objects.create(
        object_type="customer_company",
        name="old_code",
        label="Old code",
        field_type="text",
        valid=False,
    )

    def labels(**params):
        response = admin_client.get(url("list"), params)
        assert response.status_code == 200
        return sorted(row.record.label for row in response.context["table"].rows)

    assert labels() == ["Old code", "Seats", "Shirt size"]
    assert labels(object_type="customer_user") == ["Shirt size"]
    assert labels(field_type="integer") == ["Seats"]
    assert labels(valid="false") == ["Old code"]
    assert labels(q="シャツ") == ["Shirt size"]
    assert labels(q="seat", valid="true") == ["Seats"]
    page = admin_client.get(url("list")).content.decode()
    assert "Shirt size" in page
    assert url("detail", size_field.pk) in page


def test_the_list_needs_no_query_per_definition(admin_client, django_assert_max_num_queries):
    for number in range(30):
        DynamicField.objects.create(
            object_type="customer_user", name=f"f{number}", label=f"F{number}", field_type="text"
        )
    admin_client.get(url("list"))
    with django_assert_max_num_queries(10):
        response = admin_client.get(url("list"))
    assert response.status_code == 200


def test_an_administrator_creates_a_definition(admin_client, admin_agent):
    response = admin_client.post(url("add"), form_data())

    field = DynamicField.objects.get(name="contract_no")
    assert response.status_code == 302
    assert response["Location"] == url("detail", field.pk)
    assert (field.object_type, field.label_ja, field.regex) == (
        "customer_company",
        "契約番号",
        r"C-\d+",
    )
    assert field.created_by == admin_agent
    assert AuditLogEntry.objects.filter(
        action=AuditAction.CREATE, object_id=str(field.pk), actor=admin_agent
    ).exists()
    page = admin_client.get(response["Location"]).content.decode()
    assert "Contract number" in page
    assert "Write C- and digits." in page


def test_choices_are_entered_one_per_line(admin_client):
    response = admin_client.post(
        url("add"),
        form_data(
            field_type="multiselect",
            name="skills",
            regex="",
            choices="db=Databases\n\n  net = Networks \nlinux\n",
            default_value="db|linux",
        ),
    )

    assert response.status_code == 302
    field = DynamicField.objects.get(name="skills")
    assert field.choices == [["db", "Databases"], ["net", "Networks"], ["linux", "linux"]]
    assert field.default_value == "db|linux"
    detail = admin_client.get(url("detail", field.pk)).content.decode()
    assert "db = Databases, net = Networks, linux" in detail
    edit = admin_client.get(url("edit", field.pk)).content.decode()
    assert "db=Databases\nnet=Networks\nlinux</textarea>" in edit


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "2fast"}, "name", "Start with a letter; use letters, digits and _ only."),
        ({"name": ""}, "name", "This field is required."),
        ({"label": ""}, "label", "This field is required."),
        (
            {"field_type": "dropdown", "regex": ""},
            "choices",
            "A dropdown or multiselect needs at least one choice.",
        ),
        (
            {"field_type": "dropdown", "regex": "", "choices": "a=A\na=Again"},
            "choices",
            "Each choice value may appear only once.",
        ),
        (
            {"field_type": "dropdown", "regex": "", "choices": "a=A\n=B"},
            "choices",
            "Line 2: write a value before “=”.",
        ),
        (
            {"field_type": "multiselect", "regex": "", "choices": "a|b=AB"},
            "choices",
            "The values of a multiselect may not contain “|”.",
        ),
        ({"choices": "a=A"}, "choices", "Only dropdown and multiselect fields have choices."),
        ({"field_type": "integer"}, "regex", "Only text fields can have a pattern."),
        ({"regex": "C-(\\d+"}, "regex", "This is not a valid regular expression"),
        ({"default_value": "X-1"}, "default_value", "Write C- and digits."),
        (
            {"field_type": "integer", "regex": "", "default_value": "ten"},
            "default_value",
            "“ten” is not a whole number.",
        ),
        (
            {"field_type": "dropdown", "regex": "", "choices": "a\nb", "default_value": "c"},
            "default_value",
            "“c” is not one of: a, b.",
        ),
        ({"object_type": "planet"}, "object_type", "Select a valid choice."),
    ],
)
def test_a_bad_definition_is_refused_with_a_message_next_to_its_field(
    admin_client, changes, field, message
):
    response = admin_client.post(url("add"), form_data(**changes))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(message in error for error in errors[field]), errors[field]
    assert message in response.content.decode()
    assert not DynamicField.objects.exists()
    assert not AuditLogEntry.objects.exists()


def test_a_name_is_unique_per_object_type_whatever_its_case(admin_client, size_field):
    taken = admin_client.post(
        url("add"), form_data(object_type="customer_user", name="Shirt_Size", regex="")
    )
    other_type = admin_client.post(url("add"), form_data(name="shirt_size", regex=""))

    assert taken.status_code == 200
    assert taken.context["form"].errors == {
        "name": ["This object type already has a field with this name."]
    }
    assert other_type.status_code == 302
    assert DynamicField.objects.filter(name__iexact="shirt_size").count() == 2


def test_editing_changes_labels_but_never_the_name_object_type_or_field_type(
    admin_client, admin_agent, size_field
):
    edit = admin_client.get(url("edit", size_field.pk))
    for name in ("object_type", "name", "field_type"):
        assert edit.context["form"].fields[name].disabled

    response = admin_client.post(
        url("edit", size_field.pk),
        form_data(
            object_type="customer_company",
            name="renamed",
            field_type="multiselect",
            label="T-shirt size",
            regex="",
            regex_message="",
            choices="s=Small\nm=Medium\nl=Large\nxl=Extra large",
            default_value="l",
        ),
    )

    assert response.status_code == 302
    size_field.refresh_from_db()
    assert (size_field.object_type, size_field.name, size_field.field_type) == (
        "customer_user",
        "shirt_size",
        "dropdown",
    )
    assert size_field.label == "T-shirt size"
    assert size_field.choices[-1] == ["xl", "Extra large"]
    assert size_field.default_value == "l"
    entry = AuditLogEntry.objects.get(action=AuditAction.UPDATE, object_id=str(size_field.pk))
    assert entry.actor == admin_agent
    assert entry.changes["label"] == ["Shirt size", "T-shirt size"]


def test_an_edit_that_breaks_the_rules_changes_nothing(admin_client, size_field):
    response = admin_client.post(
        url("edit", size_field.pk),
        form_data(
            object_type="customer_user",
            name="shirt_size",
            field_type="dropdown",
            label="Changed",
            regex="",
            choices="s=Small",
            default_value="m",  # no longer a choice
        ),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["default_value"]
    size_field.refresh_from_db()
    assert (size_field.label, len(size_field.choices)) == ("Shirt size", 3)


def test_invalidating_a_definition_keeps_it_and_takes_it_off_the_forms(
    admin_client, admin_agent, size_field
):
    detail = admin_client.get(url("detail", size_field.pk)).content.decode()
    assert url("invalidate", size_field.pk) in detail

    response = admin_client.post(url("invalidate", size_field.pk))

    assert response.status_code == 302
    size_field.refresh_from_db()
    assert size_field.valid is False
    assert AuditLogEntry.objects.filter(
        action=AuditAction.INVALIDATE, object_id=str(size_field.pk), actor=admin_agent
    ).exists()
    assert admin_client.get(url("invalidate", size_field.pk)).status_code == 405
    assert definitions_for("customer_user") == []
    assert definitions_for("customer_user", include_invalid=True) == [size_field]


def test_a_name_of_a_fixed_field_is_refused(admin_client):
    response = admin_client.post(
        reverse("dynamic_fields:dynamic_field_add"),
        {
            "object_type": "customer_user",
            "name": "City",
            "label": "City",
            "field_type": "text",
            "order": 0,
            "valid": "on",
        },
    )
    assert response.status_code == 200
    assert "is a fixed field of this object type" in response.content.decode()
    assert not DynamicField.objects.filter(name__iexact="city").exists()
