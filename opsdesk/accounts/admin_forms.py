"""Forms of the accounts admin screens, and the CSV importer of agents."""

import copy

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from opsdesk.core.csv_import import CREATE, UNCHANGED, UPDATE, CsvRow, PlannedRow, RowImporter

from .choices import Language, Permission, time_zone_choices
from .models import (
    Agent,
    AgentGroupPermission,
    Group,
    Role,
    RoleGroupPermission,
    default_time_zone,
)
from .services import create_agent, update_agent

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AgentForm(forms.ModelForm):
    """Add or edit an agent; the password is required when adding, optional when editing."""

    new_password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    time_zone = forms.ChoiceField(
        label=capfirst(_("time zone")), choices=time_zone_choices, initial=default_time_zone
    )
    roles = forms.ModelMultipleChoiceField(
        label=capfirst(_("roles")),
        queryset=Role.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Agent
        fields = (
            "title",
            "first_name",
            "last_name",
            "login",
            "email",
            "phone",
            "mobile",
            "language",
            "time_zone",
            "is_active",
            "roles",
            "out_of_office_start",
            "out_of_office_end",
            "out_of_office_note",
        )
        widgets = {"out_of_office_start": DATE_WIDGET, "out_of_office_end": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["new_password"].required = True
        else:
            self.fields["new_password"].help_text = _("Leave empty to keep the current password.")
        self.order_fields([*self.Meta.fields[:5], "new_password"])

    def _post_clean(self):
        super()._post_clean()
        # Checked against the agent as entered, so that "similar to the login" is caught.
        password = self.cleaned_data.get("new_password")
        if password:
            try:
                validate_password(password, self.instance)
            except ValidationError as error:
                self.add_error("new_password", error)

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("new_password", None)
        data.pop("roles", None)
        return data


class GroupForm(forms.ModelForm):
    class Meta:
        model = Group
        fields = ("name", "comment", "valid")


class RoleForm(forms.ModelForm):
    class Meta:
        model = Role
        fields = ("name", "comment", "valid")


# Permission matrices ----------------------------------------------------------------------------


def _permission_field():
    return forms.MultipleChoiceField(
        choices=Permission.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class PermissionMatrixForm(forms.Form):
    """Rows of checkboxes, one per agent/role/group, one column per permission key."""

    def __init__(self, *args, rows, **kwargs):
        """``rows``: (prefix, object, current keys) per row of the matrix."""
        super().__init__(*args, **kwargs)
        self.matrix = []
        for prefix, obj, keys in rows:
            name = f"{prefix}_{obj.pk}"
            self.fields[name] = _permission_field()
            self.fields[name].label = str(obj)
            self.initial[name] = sorted(keys)
            self.matrix.append((prefix, obj, name))

    @property
    def columns(self):
        return Permission.choices

    def rows(self, prefix: str):
        """(object, bound field) of the rows of one kind, for the template."""
        return [(obj, self[name]) for kind, obj, name in self.matrix if kind == prefix]

    def changed_rows(self, prefix: str) -> dict:
        """object -> new keys, for the rows of one kind whose keys changed."""
        return {
            obj: set(self.cleaned_data[name])
            for kind, obj, name in self.matrix
            if kind == prefix and set(self.cleaned_data[name]) != set(self.initial[name])
        }


def _grants_by(rows, key: str) -> dict:
    grants: dict = {}
    for owner, permission in rows.values_list(key, "permission"):
        grants.setdefault(owner, set()).add(permission)
    return grants


def group_permission_matrix(group: Group, data=None) -> PermissionMatrixForm:
    """Per agent and per role, the keys they hold directly on ``group``."""
    agent_grants = _grants_by(AgentGroupPermission.objects.filter(group=group), "agent_id")
    role_grants = _grants_by(RoleGroupPermission.objects.filter(group=group), "role_id")
    agents = Agent.objects.filter(Q(is_active=True) | Q(pk__in=agent_grants))
    rows = [("role", role, role_grants.get(role.pk, ())) for role in Role.objects.all()]
    rows += [("agent", agent, agent_grants.get(agent.pk, ())) for agent in agents]
    return PermissionMatrixForm(data, rows=rows)


def role_permission_matrix(role: Role, data=None) -> PermissionMatrixForm:
    """Per group, the keys ``role`` holds on it."""
    grants = _grants_by(RoleGroupPermission.objects.filter(role=role), "group_id")
    rows = [("group", group, grants.get(group.pk, ())) for group in Group.objects.all()]
    return PermissionMatrixForm(data, rows=rows)


class RoleMembersForm(forms.Form):
    agents = forms.ModelMultipleChoiceField(
        label=capfirst(_("agents")),
        queryset=Agent.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


# CSV import of agents ---------------------------------------------------------------------------

TRUE_WORDS = {"1", "y", "yes", "true", "on", "valid", "有効"}
FALSE_WORDS = {"0", "n", "no", "false", "off", "invalid", "無効"}
IMPORT_FIELDS = ("first_name", "last_name", "email", "title", "phone", "mobile", "language")


def _model_max_length(name: str) -> int:
    return Agent._meta.get_field(name).max_length


class AgentImportRowForm(forms.Form):
    """One line of an agent CSV file."""

    login = forms.CharField(max_length=_model_max_length("login"))
    first_name = forms.CharField(max_length=_model_max_length("first_name"))
    last_name = forms.CharField(max_length=_model_max_length("last_name"))
    email = forms.EmailField(max_length=_model_max_length("email"))
    title = forms.CharField(max_length=_model_max_length("title"), required=False)
    phone = forms.CharField(max_length=_model_max_length("phone"), required=False)
    mobile = forms.CharField(max_length=_model_max_length("mobile"), required=False)
    language = forms.CharField(required=False)
    roles = forms.CharField(required=False)
    valid = forms.CharField(required=False)

    def __init__(self, *args, roles_by_name: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.roles_by_name = roles_by_name

    def clean_language(self):
        value = self.cleaned_data["language"].strip().lower()
        if value and value not in Language.values:
            raise ValidationError(
                _("Unknown language “%(value)s”; use one of: %(known)s."),
                params={"value": value, "known": ", ".join(Language.values)},
            )
        return value or None

    def clean_roles(self):
        names = [name.strip() for name in self.cleaned_data["roles"].split("|") if name.strip()]
        unknown = [name for name in names if name not in self.roles_by_name]
        if unknown:
            raise ValidationError(
                _("Unknown role: %(names)s."), params={"names": ", ".join(unknown)}
            )
        return [self.roles_by_name[name] for name in dict.fromkeys(names)]

    def clean_valid(self):
        value = self.cleaned_data["valid"].strip().lower()
        if not value:
            return None
        if value in TRUE_WORDS:
            return True
        if value in FALSE_WORDS:
            return False
        raise ValidationError(_("Write yes or no (1 or 0)."))


def _check_fields(agent: Agent, fields: dict) -> None:
    """The model's own validation of the values (uniqueness is checked by the importer)."""
    for name, value in fields.items():
        setattr(agent, name, value)
    agent.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)


class AgentImporter(RowImporter):
    """Agents by login: a new login creates an agent (without a usable password: the agent sets one
    through "lost password"), a known login updates it. Roles are role names separated by ``|``;
    columns left out of the file keep their values."""

    columns = (
        "login",
        "first_name",
        "last_name",
        "email",
        "title",
        "phone",
        "mobile",
        "language",
        "roles",
        "valid",
    )
    required_columns = ("login", "first_name", "last_name", "email")
    unique_columns = ("login", "email")
    description = _(
        "A new login creates an agent, an existing login updates it. Roles are role names "
        "separated by “|”; valid is yes or no. New agents set their password through "
        "“lost password”. Columns left out of the file keep their values."
    )

    def prepare(self, rows: list[CsvRow]) -> None:
        logins = {row.values["login"].lower() for row in rows}
        emails = {row.values["email"].lower() for row in rows}
        self.roles_by_name = {role.name: role for role in Role.objects.all()}
        existing = (
            Agent.objects.annotate(login_lower=Lower("login"), email_lower=Lower("email"))
            .filter(Q(login_lower__in=logins) | Q(email_lower__in=emails))
            .prefetch_related("roles")
        )
        self.by_login = {agent.login.lower(): agent for agent in existing}
        self.by_email = {agent.email.lower(): agent for agent in existing}

    def validate(self, row: CsvRow) -> PlannedRow:
        form = AgentImportRowForm(row.values, roles_by_name=self.roles_by_name)
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        cleaned = form.cleaned_data
        present = set(row.values)
        fields = {name: cleaned[name] for name in IMPORT_FIELDS if name in present}
        fields["email"] = Agent.objects.normalize_email(fields["email"])
        if fields.get("language") is None:
            fields.pop("language", None)
        if cleaned["valid"] is not None:
            fields["is_active"] = cleaned["valid"]
        roles = cleaned["roles"] if "roles" in present else None

        agent = self.by_login.get(cleaned["login"].lower())
        holder = self.by_email.get(cleaned["email"].lower())
        if holder is not None and holder != agent:
            message = _("Agent “%(login)s” already uses this email address.")
            raise ValidationError({"email": message % {"login": holder.login}})
        if agent is None:
            fields["login"] = cleaned["login"]
            _check_fields(Agent(), fields)
            return PlannedRow(
                row.line, CREATE, row.values, data={"fields": fields, "roles": roles or []}
            )

        changes = {
            name: [getattr(agent, name), value]
            for name, value in fields.items()
            if getattr(agent, name) != value
        }
        if roles is not None:
            before = sorted(role.name for role in agent.roles.all())
            after = sorted(role.name for role in roles)
            if before != after:
                changes["roles"] = [", ".join(before), ", ".join(after)]
        _check_fields(copy.copy(agent), fields)
        return PlannedRow(
            row.line,
            UPDATE if changes else UNCHANGED,
            row.values,
            data={"fields": fields, "roles": roles},
            instance=agent,
            changes=changes,
        )

    def apply(self, row: PlannedRow, *, actor):
        if row.action == CREATE:
            return create_agent(actor=actor, roles=row.data["roles"], **row.data["fields"])
        return update_agent(
            agent=row.instance, actor=actor, roles=row.data["roles"], **row.data["fields"]
        )
