"""Every character a record can hold is drawn: checklist labels and choices come from
XLSForms written by others, answers are free text, so the record's fonts must draw ℃, ㎡,
①, arrows and Greek letters as well as Chinese (bot/formats/rendering/fonts.py).

A glyph counts as drawn only when it has an outline: WenQuanYi Micro Hei maps ℃ to an
empty glyph, so a font's character map alone would call ℃ present while the PDF printed
"温度（ ）". The negative controls below show that the check catches that blank, and a
character that no font has at all."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw

from bot.formats.rendering import fonts
from bot.formats.rendering.invite_card import CardText, render_invite_card
from bot.formats.rendering.invite_sheet import SheetCard, SheetText, invite_sheet_pdf
from bot.formats.rendering.record_pdf import _Record


def _chars(*ranges: tuple[int, int], step: int = 1) -> str:
    """The assigned, visible characters of inclusive ranges (no controls, format
    characters, surrogates, private use or unassigned code points)."""
    return "".join(chr(c) for first, last in ranges for c in range(first, last + 1, step)
                   if unicodedata.category(chr(c)) not in ("Cc", "Cf", "Cs", "Co", "Cn"))


# What a record can hold, block by block.
RECORD_CHARACTERS = {
    "CJK Unified Ideographs (the whole basic block)": _chars((0x4E00, 0x9FFF)),
    "CJK Unified Ideographs Extension A (every 8th)": _chars((0x3400, 0x4DBF), step=8),
    "ASCII": _chars((0x20, 0x7E)),
    "Latin-1 (×, ÷, ±, °, ¥, é…)": _chars((0xA0, 0xFF)),
    "Latin Extended-A (pinyin: ā ē ǐ…)": _chars((0x100, 0x17F), (0x1CD, 0x1DC)),
    "Greek (α, β, Ω, μ…)": _chars((0x391, 0x3A9), (0x3B1, 0x3C9)),
    "Cyrillic (in foreign names)": _chars((0x410, 0x44F)),
    "General punctuation (— … ‰ ※)": _chars((0x2010, 0x203E)),
    "Currency (€, ₩)": _chars((0x20A0, 0x20BF)),
    "Letterlike symbols (℃ ℉ № ™ Ω)": _chars((0x2100, 0x214F)),
    "Number forms (Ⅰ–Ⅻ, ⅰ–ⅻ, ½)": _chars((0x2150, 0x2189)),
    "Arrows (→ ← ↑ ↓ ⇒)": _chars((0x2190, 0x21FF)),
    "Mathematical operators (≤ ≥ ≠ ≈ √ ∞)": _chars((0x2200, 0x22FF)),
    "Enclosed alphanumerics (①–⑳, ⑴, ⒈, Ⓐ)": _chars((0x2460, 0x24FF)),
    "Box drawing and geometric shapes (□ ■ △ ○ ●)": _chars((0x2500, 0x25FF)),
    "Miscellaneous symbols (☐ ☑ ☒ ★ ☆)": _chars((0x2600, 0x26FF)),
    "Dingbats (✓ ✔ ✗ ✘)": _chars((0x2700, 0x27BF)),
    "CJK symbols and punctuation (、。《》【】〜)": _chars((0x3000, 0x303F)),
    "Bopomofo": _chars((0x3105, 0x312F)),
    "Enclosed CJK letters and months (㈠ ㈱ ㉑)": _chars((0x3200, 0x32FF)),
    "CJK compatibility (㎡ ㎏ ㎝ ㏄)": _chars((0x3300, 0x33FF)),
    "CJK compatibility forms (︵ ︶)": _chars((0xFE30, 0xFE4F)),
    "Fullwidth forms (！ （ ） ： ； ～ ￥)": _chars((0xFF01, 0xFF5E), (0xFFE0, 0xFFE6)),
    "Emoji typed in an answer (👍 ✅ ❌ 😀)": "👍✅❌😀🙂⚠",
}


def not_drawn(pdf: FPDF) -> set[str]:
    """The characters written on `pdf` that it does not draw: looked up in no font
    (fpdf2's missing glyphs), or given a glyph without an outline."""
    blank: set[str] = set()
    for font in pdf.fonts.values():
        blank |= {chr(code) for code in getattr(font, "missing_glyphs", [])}
        path = getattr(font, "ttffile", None)
        if path is None:
            continue
        inked = fonts.drawn(Path(path))
        for glyph, _ in font.subset.items():
            if glyph is None or not glyph.unicode:
                continue
            for code in glyph.unicode:
                if code not in inked and code >= 0x20:
                    blank.add(chr(code))
    return blank


def checked(pdf: FPDF) -> set[str]:
    """`not_drawn`, the font files closed afterwards (as output() would close them)."""
    try:
        return not_drawn(pdf)
    finally:
        for font in pdf.fonts.values():
            close = getattr(font, "close", None)
            if close is not None:
                close()


def record_with(text: str) -> _Record:
    """The record PDF's own document, with `text` written as the record writes a line."""
    pdf = _Record("0" * 64)
    pdf.add_page()
    for start in range(0, len(text), 1500):
        pdf.line_of(text[start:start + 1500], size=6)
    return pdf


def test_every_character_a_record_can_hold_has_a_font_that_draws_it() -> None:
    lacking = {block: "".join(c for c in chars if fonts.font_for(c) is None)
               for block, chars in RECORD_CHARACTERS.items()}
    assert {block: chars for block, chars in lacking.items() if chars} == {}
    assert sum(len(chars) for chars in RECORD_CHARACTERS.values()) > 24_000


def test_the_record_pdf_draws_every_character_a_record_can_hold() -> None:
    everything = "".join(RECORD_CHARACTERS.values())
    pdf = record_with(everything)
    used = {font.fontkey: {chr(c) for g, _ in font.subset.items() if g is not None
                           for c in g.unicode}
            for font in pdf.fonts.values()}
    blank = checked(pdf)
    assert "".join(sorted(blank)) == ""
    # ℃ itself: in the symbol font, not in the CJK font's empty glyph.
    assert "℃" not in used["cjk"] and "℃" in used["cjk-fallback1"]
    assert "温" in used["cjk"]


def test_the_record_pdf_prints_a_checklist_label_with_its_unit(tmp_path: Path) -> None:
    """The label of the issue, end to end: pdftotext reads it back whole, and the symbol
    font is embedded for ℃."""
    pdf = _Record("0" * 64)
    pdf.add_page()
    pdf.line_of("· 阴凉区温度（℃）：18.5 · 面积 20㎡ · ① 合格 · 22℉ · 〜")
    path = tmp_path / "record.pdf"
    path.write_bytes(bytes(pdf.output()))
    assert not_drawn(pdf) == set()
    pdftotext = shutil.which("pdftotext")
    pdffonts = shutil.which("pdffonts")
    assert pdftotext and pdffonts, "poppler-utils is needed: scripts/setup test installs it"
    text = subprocess.run([pdftotext, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "阴凉区温度（℃）：18.5" in text and "20㎡" in text and "〜" in text
    embedded = subprocess.run([pdffonts, str(path)], capture_output=True, text=True,
                              check=True).stdout
    assert "DejaVuSans" in embedded and "WenQuanYi" in embedded


def test_negative_control_an_empty_glyph_is_caught() -> None:
    """WenQuanYi maps ℃ in its character map, to a glyph that draws nothing: a
    character-map check would pass it; the outline check and Pillow's ink both see the
    blank, and a PDF drawn with the CJK font alone is refused by `not_drawn`."""
    from fontTools.ttLib import TTCollection

    cjk = fonts.cjk_font_path()
    with TTCollection(str(cjk)) as collection:
        assert ord("℃") in collection.fonts[0].getBestCmap()
    assert ord("℃") not in fonts.drawn(cjk) and ord("温") in fonts.drawn(cjk)
    assert fonts.cjk_font(48).getmask("℃").getbbox() is None  # no ink at all
    assert fonts.cjk_font(48).getmask("温").getbbox() is not None

    alone = FPDF()
    alone.add_font("cjk", "", str(cjk))  # as the record was drawn before the fallbacks
    alone.add_page()
    alone.set_font("cjk", size=10)
    alone.multi_cell(0, 5, "阴凉区温度（℃）：18.5")
    assert checked(alone) == {"℃"}


def test_negative_control_a_character_no_font_has_is_caught() -> None:
    """U+20000 (CJK Extension B, outside the planes the fonts cover): no font draws it,
    and the check says so rather than passing a blank."""
    rare = "\U00020000"
    assert fonts.font_for(rare) is None
    assert checked(record_with(f"姓名：{rare}三")) == {rare}


def _ink(image: Image.Image) -> tuple[int, int, int, int] | None:
    return Image.eval(image, lambda v: 255 - v).getbbox()


def test_images_draw_symbols_in_the_fallback_font() -> None:
    """Invite cards draw through `draw_text`. The CJK font alone drew ℃ and ℉ as nothing
    and 〜 as its missing-glyph box (the same pixels as a character it lacks entirely);
    `draw_text` draws each with ink, and not as that box."""
    def drawn_alone(text: str) -> Image.Image:
        image = Image.new("L", (120, 80), 255)
        ImageDraw.Draw(image).text((10, 10), text, font=fonts.cjk_font(48), fill=0)
        return image

    def drawn_now(text: str) -> Image.Image:
        image = Image.new("L", (120, 80), 255)
        fonts.draw_text(ImageDraw.Draw(image), (10, 10), text, 48, 0)
        return image

    box = drawn_alone("\U00020000").tobytes()  # a character the CJK font lacks
    for text in ("℃", "℉"):
        assert _ink(drawn_alone(text)) is None and _ink(drawn_now(text)) is not None, text
    assert drawn_alone("〜").tobytes() == box
    assert _ink(drawn_now("〜")) is not None and drawn_now("〜").tobytes() != box
    assert fonts.text_width("22℃", 40) > fonts.text_width("22", 40)


def test_invite_card_and_sheet_draw_a_name_with_a_symbol(tmp_path: Path) -> None:
    """A department written with ① and a name with an Extension A character (䶮, as in
    刘䶮) print on the card and on the sheet."""
    card = render_invite_card(CardText("Choucha 抽查 · 邀请", "刘䶮", "市场监管局第①科",
                                       "执法检查人员", "用手机扫码", "有效期至 2026-12-01",
                                       "https://t.me/x?start=abc"))
    assert card.startswith(b"\x89PNG")
    assert fonts.font_for("䶮") is not None and fonts.font_for("①") is not None
    sheet = invite_sheet_pdf([SheetCard("刘䶮", "市场监管局第①科", "5301****0001", "检查人员",
                                        "有效期至 2026-12-01", "https://t.me/x?start=abc")],
                             SheetText("Choucha 抽查 · 邀请", "用手机扫码"))
    path = tmp_path / "sheet.pdf"
    path.write_bytes(sheet)
    pdftotext = shutil.which("pdftotext")
    assert pdftotext
    text = subprocess.run([pdftotext, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "刘䶮" in text and "第①科" in text
    embedded = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                              check=True).stdout
    assert "Unifont" in embedded  # 䶮 is drawn, by the last-resort font
