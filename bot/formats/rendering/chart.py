"""Bar charts as a PNG, readable on a phone (the office's digest)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw

from bot.formats.rendering.fonts import cjk_font

Bar = tuple[str, int, str]  # label, value, colour


def bar_charts_png(heading: str, charts: Sequence[tuple[str, Sequence[Bar]]]) -> bytes:
    """A heading, then each chart (its caption and bars) below the one before."""
    width, height = 1080, 1200
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    label, small = cjk_font(34), cjk_font(28)
    draw.text((40, 30), heading, font=cjk_font(44), fill="#1f2d3d")
    top = 120
    for caption, bars in charts:
        draw.text((40, top), caption, font=label, fill="#1f2d3d")
        biggest = max([n for _, n, _ in bars] + [1])
        y = top + 60
        for name, n, colour in bars:
            draw.text((40, y + 6), name, font=small, fill="#333333")
            length = int(560 * n / biggest)
            draw.rectangle((360, y, 360 + max(length, 2), y + 40), fill=colour)
            draw.text((370 + max(length, 2), y + 4), str(n), font=small, fill="#333333")
            y += 56
        top = max(top + 360, y + 40)  # the next chart below this one
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
