"""Tickets: master data (queues, states, priorities, types and their workflows, system addresses,
salutations, signatures, templates), tickets, articles, attachments, history and time accounting.

Master data is never deleted once tickets refer to it, only invalidated (``valid``). Writes go
through ``services.py``; these models hold fields, constraints, indexes and small properties only.
"""

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opsdesk.core.models import TrackedModel

from .choices import (
    CLOSED_STATE_TYPES,
    OPEN_STATE_TYPES,
    Channel,
    FollowUpPolicy,
    HistoryType,
    SenderType,
    StateGroup,
    StateType,
    TemplateType,
)

variable_name_validator = RegexValidator(
    r"^[a-z][a-z0-9_]*(::[a-z][a-z0-9_]*)*\Z",
    _("Use lower-case letters, digits and _ (sub-types after ::), starting with a letter."),
)


class BilingualLabelMixin(models.Model):
    """A variable name for definitions and the API, and an English and a Japanese label."""

    label = models.CharField(_("label"), max_length=100)
    label_ja = models.CharField(_("label (Japanese)"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.display_label

    def label_for(self, language: str | None) -> str:
        if language and language.startswith("ja") and self.label_ja:
            return self.label_ja
        return self.label

    @property
    def display_label(self) -> str:
        return self.label_for(translation.get_language())


class SystemAddress(TrackedModel):
    """An address OpsDesk sends from and receives at; queues choose theirs."""

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=200)
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("system address")
        verbose_name_plural = _("system addresses")
        ordering = ["email"]

    def __str__(self):
        return f"{self.display_name} <{self.email}>"

    @property
    def formatted(self) -> str:
        from email.headerregistry import Address

        return str(Address(display_name=self.display_name, addr_spec=self.email))


class Salutation(TrackedModel):
    """Text put before an answer; may use placeholders such as ``{customer_name}``."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    text = models.TextField(_("text"), max_length=3000)
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("salutation")
        verbose_name_plural = _("salutations")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Signature(TrackedModel):
    """Text put after an answer; may use placeholders such as ``{agent_name}``."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    text = models.TextField(_("text"), max_length=3000)
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Queue(TrackedModel):
    """The manual's "contact person" (担当窓口): the desk a ticket is allocated to.

    Hierarchical: ``name`` is the last part, ``full_name`` the path (``Support::Network``), kept
    by the services when a queue or one of its parents is renamed or moved.
    """

    name = models.CharField(
        _("name"),
        max_length=100,
        validators=[RegexValidator(r"^(?!.*::).+\Z", _("A name may not contain '::'."))],
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("sub-queue of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    full_name = models.CharField(_("full name"), max_length=500, unique=True, editable=False)
    group = models.ForeignKey(
        "accounts.Group", verbose_name=_("group"), on_delete=models.PROTECT, related_name="queues"
    )
    unlock_timeout = models.PositiveIntegerField(
        _("unlock timeout (minutes)"),
        default=0,
        help_text=_("A locked ticket without changes is unlocked after this time; 0: never."),
    )
    follow_up_policy = models.CharField(
        _("follow-up on a closed ticket"),
        max_length=20,
        choices=FollowUpPolicy.choices,
        default=FollowUpPolicy.REOPEN,
    )
    follow_up_lock = models.BooleanField(_("lock a reopened ticket to its owner"), default=False)
    system_address = models.ForeignKey(
        SystemAddress,
        verbose_name=_("system address"),
        on_delete=models.PROTECT,
        related_name="queues",
    )
    salutation = models.ForeignKey(
        Salutation, verbose_name=_("salutation"), on_delete=models.PROTECT, related_name="queues"
    )
    signature = models.ForeignKey(
        Signature, verbose_name=_("signature"), on_delete=models.PROTECT, related_name="queues"
    )
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)

    history_labels = {"full_name": _("full name")}

    class Meta:
        verbose_name = _("contact person (queue)")
        verbose_name_plural = _("contact persons (queues)")
        ordering = ["full_name"]

    def __str__(self):
        return self.full_name

    @property
    def depth(self) -> int:
        return self.full_name.count("::")


class TicketState(BilingualLabelMixin, TrackedModel):
    """One of the product's states (tickets.md): variable name, labels, type and group."""

    name = models.CharField(
        _("variable name"), max_length=50, unique=True, validators=[variable_name_validator]
    )
    state_type = models.CharField(_("state type"), max_length=20, choices=StateType.choices)
    state_group = models.CharField(
        _("state group"), max_length=20, choices=StateGroup.choices, blank=True
    )
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("state")
        verbose_name_plural = _("states")
        ordering = ["id"]

    @property
    def is_open(self) -> bool:
        return self.state_type in OPEN_STATE_TYPES

    @property
    def is_closed(self) -> bool:
        return self.state_type in CLOSED_STATE_TYPES

    @property
    def is_pending(self) -> bool:
        return self.state_type == StateType.PENDING_REMINDER


class Priority(BilingualLabelMixin, TrackedModel):
    name = models.CharField(
        _("variable name"), max_length=50, unique=True, validators=[variable_name_validator]
    )
    level = models.PositiveSmallIntegerField(
        _("level"), unique=True, help_text=_("1 is the lowest; higher numbers are more urgent.")
    )
    color = models.CharField(
        _("colour"),
        max_length=7,
        default="#6c757d",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}\Z", _("Use a colour like #ff0000."))],
    )
    is_default = models.BooleanField(_("default for new tickets"), default=False)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")
        ordering = ["level"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="priority_one_default",
                violation_error_message=_("Only one priority can be the default."),
            )
        ]


class TicketType(BilingualLabelMixin, TrackedModel):
    """A ticket type with its own workflow: the states it allows and the transitions between them.

    ``restrict_transitions`` off means any allowed state may follow any other; on, only the
    listed ``TicketTypeTransition`` rows. New tickets of the type start in one of its
    ``initial`` states.
    """

    name = models.CharField(
        _("variable name"), max_length=50, unique=True, validators=[variable_name_validator]
    )
    states = models.ManyToManyField(
        TicketState,
        verbose_name=_("allowed states"),
        through="TicketTypeState",
        related_name="ticket_types",
    )
    restrict_transitions = models.BooleanField(
        _("only the listed transitions"),
        default=True,
        help_text=_("Off: any allowed state may follow any other."),
    )
    default_state = models.ForeignKey(
        TicketState,
        verbose_name=_("state of a new ticket"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Used when the creator does not choose one."),
    )
    is_default = models.BooleanField(_("default for new tickets"), default=False)
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)

    # Names of the workflow changes in the audit log (written by admin_services).
    history_labels = {
        "states_added": _("allowed states added"),
        "states_removed": _("allowed states removed"),
        "initial_states_added": _("states for a new ticket added"),
        "initial_states_removed": _("states for a new ticket removed"),
        "transitions_added": _("transitions added"),
        "transitions_removed": _("transitions removed"),
    }

    class Meta:
        verbose_name = _("ticket type")
        verbose_name_plural = _("ticket types")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="ticket_type_one_default",
                violation_error_message=_("Only one ticket type can be the default."),
            )
        ]


class TicketTypeState(models.Model):
    """A state allowed for a type; ``initial`` ones may be chosen when a ticket is created."""

    ticket_type = models.ForeignKey(
        TicketType, on_delete=models.CASCADE, related_name="state_links"
    )
    state = models.ForeignKey(TicketState, on_delete=models.CASCADE, related_name="+")
    initial = models.BooleanField(_("allowed for a new ticket"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket_type", "state"], name="ticket_type_state_unique"
            )
        ]

    def __str__(self):
        return f"{self.ticket_type_id}: {self.state_id}"


class TicketTypeTransition(models.Model):
    """A ticket of ``ticket_type`` in ``from_state`` may go to ``to_state``."""

    ticket_type = models.ForeignKey(
        TicketType, on_delete=models.CASCADE, related_name="transitions"
    )
    from_state = models.ForeignKey(TicketState, on_delete=models.CASCADE, related_name="+")
    to_state = models.ForeignKey(TicketState, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket_type", "from_state", "to_state"],
                name="ticket_type_transition_unique",
            )
        ]

    def __str__(self):
        return f"{self.ticket_type_id}: {self.from_state_id} -> {self.to_state_id}"


class StandardTemplate(TrackedModel):
    """A standard answer: text offered in replies, notes, new tickets... of some queues."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    template_type = models.CharField(
        _("used for"), max_length=20, choices=TemplateType.choices, default=TemplateType.ANSWER
    )
    subject = models.CharField(_("subject"), max_length=250, blank=True)
    text = models.TextField(_("text"), blank=True)
    next_state = models.ForeignKey(
        TicketState,
        verbose_name=_("preselected next state"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    queues = models.ManyToManyField(
        Queue,
        verbose_name=_("queues"),
        blank=True,
        related_name="templates",
        help_text=_("Offered in these queues only; none: in every queue."),
    )
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("template")
        verbose_name_plural = _("templates")
        ordering = ["name"]

    def __str__(self):
        return self.name


class TicketNumberCounter(models.Model):
    """The last ticket counter handed out per day (``YYYYMMDD`` + system id + counter)."""

    day = models.DateField(primary_key=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.day}: {self.value}"


class Ticket(TrackedModel):
    number = models.CharField(_("ticket number"), max_length=50, unique=True, editable=False)
    title = models.CharField(pgettext_lazy("ticket", "title"), max_length=255)
    queue = models.ForeignKey(
        Queue, verbose_name=_("contact person"), on_delete=models.PROTECT, related_name="tickets"
    )
    state = models.ForeignKey(
        TicketState, verbose_name=_("state"), on_delete=models.PROTECT, related_name="tickets"
    )
    priority = models.ForeignKey(
        Priority, verbose_name=_("priority"), on_delete=models.PROTECT, related_name="tickets"
    )
    ticket_type = models.ForeignKey(
        TicketType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="tickets"
    )
    customer_company = models.ForeignKey(
        "customers.CustomerCompany",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    customer_user = models.ForeignKey(
        "customers.CustomerUser",
        verbose_name=_("customer user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    customer_address = models.EmailField(
        _("customer email"),
        blank=True,
        help_text=_("The requester's address when they are not a registered customer user."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_tickets",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsible_tickets",
    )
    locked = models.BooleanField(_("locked"), default=False)
    lock_changed_at = models.DateTimeField(_("lock changed"), null=True, blank=True, editable=False)
    pending_until = models.DateTimeField(_("pending until"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    archived = models.BooleanField(_("archived"), default=False)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_tickets",
    )
    # The nearest escalation deadline of the ticket's SLA metrics (OTOBO's escalation_time): the
    # Escalation view sorts by it; maintained by the SLA engine, empty while no SLA applies.
    escalation_at = models.DateTimeField(
        _("escalation time"), null=True, blank=True, editable=False
    )
    extra = models.JSONField(_("dynamic fields"), default=dict, blank=True)
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("watchers"),
        through="TicketWatcher",
        related_name="watched_tickets",
        blank=True,
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "-created_at"], name="ticket_state_created"),
            models.Index(fields=["owner", "locked"], name="ticket_owner_locked"),
            models.Index(fields=["responsible"], name="ticket_responsible"),
            models.Index(fields=["customer_company", "state"], name="ticket_company_state"),
            models.Index(fields=["customer_user", "state"], name="ticket_cuser_state"),
            models.Index(fields=["-created_at"], name="ticket_created"),
            models.Index(fields=["-changed_at"], name="ticket_changed"),
            models.Index(fields=["pending_until"], name="ticket_pending_until"),
            models.Index(fields=["escalation_at"], name="ticket_escalation_at"),
            models.Index(
                fields=["queue", "state", "-created_at"], name="ticket_queue_state_created"
            ),
            models.Index(fields=["closed_at"], name="ticket_closed_at"),
            # The ticket lists (selectors "Ticket lists", paging.IdsFirstQuerySet) read these
            # indexes only, without the table: the queue view's tree counts (open tickets by queue
            # and lock) and the pages of a queue; the pages sorted by priority and age (one
            # LIMITed scan per priority) when many queues are shown.
            models.Index(
                fields=["state", "queue", "locked", "priority", "created_at", "id"],
                name="ticket_list_covering",
            ),
            models.Index(
                fields=["priority", "created_at", "id", "state", "queue", "locked"],
                name="ticket_priority_created",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def customer_display(self) -> str:
        if self.customer_user_id:
            return self.customer_user.full_name
        return self.customer_address

    @property
    def customer_email(self) -> str:
        if self.customer_user_id:
            return self.customer_user.email
        return self.customer_address


class TicketWatcher(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="watcher_links")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ticket_watches"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "agent"], name="ticket_watcher_unique")
        ]

    def __str__(self):
        return f"{self.ticket_id}: {self.agent_id}"


class Article(models.Model):
    """One message of a ticket's conversation. Immutable once created."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="articles")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    sender_type = models.CharField(_("sender type"), max_length=20, choices=SenderType.choices)
    is_visible_for_customer = models.BooleanField(_("visible for the customer"), default=False)
    from_address = models.CharField(_("from"), max_length=500, blank=True)
    to_addresses = models.TextField(_("to"), blank=True)
    cc_addresses = models.TextField(_("cc"), blank=True)
    bcc_addresses = models.TextField(_("bcc"), blank=True)
    reply_to = models.CharField(_("reply to"), max_length=500, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    body = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML text (sanitised)"), blank=True)
    message_id = models.CharField(_("message ID"), max_length=500, blank=True, db_index=True)
    in_reply_to = models.CharField(_("in reply to"), max_length=500, blank=True)
    references = models.TextField(_("references"), blank=True)
    source = models.FileField(_("original message"), upload_to="tickets/sources/%Y/%m/", blank=True)
    time_units = models.DecimalField(_("time units"), max_digits=10, decimal_places=2, default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="article_ticket_created")]

    def __str__(self):
        return self.subject or f"#{self.pk}"

    @property
    def is_internal(self) -> bool:
        return not self.is_visible_for_customer


class Attachment(models.Model):
    """A file of an article. Content is stored once per distinct content (named by its SHA-256)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), max_length=300)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(
        _("content type"), max_length=255, default="application/octet-stream"
    )
    size = models.PositiveBigIntegerField(_("size"), validators=[MinValueValidator(0)])
    sha256 = models.CharField(max_length=64, editable=False)
    content_id = models.CharField(_("content ID"), max_length=255, blank=True)
    inline = models.BooleanField(_("inline"), default=False)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self):
        return self.filename


class TicketHistory(models.Model):
    """One change of a ticket: type, the values before and after, who and when.

    ``queue``/``state``/``priority``/``ticket_type``/``owner`` are the ticket's values after the
    change (OTOBO's snapshot columns), so that statistics can reconstruct the past.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="history")
    article = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history_type = models.CharField(_("type"), max_length=40, choices=HistoryType.choices)
    field = models.CharField(_("field"), max_length=100, blank=True)
    old_value = models.TextField(_("before"), blank=True)
    new_value = models.TextField(_("after"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="+")
    state = models.ForeignKey(TicketState, on_delete=models.PROTECT, related_name="+")
    priority = models.ForeignKey(Priority, on_delete=models.PROTECT, related_name="+")
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(
        _("by"),
        max_length=200,
        blank=True,
        help_text=_("Who acted when it was not an agent: a customer, the system, a job."),
    )

    class Meta:
        verbose_name = _("ticket history entry")
        verbose_name_plural = _("ticket history")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="history_ticket_created"),
            models.Index(fields=["history_type", "created_at"], name="history_type_created"),
        ]

    def __str__(self):
        return f"{self.get_history_type_display()} {self.old_value} → {self.new_value}"


class TimeAccounting(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="time_accounting")
    article = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    units = models.DecimalField(_("time units"), max_digits=10, decimal_places=2)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("time accounting entry")
        verbose_name_plural = _("time accounting")
        indexes = [models.Index(fields=["ticket"], name="time_accounting_ticket")]

    def __str__(self):
        return f"{self.ticket_id}: {self.units}"


class QueueSubscription(models.Model):
    """A queue an agent follows: "My Queues" in the queue view, and the agents notified about the
    queue's tickets (OTOBO's personal_queues)."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_subscriptions"
    )
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="subscriptions")

    class Meta:
        verbose_name = _("followed contact person")
        verbose_name_plural = _("followed contact persons")
        constraints = [
            models.UniqueConstraint(fields=["agent", "queue"], name="queue_subscription_unique")
        ]

    def __str__(self):
        return f"{self.agent_id}: {self.queue_id}"


class TicketSearchProfile(TrackedModel):
    """A saved ticket search ("search template"): the search form's values under a name, private
    to its owner or shared with roles."""

    name = models.CharField(_("name"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="ticket_search_profiles",
    )
    criteria = models.JSONField(
        _("search criteria"), default=dict, help_text=_("Field name -> list of values.")
    )
    shared_with_roles = models.ManyToManyField(
        "accounts.Role",
        verbose_name=_("shared with roles"),
        blank=True,
        related_name="ticket_search_profiles",
    )

    class Meta:
        verbose_name = _("saved ticket search")
        verbose_name_plural = _("saved ticket searches")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="search_profile_unique_name")
        ]

    def __str__(self):
        return self.name


class ArticleSearchIndex(models.Model):
    """The full-text document of one article (subject, body, from, to, cc, attachment names),
    tokenised by ``fulltext.py`` (words, and bigrams of Japanese/Chinese runs). PostgreSQL
    searches it through a GIN index on ``to_tsvector('simple', document)``; SQLite through an
    FTS5 table kept in step by triggers."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="search_index"
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    document = models.TextField()

    def __str__(self):
        return f"{self.article_id}"
