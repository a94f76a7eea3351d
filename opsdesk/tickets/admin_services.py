"""Writes of the ticket master data administered under Admin → Ticket settings.

Contact persons (queues) with their hierarchical full names, states, priorities, ticket types and
their workflows, system addresses and templates. Every function runs in one transaction, refuses
bad input with a ``ValidationError`` (a dict keyed by form field where there is one) and changes
nothing then, and writes audit entries (``opsdesk.core.services``) that the detail pages show as
change history. Master data that tickets refer to is never deleted, only invalidated.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from opsdesk.core.models import AuditAction
from opsdesk.core.services import (
    create_object,
    diff,
    invalidate_object,
    record_change,
    snapshot,
    update_object,
)

from .choices import OPEN_STATE_TYPES, StateType
from .models import (
    Priority,
    Queue,
    StandardTemplate,
    SystemAddress,
    Ticket,
    TicketState,
    TicketType,
    TicketTypeState,
    TicketTypeTransition,
)

QUEUE_SEPARATOR = "::"


def _names(items: Iterable[str]) -> str:
    return ", ".join(sorted(items))


# Contact persons (queues) -----------------------------------------------------------------------


def queue_full_name(name: str, parent: Queue | None) -> str:
    """``Parent::Child`` for a sub-queue, the name itself at the top."""
    return f"{parent.full_name}{QUEUE_SEPARATOR}{name}" if parent is not None else name


def queue_descendants(queue: Queue) -> list[Queue]:
    """Every sub-queue below ``queue`` (children before grandchildren), one query per level.

    Walks the parent links rather than matching full names, which may differ in case only.
    """
    found: list[Queue] = []
    level = [queue.pk]
    seen = {queue.pk}
    while level:
        children = list(Queue.objects.filter(parent_id__in=level).order_by("full_name"))
        children = [child for child in children if child.pk not in seen]
        seen.update(child.pk for child in children)
        found.extend(children)
        level = [child.pk for child in children]
    return found


def open_ticket_count(queue: Queue) -> int:
    """How many tickets in ``queue`` still need work (new, open or pending)."""
    return Ticket.objects.filter(queue=queue, state__state_type__in=OPEN_STATE_TYPES).count()


def _check_queue_name(name: str) -> None:
    try:
        Queue._meta.get_field("name").run_validators(name)
    except ValidationError as error:
        raise ValidationError({"name": error.messages}) from error
    if not name.strip():
        raise ValidationError({"name": _("This field is required.")})


def _check_full_names_free(full_names: list[str], exclude: Iterable[int] = ()) -> None:
    """Full names are unique whatever their case: "Support" and "support" would confuse."""
    lowered = [full_name.lower() for full_name in full_names]
    taken = (
        Queue.objects.annotate(lowered=Lower("full_name"))
        .filter(lowered__in=lowered)
        .exclude(pk__in=list(exclude))
        .values_list("full_name", flat=True)
        .first()
    )
    if taken is not None:
        raise ValidationError(
            {
                "name": _(
                    "A contact person (queue) named “%(name)s” exists already; choose another "
                    "name or parent."
                )
                % {"name": taken}
            }
        )


def _check_parent_valid(parent: Queue | None) -> None:
    if parent is not None and not parent.valid:
        raise ValidationError(
            {"parent": _("“%(name)s” is not valid: choose a valid parent.") % {"name": parent}}
        )


@transaction.atomic
def create_queue(*, actor, name: str, parent: Queue | None = None, **fields) -> Queue:
    """Create a contact person (queue) with its full name ``Parent::Name``."""
    _check_queue_name(name)
    _check_parent_valid(parent)
    full_name = queue_full_name(name, parent)
    _check_full_names_free([full_name])
    return create_object(
        Queue, actor=actor, name=name, parent=parent, full_name=full_name, **fields
    )


@transaction.atomic
def update_queue(queue: Queue, *, actor, **fields) -> Queue:
    """Change a contact person (queue); renaming or moving it renames every sub-queue too.

    A queue cannot become a sub-queue of itself or of one of its sub-queues. Each sub-queue whose
    full name changes gets its own audit entry.
    """
    stored = Queue.objects.select_for_update().get(pk=queue.pk)
    name = fields.get("name", stored.name)
    parent = fields.get("parent", stored.parent)
    _check_queue_name(name)
    descendants = queue_descendants(stored)
    subtree = {stored.pk} | {child.pk for child in descendants}
    if parent is not None and parent.pk in subtree:
        raise ValidationError(
            {
                "parent": _(
                    "A contact person (queue) cannot be a sub-queue of itself or of one of its "
                    "sub-queues."
                )
            }
        )
    if parent is not None and parent.pk != stored.parent_id:
        _check_parent_valid(parent)
    full_name = queue_full_name(name, parent)
    renamed: list[tuple[Queue, str]] = []
    if full_name != stored.full_name:
        prefix = stored.full_name + QUEUE_SEPARATOR
        renamed = [
            (child, full_name + QUEUE_SEPARATOR + child.full_name[len(prefix) :])
            for child in descendants
            if child.full_name.startswith(prefix)
        ]
        _check_full_names_free([full_name], exclude=subtree)
        _check_full_names_free([new for _child, new in renamed], exclude=subtree)
    before = snapshot(stored, {"full_name": stored.full_name})
    for field_name, value in fields.items():
        setattr(queue, field_name, value)
    queue.full_name = full_name
    queue.changed_by = actor
    queue.full_clean()
    queue.save()
    record_change(
        actor=actor,
        instance=queue,
        action=AuditAction.UPDATE,
        changes=diff(before, snapshot(queue, {"full_name": full_name})),
    )
    # Parents first: a child's new name never equals a name still waiting to change.
    for child, new_full_name in renamed:
        old_full_name = child.full_name
        child.full_name = new_full_name
        child.changed_by = actor
        child.save(update_fields=["full_name", "changed_by", "changed_at"])
        record_change(
            actor=actor,
            instance=child,
            action=AuditAction.UPDATE,
            changes={"full_name": [old_full_name, new_full_name]},
        )
    return queue


@transaction.atomic
def invalidate_queue(queue: Queue, *, actor) -> Queue:
    """Invalidate a contact person (queue). Its open tickets stay (OTOBO allows this); the
    screens warn about them."""
    return invalidate_object(queue, "valid", actor=actor)


# States -----------------------------------------------------------------------------------------


def _refuse_internal_state(state: TicketState) -> None:
    if state.state_type == StateType.MERGED:
        raise ValidationError(
            _("“%(state)s” is an internal state (the result of a merge) and cannot be changed.")
            % {"state": state.name}
        )


def _check_state_type(state_type: str) -> None:
    if state_type == StateType.MERGED:
        raise ValidationError(
            {"state_type": _("The state type “merged” is internal; choose another type.")}
        )


def _check_state_may_be_invalidated(state: TicketState) -> None:
    types = list(
        TicketType.objects.filter(default_state=state, valid=True).values_list("name", flat=True)
    )
    if types:
        raise ValidationError(
            {
                "valid": _(
                    "New tickets of these ticket types start in this state: %(types)s. Choose "
                    "another state of a new ticket for them first."
                )
                % {"types": _names(types)}
            }
        )


@transaction.atomic
def create_state(*, actor, name: str, state_type: str, **fields) -> TicketState:
    _check_state_type(state_type)
    return create_object(TicketState, actor=actor, name=name, state_type=state_type, **fields)


@transaction.atomic
def update_state(state: TicketState, *, actor, **fields) -> TicketState:
    """Change labels, type, group... The variable name is fixed once the state exists."""
    _refuse_internal_state(state)
    if "name" in fields and fields["name"] != state.name:
        raise ValidationError({"name": _("The variable name cannot be changed after creation.")})
    if "state_type" in fields:
        _check_state_type(fields["state_type"])
    if fields.get("valid") is False and state.valid:
        _check_state_may_be_invalidated(state)
    return update_object(state, actor=actor, **fields)


@transaction.atomic
def invalidate_state(state: TicketState, *, actor) -> TicketState:
    _refuse_internal_state(state)
    _check_state_may_be_invalidated(state)
    return invalidate_object(state, "valid", actor=actor)


# Default flags (priorities, ticket types) ---------------------------------------------------------


def _clear_other_defaults(model: type[models.Model], keep_pk, *, actor) -> None:
    """Take the default flag from every other row, with an audit entry each (one default only)."""
    for other in model._default_manager.filter(is_default=True).exclude(pk=keep_pk):
        update_object(other, actor=actor, is_default=False)


# What the default-flag rules say, per model (whole sentences, for the translators).
DEFAULT_MESSAGES = {
    Priority: {
        "invalid": gettext_lazy("The default priority must be valid."),
        "unset": gettext_lazy(
            "There must be a default priority: make another priority the default instead."
        ),
        "invalidate": gettext_lazy(
            "This is the default priority: make another priority the default before "
            "invalidating it."
        ),
    },
    TicketType: {
        "invalid": gettext_lazy("The default ticket type must be valid."),
        "unset": gettext_lazy(
            "There must be a default ticket type: make another type the default instead."
        ),
        "invalidate": gettext_lazy(
            "This is the default ticket type: make another type the default before invalidating it."
        ),
    },
}


def _check_default_flag(model, instance, *, is_default: bool, valid: bool) -> None:
    """A default must be valid; the default is moved by making another one the default."""
    if is_default and not valid:
        raise ValidationError({"valid": str(DEFAULT_MESSAGES[model]["invalid"])})
    if instance is not None and instance.is_default and not is_default:
        raise ValidationError({"is_default": str(DEFAULT_MESSAGES[model]["unset"])})


def _refuse_invalidating_default(instance) -> None:
    if instance.is_default:
        raise ValidationError({"valid": str(DEFAULT_MESSAGES[type(instance)]["invalidate"])})


# Priorities -------------------------------------------------------------------------------------


@transaction.atomic
def create_priority(*, actor, is_default: bool = False, valid: bool = True, **fields) -> Priority:
    """Create a priority; making it the default takes the flag from the old default."""
    _check_default_flag(Priority, None, is_default=is_default, valid=valid)
    if is_default:
        _clear_other_defaults(Priority, None, actor=actor)
    return create_object(Priority, actor=actor, is_default=is_default, valid=valid, **fields)


@transaction.atomic
def update_priority(priority: Priority, *, actor, **fields) -> Priority:
    if "name" in fields and fields["name"] != priority.name:
        raise ValidationError({"name": _("The variable name cannot be changed after creation.")})
    is_default = fields.get("is_default", priority.is_default)
    valid = fields.get("valid", priority.valid)
    _check_default_flag(Priority, priority, is_default=is_default, valid=valid)
    if is_default and not priority.is_default:
        _clear_other_defaults(Priority, priority.pk, actor=actor)
    return update_object(priority, actor=actor, **fields)


@transaction.atomic
def invalidate_priority(priority: Priority, *, actor) -> Priority:
    _refuse_invalidating_default(priority)
    return invalidate_object(priority, "valid", actor=actor)


# Ticket types and their workflows ----------------------------------------------------------------


def _check_default_state(state: TicketState | None) -> None:
    if state is None:
        raise ValidationError({"default_state": _("This field is required.")})
    if state.state_type == StateType.MERGED or not state.valid:
        raise ValidationError(
            {"default_state": _("“%(state)s” cannot start a new ticket.") % {"state": state}}
        )


@transaction.atomic
def create_ticket_type(
    *,
    actor,
    default_state: TicketState,
    is_default: bool = False,
    valid: bool = True,
    **fields,
) -> TicketType:
    """Create a ticket type whose workflow allows its state of a new ticket, for a new ticket."""
    _check_default_state(default_state)
    _check_default_flag(TicketType, None, is_default=is_default, valid=valid)
    if is_default:
        _clear_other_defaults(TicketType, None, actor=actor)
    ticket_type = create_object(
        TicketType,
        actor=actor,
        default_state=default_state,
        is_default=is_default,
        valid=valid,
        **fields,
    )
    TicketTypeState.objects.create(ticket_type=ticket_type, state=default_state, initial=True)
    return ticket_type


@transaction.atomic
def update_ticket_type(ticket_type: TicketType, *, actor, **fields) -> TicketType:
    """Change a ticket type; its state of a new ticket must be one its workflow allows for a new
    ticket (change the workflow first to offer another)."""
    if "name" in fields and fields["name"] != ticket_type.name:
        raise ValidationError({"name": _("The variable name cannot be changed after creation.")})
    default_state = fields.get("default_state", ticket_type.default_state)
    if default_state is None or default_state.pk != ticket_type.default_state_id:
        _check_default_state(default_state)
        if not TicketTypeState.objects.filter(
            ticket_type=ticket_type, state=default_state, initial=True
        ).exists():
            raise ValidationError(
                {
                    "default_state": _(
                        "“%(state)s” is not allowed for a new ticket of this type: allow it in "
                        "the workflow first."
                    )
                    % {"state": default_state}
                }
            )
    is_default = fields.get("is_default", ticket_type.is_default)
    valid = fields.get("valid", ticket_type.valid)
    _check_default_flag(TicketType, ticket_type, is_default=is_default, valid=valid)
    if is_default and not ticket_type.is_default:
        _clear_other_defaults(TicketType, ticket_type.pk, actor=actor)
    return update_object(ticket_type, actor=actor, **fields)


@transaction.atomic
def invalidate_ticket_type(ticket_type: TicketType, *, actor) -> TicketType:
    _refuse_invalidating_default(ticket_type)
    return invalidate_object(ticket_type, "valid", actor=actor)


def _transition_text(pair: tuple[str, str]) -> str:
    return f"{pair[0]} → {pair[1]}"


@transaction.atomic
def set_type_workflow(
    ticket_type: TicketType,
    *,
    actor,
    states: Iterable[TicketState],
    initial_states: Iterable[TicketState],
    transitions: Iterable[tuple[TicketState, TicketState]],
) -> TicketType:
    """Replace the type's workflow: its allowed states, those allowed for a new ticket, and the
    transitions between allowed states.

    Rules: the internal ``merged`` state is never part of a workflow; the type's state of a new
    ticket stays allowed and allowed for a new ticket; states for a new ticket and both ends of a
    transition are allowed states; a state that tickets of the type are in cannot be removed.
    One audit entry on the type lists what was added and removed.
    """
    ticket_type = TicketType.objects.select_for_update().get(pk=ticket_type.pk)
    wanted = {state.pk: state for state in states}
    initial = {state.pk: state for state in initial_states}
    pairs = {(source.pk, target.pk): (source, target) for source, target in transitions}
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    internal = [state.name for state in wanted.values() if state.state_type == StateType.MERGED]
    if internal:
        refuse("states", _("The internal state “merged” cannot be part of a workflow."))
    default_state = ticket_type.default_state
    if default_state.pk not in wanted:
        refuse(
            "states",
            _("“%(state)s” is the state of a new ticket of this type: it must stay allowed.")
            % {"state": default_state},
        )
    elif default_state.pk not in initial:
        refuse(
            "initial_states",
            _(
                "“%(state)s” is the state of a new ticket of this type: it must stay allowed for "
                "a new ticket."
            )
            % {"state": default_state},
        )
    outside = [state for pk, state in initial.items() if pk not in wanted]
    if outside:
        refuse(
            "initial_states",
            _("Only allowed states can be allowed for a new ticket: %(states)s.")
            % {"states": _names(str(state) for state in outside)},
        )
    loops = [source for (a, b), (source, _target) in pairs.items() if a == b]
    if loops:
        refuse(
            "transitions",
            _("A state cannot follow itself: %(states)s.")
            % {"states": _names(str(state) for state in loops)},
        )
    stray = [
        f"{source} → {target}"
        for (a, b), (source, target) in pairs.items()
        if a != b and (a not in wanted or b not in wanted)
    ]
    if stray:
        refuse(
            "transitions",
            _("Transitions can only join allowed states: %(transitions)s.")
            % {"transitions": _names(stray)},
        )
    links = {link.state_id: link for link in ticket_type.state_links.select_related("state")}
    removed = [pk for pk in links if pk not in wanted]
    in_use = (
        Ticket.objects.filter(ticket_type=ticket_type, state_id__in=removed)
        .values("state_id")
        .annotate(count=Count("pk"))
        .order_by("state_id")
    )
    for row in in_use:
        refuse(
            "states",
            ngettext(
                "%(count)d ticket of this type is in the state “%(state)s”: move it to another "
                "state before removing the state from the workflow.",
                "%(count)d tickets of this type are in the state “%(state)s”: move them to "
                "another state before removing the state from the workflow.",
                row["count"],
            )
            % {"count": row["count"], "state": links[row["state_id"]].state},
        )
    if errors:
        raise ValidationError(errors)

    # Apply -------------------------------------------------------------------------------------
    old_initial = {pk for pk, link in links.items() if link.initial}
    old_pairs = set(
        TicketTypeTransition.objects.filter(ticket_type=ticket_type).values_list(
            "from_state_id", "to_state_id"
        )
    )
    mentioned = set(wanted) | set(links) | {pk for pair in old_pairs for pk in pair}
    names = dict(TicketState.objects.filter(pk__in=mentioned).values_list("pk", "name"))
    TicketTypeState.objects.filter(ticket_type=ticket_type, state_id__in=removed).delete()
    for pk, link in links.items():
        if pk in wanted and link.initial != (pk in initial):
            link.initial = pk in initial
            link.save(update_fields=["initial"])
    TicketTypeState.objects.bulk_create(
        TicketTypeState(ticket_type=ticket_type, state_id=pk, initial=pk in initial)
        for pk in wanted
        if pk not in links
    )
    gone = old_pairs - set(pairs)
    if gone:
        query = models.Q()
        for source_pk, target_pk in gone:
            query |= models.Q(from_state_id=source_pk, to_state_id=target_pk)
        TicketTypeTransition.objects.filter(query, ticket_type=ticket_type).delete()
    added_pairs = set(pairs) - old_pairs
    TicketTypeTransition.objects.bulk_create(
        TicketTypeTransition(ticket_type=ticket_type, from_state_id=a, to_state_id=b)
        for a, b in added_pairs
    )

    def state_names(pks) -> str:
        return _names(names[pk] for pk in pks)

    def pair_names(keys) -> str:
        return _names(_transition_text((names[a], names[b])) for a, b in keys)

    new_initial = set(initial)
    summary = {
        "states_added": state_names(set(wanted) - set(links)),
        "states_removed": state_names(removed),
        "initial_states_added": state_names(new_initial - old_initial),
        "initial_states_removed": state_names(old_initial - new_initial - set(removed)),
        "transitions_added": pair_names(added_pairs),
        "transitions_removed": pair_names(gone),
    }
    summary = {key: value for key, value in summary.items() if value}
    if summary:
        # Plain strings, not [old, new] pairs: each line reads "transitions added: new → open".
        record_change(actor=actor, instance=ticket_type, action=AuditAction.UPDATE, changes=summary)
        ticket_type.changed_by = actor
        ticket_type.save(update_fields=["changed_by", "changed_at"])
    return ticket_type


# System addresses -------------------------------------------------------------------------------


def _check_address_unused(address: SystemAddress) -> None:
    queues = list(
        Queue.objects.filter(system_address=address, valid=True)
        .order_by("full_name")
        .values_list("full_name", flat=True)
    )
    if queues:
        raise ValidationError(
            {
                "valid": ngettext(
                    "A valid contact person (queue) sends from this address: %(queues)s. Choose "
                    "another system address for it before invalidating this one.",
                    "%(count)d valid contact persons (queues) send from this address: "
                    "%(queues)s. Choose another system address for them before invalidating "
                    "this one.",
                    len(queues),
                )
                % {"count": len(queues), "queues": ", ".join(queues)}
            }
        )


@transaction.atomic
def create_system_address(*, actor, **fields) -> SystemAddress:
    return create_object(SystemAddress, actor=actor, **fields)


@transaction.atomic
def update_system_address(address: SystemAddress, *, actor, **fields) -> SystemAddress:
    if fields.get("valid") is False and address.valid:
        _check_address_unused(address)
    return update_object(address, actor=actor, **fields)


@transaction.atomic
def invalidate_system_address(address: SystemAddress, *, actor) -> SystemAddress:
    """Invalidate a system address that no valid contact person (queue) sends from."""
    _check_address_unused(address)
    return invalidate_object(address, "valid", actor=actor)


# Templates (standard answers) ---------------------------------------------------------------------


def _check_next_state(next_state: TicketState | None) -> None:
    if next_state is not None and next_state.state_type == StateType.MERGED:
        raise ValidationError(
            {"next_state": _("The internal state “merged” cannot be preselected.")}
        )


def _template_snapshot(template: StandardTemplate, queues: Iterable[Queue]) -> dict:
    return snapshot(template, {"queues": [queue.full_name for queue in queues]})


@transaction.atomic
def create_template(*, actor, queues: Iterable[Queue] = (), **fields) -> StandardTemplate:
    """Create a template (standard answer) offered in ``queues`` (none: in every queue)."""
    queues = list(queues)
    _check_next_state(fields.get("next_state"))
    template = StandardTemplate(created_by=actor, changed_by=actor, **fields)
    template.full_clean()
    template.save()
    template.queues.set(queues)
    record_change(
        actor=actor,
        instance=template,
        action=AuditAction.CREATE,
        changes=_template_snapshot(template, queues),
    )
    return template


@transaction.atomic
def update_template(
    template: StandardTemplate, *, actor, queues: Iterable[Queue] | None = None, **fields
) -> StandardTemplate:
    stored = StandardTemplate.objects.get(pk=template.pk)
    before = _template_snapshot(stored, stored.queues.all())
    _check_next_state(fields.get("next_state"))
    for name, value in fields.items():
        setattr(template, name, value)
    template.changed_by = actor
    template.full_clean()
    template.save()
    if queues is not None:
        template.queues.set(list(queues))
    after = _template_snapshot(template, template.queues.all())
    record_change(
        actor=actor, instance=template, action=AuditAction.UPDATE, changes=diff(before, after)
    )
    return template
