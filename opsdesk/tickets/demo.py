"""Demo tickets: 200 tickets with realistic conversations in English and Japanese.

``seed_demo_tickets()`` writes every ticket through the services (``services.py``), so numbers,
articles, history, locks, watchers and time accounting are real: each ticket walks its type's
workflow as far as its story goes, its customer (a demo customer user; the Japanese company's users
in Japanese) writes by phone, the portal or mail, and the demo agents answer with mail articles
(stored with Message-IDs, not sent), internal notes and state changes. Afterwards the timestamps
are moved back, oldest ticket first, so that the tickets spread over the last 60 days (ticket
numbers carry their creation day, as they would have).

It does nothing when tickets of the demo customers already exist.
"""

import datetime
import random
import string
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.utils import make_msgid

from django.db import models, transaction
from django.db.models.signals import post_save
from django.utils import timezone

from opsdesk.accounts.demo import seed_demo_agents
from opsdesk.accounts.models import Agent
from opsdesk.core.csv_import import bulk_update
from opsdesk.customers.demo import DEMO_CUSTOMER_USERS, seed_demo_customers
from opsdesk.customers.models import CustomerUser

from . import outbound, services
from .admin_services import create_queue
from .choices import Channel, HistoryType, SenderType
from .models import (
    Article,
    Priority,
    Queue,
    Salutation,
    Signature,
    Ticket,
    TicketHistory,
    TicketNumberCounter,
    TicketState,
    TicketType,
    TicketWatcher,
    TimeAccounting,
)
from .numbers import COUNTER_DIGITS, subject_with_number

DEMO_TICKET_COUNT = 200
DEMO_DAYS = 60
JAPANESE_SHARE = 0.4  # of the tickets, from the Japanese company, in Japanese

# Sub-queues the demo adds under the default queues (name -> comment).
DEMO_SUB_QUEUES = {
    "Service Desk::Network": "VPN, Wi-Fi and network access",
    "Service Desk::Hardware": "Laptops, printers, monitors and phones",
}

# Paths through each type's workflow (defaults.py); a ticket goes part or all of the way.
PATHS = {
    "incident": [
        ("new", "open", "investigating", "resolved", "closed"),
        ("new", "in_progress", "pending", "in_progress", "resolved", "closed"),
        ("new", "open", "in_progress", "closed"),
        ("new", "open", "pending", "open", "closed"),
        ("new", "cancelled"),
    ],
    "problem": [
        ("new", "investigating", "in_progress", "resolved", "closed"),
        ("new", "open", "investigating", "pending", "investigating", "resolved"),
    ],
    "request": [
        ("new", "open", "in_progress", "completed", "closed"),
        ("new", "awaiting_approval", "in_progress", "completed", "closed"),
        ("new", "open", "pending", "in_progress", "completed"),
        ("new", "awaiting_approval", "declined", "closed"),
    ],
    "rfc": [
        (
            "new",
            "awaiting_approval",
            "planning",
            "awaiting_implementation",
            "implementing",
            "completed",
            "closed",
        ),
        (
            "new",
            "awaiting_approval",
            "planning",
            "awaiting_implementation",
            "implementing",
            "awaiting_backout",
            "closed_with_backout",
        ),
        ("new", "awaiting_approval", "pending", "planning", "awaiting_implementation"),
        ("new", "awaiting_approval", "declined", "closed"),
    ],
    "rfc::normal": [
        (
            "new",
            "awaiting_approval",
            "planning",
            "awaiting_implementation",
            "implementing",
            "completed",
            "closed",
        ),
        ("new", "awaiting_approval", "planning", "pending", "awaiting_implementation"),
    ],
    "rfc::emergency": [
        ("new", "implementing", "completed", "closed"),
        ("new", "implementing", "awaiting_backout", "closed_with_backout"),
    ],
    "rfc::breakfix": [("new", "implementing", "completed", "closed")],
    "rfc::standard": [
        ("new", "awaiting_implementation", "implementing", "completed", "closed"),
        ("new", "planning", "awaiting_implementation", "implementing", "completed"),
    ],
    "release": [
        (
            "new",
            "planning",
            "awaiting_approval",
            "awaiting_implementation",
            "implementing",
            "completed",
            "closed",
        ),
        ("new", "planning", "pending", "implementing", "completed", "closed"),
    ],
    "unclassified": [
        ("new", "open", "pending", "closed"),
        ("new", "open", "closed"),
    ],
}

# ticket type -> (priorities, weights)
PRIORITY_CHOICES = {
    "incident": (("low", "medium", "high", "very_high"), (1, 4, 3, 1)),
    "problem": (("medium", "high"), (2, 1)),
    "request": (("very_low", "low", "medium"), (1, 3, 3)),
    "unclassified": (("very_low", "low", "medium"), (1, 2, 1)),
}
CHANGE_PRIORITIES = (("medium", "high", "very_high"), (4, 3, 1))

# The turns of a story, in order; a ticket uses the first two to six.
TURNS = ("first", "note", "reply", "follow_up", "resolution", "closing")
AGENT_TURNS = frozenset({"note", "reply", "resolution"})


def demo_tickets():
    """Tickets of the demo customer users."""
    return Ticket.objects.filter(customer_user__login__in=list(DEMO_CUSTOMER_USERS))


def seed_demo_tickets(count: int | None = None, *, seed: int = 2026) -> list[Ticket]:
    """Create ``count`` (default ``DEMO_TICKET_COUNT``) demo tickets, with the demo agents and
    customers they need, unless demo tickets exist already; returns the tickets created."""
    count = DEMO_TICKET_COUNT if count is None else count
    seed_demo_agents()
    seed_demo_customers()
    if demo_tickets().exists():
        return []
    with transaction.atomic():
        world = _World.load()
        rng = random.Random(seed)
        now = timezone.now()
        span = datetime.timedelta(days=DEMO_DAYS).total_seconds()
        starts = sorted(
            now - datetime.timedelta(seconds=rng.uniform(600, span)) for _ in range(count)
        )
        with world.recording():
            tickets = [_Story(world, rng, start, now).tell() for start in starts]
        world.save_timestamps()
        world.save_counters()
        _follow_and_link(world, tickets, rng)
    return tickets


def _follow_and_link(world: "_World", tickets: list[Ticket], rng: random.Random) -> None:
    """My Queues for the demo agents, and a few parent/child links between open incidents of
    the same customer company (an outage ticket with the tickets it caused)."""
    from opsdesk.core import links as core_links
    from opsdesk.core.models import LinkType

    from .preference_services import set_followed_queues

    follows = {
        "agent": ("Service Desk", "Service Desk::Network", "Service Desk::Hardware"),
        "manager": ("Incident", "Change"),
    }
    for login, names in follows.items():
        if login in world.agents:
            set_followed_queues(world.agents[login], [world.queues[name] for name in names])
    open_tickets = [ticket for ticket in tickets if not ticket.state.is_closed]
    by_company: dict[int, list[Ticket]] = {}
    for ticket in open_tickets:
        if ticket.customer_company_id:
            by_company.setdefault(ticket.customer_company_id, []).append(ticket)
    for family in by_company.values():
        if len(family) < 3:
            continue
        parent, *children = rng.sample(family, 3)
        for child in children:
            core_links.add_link(
                actor=None,
                source=parent,
                target=child,
                link_type=LinkType.PARENT_CHILD,
                actor_label="demo",
            )


# The world the stories play in ---------------------------------------------------------------


@dataclass
class _World:
    agents: dict[str, Agent]
    customers: dict[str, list[CustomerUser]]  # language -> customer users
    queues: dict[str, Queue]
    states: dict[str, TicketState]
    types: dict[str, TicketType]
    priorities: dict[str, Priority]
    japanese_salutation: str
    japanese_signature: str
    counters: dict[datetime.date, int] = field(default_factory=dict)  # before the demo
    numbers_used: dict[datetime.date, int] = field(default_factory=dict)
    story: "_Story | None" = None  # the story being told
    rows: dict[type, list] = field(default_factory=dict)  # rows to write timestamps of

    @contextmanager
    def recording(self):
        """Note every history row, article, time accounting entry and watcher the services
        create, with the moment of the story they belong to."""

        def record(sender, instance, created, **kwargs):
            if created and self.story is not None:
                self.story.rows.append((instance, self.story.moment))

        senders = [model for model in TIMESTAMP_FIELDS if model is not Ticket]
        for sender in senders:
            post_save.connect(record, sender=sender, weak=False, dispatch_uid=f"demo-{sender}")
        try:
            yield
        finally:
            for sender in senders:
                post_save.disconnect(sender=sender, dispatch_uid=f"demo-{sender}")

    def save_timestamps(self) -> None:
        for model, fields in TIMESTAMP_FIELDS.items():
            bulk_update(model, self.rows.get(model, []), fields)

    @classmethod
    def load(cls) -> "_World":
        agents = {agent.login: agent for agent in Agent.objects.filter(login__in=DEMO_AGENT_LOGINS)}
        customers: dict[str, list[CustomerUser]] = {"en": [], "ja": []}
        for user in (
            CustomerUser.objects.filter(login__in=list(DEMO_CUSTOMER_USERS))
            .select_related("company")
            .order_by("login")
        ):
            customers["ja" if user.language == "ja" else "en"].append(user)
        return cls(
            agents=agents,
            customers=customers,
            queues=_demo_queues(),
            states={state.name: state for state in TicketState.objects.all()},
            types={ticket_type.name: ticket_type for ticket_type in TicketType.objects.all()},
            priorities={priority.name: priority for priority in Priority.objects.all()},
            japanese_salutation=_text_of(Salutation, "system standard salutation (ja)"),
            japanese_signature=_text_of(Signature, "system standard signature (ja)"),
            counters=dict(TicketNumberCounter.objects.values_list("day", "value")),
        )

    def number_for(self, ticket: Ticket, created: datetime.datetime) -> str:
        """The number the ticket would have had on the day it was created."""
        day = timezone.localtime(created, timezone.get_default_timezone()).date()
        # After the numbers handed out before the demo; today's demo tickets hold the numbers
        # the demo itself drew, so renumbering them cannot collide.
        self.numbers_used[day] = self.numbers_used.get(day, self.counters.get(day, 0)) + 1
        system_id = ticket.number[8:-COUNTER_DIGITS]
        return f"{day:%Y%m%d}{system_id}{self.numbers_used[day]:0{COUNTER_DIGITS}d}"

    def save_counters(self) -> None:
        """Later tickets of those days continue after the demo's numbers."""
        for day, value in self.numbers_used.items():
            counter, _created = TicketNumberCounter.objects.get_or_create(day=day)
            if counter.value < value:
                TicketNumberCounter.objects.filter(day=day).update(value=value)


# Agents' shares of the work: the operation agent does most of it.
DEMO_AGENT_LOGINS = ("agent", "manager", "admin", "viewer")
WORKERS = (("agent", "manager", "admin"), (6, 2, 1))


def _address(customer: CustomerUser) -> str:
    """``Name <address>`` as mail clients show it (unencoded, also for Japanese names)."""
    return str(Address(display_name=customer.full_name, addr_spec=customer.email))


def _text_of(model, name: str) -> str:
    item = model.objects.filter(name=name).first()
    return item.text if item else ""


def _demo_queues() -> dict[str, Queue]:
    """The default queues and the demo's sub-queues (created like their parent when missing)."""
    queues = {queue.full_name: queue for queue in Queue.objects.all()}
    for full_name, comment in DEMO_SUB_QUEUES.items():
        if full_name in queues:
            continue
        parent_name, _sep, name = full_name.rpartition("::")
        parent = queues[parent_name]
        queues[full_name] = create_queue(
            actor=None,
            name=name,
            parent=parent,
            group=parent.group,
            follow_up_policy=parent.follow_up_policy,
            system_address=parent.system_address,
            salutation=parent.salutation,
            signature=parent.signature,
            comment=comment,
        )
    return queues


# One ticket's story ----------------------------------------------------------------------------


class _Story:
    """Plays one scenario through the services, then moves its timestamps into the past."""

    def __init__(self, world: _World, rng: random.Random, start: datetime.datetime, now):
        self.world, self.rng, self.now = world, rng, now
        self.start = self.moment = start
        language = "ja" if rng.random() < JAPANESE_SHARE else "en"
        self.scenario = rng.choice([s for s in SCENARIOS if s.language == language])
        self.customer = rng.choice(world.customers[language])
        self.values = {key: rng.choice(options) for key, options in VARIANTS[language].items()}
        self.worker = world.agents[rng.choices(*WORKERS)[0]]
        self.ticket: Ticket | None = None
        # rows the services wrote (history, articles, time accounting, watchers) and when
        self.rows: list[tuple[models.Model, datetime.datetime]] = []
        self.closed_moment: datetime.datetime | None = None
        self.last_mail: Article | None = None

    def text(self, turn: str) -> str:
        return string.Formatter().vformat(getattr(self.scenario, turn), (), self.values)

    # the plot

    def tell(self) -> Ticket:
        scenario, rng = self.scenario, self.rng
        path = rng.choice(PATHS[scenario.ticket_type])
        age_days = (self.now - self.start).days
        done = age_days > 14 and rng.random() < 0.6  # older tickets are mostly done
        reached = len(path) if done else rng.randint(1, len(path))
        transitions = list(path[1:reached])
        progress = (reached - 1) / max(len(path) - 1, 1)
        articles = 2 + round(4 * progress) + rng.choice((-1, 0, 0, 1))
        turns = TURNS[: min(max(articles, 2), 6)]

        self.world.story = self
        self.create(path[0])
        # Each agent turn and the end of the story may change the state; spread the
        # transitions over them, the last ones at the end (closing comes after the thanks).
        points = [turn for turn in turns if turn in AGENT_TURNS] + ["end"]
        chunks = [
            transitions[
                round(j * len(transitions) / len(points)) : round(
                    (j + 1) * len(transitions) / len(points)
                )
            ]
            for j in range(len(points))
        ]
        chunk_of = iter(chunks)
        first_agent_turn = True
        for turn in turns[1:]:
            if turn in AGENT_TURNS:
                if first_agent_turn:
                    self.take_over()
                    first_agent_turn = False
                chunk = next(chunk_of)
                self.walk(chunk[:-1])
                self.agent_turn(turn, chunk[-1] if chunk else None)
            else:
                self.customer_turn(turn)
        end = next(chunk_of)
        if end and first_agent_turn:
            self.take_over()
        self.walk(end)
        self.world.story = None
        self.write_timestamps()
        return self.ticket

    def pause(self, low_minutes: float, high_minutes: float) -> None:
        self.moment += datetime.timedelta(minutes=self.rng.uniform(low_minutes, high_minutes))

    # the steps

    def create(self, state_name: str) -> None:
        scenario, customer, rng = self.scenario, self.customer, self.rng
        queue_name = scenario.queue
        self.move_to = None
        if "::" in queue_name and rng.random() < 0.5:  # first at the desk, moved on later
            self.move_to, queue_name = queue_name, queue_name.split("::")[0]
        names, weights = PRIORITY_CHOICES.get(scenario.ticket_type, CHANGE_PRIORITIES)
        by_phone = scenario.channel == "phone"
        draft = services.ArticleDraft(
            channel=Channel.PHONE if by_phone else Channel.WEB,
            sender_type=SenderType.CUSTOMER,
            subject=self.text("title"),
            body=self.text("first"),
            is_visible_for_customer=True,
            from_address=_address(customer),
        )
        self.ticket = services.create_ticket(
            actor=self.worker if by_phone else None,
            actor_label="" if by_phone else customer.full_name,
            title=self.text("title"),
            queue=self.world.queues[queue_name],
            article=draft,
            customer_user=customer,
            ticket_type=self.world.types[scenario.ticket_type],
            state=self.world.states[state_name],
            priority=self.world.priorities[rng.choices(names, weights)[0]],
        )
        number = self.world.number_for(self.ticket, self.start)
        Ticket.objects.filter(pk=self.ticket.pk).update(number=number)
        self.ticket.number = number
        for row, _moment in self.rows:
            if isinstance(row, TicketHistory) and row.history_type == HistoryType.NEW_TICKET:
                row.new_value = number  # written with the timestamps

    def take_over(self) -> None:
        """An agent picks the ticket up: moves it to the right desk, takes it, and sometimes the
        manager raises the priority or someone starts watching it."""
        rng, world, ticket = self.rng, self.world, self.ticket
        self.pause(5, 240)
        if self.move_to:
            services.move_ticket(ticket, actor=self.worker, queue=world.queues[self.move_to])
            self.pause(1, 10)
        if rng.random() < 0.5:
            services.lock_ticket(ticket, actor=self.worker)
        elif ticket.owner_id is None:
            services.set_owner(ticket, actor=self.worker, owner=self.worker)
        if rng.random() < 0.15 and ticket.priority.level < 5:
            self.pause(1, 30)
            higher = next(
                p for p in world.priorities.values() if p.level == ticket.priority.level + 1
            )
            services.set_priority(ticket, actor=world.agents["manager"], priority=higher)
        for login, chance in (("viewer", 0.15), ("manager", 0.1)):
            if rng.random() < chance:
                self.pause(1, 60)
                services.watch_ticket(ticket, actor=world.agents[login])

    def walk(self, states) -> None:
        """State changes without an article."""
        for name in states:
            self.pause(10, 600)
            self.change_state(name)

    def change_state(self, name: str) -> None:
        state = self.world.states[name]
        services.set_state(
            self.ticket, actor=self.worker, state=state, pending_until=self.pending_until(state)
        )
        self.after_state_change(state)

    def pending_until(self, state: TicketState) -> datetime.datetime | None:
        if not state.is_pending:
            return None
        return self.now + datetime.timedelta(
            days=self.rng.randint(1, 7), hours=self.rng.randint(0, 8)
        )

    def after_state_change(self, state: TicketState) -> None:
        if state.is_closed:
            self.closed_moment = self.moment

    def agent_turn(self, turn: str, next_state_name: str | None) -> None:
        rng, ticket, scenario = self.rng, self.ticket, self.scenario
        self.pause(10, 480)
        next_state = self.world.states[next_state_name] if next_state_name else None
        pending_until = self.pending_until(next_state) if next_state else None
        units = rng.choice((0, 5, 10, 15, 20, 30, 45))
        if turn == "note":
            article = services.add_note(
                ticket,
                actor=self.worker,
                subject=NOTE_SUBJECTS[scenario.language],
                body=self.text("note"),
                time_units=units,
                next_state=next_state,
                pending_until=pending_until,
            )
        else:
            article = services.add_article(
                ticket,
                self.agent_mail(self.text(turn), units),
                actor=self.worker,
                history_type=HistoryType.SEND_ANSWER,
                next_state=next_state,
                pending_until=pending_until,
            )
            self.last_mail = article
        if next_state is not None:
            self.after_state_change(next_state)

    def agent_mail(self, text: str, units: int) -> services.ArticleDraft:
        """A reply as ``send_email`` would store it (Message-ID, threading), without sending it."""
        ticket, customer = self.ticket, self.customer
        if self.scenario.language == "ja":
            values = outbound.placeholders(ticket, self.worker)
            body = "\n\n".join(
                part
                for part in (
                    outbound.fill(self.world.japanese_salutation, values).rstrip(),
                    text,
                    outbound.fill(self.world.japanese_signature, values).rstrip(),
                )
                if part
            )
        else:
            body = outbound.reply_body(ticket, self.worker, text).rstrip()
        in_reply_to, references = outbound.threading_headers(self.last_mail)
        return services.ArticleDraft(
            channel=Channel.EMAIL,
            sender_type=SenderType.AGENT,
            subject="Re: " + subject_with_number(ticket.title, ticket.number),
            body=body,
            is_visible_for_customer=True,
            from_address=ticket.queue.system_address.formatted,
            to_addresses=_address(customer),
            message_id=outbound.message_id_for(ticket.queue),
            in_reply_to=in_reply_to,
            references=references,
            time_units=units,
        )

    def customer_turn(self, turn: str) -> None:
        """The customer answers the last mail by mail, or writes in the portal."""
        ticket, customer = self.ticket, self.customer
        self.pause(20, 1440)
        body = self.text(turn) + CUSTOMER_SIGN_OFF[self.scenario.language].format(
            name=customer.full_name
        )
        if self.last_mail is not None:
            in_reply_to, references = outbound.threading_headers(self.last_mail)
            draft = services.ArticleDraft(
                channel=Channel.EMAIL,
                sender_type=SenderType.CUSTOMER,
                subject=outbound.reply_subject(ticket, self.last_mail.subject),
                body=body,
                is_visible_for_customer=True,
                from_address=_address(customer),
                to_addresses=ticket.queue.system_address.formatted,
                message_id=make_msgid(domain=customer.email.rpartition("@")[2]),
                in_reply_to=in_reply_to,
                references=references,
            )
        else:
            draft = services.ArticleDraft(
                channel=Channel.WEB,
                sender_type=SenderType.CUSTOMER,
                subject=outbound.reply_subject(ticket, ticket.title),
                body=body,
                is_visible_for_customer=True,
                from_address=_address(customer),
            )
        article = services.add_article(ticket, draft, actor=None, actor_label=customer.full_name)
        if draft.channel == Channel.EMAIL:
            self.last_mail = article

    # into the past

    def write_timestamps(self) -> None:
        """Give every row of the story its moment (squeezed to end before now); the world
        writes them all at the end."""
        ticket = self.ticket
        latest = self.now - datetime.timedelta(minutes=2)
        factor = 1.0
        if self.moment > latest:
            factor = (latest - self.start) / (self.moment - self.start)

        def when(moment: datetime.datetime) -> datetime.datetime:
            return self.start + (moment - self.start) * factor

        lock_moment = None
        for row, moment in self.rows:
            row.created_at = when(moment)
            self.world.rows.setdefault(type(row), []).append(row)
            if isinstance(row, TicketHistory) and row.history_type in LOCK_HISTORY:
                lock_moment = row.created_at
        ticket.created_at = self.start
        ticket.changed_at = max(row.created_at for row, _moment in self.rows)
        if ticket.closed_at is not None and self.closed_moment is not None:
            ticket.closed_at = when(self.closed_moment)
        if ticket.lock_changed_at is not None and lock_moment is not None:
            ticket.lock_changed_at = lock_moment
        self.world.rows.setdefault(Ticket, []).append(ticket)


LOCK_HISTORY = frozenset({HistoryType.LOCK, HistoryType.UNLOCK})
# The timestamps written afterwards, per model (``created_at`` of rows the services wrote).
TIMESTAMP_FIELDS = {
    TicketHistory: ["created_at", "new_value"],
    Article: ["created_at"],
    TimeAccounting: ["created_at"],
    TicketWatcher: ["created_at"],
    Ticket: ["created_at", "changed_at", "closed_at", "lock_changed_at"],
}


# The scenarios ---------------------------------------------------------------------------------
# Each scenario is one ticket's story in six turns: the customer's first message, the agent's
# internal note, the agent's reply, the customer's follow-up, the agent's resolution and the
# customer's closing words. ``{placeholders}`` are filled per ticket from ``VARIANTS``, so that
# tickets of the same scenario differ.


@dataclass(frozen=True)
class Scenario:
    language: str
    ticket_type: str
    queue: str
    channel: str  # how the customer first got in touch: phone or web (the customer portal)
    title: str
    first: str
    note: str
    reply: str
    follow_up: str
    resolution: str
    closing: str


# Values for the placeholders, per language; one is picked per ticket.
VARIANTS = {
    "en": {
        "host": ["mail01", "mail02", "fs01", "fs02", "erp-app02", "web03", "db04"],
        "site": ["Springfield HQ", "the London office", "the Chicago warehouse", "Building B"],
        "floor": ["2nd", "3rd", "4th", "5th", "7th"],
        "printer": ["PRN-2F-01", "PRN-3F-02", "PRN-5F-01", "MFP-LOBBY"],
        "laptop": ["ThinkPad T14", "Latitude 7440", "EliteBook 840", "MacBook Pro 14"],
        "app": ["CRM", "ERP", "HR portal", "reporting service"],
        "version": ["4.2", "4.3", "5.0", "5.1"],
        "ip": ["10.20.4.17", "10.20.8.33", "172.16.3.40", "192.168.50.12"],
        "share": ["finance", "marketing", "projects", "hr-private"],
    },
    "ja": {
        "host": ["mail01", "mail02", "fs01", "fs02", "erp-app02", "web03", "db04"],
        "site": ["本社", "大阪支店", "名古屋工場", "横浜物流センター"],
        "floor": ["2", "3", "5", "7", "8"],
        "printer": ["PRN-2F-01", "PRN-3F-02", "MFP-5F-01", "MFP-受付"],
        "laptop": ["ThinkPad T14", "Let's note SV", "dynabook G8", "Latitude 7440"],
        "app": ["販売管理システム", "会計システム", "人事ポータル", "生産管理システム"],
        "version": ["4.2", "4.3", "5.0", "5.1"],
        "ip": ["10.30.4.17", "10.30.8.33", "172.18.3.40", "192.168.60.12"],
        "share": ["経理部", "営業部", "設計部", "人事部"],
    },
}

NOTE_SUBJECTS = {"en": "Internal note", "ja": "内部メモ"}

# How a customer signs a mail, per language.
CUSTOMER_SIGN_OFF = {
    "en": "\n\nBest regards,\n{name}",
    "ja": "\n\nよろしくお願いいたします。\n{name}",
}

EN = "en"
JA = "ja"

SCENARIOS = [
    # --- English ------------------------------------------------------------------------------
    Scenario(
        EN,
        "incident",
        "Incident",
        "phone",
        "Outlook cannot send or receive mail",
        "Since about 8:30 nobody in our team can send or receive email. Outlook says "
        "'Disconnected' and messages stay in the outbox. Webmail does not load either.",
        "Checked {host}: the transport service stopped after last night's update and the queue "
        "holds about 2,300 messages. Restarting the service and watching the queue.",
        "We found the cause: the mail service on {host} stopped after a maintenance update. We "
        "restarted it and the queued messages are being delivered now. Could you check whether "
        "new mail arrives in Outlook?",
        "New mail arrives again, thank you. Two colleagues still see 'Disconnected' in Outlook "
        "though.",
        "Outlook keeps the old connection for a while. Please ask your colleagues to close and "
        "reopen Outlook; it reconnects then. The queue is empty and delivery times are normal. "
        "We will add a check so that the service is restarted automatically after updates.",
        "Everyone is connected again. Thanks for the quick help!",
    ),
    Scenario(
        EN,
        "incident",
        "Service Desk::Network",
        "web",
        "VPN connection drops every few minutes",
        "Working from home today and the VPN disconnects every 5-10 minutes. Each time I have "
        "to log in again and I lose my remote desktop session. My internet connection itself "
        "is fine.",
        "The VPN gateway log shows the client renegotiating because of an old client version "
        "(3.9). Current version 4.6 fixes the keep-alive problem.",
        "Thank you for the details. Your VPN client is an older version with a known keep-alive "
        "problem. Please install the current client from the Software Center (search for 'VPN "
        "Client 4.6') and restart your laptop.",
        "I installed the new version and restarted. It has been stable for an hour now.",
        "Good to hear. The gateway log confirms a stable session since the update. We will "
        "close the ticket; if the disconnects come back, just reply to this mail.",
        "Still stable this morning. Thanks!",
    ),
    Scenario(
        EN,
        "request",
        "Service Desk",
        "phone",
        "Password reset for {app}",
        "I was away for three weeks and my password for {app} has expired. The self-service "
        "reset sends the code to my old phone number.",
        "Identity verified by call-back to the number in the HR system. Mobile number in the "
        "directory was outdated; updated it.",
        "We have updated your mobile number and set a temporary password, which you will "
        "receive by SMS in a minute. You will be asked to choose a new password at the first "
        "sign-in.",
        "Got the SMS and I could sign in. I changed the password.",
        "Great. The self-service reset will use your new number from now on. We are closing "
        "this request.",
        "Thank you, all good.",
    ),
    Scenario(
        EN,
        "incident",
        "Service Desk::Hardware",
        "phone",
        "Printer {printer} on the {floor} floor reports a paper jam",
        "The printer {printer} shows 'Paper jam in tray 2' but there is no paper stuck "
        "anywhere. We opened every cover. Nobody on the floor can print.",
        "Remote status page shows sensor error J-201 on tray 2. Known issue with a dirty paper "
        "sensor; technician visit needed.",
        "The printer reports a sensor fault rather than a real jam. A technician will come by "
        "this afternoon to clean the sensor. Until then please use the printer next to the "
        "kitchen; we have added it to your laptops.",
        "The other printer works for us. What time will the technician come?",
        "The technician cleaned the paper sensor and replaced the tray 2 pickup roller. "
        "{printer} printed 50 test pages without a problem.",
        "Printing works again. Thanks to you and the technician.",
    ),
    Scenario(
        EN,
        "request",
        "Service Desk::Hardware",
        "web",
        "Laptop replacement: {laptop} battery is swollen",
        "The bottom case of my {laptop} is bulging and the touchpad no longer clicks. I think "
        "the battery is swollen. Can I get a replacement?",
        "Swollen battery = safety issue. Asked the user to stop charging. Replacement device "
        "from stock, asset tag to be recorded in the CMDB.",
        "Thank you for reporting this. Please shut the laptop down and do not charge it any "
        "more: a swollen battery can be dangerous. We are preparing a replacement laptop with "
        "your applications; you can pick it up at the IT desk tomorrow from 10:00.",
        "Can you also copy the files from my desktop folder? They are not on OneDrive.",
        "Your new laptop is ready at the IT desk. We copied your desktop folder to OneDrive "
        "under 'Desktop (old laptop)'. Please bring the old device with you; we will dispose "
        "of it safely.",
        "Picked it up, everything is there. Thank you!",
    ),
    Scenario(
        EN,
        "rfc",
        "Change",
        "web",
        "Firewall rule: allow {app} traffic from {ip} to the DMZ",
        "For the new integration with our partner we need HTTPS (TCP 443) from {ip} to the "
        "API gateway in the DMZ. Go-live is planned for the end of the month.",
        "Risk assessment: low, single source host, TLS only. Needs CAB approval (normal change). "
        "Implementation window: Thursday 20:00-21:00.",
        "We have registered the change and it will be reviewed at the next change advisory "
        "board on Tuesday. Please confirm that only TCP 443 is needed and give us a contact "
        "for testing on the evening of the change.",
        "Only TCP 443 is needed. You can reach our developer on duty at extension 4471.",
        "The rule was added on Thursday evening and tested together with your developer: the "
        "connection from {ip} to the API gateway works, other ports stay closed.",
        "Confirmed from our side, the integration runs. Thanks.",
    ),
    Scenario(
        EN,
        "release",
        "Change",
        "web",
        "Release {version} of {app} to production",
        "Release {version} of {app} has passed user acceptance testing. We would like to deploy "
        "it to production next weekend. Release notes and the test report are on the project "
        "site.",
        "Deployment plan reviewed: database migration about 20 minutes, rollback by snapshot. "
        "Downtime to announce: Saturday 06:00-08:00.",
        "Thank you. We have scheduled the release for Saturday 06:00-08:00 and will announce "
        "the downtime to all users. Please have someone from the project team available for "
        "the smoke test at 07:30.",
        "Our team lead will join the smoke test. Could you send the dial-in details?",
        "Release {version} is live. The migration took 14 minutes, the smoke test passed and "
        "the service was back at 07:10. We keep the snapshot for one week.",
        "Users report no problems so far. Thanks for the smooth release.",
    ),
    Scenario(
        EN,
        "request",
        "Service Desk::Network",
        "web",
        "Guest Wi-Fi for a customer workshop",
        "We host a workshop with 15 external guests next Wednesday in meeting room 2.01. They "
        "need internet access for their laptops for the whole day.",
        "Guest Wi-Fi vouchers: 15 x 1 day, valid from Wednesday 08:00. Checked that the access "
        "point in 2.01 has capacity.",
        "We have created 15 guest vouchers valid for Wednesday. You can collect the printed "
        "vouchers at the IT desk on Tuesday afternoon. The network name is 'Guest'.",
        "Could we get two more vouchers in case more people come?",
        "We added two vouchers, 17 in total. They are in an envelope with your name at the IT "
        "desk.",
        "Collected, thank you!",
    ),
    Scenario(
        EN,
        "request",
        "Service Desk",
        "web",
        "Access to the {share} shared folder",
        "I moved to the {share} team this month and need read and write access to the "
        "{share} folder on the file server. My manager can confirm.",
        "Access to {share} requires approval of the data owner. Sent an approval request to "
        "the team manager.",
        "We have asked your manager to approve the access, as the data owner has to confirm "
        "it. You will get an email as soon as the access is set up.",
        "My manager approved it this morning.",
        "Thank you. You are now a member of the group for the {share} folder. Please sign out "
        "and in again so that Windows picks up the new group membership.",
        "I can open the folder now, thanks.",
    ),
    Scenario(
        EN,
        "incident",
        "Incident",
        "phone",
        "File server {host} almost full, users cannot save",
        "Several people report 'Not enough disk space' when saving documents to the S: drive. "
        "It started about an hour ago.",
        "Volume D: on {host} at 99.6 %. A scan job wrote 180 GB of TIFF files to the scans "
        "folder overnight. Moved them to the archive volume.",
        "The drive was full because an automated scan job stored very large files overnight. "
        "We moved those files to the archive and there is enough space again. Please try "
        "saving once more.",
        "Saving works again. Will this happen again tonight?",
        "We changed the scan job to store compressed PDF files on the archive volume and added "
        "an alert at 85 % usage, so we will know well before the drive fills up.",
        "Thanks for fixing the cause as well.",
    ),
    Scenario(
        EN,
        "request",
        "Service Desk",
        "web",
        "Account and laptop for a new employee starting on Monday",
        "Our new colleague Daniel Fischer starts on Monday in the sales team. He needs a "
        "laptop, an email account, access to {app} and a phone.",
        "Onboarding checklist started: AD account, mailbox, {app} licence, laptop from stock, "
        "mobile phone order (3 working days).",
        "We have started the onboarding. The account, mailbox and laptop will be ready on "
        "Monday morning. The mobile phone has been ordered and should arrive by Wednesday. "
        "Which cost centre should we charge it to?",
        "Please use cost centre 4120. He will also need access to the sales shared folder.",
        "Everything is set up: account, mailbox, {app}, sales folder and laptop. The phone "
        "arrives on Wednesday and we will bring it to his desk.",
        "Daniel has everything he needs. Thank you.",
    ),
    Scenario(
        EN,
        "incident",
        "Service Desk",
        "phone",
        "No audio in Teams meetings",
        "Since this morning I cannot hear anyone in Teams meetings and they cannot hear me. "
        "My headset works in other applications.",
        "Remote session: Teams uses the 'Remote audio' device after the docking station "
        "firmware update. Switched devices in the Teams settings.",
        "During the remote session we saw that Teams was using the wrong audio device after "
        "an update of the docking station. We switched it back to your headset. Could you try "
        "a test call?",
        "The test call works. But after undocking it switched back again.",
        "We updated the audio driver of your laptop, which makes Teams remember the headset "
        "when you dock and undock. We tested it three times.",
        "Works now, also after undocking. Thanks a lot.",
    ),
    Scenario(
        EN,
        "incident",
        "Incident",
        "phone",
        "Suspicious email asking to confirm my password",
        "I received an email that looks like it comes from IT, asking me to confirm my password "
        "on a website. I clicked the link but did not enter anything.",
        "Phishing campaign, 37 recipients. Sender domain blocked, messages purged from all "
        "mailboxes. User clicked but did not enter credentials; laptop scanned, clean.",
        "Thank you for reporting this so quickly. It was indeed a phishing email. We removed it "
        "from all mailboxes and blocked the sender. As you only clicked the link, no further "
        "action is needed, but we scanned your laptop to be sure.",
        "Should I change my password anyway?",
        "The scan found nothing and you did not enter any data, so it is not necessary. If you "
        "would feel safer, you can change it at any time in the self-service portal.",
        "OK, I changed it anyway. Thanks for checking.",
    ),
    Scenario(
        EN,
        "rfc::standard",
        "Change",
        "web",
        "Renew the TLS certificate of {host}",
        "The TLS certificate of {host} expires in 21 days. Please renew it as a standard change.",
        "Standard change, pre-approved. New certificate requested from the CA; install during "
        "the next maintenance window without downtime.",
        "We have requested the new certificate and will install it on Wednesday evening. There "
        "is no downtime.",
        "Please let us know when it is done so that we can update the monitoring.",
        "The new certificate is installed on {host} and valid for 13 months. The old one has "
        "been removed.",
        "Monitoring updated, thanks.",
    ),
    Scenario(
        EN,
        "rfc::normal",
        "Change",
        "web",
        "Monthly security patches for the servers at {site}",
        "The monthly operating system patches are out. Please plan the installation on the "
        "servers at {site}.",
        "28 servers. Patch in two waves (test systems first, production one week later). "
        "Reboots required.",
        "We plan to patch the test systems on Tuesday and production on the following Tuesday "
        "at 22:00. Each server reboots once; the downtime per service is under 10 minutes.",
        "Please leave out db04 in the first wave, we have a data load running.",
        "All servers are patched. db04 was patched in the second wave after the data load "
        "finished. No problems were reported.",
        "Thanks, confirmed.",
    ),
    Scenario(
        EN,
        "rfc::emergency",
        "Change",
        "phone",
        "Emergency patch for the VPN appliance vulnerability",
        "The vendor has published a critical advisory for our VPN appliance: remote code "
        "execution, actively exploited. We need to patch today.",
        "Emergency change approved by the ECAB (phone). Patch at 19:00, failover to the "
        "secondary appliance during the update.",
        "The emergency change was approved. We will install the patch today at 19:00; VPN "
        "users will be moved to the secondary appliance and may need to reconnect once.",
        "Please also check the appliance logs for signs of exploitation.",
        "The patch is installed on both appliances. We checked the logs of the last 30 days "
        "with the vendor's indicators and found no signs of compromise.",
        "Thank you for handling this so fast.",
    ),
    Scenario(
        EN,
        "rfc::breakfix",
        "Change",
        "phone",
        "Replace the failed core switch at {site}",
        "The core switch at {site} failed at 05:40. Half of the building has no network; the "
        "other half runs over the redundant switch.",
        "Hardware failure confirmed (power supply and supervisor). Spare switch from stock, "
        "configuration restored from last night's backup.",
        "We are replacing the failed switch with a spare from our stock. The configuration is "
        "restored from the backup. Expected end of the work: 09:00.",
        "Any news? The second floor still has no network.",
        "The new switch is in place and all ports are up. The second floor was the last one "
        "to come back at 09:20. We will return the faulty unit to the vendor.",
        "Everything works again, thanks to the whole team.",
    ),
    Scenario(
        EN,
        "problem",
        "Incident",
        "web",
        "{app} is very slow every morning between 9 and 10",
        "For two weeks {app} has been very slow every morning between 9 and 10. Opening a "
        "customer record takes up to a minute. Later in the day it is fine.",
        "Correlates with the 09:00 report job that runs a full table scan on db04. Several "
        "incidents linked. Problem analysis with the database team.",
        "We see that a reporting job running at 9:00 slows down the database. We are "
        "analysing it with the database team and will move or optimise the job.",
        "It was slow again this morning. Is there a workaround?",
        "We moved the report job to 06:00 and added the missing index. Response times between "
        "9 and 10 are back to under two seconds.",
        "Much better this week, thanks.",
    ),
    Scenario(
        EN,
        "problem",
        "Incident",
        "web",
        "Recurring VPN disconnects for home office users",
        "Several home office users report VPN disconnects, mostly in the afternoon. We opened "
        "individual tickets but it keeps happening.",
        "14 incidents in two weeks. All disconnects at the full hour: the gateway re-keys "
        "every 60 min and some home routers drop the UDP session.",
        "We found a pattern: the disconnects happen when the VPN gateway renews its keys every "
        "hour. We are testing a new setting with a small group of users.",
        "Two people from our team would like to join the test.",
        "The new re-key setting is rolled out to all users. Since the change no disconnects "
        "were reported.",
        "No disconnects here either. Thanks.",
    ),
    Scenario(
        EN,
        "request",
        "Service Desk",
        "web",
        "Install Visio on my laptop",
        "I need Microsoft Visio for drawing process diagrams. My manager has approved the licence.",
        "Visio licence available in the pool. Assigned the licence and made the package "
        "available in the Software Center.",
        "We assigned a Visio licence to you. You can install it yourself from the Software "
        "Center; it takes about 10 minutes.",
        "The installation stops at 80 % with an error.",
        "The installation failed because an old Visio viewer was installed. We removed it "
        "remotely and installed Visio for you.",
        "Visio works, thank you.",
    ),
    Scenario(
        EN,
        "request",
        "Service Desk",
        "phone",
        "New phone: move my authenticator app",
        "I got a new company phone and my authenticator app for sign-in is still on the old "
        "one. The old phone will be returned tomorrow.",
        "Verified identity via manager. Removed the old MFA registration, user registers the "
        "new device at next sign-in.",
        "We removed the old phone from your account. At your next sign-in you will be asked "
        "to set up the authenticator app on the new phone.",
        "I set it up on the new phone. Can I delete the app on the old one?",
        "Yes, you can delete it. The old phone is no longer registered for your account.",
        "Done, thanks.",
    ),
    Scenario(
        EN,
        "request",
        "Service Desk::Hardware",
        "web",
        "Second monitor for my desk on the {floor} floor",
        "I work a lot with spreadsheets and would like a second monitor at my desk on the "
        "{floor} floor.",
        "24-inch monitor available in stock. Delivery with the next desk round.",
        "We have a monitor in stock and will set it up at your desk on Thursday morning.",
        "Could you also bring a USB-C cable? My docking station only has USB-C.",
        "The monitor is set up with a USB-C cable and works with your docking station.",
        "Looks great, thank you.",
    ),
    Scenario(
        EN,
        "incident",
        "Incident",
        "web",
        "Nightly backup of {host} failed",
        "The backup report shows that the nightly backup of {host} failed for the second night "
        "in a row (error: snapshot timeout).",
        "VSS writer on {host} in a failed state after the antivirus update. Restarted the "
        "writer service, started a manual backup.",
        "The backup failed because a Windows component needed for snapshots hung after an "
        "update. We restarted it and a manual backup is running now.",
        "The manual backup finished. Let's see tonight.",
        "Tonight's backup of {host} completed successfully. We will watch it for another few days.",
        "Thanks, the report is green.",
    ),
    Scenario(
        EN,
        "unclassified",
        "Misc",
        "web",
        "Question about IT equipment for the home office",
        "Which IT equipment can I get for working from home? I would need a monitor and a "
        "keyboard.",
        "Home office policy: monitor, keyboard, mouse and headset on request with manager "
        "approval.",
        "You can get a monitor, a keyboard, a mouse and a headset for your home office. Your "
        "manager needs to approve the request in the portal under 'Home office equipment'.",
        "Thanks, I sent the request. How long does delivery take?",
        "Delivery usually takes five working days after approval. The equipment is sent to "
        "your home address.",
        "Perfect, thanks for the information.",
    ),
    Scenario(
        EN,
        "incident",
        "Incident",
        "phone",
        "Customer portal returns error 502",
        "Our customers call because the customer portal shows '502 Bad Gateway'. It started "
        "ten minutes ago.",
        "web03 application pool crashed (out of memory). Recycled, service back at 14:22. "
        "Memory limit and leak to investigate.",
        "The portal is available again. The application ran out of memory and we restarted "
        "it. We are looking into why it used so much memory.",
        "The portal works again. Please let us know what caused it.",
        "A report export held too much data in memory. The vendor provided a fix, which we "
        "installed tonight, and we added a memory alert.",
        "Thanks for the explanation.",
    ),
    # --- Japanese -------------------------------------------------------------------------------
    Scenario(
        JA,
        "incident",
        "Incident",
        "phone",
        "メールが送受信できません",
        "本日8時半頃から、部署内の全員がメールを送受信できません。Outlookに「切断」と表示され、"
        "送信トレイにメールが残ったままです。Webメールも開きません。",
        "{host}のトランスポートサービスが夜間更新後に停止。キューに約2,300通滞留。"
        "サービスを再起動し、キューを監視中。",
        "原因が判明しました。夜間のメンテナンス更新後に{host}のメールサービスが停止していました。"
        "サービスを再起動し、滞留していたメールを順次配信しております。"
        "新しいメールが届くかご確認いただけますでしょうか。",
        "メールが届くようになりました。ただ、2名はまだOutlookに「切断」と表示されています。",
        "Outlookは古い接続をしばらく保持するため、Outlookを一度終了して再起動するよう"
        "お伝えください。キューは空になり、配信時間も通常に戻っています。"
        "今後は更新後にサービスが自動で再起動されるよう監視を追加いたします。",
        "全員接続できました。迅速なご対応ありがとうございました。",
    ),
    Scenario(
        JA,
        "incident",
        "Service Desk::Network",
        "web",
        "VPNが数分ごとに切断されます",
        "本日在宅勤務をしていますが、VPNが5〜10分ごとに切断されます。そのたびに再ログインが"
        "必要で、リモートデスクトップの作業が中断されます。インターネット回線自体は問題ありません。",
        "VPNゲートウェイのログで旧バージョン(3.9)のクライアントによる再接続を確認。"
        "4.6でキープアライブの不具合が修正済み。",
        "詳細のご連絡ありがとうございます。お使いのVPNクライアントは既知の不具合がある旧"
        "バージョンでした。ソフトウェアセンターから「VPN Client 4.6」をインストールし、"
        "PCを再起動していただけますでしょうか。",
        "新しいバージョンをインストールして再起動しました。1時間ほど安定しています。",
        "安定して接続できているとのこと、安心いたしました。ゲートウェイのログでも更新後は"
        "安定していることを確認しました。本件はクローズいたしますが、再発した場合はこの"
        "メールにご返信ください。",
        "今朝も安定しています。ありがとうございました。",
    ),
    Scenario(
        JA,
        "request",
        "Service Desk",
        "phone",
        "{app}のパスワードリセットのお願い",
        "3週間の出張から戻ったところ、{app}のパスワードの有効期限が切れていました。"
        "セルフサービスのリセットでは、確認コードが以前の携帯番号に送られてしまいます。",
        "人事システム登録番号へのコールバックで本人確認済み。ディレクトリの携帯番号が古かったため"
        "更新。",
        "携帯電話番号を更新し、仮パスワードを発行いたしました。まもなくSMSで届きます。"
        "初回サインイン時に新しいパスワードの設定を求められます。",
        "SMSが届き、サインインできました。パスワードも変更しました。",
        "ありがとうございます。今後はセルフサービスのリセットも新しい番号に届きます。"
        "本依頼はこれで完了とさせていただきます。",
        "ありがとうございました。問題ありません。",
    ),
    Scenario(
        JA,
        "incident",
        "Service Desk::Hardware",
        "phone",
        "{floor}階の複合機{printer}で印刷できません",
        "{floor}階の複合機{printer}に「トレイ2で紙詰まり」と表示されますが、どこにも紙は"
        "詰まっていません。カバーはすべて開けて確認しました。フロアの全員が印刷できない状態です。",
        "リモートの状態画面でトレイ2のセンサーエラーJ-201を確認。紙センサーの汚れによる既知の"
        "事象。保守員の訪問が必要。",
        "紙詰まりではなく、センサーの異常を検知しているようです。本日午後に保守員が伺い、"
        "センサーを清掃いたします。それまでは給湯室横の複合機をご利用ください。"
        "皆様のPCに追加済みです。",
        "別の複合機で印刷できました。保守員は何時頃来られますか。",
        "保守員が紙センサーを清掃し、トレイ2の給紙ローラーを交換しました。"
        "{printer}でテスト印刷50枚を問題なく完了しています。",
        "印刷できるようになりました。保守員の方にもよろしくお伝えください。",
    ),
    Scenario(
        JA,
        "request",
        "Service Desk::Hardware",
        "web",
        "ノートPC({laptop})の交換申請:バッテリー膨張",
        "使用している{laptop}の底面が膨らんでおり、タッチパッドが押せなくなりました。"
        "バッテリーが膨張していると思われます。交換していただけますか。",
        "バッテリー膨張は安全上の問題。充電を止めるよう依頼済み。在庫から代替機を準備し、"
        "資産番号をCMDBに登録予定。",
        "ご連絡ありがとうございます。膨張したバッテリーは危険ですので、PCをシャットダウンし、"
        "充電しないようお願いいたします。業務アプリを入れた代替機を準備しますので、"
        "明日10時以降に情報システム部の窓口でお受け取りください。",
        "デスクトップに保存しているファイルもコピーしていただけますか。OneDriveには"
        "入っていません。",
        "新しいPCの準備ができました。デスクトップのファイルはOneDriveの「デスクトップ(旧PC)」"
        "フォルダーにコピーしてあります。旧PCは安全に廃棄しますので、お持ちください。",
        "受け取りました。ファイルもすべて揃っています。ありがとうございました。",
    ),
    Scenario(
        JA,
        "rfc",
        "Change",
        "web",
        "ファイアウォール設定変更:{ip}からDMZへの通信許可",
        "取引先とのシステム連携のため、{ip}からDMZのAPIゲートウェイへのHTTPS(TCP 443)通信を"
        "許可していただきたいです。本番稼働は月末の予定です。",
        "リスク評価:低(送信元は1ホストのみ、TLSのみ)。CAB承認が必要(通常変更)。"
        "作業時間帯:木曜20:00〜21:00。",
        "変更要求を登録いたしました。火曜日の変更諮問委員会(CAB)で審議します。"
        "必要なのはTCP 443のみで間違いないかご確認のうえ、作業当日夜の疎通確認のご担当者を"
        "お知らせください。",
        "TCP 443のみで問題ありません。当日は内線4471の担当開発者が対応します。",
        "木曜夜にルールを追加し、開発者の方と疎通確認を行いました。{ip}からAPIゲートウェイへの"
        "通信は成功し、その他のポートは閉じたままです。",
        "こちらでも連携の動作を確認しました。ありがとうございました。",
    ),
    Scenario(
        JA,
        "release",
        "Change",
        "web",
        "{app} バージョン{version}の本番リリース",
        "{app}のバージョン{version}が受入テストを完了しました。来週末に本番環境へリリース"
        "したいと考えています。リリースノートとテスト報告書はプロジェクトサイトにあります。",
        "リリース計画を確認:DB移行約20分、切り戻しはスナップショットで実施。"
        "停止告知:土曜6:00〜8:00。",
        "土曜6:00〜8:00でリリースを計画し、全利用者に停止をお知らせいたします。"
        "7:30からの動作確認にプロジェクトの方のご参加をお願いいたします。",
        "チームリーダーが動作確認に参加します。会議の接続情報を送っていただけますか。",
        "バージョン{version}のリリースが完了しました。DB移行は14分で終わり、動作確認も問題なく、"
        "7:10にサービスを再開しました。スナップショットは1週間保管します。",
        "利用者からの問題報告はありません。スムーズなリリースをありがとうございました。",
    ),
    Scenario(
        JA,
        "request",
        "Service Desk::Network",
        "web",
        "来客用Wi-Fiの利用申請",
        "来週水曜日に会議室2.01で社外の方15名を招いて研修を行います。終日、ノートPCで"
        "インターネットを利用できるようにしていただけますか。",
        "ゲストWi-Fiのバウチャー:1日有効×15枚、水曜8:00から有効。2.01のアクセスポイントの"
        "収容数も確認済み。",
        "水曜日に有効なゲスト用バウチャーを15枚発行いたしました。火曜日の午後に情報システム部の"
        "窓口で印刷したバウチャーをお受け取りください。ネットワーク名は「Guest」です。",
        "参加者が増えるかもしれないので、予備を2枚追加できますか。",
        "2枚追加し、合計17枚となりました。お名前を書いた封筒に入れて窓口に置いております。",
        "受け取りました。ありがとうございます。",
    ),
    Scenario(
        JA,
        "incident",
        "Service Desk",
        "phone",
        "勤怠管理システムで打刻できません",
        "今朝から勤怠管理システムで出勤の打刻をすると「サーバーに接続できません」と表示されます。"
        "{site}の他の社員も同じ状況です。",
        "勤怠システムのAPIサーバーの証明書が本日期限切れ。証明書を更新し、サービスを再起動。",
        "サーバーの証明書の期限切れが原因でした。証明書を更新しましたので、もう一度打刻を"
        "お試しいただけますでしょうか。打刻できなかった時刻は上長の承認で修正できます。",
        "打刻できるようになりました。今朝の分は上長に修正を依頼します。",
        "ご確認ありがとうございます。今後は証明書の期限を監視し、30日前に通知されるよう"
        "設定いたしました。",
        "承知しました。ありがとうございました。",
    ),
    Scenario(
        JA,
        "incident",
        "Incident",
        "phone",
        "ファイルサーバー{host}の容量不足で保存できません",
        "Sドライブに文書を保存しようとすると「ディスクの空き容量が不足しています」と表示される"
        "という連絡が複数来ています。1時間ほど前からです。",
        "{host}のDボリュームが使用率99.6%。スキャンジョブが夜間にTIFFファイル180GBを"
        "書き込んでいた。アーカイブ領域へ移動済み。",
        "夜間の自動スキャン処理が非常に大きなファイルを保存したため、容量が不足していました。"
        "該当ファイルをアーカイブに移動し、空き容量を確保しました。もう一度保存をお試しください。",
        "保存できるようになりました。今夜も同じことが起きませんか。",
        "スキャン処理を圧縮PDFでアーカイブ領域に保存するよう変更し、使用率85%で警告が出るよう"
        "監視を追加しました。容量が逼迫する前に対処できます。",
        "根本原因まで対応いただきありがとうございます。",
    ),
    Scenario(
        JA,
        "request",
        "Service Desk",
        "web",
        "新入社員のアカウントとPCの準備",
        "来週月曜日に営業部に新入社員の山本さんが入社します。PC、メールアカウント、"
        "{app}の利用権限、携帯電話の準備をお願いします。",
        "入社準備チェックリスト開始:ADアカウント、メールボックス、{app}ライセンス、"
        "在庫PC、携帯電話の発注(3営業日)。",
        "入社準備を開始しました。アカウント、メール、PCは月曜日の朝までに準備いたします。"
        "携帯電話は発注済みで、水曜日に届く予定です。費用の計上先の部門コードを"
        "お知らせください。",
        "部門コードは4120でお願いします。営業部の共有フォルダーへのアクセスも必要です。",
        "アカウント、メール、{app}、営業部共有フォルダー、PCの準備がすべて完了しました。"
        "携帯電話は水曜日に届き次第、お席までお届けします。",
        "山本さんの準備が整いました。ありがとうございました。",
    ),
    Scenario(
        JA,
        "incident",
        "Service Desk",
        "phone",
        "Teams会議で音声が聞こえません",
        "今朝からTeams会議で相手の声が聞こえず、こちらの声も届きません。"
        "ヘッドセットは他のアプリでは使えています。",
        "リモート接続で確認:ドッキングステーションのファームウェア更新後、Teamsが"
        "「リモートオーディオ」を使用していた。Teamsの設定でデバイスを切り替え。",
        "リモートで確認したところ、ドッキングステーションの更新後にTeamsが別の音声デバイスを"
        "使っていました。ヘッドセットに切り替えましたので、テスト通話をお試しください。",
        "テスト通話はできました。ただ、ドッキングを外すとまた元に戻ってしまいます。",
        "PCのオーディオドライバーを更新し、ドッキングの着脱後もTeamsがヘッドセットを"
        "使用するようにしました。3回着脱して確認済みです。",
        "ドッキングを外しても使えるようになりました。ありがとうございました。",
    ),
    Scenario(
        JA,
        "incident",
        "Incident",
        "phone",
        "パスワード確認を求める不審なメールを受信しました",
        "情報システム部を名乗るメールで、Webサイトでパスワードを確認するよう求められました。"
        "リンクをクリックしてしまいましたが、何も入力していません。",
        "フィッシングキャンペーン、受信者37名。送信元ドメインをブロックし、全メールボックスから"
        "削除。利用者はクリックのみで認証情報は未入力。PCをスキャンし問題なし。",
        "早急にご連絡いただきありがとうございます。フィッシングメールでした。全員のメールボックス"
        "から削除し、送信元をブロックしました。リンクのクリックのみでしたので追加の対応は"
        "不要ですが、念のためPCをスキャンいたしました。",
        "念のためパスワードを変更した方がよいでしょうか。",
        "スキャンでは問題は見つからず、情報も入力されていないため必須ではありません。"
        "ご心配でしたら、セルフサービスポータルからいつでも変更いただけます。",
        "念のため変更しました。ご確認ありがとうございました。",
    ),
    Scenario(
        JA,
        "rfc::standard",
        "Change",
        "web",
        "{host}のSSLサーバー証明書の更新",
        "{host}のSSLサーバー証明書の有効期限が21日後に切れます。標準変更として更新をお願いします。",
        "標準変更(事前承認済)。CAに新しい証明書を申請済み。次回の保守時間帯に無停止で入れ替え。",
        "新しい証明書を申請しました。水曜日の夜に無停止で入れ替えを行います。",
        "監視設定を更新したいので、完了したらお知らせください。",
        "{host}に新しい証明書を導入しました。有効期間は13か月です。旧証明書は削除済みです。",
        "監視設定を更新しました。ありがとうございました。",
    ),
    Scenario(
        JA,
        "rfc::normal",
        "Change",
        "web",
        "{site}サーバーへの月例セキュリティパッチ適用",
        "今月のOSセキュリティパッチが公開されました。{site}のサーバーへの適用計画をお願いします。",
        "対象28台。2段階で適用(先に検証環境、1週間後に本番)。再起動が必要。",
        "火曜日に検証環境、翌週火曜日の22時に本番環境へ適用する予定です。各サーバーは1回"
        "再起動し、サービスごとの停止時間は10分未満です。",
        "データ移行中のため、db04は1回目の対象から外してください。",
        "全サーバーへの適用が完了しました。db04はデータ移行の完了後、2回目で適用しました。"
        "問題の報告はありません。",
        "確認しました。ありがとうございました。",
    ),
    Scenario(
        JA,
        "rfc::emergency",
        "Change",
        "phone",
        "VPN装置の脆弱性に対する緊急パッチ適用",
        "VPN装置のメーカーから緊急のセキュリティ勧告が出ました。遠隔からコード実行が可能で、"
        "すでに攻撃が確認されています。本日中に適用が必要です。",
        "ECAB(電話)で緊急変更を承認。19:00に適用、更新中は予備機へフェイルオーバー。",
        "緊急変更が承認されました。本日19時にパッチを適用します。VPN利用者は予備機へ切り替わる"
        "ため、一度再接続が必要になる場合があります。",
        "攻撃の痕跡がないか、装置のログも確認してください。",
        "両方の装置にパッチを適用しました。メーカー提供の痕跡情報で過去30日分のログを確認し、"
        "侵害の形跡はありませんでした。",
        "迅速なご対応ありがとうございました。",
    ),
    Scenario(
        JA,
        "rfc::breakfix",
        "Change",
        "phone",
        "{site}のコアスイッチ故障による交換",
        "{site}のコアスイッチが5時40分に故障しました。建物の半分がネットワークに接続できず、"
        "残り半分は冗長側のスイッチで動いています。",
        "ハードウェア故障を確認(電源とスーパーバイザー)。在庫の予備機に交換し、"
        "昨夜のバックアップから設定を復元。",
        "故障したスイッチを在庫の予備機に交換しています。設定はバックアップから復元します。"
        "作業完了は9時頃の見込みです。",
        "状況はいかがでしょうか。2階はまだネットワークに接続できません。",
        "新しいスイッチの設置が完了し、全ポートが稼働しています。最後に2階が9時20分に"
        "復旧しました。故障した機器はメーカーに返送します。",
        "すべて復旧しました。皆様ありがとうございました。",
    ),
    Scenario(
        JA,
        "problem",
        "Incident",
        "web",
        "毎朝9時から10時に{app}が非常に遅い",
        "2週間ほど前から、毎朝9時から10時の間{app}が非常に遅くなります。顧客情報を開くのに"
        "1分近くかかります。それ以外の時間帯は問題ありません。",
        "9:00のレポートジョブがdb04でフルスキャンを実行していることと相関。関連インシデント"
        "複数。DBチームと問題分析を実施。",
        "9時に実行されるレポート処理がデータベースの負荷を高めていることがわかりました。"
        "データベース担当と分析し、処理の時間変更または改善を行います。",
        "今朝も遅かったです。何か回避策はありますか。",
        "レポート処理を6時に移動し、不足していたインデックスを追加しました。9時から10時の"
        "応答時間は2秒未満に戻っています。",
        "今週はとても快適です。ありがとうございました。",
    ),
    Scenario(
        JA,
        "problem",
        "Incident",
        "web",
        "在宅勤務者のVPN切断が繰り返し発生",
        "在宅勤務の複数の社員から、主に午後にVPNが切断されるという報告が続いています。"
        "個別に問い合わせていますが、再発しています。",
        "2週間でインシデント14件。切断はすべて正時:ゲートウェイが60分ごとに鍵を更新し、"
        "一部の家庭用ルーターがUDPセッションを切断している。",
        "原因の傾向がわかりました。VPNゲートウェイが1時間ごとに暗号鍵を更新する際に切断が"
        "発生しています。新しい設定を一部の利用者で検証中です。",
        "私たちのチームからも2名、検証に参加したいです。",
        "新しい鍵更新の設定を全利用者に展開しました。変更後、切断の報告はありません。",
        "こちらでも切断は起きていません。ありがとうございました。",
    ),
    Scenario(
        JA,
        "request",
        "Service Desk",
        "web",
        "経費精算システムのアカウント申請",
        "今月から出張が多くなるため、経費精算システムのアカウントを発行していただけますか。"
        "上長の承認は取得済みです。",
        "経費精算システムのライセンスに空きあり。承認ワークフローの上長設定が必要。",
        "アカウントを発行しました。初回ログイン用の案内を別途メールでお送りします。"
        "承認者として登録する上長のお名前をお知らせください。",
        "承認者は営業部の田中部長でお願いします。",
        "承認者に田中部長を設定しました。申請から精算までご利用いただけます。",
        "ログインできました。ありがとうございます。",
    ),
    Scenario(
        JA,
        "request",
        "Service Desk",
        "phone",
        "機種変更に伴う多要素認証アプリの移行",
        "会社の携帯電話が新しくなりましたが、サインイン用の認証アプリが古い端末に入ったままです。"
        "古い端末は明日返却します。",
        "上長経由で本人確認済み。旧端末のMFA登録を削除。次回サインイン時に新端末を登録。",
        "古い端末の登録を削除しました。次回サインイン時に、新しい端末で認証アプリの設定を"
        "求められます。",
        "新しい端末で設定できました。古い端末のアプリは削除してよいですか。",
        "はい、削除していただいて問題ありません。古い端末はアカウントから登録解除済みです。",
        "削除しました。ありがとうございました。",
    ),
    Scenario(
        JA,
        "request",
        "Service Desk::Hardware",
        "web",
        "{floor}階の自席に外付けモニターを追加したい",
        "表計算の作業が多いため、{floor}階の自席に2台目のモニターを設置していただけますか。",
        "24インチモニター在庫あり。次回の巡回時に設置。",
        "在庫にモニターがありますので、木曜日の午前中にお席へ設置に伺います。",
        "ドッキングステーションがUSB-Cしかないので、USB-Cケーブルもお願いできますか。",
        "USB-Cケーブルでモニターを設置し、ドッキングステーションで表示されることを確認しました。",
        "見やすくなりました。ありがとうございます。",
    ),
    Scenario(
        JA,
        "incident",
        "Incident",
        "web",
        "{host}の夜間バックアップが失敗しています",
        "バックアップレポートで、{host}の夜間バックアップが2日連続で失敗しています"
        "(エラー:スナップショットのタイムアウト)。",
        "{host}のVSSライターがウイルス対策ソフト更新後に異常状態。ライターのサービスを"
        "再起動し、手動バックアップを開始。",
        "スナップショットに必要なWindowsの機能が更新後に停止していたことが原因でした。"
        "再起動し、現在手動でバックアップを実行しています。",
        "手動バックアップは完了しました。今夜の結果を見てみます。",
        "今夜の{host}のバックアップは正常に完了しました。念のため数日間は様子を見ます。",
        "レポートも正常になりました。ありがとうございました。",
    ),
    Scenario(
        JA,
        "unclassified",
        "Misc",
        "web",
        "年末調整の電子申告についての問い合わせ",
        "年末調整の電子申告はどのシステムから行えばよいでしょうか。昨年と手順は変わりますか。",
        "人事ポータルの年末調整メニューから申告。今年からスマートフォンにも対応。",
        "年末調整は人事ポータルの「年末調整」メニューから申告いただけます。今年からスマート"
        "フォンでも入力できるようになりました。手順書はポータルのお知らせに掲載しています。",
        "手順書を確認しました。保険料控除証明書の画像はどこで添付しますか。",
        "「控除申告」の画面下部にある「添付ファイル」から画像を追加できます。",
        "申告できました。ありがとうございました。",
    ),
    Scenario(
        JA,
        "incident",
        "Incident",
        "phone",
        "顧客向けポータルで502エラーが表示されます",
        "お客様から、顧客向けポータルに「502 Bad Gateway」と表示されるとの電話が入っています。"
        "10分ほど前からです。",
        "web03のアプリケーションプールがメモリ不足で停止。リサイクルし14:22に復旧。"
        "メモリ上限とリークを調査予定。",
        "ポータルは復旧しました。アプリケーションがメモリ不足になったため再起動しました。"
        "メモリ使用量が増えた原因を調査しています。",
        "ポータルが使えるようになりました。原因がわかったら教えてください。",
        "レポート出力の処理が大量のデータをメモリに保持していました。メーカーの修正を今夜適用し、"
        "メモリの監視も追加しました。",
        "ご説明ありがとうございました。",
    ),
]
