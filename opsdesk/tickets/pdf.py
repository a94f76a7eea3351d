"""The ticket zoom's "Print": the ticket as a PDF (reportlab), Japanese included.

Text is set in one font that has Japanese glyphs. A TrueType font is embedded when one is found:
the ``OPSDESK_PDF_FONT`` setting (or environment variable) names its file, else the usual Debian
places of IPA and Noto CJK fonts are tried (reportlab reads TrueType outlines only, so Noto's
OpenType/CFF collections are skipped with a warning). Without any, reportlab's built-in CID font
``HeiseiKakuGo-W5`` is used: no font file is needed, PDF viewers supply the glyphs.
"""

import logging
import os
import re
import unicodedata
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from opsdesk.core.dynamic_fields import display_rows

from . import selectors
from .models import Article, Ticket

logger = logging.getLogger(__name__)

CID_FONT = "HeiseiKakuGo-W5"
# Debian/Ubuntu places of Japanese TrueType fonts (fonts-ipafont, fonts-ipaexfont, fonts-noto-cjk,
# fonts-takao), tried in this order.
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    "/usr/share/fonts/truetype/takao-gothic/TakaoGothic.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
)
# A font is only used when it has glyphs for these (a Latin-only font would print boxes).
JAPANESE_PROBE = "日本語のテキスト"
DATE_FORMAT = "%Y-%m-%d %H:%M"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def register_truetype(path: str, probe: str = JAPANESE_PROBE) -> str | None:
    """Register the TrueType font (or first face of a collection) at ``path`` if it can render
    ``probe``; its reportlab name, or None (with a warning saying why)."""
    name = "OpsDesk-" + re.sub(r"[^A-Za-z0-9]+", "-", Path(path).stem)
    try:
        font = TTFont(name, path, subfontIndex=0)
    except Exception as error:  # TTFError, OSError, and parser errors of damaged files
        logger.warning("PDF font %s cannot be used: %s", path, error)
        return None
    missing = [char for char in probe if ord(char) not in font.face.charToGlyph]
    if missing:
        logger.warning("PDF font %s has no glyphs for %s", path, "".join(missing))
        return None
    pdfmetrics.registerFont(font)
    return name


@lru_cache(maxsize=8)
def _font_for(configured: str) -> str:
    paths = [configured] if configured else []
    paths += [path for path in FONT_CANDIDATES if path != configured]
    for path in paths:
        if path and os.path.isfile(path):
            name = register_truetype(path)
            if name is not None:
                return name
        elif path == configured:
            logger.warning("OPSDESK_PDF_FONT %s is not a file", configured)
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT


def pdf_font() -> str:
    """The registered font name the PDF is set in (found once per configured path)."""
    configured = getattr(settings, "OPSDESK_PDF_FONT", "") or os.environ.get("OPSDESK_PDF_FONT", "")
    return _font_for(configured)


# Text ---------------------------------------------------------------------------------------------


def _has_wide_characters(text: str) -> bool:
    return any(unicodedata.east_asian_width(char) in ("W", "F") for char in text)


class Styles:
    def __init__(self, font: str):
        base = {"fontName": font, "fontSize": 9, "leading": 12}
        self.title = ParagraphStyle("title", **{**base, "fontSize": 15, "leading": 19})
        self.heading = ParagraphStyle(
            "heading", **{**base, "fontSize": 11.5, "leading": 15, "spaceBefore": 8}
        )
        self.label = ParagraphStyle("label", **{**base, "textColor": colors.HexColor("#555555")})
        self.text = ParagraphStyle("text", **base)
        self.article = ParagraphStyle(
            "article", **{**base, "fontSize": 10, "leading": 13, "textColor": colors.white}
        )


def paragraph(text, style: ParagraphStyle) -> Paragraph:
    """Plain text as a paragraph (markup characters escaped, line breaks kept)."""
    text = CONTROL_CHARACTERS.sub("", str(text or "")).replace("\t", "    ")
    if _has_wide_characters(text):
        # Japanese has no spaces between words: it may wrap between any two characters.
        style = ParagraphStyle(f"{style.name}-cjk", parent=style, wordWrap="CJK")
    markup = "<br/>".join(
        re.sub(r"^ +", lambda match: "&nbsp;" * len(match.group()), escape(line))
        for line in text.splitlines()
    )
    return Paragraph(markup or "&nbsp;", style)


def _when(moment) -> str:
    return timezone.localtime(moment).strftime(DATE_FORMAT) if moment else "—"


def _agent(agent) -> str:
    return f"{agent.full_name} ({agent.login})" if agent is not None else "—"


def _rows_table(rows, styles: Styles, width: float) -> Table:
    data = [
        [paragraph(label, styles.label), paragraph(value, styles.text)] for label, value in rows
    ]
    table = Table(data, colWidths=[38 * mm, width - 38 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#dddddd")),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def ticket_rows(ticket: Ticket) -> list[tuple[str, str]]:
    rows = [
        (pgettext("ticket", "Title"), ticket.title),
        (_("Contact person"), ticket.queue.full_name),
        (_("State"), ticket.state.display_label),
        (_("Priority"), ticket.priority.display_label),
        (_("Type"), ticket.ticket_type.display_label),
        (_("Owner"), _agent(ticket.owner)),
        (_("Responsible"), _agent(ticket.responsible)),
        (_("Locked"), _("yes") if ticket.locked else _("no")),
        (_("Created"), _when(ticket.created_at)),
        (_("Changed"), _when(ticket.changed_at)),
    ]
    if ticket.pending_until:
        rows.append((_("Pending until"), _when(ticket.pending_until)))
    if ticket.closed_at:
        rows.append((_("Closed"), _when(ticket.closed_at)))
    extra = display_rows("ticket", ticket.extra)
    rows += [(label, value) for label, value in extra if value != "—"]
    return rows


def customer_rows(ticket: Ticket) -> list[tuple[str, str]]:
    rows = []
    if ticket.customer_company_id:
        company = ticket.customer_company
        rows.append((_("Customer"), f"{company.name} ({company.customer_id})"))
    if ticket.customer_user_id:
        user = ticket.customer_user
        rows.append((_("Customer user"), f"{user.full_name} <{user.email}> ({user.login})"))
    elif ticket.customer_address:
        rows.append((_("Customer email"), ticket.customer_address))
    return rows or [(_("Customer"), "—")]


def article_flowables(number: int, article: Article, styles: Styles, width: float) -> list:
    visibility = _("visible for the customer") if article.is_visible_for_customer else _("internal")
    header = " · ".join(
        [
            _("Article %(number)d") % {"number": number},
            article.get_channel_display(),
            article.get_sender_type_display(),
            visibility,
            _when(article.created_at),
        ]
    )
    bar = Table([[paragraph(header, styles.article)]], colWidths=[width], hAlign="LEFT")
    background = "#0d6efd" if article.is_visible_for_customer else "#6c757d"
    bar.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(background))]))
    rows = [
        (_("From"), article.from_address),
        (_("To"), article.to_addresses),
        (_("Cc"), article.cc_addresses),
        (_("Subject"), article.subject),
        (_("Created by"), _agent(article.created_by) if article.created_by_id else ""),
        (_("Time units"), str(article.time_units) if article.time_units else ""),
        (
            _("Attachments"),
            ", ".join(f"{item.filename} ({item.size} B)" for item in article.attachments.all()),
        ),
    ]
    head = [bar, _rows_table([row for row in rows if row[1]], styles, width), Spacer(1, 2 * mm)]
    body = [paragraph(line, styles.text) for line in (article.body or "").splitlines()]
    # The header stays with the body's first lines; long bodies flow on to further pages.
    return [KeepTogether(head + body[:3]), *body[3:], Spacer(1, 5 * mm)]


def ticket_pdf(ticket: Ticket, agent) -> bytes:
    """The ticket's attributes, customer and every article (customer-visible and internal,
    labelled), oldest first, with plain text bodies; times in the viewer's time zone."""
    font = pdf_font()
    styles = Styles(font)
    buffer = BytesIO()
    number = f"{settings.OPSDESK_TICKET_HOOK}{ticket.number}"
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=f"{number} {ticket.title}",
        author=agent.full_name if agent is not None else "",
        creator="OpsDesk",
    )
    width = document.width
    printed = _("Printed by %(agent)s on %(when)s") % {
        "agent": _agent(agent),
        "when": _when(timezone.now()),
    }

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(doc.leftMargin, 10 * mm, f"{number} · {printed}")
        canvas.drawRightString(
            doc.leftMargin + doc.width, 10 * mm, _("Page %(page)d") % {"page": doc.page}
        )
        canvas.restoreState()

    story = [
        paragraph(number, styles.title),
        paragraph(ticket.title, styles.heading),
        Spacer(1, 3 * mm),
        _rows_table(ticket_rows(ticket), styles, width),
        paragraph(_("Customer"), styles.heading),
        _rows_table(customer_rows(ticket), styles, width),
        paragraph(_("Articles"), styles.heading),
        Spacer(1, 2 * mm),
    ]
    for index, article in enumerate(selectors.articles_of(ticket), start=1):
        story += article_flowables(index, article, styles, width)
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
