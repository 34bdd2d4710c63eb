"""The printable invite card: a QR code of the deep link, the person's name and department."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw

from bot.formats.rendering.fonts import draw_text, text_width
from bot.formats.rendering.qr import qr_image

WIDTH, HEIGHT = 900, 1240
MARGIN = 60
INK = (20, 32, 46)
ACCENT = (176, 32, 38)  # the red of official seals
MUTED = (96, 106, 120)


@dataclass(frozen=True)
class CardText:
    title: str  # "Choucha 抽查 — 邀请"
    name: str
    department: str
    roles: str
    instructions: str
    expires: str
    link: str
    cert: str = ""  # the masked 执法证号 of a person from the directory


def _wrap(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> list[str]:
    """Break text to fit `width` pixels, by character (works for Chinese and for links)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for char in paragraph:
            if text_width(line + char, size) > width and line:
                lines.append(line)
                line = char
            else:
                line += char
        lines.append(line)
    return lines


def _paragraph(draw: ImageDraw.ImageDraw, y: int, text: str, size: int,
               fill: tuple[int, int, int]) -> int:
    """Draw wrapped text from `y`; return the y below it."""
    for line in _wrap(draw, text, size, WIDTH - 2 * MARGIN):
        draw_text(draw, (MARGIN, y), line, size, fill)
        y += int(size * 1.35)
    return y


def render_invite_card(text: CardText) -> bytes:
    """A PNG of the card, sized to print on A6 or show full-screen on a phone."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 16), fill=ACCENT)
    draw_text(draw, (MARGIN, 56), text.title, 44, ACCENT)
    draw_text(draw, (MARGIN, 146), text.name, 64, INK)
    y = _paragraph(draw, 236, text.department, 36, INK)
    if text.cert:
        y = _paragraph(draw, y, text.cert, 30, MUTED)
    y = _paragraph(draw, y, text.roles, 32, MUTED) + 20
    qr_size = 560
    image.paste(qr_image(text.link, qr_size), ((WIDTH - qr_size) // 2, y))
    y = _paragraph(draw, y + qr_size + 24, text.instructions, 28, INK)
    y = _paragraph(draw, y, text.expires, 26, ACCENT)
    _paragraph(draw, y, text.link, 22, MUTED)
    draw.rectangle((0, HEIGHT - 16, WIDTH, HEIGHT), fill=ACCENT)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
