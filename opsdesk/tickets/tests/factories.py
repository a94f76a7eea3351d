"""Factories of the tickets area. Tickets are made through ``services.create_ticket`` so that
they carry a number, a first article and history like real ones."""

import factory

from opsdesk.accounts.models import Agent, AgentGroupPermission, Group
from opsdesk.accounts.selectors import forget_group_permissions
from opsdesk.accounts.tests.factories import AgentFactory, GroupFactory
from opsdesk.tickets import services
from opsdesk.tickets.choices import Channel, SenderType
from opsdesk.tickets.models import (
    Priority,
    Queue,
    Salutation,
    Signature,
    StandardTemplate,
    SystemAddress,
    Ticket,
    TicketState,
    TicketType,
)


class SystemAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SystemAddress

    email = factory.Sequence(lambda n: f"desk{n}@opsdesk.example")
    display_name = factory.Sequence(lambda n: f"Desk {n}")


class QueueFactory(factory.django.DjangoModelFactory):
    """A queue in its own group (``group=...`` to share one)."""

    class Meta:
        model = Queue

    name = factory.Sequence(lambda n: f"Queue {n}")
    parent = None
    full_name = factory.LazyAttribute(
        lambda queue: f"{queue.parent.full_name}::{queue.name}" if queue.parent else queue.name
    )
    group = factory.SubFactory(GroupFactory)
    system_address = factory.LazyFunction(lambda: SystemAddress.objects.order_by("pk").first())
    salutation = factory.LazyFunction(lambda: Salutation.objects.order_by("pk").first())
    signature = factory.LazyFunction(lambda: Signature.objects.order_by("pk").first())


class StandardTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StandardTemplate

    name = factory.Sequence(lambda n: f"Template {n}")
    text = "Thank you for your patience."


def state(name: str) -> TicketState:
    return TicketState.objects.get(name=name)


def priority(name: str) -> Priority:
    return Priority.objects.get(name=name)


def ticket_type(name: str) -> TicketType:
    return TicketType.objects.get(name=name)


def grant(agent: Agent, group: Group, *permissions: str) -> Agent:
    """Give ``agent`` the permissions on ``group`` directly (and forget cached answers)."""
    for permission in permissions:
        AgentGroupPermission.objects.get_or_create(agent=agent, group=group, permission=permission)
    forget_group_permissions(agent)
    return agent


def agent_with(queue: Queue, *permissions: str, **fields) -> Agent:
    """An agent holding ``permissions`` on the group of ``queue``."""
    return grant(AgentFactory(**fields), queue.group, *permissions)


class TicketFactory(factory.Factory):
    """``TicketFactory(queue=q, state=state("open"), actor=agent, body="...")``."""

    class Meta:
        model = Ticket

    title = factory.Sequence(lambda n: f"Printer on floor {n} does not print")
    queue = factory.SubFactory(QueueFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        body = kwargs.pop("body", "The printer shows error E-42 since this morning.")
        channel = kwargs.pop("channel", Channel.PHONE)
        sender_type = kwargs.pop("sender_type", SenderType.CUSTOMER)
        attachments = kwargs.pop("attachments", ())
        actor = kwargs.pop("actor", None)
        kwargs.setdefault("actor_label", "test")
        draft = services.ArticleDraft(
            channel=channel,
            sender_type=sender_type,
            subject=kwargs["title"],
            body=body,
            is_visible_for_customer=True,
            attachments=attachments,
        )
        return services.create_ticket(actor=actor, article=draft, **kwargs)
