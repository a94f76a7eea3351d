"""Saved ticket searches ("search templates", OTOBO's search profiles): writes and the selector.

A template holds the search form's values (``criteria``: filter name -> list of values), private to
its owner or shared with roles. Only the owner changes or deletes it; agents holding a role it is
shared with may run it. An agent shares with the roles they hold themselves; administrators with
any valid role. The criteria are checked by the search's filterset before they are stored, so a
template never holds an unknown state or a malformed date.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from opsdesk.accounts.models import Agent, Role
from opsdesk.accounts.selectors import is_admin

from .filtersets import DYNAMIC_FIELD_PREFIX, TicketFilterSet
from .models import TicketSearchProfile

# Parameters of the search screen that are not search criteria.
NOT_CRITERIA = frozenset({"page", "per_page", "sort", "export", "profile", "csrfmiddlewaretoken"})


def search_profiles_for(agent: Agent) -> QuerySet[TicketSearchProfile]:
    """The agent's own templates and those shared with a valid role they hold, by name."""
    shared = Q(shared_with_roles__in=Role.objects.filter(valid=True, agents=agent))
    return (
        TicketSearchProfile.objects.filter(Q(owner=agent) | shared)
        .select_related("owner")
        .distinct()
        .order_by("name", "id")
    )


def criteria_from_query(query) -> dict[str, list[str]]:
    """The search criteria of a query string (a ``QueryDict`` or a dict of lists), without empty
    values, paging and sorting; a relative time's unit only together with its number."""
    names = set(TicketFilterSet.base_filters)
    criteria: dict[str, list[str]] = {}
    for key in query:
        if key in NOT_CRITERIA or not (key in names or key.startswith(DYNAMIC_FIELD_PREFIX)):
            continue
        values = query.getlist(key) if hasattr(query, "getlist") else list(query[key])
        values = [str(value).strip() for value in values if str(value).strip()]
        if values:
            criteria[key] = values
    for key in list(criteria):
        if key.endswith("_unit") and key[: -len("_unit")] not in criteria:
            del criteria[key]
    return criteria


def criteria_as_query(criteria: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, values in (criteria or {}).items():
        query.setlist(key, [str(value) for value in values])
    return query


def validate_criteria(criteria: dict, *, agent: Agent) -> dict[str, list[str]]:
    """``criteria`` cleaned, or ValidationError naming what the search form refuses."""
    cleaned = criteria_from_query(criteria_as_query(criteria))
    if not cleaned:
        raise ValidationError(
            {"criteria": _("Choose at least one search attribute before saving the search.")}
        )
    filterset = TicketFilterSet(criteria_as_query(cleaned), agent=agent, dynamic_fields=True)
    if not filterset.is_valid():
        messages: list[str] = []
        for name, errors in filterset.errors.items():
            label = filterset.form.fields[name].label if name in filterset.form.fields else name
            messages.extend(f"{label}: {error}" for error in errors)
        raise ValidationError({"criteria": messages})
    return cleaned


def shareable_roles(agent: Agent) -> QuerySet[Role]:
    """Roles ``agent`` may share a template with: their own valid roles; any for administrators."""
    roles = Role.objects.filter(valid=True)
    return roles if is_admin(agent) else roles.filter(agents=agent)


def _check_roles(agent: Agent, roles: Iterable[Role]) -> list[Role]:
    roles = list(roles)
    allowed = set(shareable_roles(agent).values_list("pk", flat=True))
    refused = [role.name for role in roles if role.pk not in allowed]
    if refused:
        raise ValidationError(
            {
                "roles": _("You may share only with roles you hold: %(roles)s is not one.")
                % {"roles": ", ".join(refused)}
            }
        )
    return roles


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the template a name.")})
    if len(name) > (TicketSearchProfile._meta.get_field("name").max_length or 200):
        raise ValidationError({"name": _("The name is too long.")})
    return name


def _duplicate_name() -> ValidationError:
    return ValidationError({"name": _("You already have a search template with this name.")})


@transaction.atomic
def save_search_profile(
    *,
    actor: Agent,
    name: str,
    criteria: dict,
    roles: Iterable[Role] = (),
    replace: bool = False,
) -> TicketSearchProfile:
    """Save the search as a template of ``actor``. A template of theirs with the same name is
    refused, or overwritten with ``replace``."""
    name = _check_name(name)
    criteria = validate_criteria(criteria, agent=actor)
    roles = _check_roles(actor, roles)
    existing = (
        TicketSearchProfile.objects.select_for_update().filter(owner=actor, name=name).first()
    )
    if existing is not None:
        if not replace:
            raise _duplicate_name()
        existing.criteria = criteria
        existing.changed_by = actor
        existing.save(update_fields=["criteria", "changed_by", "changed_at"])
        existing.shared_with_roles.set(roles)
        return existing
    try:
        with transaction.atomic():
            profile = TicketSearchProfile.objects.create(
                owner=actor, name=name, criteria=criteria, created_by=actor, changed_by=actor
            )
    except IntegrityError as error:  # saved at the same moment by another request
        raise _duplicate_name() from error
    profile.shared_with_roles.set(roles)
    return profile


def _require_owner(profile: TicketSearchProfile, actor: Agent) -> None:
    if profile.owner_id != actor.pk:
        raise PermissionDenied(_("Only the owner of a search template may change or delete it."))


@transaction.atomic
def update_search_profile(
    profile: TicketSearchProfile,
    *,
    actor: Agent,
    name: str | None = None,
    criteria: dict | None = None,
    roles: Iterable[Role] | None = None,
) -> TicketSearchProfile:
    """Change the owner's template: its name, criteria (overwrite with the current search) or
    the roles it is shared with; what is not given stays."""
    _require_owner(profile, actor)
    fields = ["changed_by", "changed_at"]
    if name is not None:
        name = _check_name(name)
        taken = TicketSearchProfile.objects.filter(owner=actor, name=name).exclude(pk=profile.pk)
        if taken.exists():
            raise _duplicate_name()
        profile.name = name
        fields.append("name")
    if criteria is not None:
        profile.criteria = validate_criteria(criteria, agent=actor)
        fields.append("criteria")
    checked_roles = _check_roles(actor, roles) if roles is not None else None
    profile.changed_by = actor
    try:
        with transaction.atomic():
            profile.save(update_fields=fields)
    except IntegrityError as error:
        raise _duplicate_name() from error
    if checked_roles is not None:
        profile.shared_with_roles.set(checked_roles)
    return profile


@transaction.atomic
def delete_search_profile(profile: TicketSearchProfile, *, actor: Agent) -> None:
    _require_owner(profile, actor)
    profile.delete()
