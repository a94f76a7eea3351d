"""Composing outgoing ticket mail: subject with the ticket number, threading headers, quoting,
salutation and signature of the queue."""

from email.utils import getaddresses, make_msgid

from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Article, Queue, Ticket
from .numbers import subject_with_number


def split_addresses(text: str) -> list[str]:
    """'A <a@x>, b@y' -> ['A <a@x>', 'b@y'] (empty parts dropped)."""
    parsed = getaddresses([text or ""])
    return [f"{name} <{address}>" if name else address for name, address in parsed if address]


def address_only(text: str) -> list[str]:
    return [address.lower() for _name, address in getaddresses([text or ""]) if address]


def message_id_for(queue: Queue) -> str:
    domain = queue.system_address.email.rpartition("@")[2] or "opsdesk.localhost"
    return make_msgid(domain=domain)


def threading_headers(replied: Article | None) -> tuple[str, str]:
    """(In-Reply-To, References) for an answer to ``replied`` (RFC 5322 3.6.4)."""
    if replied is None or not replied.message_id:
        return "", ""
    references = " ".join(part for part in (replied.references, replied.message_id) if part)
    return replied.message_id, references


def placeholders(ticket: Ticket, agent) -> dict[str, str]:
    return {
        "customer_name": ticket.customer_display or _("customer"),
        "agent_name": agent.full_name if agent is not None else "",
        "ticket_number": ticket.number,
        "title": ticket.title,
        "queue": ticket.queue.full_name,
    }


def fill(text: str, values: dict[str, str]) -> str:
    """Replace ``{name}`` placeholders; unknown ones stay as written."""
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def quote(article: Article) -> str:
    when = timezone.localtime(article.created_at).strftime("%Y-%m-%d %H:%M")
    header = _("On %(when)s, %(sender)s wrote:") % {
        "when": when,
        "sender": article.from_address or _("someone"),
    }
    quoted = "\n".join(f"> {line}" for line in (article.body or "").splitlines())
    return f"{header}\n{quoted}\n"


def reply_body(ticket: Ticket, agent, text: str = "", replied: Article | None = None) -> str:
    """Salutation, the agent's text (or template), the quoted article and the signature."""
    values = placeholders(ticket, agent)
    parts = [fill(ticket.queue.salutation.text, values).rstrip(), text.rstrip()]
    if replied is not None and getattr(agent, "quote_on_reply", True):
        parts.append(quote(replied).rstrip())
    parts.append(fill(ticket.queue.signature.text, values).rstrip())
    return "\n\n".join(part for part in parts if part) + "\n"


def reply_subject(ticket: Ticket, subject: str, prefix: str = "Re") -> str:
    subject = subject or ticket.title
    bare = subject
    while bare.lower().startswith((f"{prefix.lower()}:", "re:", "fwd:", "aw:")):
        bare = bare.split(":", 1)[1].strip()
    return f"{prefix}: {bare}"


def build_message(
    *,
    ticket: Ticket,
    subject: str,
    body: str,
    to: list[str],
    cc: list[str],
    bcc: list[str],
    message_id: str,
    in_reply_to: str,
    references: str,
    attachments=(),
) -> EmailMessage:
    headers = {"Message-ID": message_id, "X-OpsDesk-Ticket": ticket.number}
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
    if references:
        headers["References"] = references
    message = EmailMessage(
        subject=subject_with_number(subject, ticket.number),
        body=body,
        from_email=ticket.queue.system_address.formatted,
        to=to,
        cc=cc,
        bcc=bcc,
        headers=headers,
    )
    for upload in attachments:
        message.attach(upload.filename, upload.content, upload.content_type)
    return message
