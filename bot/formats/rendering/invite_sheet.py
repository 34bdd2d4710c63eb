"""A4 sheets of cut-out invite cards: a QR code of each person's link with their name,
department, masked 执法证号 and the expiry, eight cards a page, CJK rendered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fpdf import FPDF

from bot.formats.rendering.fonts import pdf_fonts
from bot.formats.rendering.qr import qr_runs

COLUMNS, ROWS = 2, 4
PAGE_W, PAGE_H = 210.0, 297.0
MARGIN = 10.0
CARD_W = (PAGE_W - 2 * MARGIN) / COLUMNS
CARD_H = (PAGE_H - 2 * MARGIN) / ROWS
QR = 44.0  # mm: scans from a phone at arm's length


@dataclass(frozen=True)
class SheetCard:
    name: str
    department: str
    cert: str  # masked
    roles: str
    expires: str
    link: str


@dataclass(frozen=True)
class SheetText:
    title: str  # the sheet's heading, e.g. "Choucha 抽查 · 邀请"
    instructions: str  # one line under each card's QR code


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """Cut text with … so that it fits on one line of `width` mm."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _qr(pdf: FPDF, link: str, x: float, y: float) -> None:
    """The QR code of `link` as filled rectangles, QR mm square."""
    size, runs = qr_runs(link)
    module = QR / size
    pdf.set_fill_color(0, 0, 0)
    for row, column, length in runs:
        pdf.rect(x + column * module, y + row * module, length * module + 0.01, module + 0.01,
                 style="F")


def _card(pdf: FPDF, x: float, y: float, card: SheetCard, text: SheetText) -> None:
    pdf.set_draw_color(150, 150, 150)
    pdf.set_dash_pattern(dash=2, gap=1.5)
    pdf.rect(x, y, CARD_W, CARD_H)  # the cutting line
    pdf.set_dash_pattern()
    pad = 4.0
    pdf.set_fill_color(176, 32, 38)
    pdf.rect(x + pad, y + pad, CARD_W - 2 * pad, 1.2, style="F")
    _qr(pdf, card.link, x + pad, y + pad + 4)
    left = x + pad + QR + 3
    width = CARD_W - (QR + 3) - 2 * pad
    pdf.set_text_color(176, 32, 38)
    pdf.set_font("cjk", size=8)
    pdf.set_xy(left, y + pad + 5)
    pdf.cell(width, 4, _fit(pdf, text.title, width))
    pdf.set_text_color(20, 32, 46)
    pdf.set_font("cjk", size=17)
    pdf.set_xy(left, y + pad + 11)
    pdf.cell(width, 8, _fit(pdf, card.name, width))
    pdf.set_font("cjk", size=8.5)
    lines = [card.department, card.cert, card.roles]
    for index, line in enumerate(lines):
        pdf.set_xy(left, y + pad + 21 + index * 5)
        pdf.cell(width, 4.5, _fit(pdf, line, width))
    pdf.set_text_color(176, 32, 38)
    pdf.set_xy(left, y + pad + 38)
    pdf.set_font("cjk", size=8)
    pdf.multi_cell(width, 4, card.expires)
    pdf.set_text_color(96, 106, 120)
    pdf.set_font("cjk", size=7.5)
    pdf.set_xy(x + pad, y + pad + QR + 6)
    pdf.multi_cell(CARD_W - 2 * pad, 3.8, text.instructions)
    pdf.set_font("cjk", size=6)
    pdf.set_xy(x + pad, y + CARD_H - pad - 7)
    pdf.multi_cell(CARD_W - 2 * pad, 3, card.link)


def invite_sheet_pdf(cards: Sequence[SheetCard], text: SheetText) -> bytes:
    """Eight cards a page, in the order given."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf_fonts(pdf, texts=["…", text.title, text.instructions, *(
        f"{c.name}{c.department}{c.cert}{c.roles}{c.expires}{c.link}" for c in cards)])
    pdf.set_title(text.title)
    per_page = COLUMNS * ROWS
    for index, card in enumerate(cards):
        if index % per_page == 0:
            pdf.add_page()
        slot = index % per_page
        _card(pdf, MARGIN + (slot % COLUMNS) * CARD_W, MARGIN + (slot // COLUMNS) * CARD_H,
              card, text)
    return bytes(pdf.output())
