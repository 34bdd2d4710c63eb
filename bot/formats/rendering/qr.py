"""QR codes as images (invite cards, the party's signing link, the record's hash)."""

from __future__ import annotations

import io

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M


def qr_image(data: str, size: int) -> Image.Image:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2, box_size=10)
    code.add_data(data)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    return image.resize((size, size), Image.Resampling.NEAREST)


def qr_png(data: str, size: int = 600) -> bytes:
    buffer = io.BytesIO()
    qr_image(data, size).save(buffer, format="PNG")
    return buffer.getvalue()


def qr_runs(data: str) -> tuple[int, list[tuple[int, int, int]]]:
    """The code as dark runs for vector drawing: (size in modules with the quiet zone,
    [(row, first column, length)]). A PDF draws these as rectangles: sharp at any print
    size and far cheaper than an embedded image per card."""
    # One fixed mask: every mask gives a valid code; choosing the "best" of the eight is
    # most of the time a code takes to make, and a sheet makes hundreds.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, mask_pattern=2)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    runs: list[tuple[int, int, int]] = []
    for row, cells in enumerate(matrix):
        start = None
        for column, dark in enumerate([*cells, False]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                runs.append((row, start, column - start))
                start = None
    return len(matrix), runs
