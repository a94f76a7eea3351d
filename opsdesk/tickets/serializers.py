"""API representations of tickets, articles, attachments and the tickets' master data.

Attributes are written as the API's callers know them: states, priorities and types by variable
name (``"in_progress"``, ``"medium"``, ``"rfc::normal"``), the queue by id (with its full name
beside it), agents and customer users by login, the customer company by Customer ID. Writes go
through ``services``: the serializers parse and check the input, the services enforce permissions
and the workflow, and what they refuse comes back as a 400 (or a 403) under the field it concerns.
"""

import base64
import binascii
import posixpath
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings

from opsdesk.accounts.models import Agent
from opsdesk.accounts.selectors import group_permissions
from opsdesk.api.extra_fields import ExtraFieldsSerializerMixin, changed_values
from opsdesk.core.models import DynamicFieldObjectType
from opsdesk.customers.models import CustomerUser
from opsdesk.customers.serializers import CustomerIdField

from . import outbound, services
from .choices import Channel, SenderType, StateType
from .html import html_to_text, sanitize_html
from .models import (
    Article,
    Attachment,
    Priority,
    Queue,
    Ticket,
    TicketState,
    TicketType,
)
from .permissions import allowed_actions

# Channels an API caller may write an article in (chat articles come from the chat only).
API_CHANNELS = (Channel.PHONE, Channel.EMAIL, Channel.INTERNAL, Channel.WEB)
# Who writes an article of each channel, and whether the customer sees it, unless told otherwise.
DEFAULT_SENDER = {
    Channel.PHONE: SenderType.CUSTOMER,
    Channel.EMAIL: SenderType.AGENT,
    Channel.INTERNAL: SenderType.AGENT,
    Channel.WEB: SenderType.CUSTOMER,
}
MAIL_KINDS = (
    ("reply", _("reply to the customer")),
    ("email", _("new mail")),
    ("forward", _("forward")),
)
CONTENT_TYPE_PATTERN = re.compile(r"^[\w.+-]+/[\w.+-]+$")
# Model fields named in the services' errors -> the API's names
TICKET_FIELD_NAMES = {"ticket_type": "type", "customer_company": "customer_id"}


# Errors of the services ---------------------------------------------------------------------------


def service_error(
    error: DjangoValidationError, *, renamed: dict[str, str] | None = None, field: str = ""
) -> serializers.ValidationError:
    """A service's ValidationError as the API's field errors: model fields renamed as the API
    names them; a message without a field goes under ``field`` (when the step has one)."""
    renamed = renamed or {}
    if not hasattr(error, "error_dict"):
        return serializers.ValidationError(
            {field or api_settings.NON_FIELD_ERRORS_KEY: error.messages}
        )
    detail = serializers.as_serializer_error(error)
    fallback = field or api_settings.NON_FIELD_ERRORS_KEY
    result: dict = {}
    for key, messages in detail.items():
        name = renamed.get(key, key)
        if name in ("__all__", api_settings.NON_FIELD_ERRORS_KEY):
            name = fallback
        result.setdefault(name, []).extend(messages)
    return serializers.ValidationError(result)


# Fields -------------------------------------------------------------------------------------------


class KeyRelatedField(serializers.SlugRelatedField):
    """An object given by its key (a variable name, a login), with a message naming what is
    missing. ``ignore_case`` finds logins whatever their case (they are unique so)."""

    default_error_messages = {
        "does_not_exist": _("“{value}” does not exist."),
        "invalid": _("Give the value as text."),
    }

    def __init__(self, *, slug_field: str, missing=None, ignore_case: bool = False, **kwargs):
        self.ignore_case = ignore_case
        super().__init__(slug_field=slug_field, **kwargs)
        if missing is not None:
            self.error_messages["does_not_exist"] = missing

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        lookup = f"{self.slug_field}__iexact" if self.ignore_case else self.slug_field
        found = self.get_queryset().filter(**{lookup: data.strip()}).first()
        if found is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return found


def state_field(**kwargs) -> KeyRelatedField:
    return KeyRelatedField(
        slug_field="name",
        queryset=TicketState.objects.filter(valid=True),
        missing=_("There is no valid state “{value}”."),
        **kwargs,
    )


def priority_field(**kwargs) -> KeyRelatedField:
    return KeyRelatedField(
        slug_field="name",
        queryset=Priority.objects.filter(valid=True),
        missing=_("There is no valid priority “{value}”."),
        **kwargs,
    )


def type_field(**kwargs) -> KeyRelatedField:
    return KeyRelatedField(
        slug_field="name",
        queryset=TicketType.objects.filter(valid=True),
        missing=_("There is no valid ticket type “{value}”."),
        source="ticket_type",
        **kwargs,
    )


def agent_field(**kwargs) -> KeyRelatedField:
    return KeyRelatedField(
        slug_field="login",
        queryset=Agent.objects.filter(is_active=True),
        missing=_("There is no valid agent with the login “{value}”."),
        ignore_case=True,
        **kwargs,
    )


def customer_user_field(**kwargs) -> KeyRelatedField:
    return KeyRelatedField(
        slug_field="login",
        queryset=CustomerUser.objects.all(),
        missing=_("There is no customer user with the login “{value}”."),
        ignore_case=True,
        **kwargs,
    )


def queue_field(**kwargs) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=Queue.objects.filter(valid=True),
        error_messages={
            "does_not_exist": _("There is no valid contact person (queue) with the id {pk_value}.")
        },
        **kwargs,
    )


# Reading ------------------------------------------------------------------------------------------


class AttachmentSerializer(serializers.ModelSerializer):
    """A file of an article: its metadata and where to download it."""

    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "inline", "content_id", "download_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment) -> str:
        return reverse(
            "api-v1:attachment-download", args=[attachment.pk], request=self.context.get("request")
        )


class ArticleSerializer(serializers.ModelSerializer):
    """One message of a ticket's conversation; ``internal`` ones the customer does not see."""

    ticket = serializers.CharField(source="ticket.number", read_only=True)
    internal = serializers.BooleanField(
        source="is_internal",
        read_only=True,
        help_text=_("Not visible for the customer (an internal note or message)."),
    )
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)
    sender_type = serializers.ChoiceField(choices=SenderType.choices, read_only=True)
    created_by = serializers.CharField(source="created_by.login", read_only=True, allow_null=True)
    source_url = serializers.SerializerMethodField(
        help_text=_("The original message (email articles), or null.")
    )
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "ticket",
            "channel",
            "sender_type",
            "is_visible_for_customer",
            "internal",
            "from_address",
            "to_addresses",
            "cc_addresses",
            "bcc_addresses",
            "reply_to",
            "subject",
            "body",
            "body_html",
            "message_id",
            "in_reply_to",
            "references",
            "time_units",
            "created_at",
            "created_by",
            "source_url",
            "attachments",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_source_url(self, article) -> str | None:
        if not article.source:
            return None
        return reverse(
            "api-v1:article-source", args=[article.pk], request=self.context.get("request")
        )


class TicketSerializer(serializers.ModelSerializer):
    """A ticket's attributes (the list shows these; one ticket shows its articles too)."""

    queue = serializers.IntegerField(source="queue_id", read_only=True)
    queue_name = serializers.CharField(
        source="queue.full_name", read_only=True, help_text=_("Full name of the contact person.")
    )
    state = serializers.CharField(source="state.name", read_only=True)
    state_type = serializers.CharField(source="state.state_type", read_only=True)
    priority = serializers.CharField(source="priority.name", read_only=True)
    type = serializers.CharField(source="ticket_type.name", read_only=True)
    owner = serializers.CharField(source="owner.login", read_only=True, allow_null=True)
    responsible = serializers.CharField(source="responsible.login", read_only=True, allow_null=True)
    customer_id = serializers.CharField(
        source="customer_company.customer_id", read_only=True, allow_null=True
    )
    customer_user = serializers.CharField(
        source="customer_user.login", read_only=True, allow_null=True
    )
    created_by = serializers.CharField(source="created_by.login", read_only=True, allow_null=True)
    changed_by = serializers.CharField(source="changed_by.login", read_only=True, allow_null=True)
    extra = serializers.DictField(
        read_only=True, help_text=_("Values of the ticket's dynamic fields, by field name.")
    )
    merged_into = serializers.CharField(
        source="merged_into.number",
        read_only=True,
        allow_null=True,
        help_text=_("Number of the ticket this one was merged into."),
    )
    url = serializers.HyperlinkedIdentityField(
        view_name="api-v1:ticket-detail", lookup_field="number", read_only=True
    )

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "url",
            "title",
            "queue",
            "queue_name",
            "state",
            "state_type",
            "priority",
            "type",
            "owner",
            "responsible",
            "customer_id",
            "customer_user",
            "customer_address",
            "locked",
            "pending_until",
            "closed_at",
            "escalation_at",
            "merged_into",
            "archived",
            "extra",
            "created_at",
            "created_by",
            "changed_at",
            "changed_by",
        ]
        read_only_fields = fields


class TicketDetailSerializer(TicketSerializer):
    """A ticket with its articles (oldest first) and what the caller may do with it."""

    articles = ArticleSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField(
        help_text=_("What the caller may do with the ticket (by their permissions).")
    )

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "allowed_actions", "articles"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, ticket) -> list[str]:
        request = self.context.get("request")
        agent = getattr(request, "user", None)
        return sorted(allowed_actions(agent, ticket)) if agent is not None else []


# Writing articles ---------------------------------------------------------------------------------


class AttachmentUploadSerializer(serializers.Serializer):
    """A file sent with an article, its content in base64."""

    filename = serializers.CharField(max_length=255)
    content_type = serializers.CharField(
        max_length=255, required=False, default="application/octet-stream"
    )
    content_base64 = serializers.CharField(
        trim_whitespace=True, help_text=_("The file's content, base64-encoded.")
    )

    def validate_filename(self, value):
        name = posixpath.basename(value.replace("\\", "/")).strip()
        if not name:
            raise serializers.ValidationError(_("Give the file a name."))
        return name

    def validate_content_type(self, value):
        value = value.strip().lower()
        if not CONTENT_TYPE_PATTERN.match(value):
            raise serializers.ValidationError(_("Give a content type such as “application/pdf”."))
        return value

    def validate_content_base64(self, value):
        try:
            return base64.b64decode("".join(value.split()), validate=True)
        except (binascii.Error, ValueError) as error:
            raise serializers.ValidationError(_("This is not valid base64.")) from error

    def validate(self, attrs):
        return services.AttachmentUpload(
            filename=attrs["filename"],
            content=attrs["content_base64"],
            content_type=attrs["content_type"],
        )


class ArticleInputSerializer(serializers.Serializer):
    """An article to write: the first one of a new ticket, a note, a phone call..."""

    default_channel = Channel.PHONE

    channel = serializers.ChoiceField(
        choices=Channel.choices,
        required=False,
        help_text=_("phone, email, internal (a note) or web."),
    )
    sender_type = serializers.ChoiceField(
        choices=SenderType.choices,
        required=False,
        help_text=_(
            "Who wrote it. By default the customer for phone and web, the agent for email and "
            "notes."
        ),
    )
    subject = serializers.CharField(max_length=500, required=False, allow_blank=True)
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    body_html = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text=_("HTML text; it is sanitised. Without body, the text is derived from it."),
    )
    is_visible_for_customer = serializers.BooleanField(
        required=False, help_text=_("By default false for notes, true otherwise.")
    )
    from_address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    to = serializers.CharField(required=False, allow_blank=True)
    cc = serializers.CharField(required=False, allow_blank=True)
    bcc = serializers.CharField(required=False, allow_blank=True)
    time_units = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False, default=0
    )
    attachments = AttachmentUploadSerializer(many=True, required=False)

    def validate_channel(self, value):
        if value not in API_CHANNELS:
            raise serializers.ValidationError(_("Write articles as phone, email, internal or web."))
        return value


def article_draft(
    data: dict, *, default_channel: str, actor, ticket: Ticket | None = None, customer=None
) -> services.ArticleDraft:
    """The ``ArticleDraft`` of a validated article; ``customer`` is who a customer's article is
    from (a customer user or an address) while there is no ticket yet."""
    channel = data.get("channel") or default_channel
    sender_type = data.get("sender_type") or DEFAULT_SENDER[channel]
    from_address = data.get("from_address", "")
    if not from_address:
        if sender_type == SenderType.CUSTOMER:
            from_address = _customer_from(ticket, customer)
        elif actor is not None:
            from_address = actor.full_name
    return services.ArticleDraft(
        channel=channel,
        sender_type=sender_type,
        subject=data.get("subject", ""),
        body=data.get("body", ""),
        body_html=data.get("body_html", ""),
        is_visible_for_customer=data.get("is_visible_for_customer", channel != Channel.INTERNAL),
        from_address=from_address,
        to_addresses=data.get("to", ""),
        cc_addresses=data.get("cc", ""),
        bcc_addresses=data.get("bcc", ""),
        attachments=data.get("attachments", ()),
        time_units=data.get("time_units", 0),
    )


def _customer_from(ticket: Ticket | None, customer) -> str:
    if ticket is not None:
        customer = ticket.customer_user or ticket.customer_address
    if isinstance(customer, CustomerUser):
        return str(customer)
    return customer or ""


class ArticleCreateSerializer(ArticleInputSerializer):
    """An article added to a ticket: a note, a phone call, a recorded or a sent mail."""

    default_channel = Channel.INTERNAL

    channel = serializers.ChoiceField(
        choices=Channel.choices,
        required=False,
        help_text=_(
            "phone, email, internal (a note, the default) or web; email when send_email is true."
        ),
    )
    send_email = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Send the article by mail from the ticket's contact person (to/cc/bcc)."),
    )
    kind = serializers.ChoiceField(
        choices=MAIL_KINDS,
        required=False,
        default="reply",
        help_text=_("With send_email: reply (default), email or forward."),
    )
    in_reply_to_article = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_("With send_email: id of the article answered (threads the mail)."),
    )
    state = state_field(required=False, help_text=_("Next state of the ticket (variable name)."))
    pending_until = serializers.DateTimeField(
        required=False, allow_null=True, help_text=_("For a pending next state.")
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        ticket = self.context["ticket"]
        if attrs.get("send_email"):
            if attrs.setdefault("channel", Channel.EMAIL) != Channel.EMAIL:
                raise serializers.ValidationError(
                    {"channel": _("Mail is sent as an email article.")}
                )
            replied_id = attrs.get("in_reply_to_article")
            if replied_id is not None:
                replied = Article.objects.filter(ticket=ticket, pk=replied_id).first()
                if replied is None:
                    raise serializers.ValidationError(
                        {"in_reply_to_article": _("This ticket has no article with this id.")}
                    )
                attrs["replied"] = replied
        return attrs

    def create(self, validated_data):
        actor = validated_data["actor"]
        ticket = self.context["ticket"]
        next_state = validated_data.get("state")
        pending_until = validated_data.get("pending_until")
        try:
            if validated_data.get("send_email"):
                return self._send(ticket, validated_data, actor, next_state, pending_until)
            draft = article_draft(
                validated_data, default_channel=self.default_channel, actor=actor, ticket=ticket
            )
            return services.add_article(
                ticket,
                draft,
                actor=actor,
                next_state=next_state,
                pending_until=pending_until,
            )
        except DjangoValidationError as error:
            raise service_error(error, renamed=TICKET_FIELD_NAMES) from error

    def _send(self, ticket, data, actor, next_state, pending_until) -> Article:
        kind = data.get("kind", "reply")
        replied = data.get("replied")
        subject = data.get("subject", "")
        if not subject:
            base = replied.subject if replied is not None else ticket.title
            if kind == "reply":
                subject = outbound.reply_subject(ticket, base)
            elif kind == "forward":
                subject = outbound.reply_subject(ticket, base, prefix="Fwd")
            else:
                subject = ticket.title
        body = data.get("body", "")
        if not body.strip() and data.get("body_html"):
            body = html_to_text(sanitize_html(data["body_html"]))
        return services.send_email(
            ticket,
            actor=actor,
            to=data.get("to", ""),
            cc=data.get("cc", ""),
            bcc=data.get("bcc", ""),
            subject=subject,
            body=body,
            kind=kind,
            replied=replied,
            attachments=data.get("attachments", ()),
            time_units=data.get("time_units", 0),
            is_visible_for_customer=data.get("is_visible_for_customer", True),
            next_state=next_state,
            pending_until=pending_until,
        )


# Writing tickets ----------------------------------------------------------------------------------

# Errors about the first article, which the API reports under "article"
ARTICLE_ERROR_FIELDS = {"body", "channel", "sender_type", "time_units", "attachments"}


class TicketCreateSerializer(ExtraFieldsSerializerMixin, serializers.Serializer):
    """A new ticket with its first article."""

    dynamic_object_type = DynamicFieldObjectType.TICKET

    title = serializers.CharField(max_length=255)
    queue = queue_field(help_text=_("Id of the contact person (queue)."))
    customer_user = customer_user_field(
        required=False, allow_null=True, help_text=_("Login of the customer user.")
    )
    customer_id = CustomerIdField(
        source="customer_company",
        required=False,
        allow_null=True,
        help_text=_("Customer ID of the company; by default the customer user's primary one."),
    )
    customer_address = serializers.EmailField(
        required=False,
        allow_blank=True,
        help_text=_("The requester's address when they are not a registered customer user."),
    )
    type = type_field(required=False, help_text=_("Variable name; by default the default type."))
    state = state_field(
        required=False, help_text=_("Variable name; by default the type's first state.")
    )
    priority = priority_field(required=False, help_text=_("Variable name; by default medium."))
    owner = agent_field(required=False, allow_null=True, help_text=_("Login; by default you."))
    responsible = agent_field(required=False, allow_null=True, help_text=_("Login."))
    pending_until = serializers.DateTimeField(required=False, allow_null=True)
    extra = serializers.DictField(
        required=False, help_text=_("Values of the ticket's dynamic fields, by field name.")
    )
    article = ArticleInputSerializer(help_text=_("The first article (phone by default)."))

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs.get("customer_user") and attrs.get("customer_address"):
            raise serializers.ValidationError(
                {"customer_address": _("Give either a customer user or an address, not both.")}
            )
        return attrs

    def create(self, validated_data):
        actor = validated_data.pop("actor")
        article = validated_data.pop("article")
        customer = validated_data.get("customer_user") or validated_data.get("customer_address")
        draft = article_draft(
            article, default_channel=Channel.PHONE, actor=actor, customer=customer
        )
        try:
            return services.create_ticket(actor=actor, article=draft, **validated_data)
        except DjangoValidationError as error:
            detail = service_error(error, renamed=TICKET_FIELD_NAMES).detail
            nested = {key: detail.pop(key) for key in list(detail) if key in ARTICLE_ERROR_FIELDS}
            if nested:
                detail["article"] = nested
            raise serializers.ValidationError(detail) from error


class TicketUpdateSerializer(ExtraFieldsSerializerMixin, serializers.Serializer):
    """Changes of a ticket's attributes; each one through its service, all or none."""

    dynamic_object_type = DynamicFieldObjectType.TICKET

    title = serializers.CharField(max_length=255, required=False)
    queue = queue_field(required=False, help_text=_("Move to this contact person (queue id)."))
    state = state_field(required=False, help_text=_("Variable name, along the type's workflow."))
    pending_until = serializers.DateTimeField(required=False, allow_null=True)
    priority = priority_field(required=False)
    type = type_field(required=False)
    owner = agent_field(required=False, allow_null=True, help_text=_("Login; null: nobody."))
    responsible = agent_field(required=False, allow_null=True, help_text=_("Login."))
    customer_user = customer_user_field(
        required=False, allow_null=True, help_text=_("Login of the customer user; null: none.")
    )
    customer_id = CustomerIdField(
        source="customer_company",
        required=False,
        allow_null=True,
        help_text=_("Customer ID; by default the new customer user's primary company."),
    )
    customer_address = serializers.EmailField(required=False, allow_blank=True)
    locked = serializers.BooleanField(
        required=False,
        help_text=_("true locks the ticket to you (you become its owner); false unlocks it."),
    )
    extra = serializers.DictField(
        required=False,
        help_text=_(
            "Values of dynamic fields by field name: those named are set (null clears one), "
            "the others are kept."
        ),
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        actor = self.context["request"].user
        owner = attrs.get("owner")
        if attrs.get("locked") and owner is not None and owner.pk != actor.pk:
            raise serializers.ValidationError(
                {
                    "locked": _(
                        "Locking gives the ticket to you: leave out the owner or give your own "
                        "login."
                    )
                }
            )
        return attrs

    def update(self, ticket, validated_data):
        actor = validated_data.pop("actor")
        with transaction.atomic():
            for step in self._steps(ticket, validated_data):
                field, function, kwargs = step
                try:
                    function(ticket, actor=actor, **kwargs)
                except DjangoValidationError as error:
                    raise service_error(error, renamed=TICKET_FIELD_NAMES, field=field) from error
        return ticket

    def _steps(self, ticket: Ticket, data: dict):
        """(field, service, arguments) of each attribute that changes, in an order in which
        they fit together: the type before the state (which must fit the new type's workflow);
        the ticket's own attributes in its current queue, then the move, then the people (who
        must fit the queue the ticket ends up in). The services see the ticket as the previous
        steps left it, so the comparisons are made as each step comes."""
        actor = self.context["request"].user
        if "title" in data and data["title"].strip() != ticket.title:
            yield "title", services.set_title, {"title": data["title"]}
        customer = self._customer_change(ticket, data)
        if customer is not None:
            yield "customer_user", services.set_customer, customer
        if "ticket_type" in data and data["ticket_type"].pk != ticket.ticket_type_id:
            yield "type", services.set_type, {"ticket_type": data["ticket_type"]}
        state = data.get("state")
        if state is not None and state.pk != ticket.state_id:
            pending = {"pending_until": data.get("pending_until")}
            yield "state", services.set_state, {"state": state, **pending}
        elif "pending_until" in data and data["pending_until"] != ticket.pending_until:
            pending = {"pending_until": data["pending_until"]}
            yield "pending_until", services.set_pending_time, pending
        if "priority" in data and data["priority"].pk != ticket.priority_id:
            yield "priority", services.set_priority, {"priority": data["priority"]}
        if "extra" in data:
            changes = changed_values(ticket.extra, data["extra"])
            if changes:
                yield "extra", services.set_dynamic_fields, {"values": changes}
        if "queue" in data and data["queue"].pk != ticket.queue_id:
            yield "queue", services.move_ticket, {"queue": data["queue"]}
        if "owner" in data and getattr(data["owner"], "pk", None) != ticket.owner_id:
            yield "owner", services.set_owner, {"owner": data["owner"]}
        responsible = data.get("responsible")
        if "responsible" in data and getattr(responsible, "pk", None) != ticket.responsible_id:
            yield "responsible", services.set_responsible, {"responsible": responsible}
        if "locked" in data:
            if data["locked"] and not (ticket.locked and ticket.owner_id == actor.pk):
                # Also when someone else holds the lock: the service says who.
                yield "locked", services.lock_ticket, {}
            elif not data["locked"] and ticket.locked:
                yield "locked", services.unlock_ticket, {}

    @staticmethod
    def _customer_change(ticket: Ticket, data: dict) -> dict | None:
        """The arguments of ``set_customer`` when the request changes the customer."""
        if not {"customer_user", "customer_company", "customer_address"} & set(data):
            return None
        user = data.get("customer_user", ticket.customer_user)
        user_changed = getattr(user, "pk", None) != ticket.customer_user_id
        if "customer_company" in data:
            company = data["customer_company"]
        else:
            # A new customer user brings their primary company; otherwise the company stays.
            company = None if (user is not None and user_changed) else ticket.customer_company
        address = data.get("customer_address", ticket.customer_address)
        if user is not None:
            address = ""
        if (
            not user_changed
            and getattr(company, "pk", None) == ticket.customer_company_id
            and address == ticket.customer_address
        ):
            return None
        return {"customer_user": user, "customer_company": company, "customer_address": address}


# Master data --------------------------------------------------------------------------------------


class QueueSerializer(serializers.ModelSerializer):
    """A contact person (queue) and the caller's permissions on it."""

    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)
    group = serializers.CharField(source="group.name", read_only=True)
    system_address = serializers.CharField(source="system_address.email", read_only=True)
    permissions = serializers.SerializerMethodField(
        help_text=_("Your permissions on the queue's group (ro, move_into, create, note...).")
    )

    class Meta:
        model = Queue
        fields = [
            "id",
            "name",
            "full_name",
            "parent",
            "group",
            "system_address",
            "unlock_timeout",
            "follow_up_policy",
            "comment",
            "valid",
            "permissions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_permissions(self, queue) -> list[str]:
        request = self.context.get("request")
        granted = group_permissions(getattr(request, "user", None)).get(queue.group.name, ())
        return sorted(granted)


class TicketStateSerializer(serializers.ModelSerializer):
    class Meta:
        model = TicketState
        fields = [
            "id",
            "name",
            "label",
            "label_ja",
            "state_type",
            "state_group",
            "comment",
            "valid",
        ]
        read_only_fields = fields


class PrioritySerializer(serializers.ModelSerializer):
    class Meta:
        model = Priority
        fields = ["id", "name", "label", "label_ja", "level", "color", "is_default", "valid"]
        read_only_fields = fields


class TransitionSerializer(serializers.Serializer):
    from_state = serializers.CharField(source="from_state.name", read_only=True)
    to_state = serializers.CharField(source="to_state.name", read_only=True)


class TicketTypeSerializer(serializers.ModelSerializer):
    """A ticket type with its workflow: allowed states, initial states and transitions."""

    default_state = serializers.CharField(source="default_state.name", read_only=True)
    states = serializers.SerializerMethodField(help_text=_("States the type allows."))
    initial_states = serializers.SerializerMethodField(
        help_text=_("States a new ticket of the type may start in.")
    )
    transitions = TransitionSerializer(
        many=True,
        read_only=True,
        help_text=_(
            "Allowed changes of state; when restrict_transitions is false, any allowed state may "
            "follow any other."
        ),
    )

    class Meta:
        model = TicketType
        fields = [
            "id",
            "name",
            "label",
            "label_ja",
            "default_state",
            "is_default",
            "restrict_transitions",
            "states",
            "initial_states",
            "transitions",
            "comment",
            "valid",
        ]
        read_only_fields = fields

    @staticmethod
    def _links(ticket_type):
        # As ``selectors.allowed_states``: valid states, never the internal ``merged``.
        return [
            link
            for link in ticket_type.state_links.all()
            if link.state.valid and link.state.state_type != StateType.MERGED
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_states(self, ticket_type) -> list[str]:
        return [link.state.name for link in self._links(ticket_type)]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_initial_states(self, ticket_type) -> list[str]:
        return [link.state.name for link in self._links(ticket_type) if link.initial]
