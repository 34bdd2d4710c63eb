"""An A4 document in the CJK font, as Choucha's PDFs are: every text goes through `cell`
and `multi_cell`, so that the fallback fonts (℃, ㎡, ①) are registered the first time a
text needs them, not for every document."""

from __future__ import annotations

from typing import Any

from fpdf import FPDF

from bot.formats.rendering.fonts import need_fonts, pdf_fonts


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
