"""A handwritten signature's image, rendered from its strokes (never taken from the
phone: what is kept and shown is what the strokes say)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from bot.rules.signature import Drawing

SCALE = 2  # pixels per CSS pixel: sharp in the PDF
MARGIN = 8
INK = (20, 30, 60, 255)


def signature_png(drawing: Drawing) -> bytes:
    """The drawing cropped to its ink, on a transparent background, as PNG."""
    xs = [p[0] for s in drawing.strokes for p in s]
    ys = [p[1] for s in drawing.strokes for p in s]
    left, top = min(xs) - MARGIN, min(ys) - MARGIN
    width = int((max(xs) - left + MARGIN) * SCALE) + 1
    height = int((max(ys) - top + MARGIN) * SCALE) + 1
    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    pen = ImageDraw.Draw(image)
    for stroke in drawing.strokes:
        points = [((x - left) * SCALE, (y - top) * SCALE) for x, y, _ in stroke]
        if len(points) == 1:
            x, y = points[0]
            pen.ellipse((x - 2 * SCALE, y - 2 * SCALE, x + 2 * SCALE, y + 2 * SCALE), fill=INK)
        else:
            pen.line(points, fill=INK, width=3 * SCALE, joint="curve")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
