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
