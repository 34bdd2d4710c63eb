"""An A4 document in the CJK font, as Choucha's PDFs are: every text goes through `cell`
and `multi_cell`, so that the fallback fonts (℃, ㎡, ①) are registered the first time a
text needs them, not for every document."""

from __future__ import annotations

import io
from typing import Any

from fpdf import FPDF

from bot.formats.rendering.fonts import need_fonts, pdf_fonts
from bot.formats.rendering.qr import qr_image


class CjkDocument(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        pdf_fonts(self)
        self.set_auto_page_break(True, margin=16)
        self.set_title(title)

    def cell(self, *args: Any, **kwargs: Any) -> Any:
        need_fonts(self, str(kwargs.get("text", args[2] if len(args) > 2 else "")))
        return super().cell(*args, **kwargs)

    def multi_cell(self, *args: Any, **kwargs: Any) -> Any:
        need_fonts(self, str(kwargs.get("text", args[2] if len(args) > 2 else "")))
        return super().multi_cell(*args, **kwargs)

    def qr_code(self, text: str, size: float) -> None:
        """A QR code of `text`, `size` mm wide, where the page stands."""
        buffer = io.BytesIO()
        qr_image(text, 300).save(buffer, format="PNG")
        self.image(buffer, w=size, h=size)
