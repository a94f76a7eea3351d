"""Print to PDF (opsdesk/tickets/pdf.py): the ticket's attributes, customer and every article,
Japanese text included, with an embedded TrueType font when one is configured or found and
reportlab's built-in CID font otherwise."""

import io
import logging
from pathlib import Path

import pytest
import reportlab
from pypdf import PdfReader

from opsdesk.customers.tests.factories import CustomerCompanyFactory, CustomerUserFactory
from opsdesk.tickets import pdf, services

from .factories import TicketFactory, agent_with

VERA = str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf")  # Latin only, ships with it


@pytest.fixture
def no_installed_fonts(monkeypatch, settings):
    """As on a machine without Japanese TrueType fonts: the CID font is the fallback."""
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ())
    settings.OPSDESK_PDF_FONT = ""
    monkeypatch.delenv("OPSDESK_PDF_FONT", raising=False)
    pdf._font_for.cache_clear()
    yield
    pdf._font_for.cache_clear()


def fonts_of(reader: PdfReader) -> dict[str, dict]:
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    return fonts


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def japanese_ticket(queue):
    company = CustomerCompanyFactory(name="株式会社サンプル", customer_id="SAMPLE")
    customer = CustomerUserFactory(
        first_name="花子", last_name="山田", email="hanako@sample.example", company=company
    )
    ticket = TicketFactory(
        queue=queue,
        title="プリンターが印刷できません",
        body="今朝から3階のプリンターでエラーE-42が表示されています。",
        customer_user=customer,
    )
    services.add_note(
        ticket,
        actor=None,
        actor_label="test",
        subject="調査メモ",
        body="トナーを交換しました。<b>not markup</b> & more",
    )
    return ticket


def test_japanese_title_and_articles_are_in_the_pdf(japanese_ticket, rw_agent, no_installed_fonts):
    content = pdf.ticket_pdf(japanese_ticket, rw_agent)

    reader = PdfReader(io.BytesIO(content))
    # reportlab writes the CID font with the UniJIS-UCS2-H encoding, which pypdf maps back to
    # Unicode, so the extracted text is the Japanese text itself.
    text = text_of(reader)
    assert f"Ticket#{japanese_ticket.number}" in text
    assert "プリンターが印刷できません" in text
    assert "今朝から3階のプリンターでエラーE-42が表示されています。" in text
    assert "トナーを交換しました。<b>not markup</b> & more" in text  # shown, not interpreted
    assert "山田 花子" in text or "花子 山田" in text
    assert "株式会社サンプル (SAMPLE)" in text
    # Both articles, each labelled as what the customer may see or not.
    assert "Article 1" in text and "visible for the customer" in text
    assert "Article 2" in text and "internal" in text
    assert "Contact person" in text and japanese_ticket.queue.full_name in text
    font = fonts_of(reader)["/HeiseiKakuGo-W5"]
    assert font["/Subtype"] == "/Type0"
    assert font["/Encoding"] == "/UniJIS-UCS2-H"


def test_pdf_view_of_a_japanese_ticket(client, japanese_ticket, rw_agent, no_installed_fonts):
    client.force_login(rw_agent)
    response = client.get(f"/tickets/{japanese_ticket.pk}/print/")
    assert response.status_code == 200
    text = text_of(PdfReader(io.BytesIO(response.content)))
    assert "プリンターが印刷できません" in text


def test_a_configured_truetype_font_is_embedded(queue, rw_agent, monkeypatch):
    # Vera has no Japanese glyphs, so it is registered with a Latin probe here; the PDF then
    # embeds it (FontFile2) instead of naming the CID font.
    name = pdf.register_truetype(VERA, probe="Ticket")
    assert name == "OpsDesk-Vera"
    monkeypatch.setattr(pdf, "pdf_font", lambda: name)
    ticket = TicketFactory(queue=queue, title="Printer on floor 3", body="Error E-42.")

    reader = PdfReader(io.BytesIO(pdf.ticket_pdf(ticket, rw_agent)))

    fonts = fonts_of(reader)
    # A subset of Vera (its PostScript name with a subset tag), embedded as TrueType.
    embedded = [font for base, font in fonts.items() if base.endswith("+BitstreamVeraSans-Roman")]
    assert embedded, fonts.keys()
    assert embedded[0]["/Subtype"] == "/TrueType"
    assert "/FontFile2" in embedded[0]["/FontDescriptor"]
    assert "/HeiseiKakuGo-W5" not in fonts
    assert "Printer on floor 3" in text_of(reader)


def test_a_font_without_japanese_glyphs_is_not_used(settings, no_installed_fonts, caplog):
    settings.OPSDESK_PDF_FONT = VERA
    with caplog.at_level(logging.WARNING, logger="opsdesk.tickets.pdf"):
        assert pdf.pdf_font() == pdf.CID_FONT
    assert "has no glyphs" in caplog.text


def test_a_missing_configured_font_falls_back(settings, no_installed_fonts, caplog):
    settings.OPSDESK_PDF_FONT = "/nonexistent/font.ttf"
    with caplog.at_level(logging.WARNING, logger="opsdesk.tickets.pdf"):
        assert pdf.pdf_font() == pdf.CID_FONT
    assert "is not a file" in caplog.text


def test_a_long_ticket_flows_over_pages(queue, no_installed_fonts):
    agent = agent_with(queue, "rw")
    body = "\n".join(f"{number}行目: 長い本文のテスト。" * 3 for number in range(400))
    ticket = TicketFactory(queue=queue, title="長いチケット", body=body)
    reader = PdfReader(io.BytesIO(pdf.ticket_pdf(ticket, agent)))
    assert len(reader.pages) > 3
    assert "399行目" in text_of(reader)
