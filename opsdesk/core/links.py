"""Links between objects of any area (OTOBO's LinkObject, manual 5.5.1): tickets today, FAQ items
and configuration items once their areas register their object types.

An area declares each linkable object type once, in ``AppConfig.ready()``, with
``register_object_type(LinkableType(...))``: how to find its objects, how to show them, who may see
and link them, how the link dialog searches them, which link types it accepts with which other
types, and callbacks that write history on the object when a link comes or goes.

Storage is ``core.models.Link``: one row per pair of objects. A ``normal`` link is stored with the
smaller (type, id) first, so A–B and B–A are one row; a ``parent_child`` link has the parent as
source. Adding a link between two objects already linked replaces the old link (OTOBO's link type
group): history and events see a removal and an addition.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import events
from .models import Link, LinkType


class Relation(models.TextChoices):
    """What the *other* object is to the one we look from (OTOBO's "Parent", "Child", "Normal")."""

    PARENT = "parent", gettext_lazy("Parent")
    CHILD = "child", gettext_lazy("Child")
    NORMAL = "normal", gettext_lazy("Normal")


RELATION_ORDER: dict[str, int] = {Relation.PARENT: 0, Relation.CHILD: 1, Relation.NORMAL: 2}

LinkCallback = Callable[..., None]


def _no_callback(obj, **kwargs) -> None:
    return None


@dataclass(frozen=True)
class LinkableType:
    """One kind of object that links may join.

    ``visible_to(agent)`` is the permission-filtered queryset of the objects ``agent`` may see;
    ``related`` are the relations fetched with them for display (``label_of``, ``status_of``,
    ``can_link``), so that showing any number of linked objects of this type is one query.
    ``search(agent, text, limit)`` answers the link dialog (only objects the agent may see).
    ``api_field`` names the field that identifies an object in the REST API (tickets: their
    number). ``on_linked``/``on_unlinked(obj, *, other, link_type, relation, actor,
    actor_label)`` run inside the transaction of the change, once for each side: ``relation`` is
    what ``other`` is to ``obj``. ``possible_links`` maps another type's key to the link types
    allowed between the two (either side's declaration is enough). ``status_of(obj)`` returns a
    (label, closed) pair shown next to the object, or ``None``.
    """

    key: str
    label: str | Promise
    plural_label: str | Promise
    model: type[models.Model]
    label_of: Callable[[Any], str]
    url_of: Callable[[Any], str]
    visible_to: Callable[[Any], QuerySet]
    can_link: Callable[[Any, Any], bool]
    search: Callable[[Any, str, int], list]
    related: tuple[str, ...] = ()
    api_field: str = "pk"
    possible_links: dict[str, tuple[str, ...]] = field(default_factory=dict)
    on_linked: LinkCallback = _no_callback
    on_unlinked: LinkCallback = _no_callback
    status_of: Callable[[Any], tuple[str, bool] | None] = lambda obj: None

    # Finding objects ---------------------------------------------------------------------------

    def objects(self, agent=None) -> QuerySet:
        """The objects ``agent`` may see (``None``: all), with what their display needs."""
        queryset = self.model._default_manager.all() if agent is None else self.visible_to(agent)
        return queryset.select_related(*self.related) if self.related else queryset

    def in_bulk(self, pks: Iterable[int], agent=None) -> dict[int, Any]:
        """{pk: object} of ``pks`` in one query, only those ``agent`` may see."""
        pks = set(pks)
        if not pks:
            return {}
        return {obj.pk: obj for obj in self.objects(agent).filter(pk__in=pks)}

    def api_key(self, obj) -> str:
        return str(getattr(obj, self.api_field))

    def from_api_key(self, value, *, agent=None):
        """The object named ``value`` in the API (among those ``agent`` may see), or ``None``."""
        lookup = "pk" if self.api_field == "pk" else self.api_field
        value = str(value).strip()
        if lookup == "pk" and not value.isdigit():
            return None
        return self.objects(agent).filter(**{lookup: value}).first()

    def describe(self, obj) -> str:
        """The type's label and the object's: "Ticket 2026112410000012 Printer broken"."""
        return f"{self.label} {self.label_of(obj)}"


_TYPES: dict[str, LinkableType] = {}


def register_object_type(linkable: LinkableType) -> LinkableType:
    """Declare a linkable object type (in ``AppConfig.ready()``); registering a key again
    replaces the earlier declaration (tests, autoreload)."""
    _TYPES[linkable.key] = linkable
    return linkable


def unregister_object_type(key: str) -> None:
    _TYPES.pop(key, None)


def object_types() -> list[LinkableType]:
    """Every registered type, in the order of registration."""
    return list(_TYPES.values())


def object_type(key: str) -> LinkableType:
    """The registered type ``key``; ``ValidationError`` when there is none."""
    try:
        return _TYPES[key]
    except KeyError:
        raise ValidationError(
            _("“%(type)s” is not a type of object that can be linked.") % {"type": key},
            code="unknown_type",
        ) from None


def type_of(obj) -> LinkableType:
    """The registered type of a model instance; ``ValidationError`` when it has none."""
    model = obj._meta.concrete_model
    for linkable in _TYPES.values():
        if linkable.model._meta.concrete_model is model:
            return linkable
    raise ValidationError(
        _("%(model)s objects cannot be linked.") % {"model": obj._meta.verbose_name},
        code="unknown_type",
    )


def object_key(obj) -> tuple[str, int]:
    """(type key, pk) of a linkable object, as links store it."""
    return type_of(obj).key, obj.pk


def allowed_link_types(first: str, second: str) -> tuple[str, ...]:
    """The link types allowed between objects of types ``first`` and ``second`` (OTOBO's
    PossibleLink), in ``LinkType`` order."""
    declared: set[str] = set()
    if first in _TYPES:
        declared.update(_TYPES[first].possible_links.get(second, ()))
    if second in _TYPES:
        declared.update(_TYPES[second].possible_links.get(first, ()))
    return tuple(value for value in LinkType.values if value in declared)


def linkable_types_for(key: str) -> list[LinkableType]:
    """The types an object of type ``key`` may be linked to (for the link dialog's choice)."""
    return [other for other in _TYPES.values() if allowed_link_types(key, other.key)]


# Reading links ------------------------------------------------------------------------------------


def links_query(type_key: str, pk: int) -> Q:
    """The links one end of which is the object (type_key, pk)."""
    return Q(source_type=type_key, source_id=pk) | Q(target_type=type_key, target_id=pk)


def link_between(first: tuple[str, int], second: tuple[str, int]) -> Link | None:
    """The link joining two objects, whatever its direction, or ``None``."""
    return Link.objects.filter(
        Q(source_type=first[0], source_id=first[1], target_type=second[0], target_id=second[1])
        | Q(source_type=second[0], source_id=second[1], target_type=first[0], target_id=first[1])
    ).first()


def other_end(link: Link, key: tuple[str, int]) -> tuple[str, int]:
    """The end of ``link`` that is not ``key``."""
    if (link.source_type, link.source_id) == key:
        return link.target_type, link.target_id
    return link.source_type, link.source_id


def relation_of_other(link: Link, key: tuple[str, int]) -> str:
    """What the other end of ``link`` is to the object ``key``."""
    if link.link_type != LinkType.PARENT_CHILD:
        return Relation.NORMAL
    return Relation.CHILD if (link.source_type, link.source_id) == key else Relation.PARENT


@dataclass(frozen=True)
class LinkedObject:
    """The other end of a link, as the zoom and the API show it."""

    link: Link
    object_type: LinkableType
    obj: Any
    relation: str

    @property
    def label(self) -> str:
        return self.object_type.label_of(self.obj)

    @property
    def url(self) -> str:
        return self.object_type.url_of(self.obj)

    @property
    def status(self) -> tuple[str, bool] | None:
        return self.object_type.status_of(self.obj)

    @property
    def status_label(self) -> str:
        status = self.status
        return status[0] if status else ""

    @property
    def closed(self) -> bool:
        status = self.status
        return bool(status and status[1])

    @property
    def api_key(self) -> str:
        return self.object_type.api_key(self.obj)


@dataclass(frozen=True)
class LinkGroup:
    """The linked objects of one type in one relation ("Parent" tickets, "Normal" FAQ items)."""

    object_type: LinkableType
    relation: str
    items: list[LinkedObject]

    @property
    def relation_label(self) -> str:
        return str(Relation(self.relation).label)


def linked_objects(obj, *, agent) -> list[LinkedObject]:
    """Every object linked to ``obj`` that ``agent`` may see (``agent=None``: all), oldest link
    first. One query for the links and one per object type among them."""
    key = object_key(obj)
    links = list(Link.objects.filter(links_query(*key)).order_by("created_at", "id"))
    wanted: dict[str, set[int]] = defaultdict(set)
    for link in links:
        other_type, other_id = other_end(link, key)
        wanted[other_type].add(other_id)
    found = {
        type_key: _TYPES[type_key].in_bulk(pks, agent)
        for type_key, pks in wanted.items()
        if type_key in _TYPES  # links to a type no longer registered are not shown
    }
    result = []
    for link in links:
        other_type, other_id = other_end(link, key)
        other = found.get(other_type, {}).get(other_id)
        if other is not None:
            result.append(
                LinkedObject(link, _TYPES[other_type], other, relation_of_other(link, key))
            )
    return result


def links_of(obj, *, agent) -> list[LinkGroup]:
    """The objects linked to ``obj`` that ``agent`` may see, grouped by object type (in order of
    registration) and relation (parent, child, normal), as OTOBO's linked-objects table shows
    them. A constant number of queries: the links, then one per object type."""
    groups: dict[tuple[str, str], list[LinkedObject]] = defaultdict(list)
    for item in linked_objects(obj, agent=agent):
        groups[(item.object_type.key, item.relation)].append(item)
    type_order = {key: index for index, key in enumerate(_TYPES)}
    return [
        LinkGroup(_TYPES[type_key], relation, items)
        for (type_key, relation), items in sorted(
            groups.items(), key=lambda pair: (type_order[pair[0][0]], RELATION_ORDER[pair[0][1]])
        )
    ]


def ancestors(key: tuple[str, int], *, ignore: Link | None = None) -> set[tuple[str, int]]:
    """Every object above ``key`` through parent/child links (one query per generation)."""
    seen: set[tuple[str, int]] = set()
    frontier = {key}
    while frontier:
        condition = Q()
        for type_key, pk in frontier:
            condition |= Q(target_type=type_key, target_id=pk)
        parents = Link.objects.filter(condition, link_type=LinkType.PARENT_CHILD)
        if ignore is not None and ignore.pk:
            parents = parents.exclude(pk=ignore.pk)
        found = {
            (source_type, source_id)
            for source_type, source_id in parents.values_list("source_type", "source_id")
        }
        frontier = found - seen - {key}
        seen |= found
    return seen


# Changing links -----------------------------------------------------------------------------------


def _lock(*objects) -> None:
    """Lock the rows of the linked objects, in a fixed order, so that two changes of links
    between the same objects run one after the other (no-op on SQLite)."""
    by_model: dict[type[models.Model], set[int]] = defaultdict(set)
    for obj in objects:
        by_model[obj._meta.concrete_model].add(obj.pk)
    for model in sorted(by_model, key=lambda item: item._meta.label):
        list(
            model._base_manager.select_for_update()
            .filter(pk__in=sorted(by_model[model]))
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def _require_can_link(actor, *items: tuple[LinkableType, Any]) -> None:
    if actor is None:
        return
    for linkable, obj in items:
        if obj is not None and not linkable.can_link(actor, obj):
            raise PermissionDenied(
                _("You may not link %(object)s.") % {"object": linkable.describe(obj)}
            )


def _canonical(link_type: str, source: tuple[str, int], target: tuple[str, int]):
    if link_type == LinkType.NORMAL and target < source:
        return target, source
    return source, target


def _notify(callback_name: str, link: Link, objects: dict, *, actor, actor_label: str) -> None:
    """Run ``on_linked``/``on_unlinked`` on both ends (those that still exist)."""
    source_key = (link.source_type, link.source_id)
    target_key = (link.target_type, link.target_id)
    for this_key, other_key in ((source_key, target_key), (target_key, source_key)):
        this, other = objects.get(this_key), objects.get(other_key)
        if this is None or other is None or this_key[0] not in _TYPES:
            continue
        getattr(_TYPES[this_key[0]], callback_name)(
            this,
            other=other,
            link_type=link.link_type,
            relation=relation_of_other(link, this_key),
            actor=actor,
            actor_label=actor_label,
        )


def _emit(name: str, link: Link, link_id: int | None, actor) -> None:
    events.emit(
        name,
        object_id=link_id,
        actor_id=getattr(actor, "pk", None),
        source_type=link.source_type,
        source_id=link.source_id,
        target_type=link.target_type,
        target_id=link.target_id,
        link_type=link.link_type,
    )


def _objects_of(link: Link, known: Sequence = ()) -> dict[tuple[str, int], Any]:
    """Both ends of ``link`` as objects (``known`` ones reused; missing ones left out)."""
    objects: dict[tuple[str, int], Any] = {}
    for obj in known:
        objects[object_key(obj)] = obj
    for type_key, pk in ((link.source_type, link.source_id), (link.target_type, link.target_id)):
        if (type_key, pk) not in objects and type_key in _TYPES:
            found = _TYPES[type_key].in_bulk([pk])
            if pk in found:
                objects[(type_key, pk)] = found[pk]
    return objects


def _delete(link: Link, objects: dict, *, actor, actor_label: str) -> None:
    link_id = link.pk
    link.delete()
    _notify("on_unlinked", link, objects, actor=actor, actor_label=actor_label)
    _emit("LinkDelete", link, link_id, actor)


@transaction.atomic
def add_link(*, actor, source, target, link_type: str, actor_label: str = "") -> Link:
    """Link ``source`` to ``target`` (for ``parent_child``: source is the parent).

    The actor needs ``can_link`` on both objects (``actor=None``: a system change, no check).
    Refused with ``ValidationError``: unregistered types, an object linked to itself, a link
    type the two object types do not allow, a parent/child link that would make an object its
    own ancestor. A link already joining the two objects is replaced (removed, then the new one
    added, both in history); the very same link is returned unchanged.
    """
    source_type, target_type = type_of(source), type_of(target)
    source_key, target_key = (source_type.key, source.pk), (target_type.key, target.pk)
    if link_type not in LinkType.values:
        raise ValidationError(
            {"link_type": _("“%(value)s” is not a link type.") % {"value": link_type}}
        )
    if source_key == target_key:
        raise ValidationError(_("An object cannot be linked to itself."), code="self_link")
    if link_type not in allowed_link_types(source_type.key, target_type.key):
        raise ValidationError(
            {
                "link_type": _("%(first)s and %(second)s cannot be linked as “%(type)s”.")
                % {
                    "first": source_type.plural_label,
                    "second": target_type.plural_label,
                    "type": LinkType(link_type).label,
                }
            }
        )
    _require_can_link(actor, (source_type, source), (target_type, target))
    _lock(source, target)
    existing = link_between(source_key, target_key)
    new_source, new_target = _canonical(link_type, source_key, target_key)
    if (
        existing is not None
        and existing.link_type == link_type
        and (existing.source_type, existing.source_id) == new_source
    ):
        return existing
    if link_type == LinkType.PARENT_CHILD and target_key in ancestors(source_key, ignore=existing):
        raise ValidationError(
            _(
                "%(child)s is already above %(parent)s through parent/child links; it cannot "
                "become its child."
            )
            % {"child": target_type.describe(target), "parent": source_type.describe(source)},
            code="cycle",
        )
    objects = {source_key: source, target_key: target}
    if existing is not None:
        _delete(existing, objects, actor=actor, actor_label=actor_label)
    try:
        with transaction.atomic():
            link = Link.objects.create(
                source_type=new_source[0],
                source_id=new_source[1],
                target_type=new_target[0],
                target_id=new_target[1],
                link_type=link_type,
                created_by=actor,
            )
    except IntegrityError as error:
        raise ValidationError(
            _("The objects were linked by someone else at the same moment; try again.")
        ) from error
    _notify("on_linked", link, objects, actor=actor, actor_label=actor_label)
    _emit("LinkAdd", link, link.pk, actor)
    return link


@transaction.atomic
def remove_link(*, actor, link: Link, actor_label: str = "") -> None:
    """Remove ``link``; the actor needs ``can_link`` on both objects (on the one left, when the
    other no longer exists). History is written on both sides."""
    objects = _objects_of(link)
    items = [
        (_TYPES[type_key], obj) for (type_key, _pk), obj in objects.items() if type_key in _TYPES
    ]
    _require_can_link(actor, *items)
    _lock(*objects.values())
    if not Link.objects.filter(pk=link.pk).exists():
        return  # removed meanwhile: nothing left to do
    _delete(link, objects, actor=actor, actor_label=actor_label)


@transaction.atomic
def move_links(old, new, *, actor, actor_label: str = "") -> int:
    """Re-point every link of ``old`` to ``new`` (merging ``old`` into ``new``); returns the
    number of links moved.

    No permission check: the caller (merge) has checked. Links that would join ``new`` to
    itself, duplicate a link ``new`` already has with the same object, or make an object its
    own ancestor are removed instead. History on every object involved: a removal from ``old``,
    an addition to ``new``.
    """
    old_key, new_key = object_key(old), object_key(new)
    if old_key == new_key:
        return 0
    _lock(old, new)
    moved = 0
    for link in list(Link.objects.filter(links_query(*old_key)).order_by("id")):
        other_key = other_end(link, old_key)
        objects = _objects_of(link, known=[old])
        objects[new_key] = new
        if other_key == new_key or link_between(new_key, other_key) is not None:
            _delete(link, objects, actor=actor, actor_label=actor_label)
            continue
        if (link.source_type, link.source_id) == old_key:
            source_key, target_key = new_key, other_key
        else:
            source_key, target_key = other_key, new_key
        if link.link_type == LinkType.PARENT_CHILD and target_key in ancestors(
            source_key, ignore=link
        ):
            _delete(link, objects, actor=actor, actor_label=actor_label)
            continue
        before = Link(
            source_type=link.source_type,
            source_id=link.source_id,
            target_type=link.target_type,
            target_id=link.target_id,
            link_type=link.link_type,
        )
        source_key, target_key = _canonical(link.link_type, source_key, target_key)
        link.source_type, link.source_id = source_key
        link.target_type, link.target_id = target_key
        link.save(update_fields=["source_type", "source_id", "target_type", "target_id"])
        _notify("on_unlinked", before, objects, actor=actor, actor_label=actor_label)
        _emit("LinkDelete", before, link.pk, actor)
        _notify("on_linked", link, objects, actor=actor, actor_label=actor_label)
        _emit("LinkAdd", link, link.pk, actor)
        moved += 1
    return moved
