"""The fonts every rendering draws with: a CJK font first, then fallback fonts for the
symbols it lacks, each character drawn with the first font that really has its glyph.

A record holds texts written by others (checklist labels and choices from XLSForms, free
answers), so it can hold ℃, ㎡, ①, ×, Greek letters and arrows as well as Chinese.
WenQuanYi Micro Hei maps some of them (℃ ℉ among others) to an empty glyph: a font's
character map is not enough to tell, so a glyph counts only when it draws something (a
space counts when it is whitespace). The fonts, in order:

- the CJK font: Debian's fonts-wqy-microhei (or CHOUCHA_CJK_FONT);
- DejaVu Sans, Debian's fonts-dejavu-core: letterlike symbols (℃ ℉), mathematical
  operators, general punctuation, geometric shapes, drawn to match a sans-serif text;
- GNU Unifont, Debian's fonts-unifont, the last resort: a glyph for every character of
  the Basic Multilingual Plane (〜, ㉑, Ⓐ, the rarer ideographs 㐀 and 鿿) and, in its
  "upper" face, of the next plane (an answer typed with an emoji). Its glyphs are drawn
  on a pixel grid: plainer than the others, but never a blank where a character was.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from fpdf import FPDF
from PIL import ImageDraw, ImageFont

CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
# The fallback fonts, in order, with the Debian package that installs each (scripts/setup).
FALLBACKS = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "fonts-dejavu-core"),
    ("/usr/share/fonts/opentype/unifont/unifont.otf", "fonts-unifont"),
    ("/usr/share/fonts/opentype/unifont/unifont_upper.otf", "fonts-unifont"),
)
# Unifont's header dates its build at the epoch; fontTools warns of it at every subset.
logging.getLogger("fontTools.ttLib.tables._h_e_a_d").setLevel(logging.ERROR)

PACKAGES = ("fonts-wqy-microhei", "fonts-dejavu-core", "fonts-unifont")


PACKAGE = "fonts-wqy-microhei"  # the Debian package scripts/setup installs


class FontMissing(RuntimeError):
    """A font is missing: install Debian's fonts-wqy-microhei, fonts-dejavu-core and
    fonts-unifont (scripts/setup does), or set CHOUCHA_CJK_FONT for the CJK one.
    `override`: the file CHOUCHA_CJK_FONT names when that is what is missing;
    `packages`: the Debian packages that would provide what is missing."""

    def __init__(self, message: str, override: str | None = None,
                 packages: tuple[str, ...] = (PACKAGE,)) -> None:
        super().__init__(message)
        self.override = override
        self.packages = packages


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    """The font file: CHOUCHA_CJK_FONT when set (a name that is no file is an error, not
    silently another font), else the first of the usual places that exists."""
    override = os.environ.get("CHOUCHA_CJK_FONT", "").strip()
    if override:
        if Path(override).is_file():
            return Path(override)
        raise FontMissing(f"CHOUCHA_CJK_FONT names {override}, which is not a file", override)
    for candidate in CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(
        f"no CJK font found: install Debian's {PACKAGE} or set CHOUCHA_CJK_FONT"
    )


@lru_cache(maxsize=1)
def font_paths() -> tuple[Path, ...]:
    """Every font a rendering draws with, in the order a character is looked up."""
    missing = sorted({package for path, package in FALLBACKS if not Path(path).is_file()})
    if missing:
        raise FontMissing(f"fallback fonts missing: install Debian's {' '.join(missing)}",
                          packages=tuple(missing))
    return (cjk_font_path(), *(Path(path) for path, _ in FALLBACKS))


@lru_cache(maxsize=8)
def drawn(path: Path) -> frozenset[int]:
    """The code points `path` (the first face of a collection) draws a glyph for: mapped
    to a glyph with an outline, or whitespace mapped to any glyph. A code point mapped to
    an empty glyph (WenQuanYi's ℃) or to .notdef is not drawn."""
    from fontTools.ttLib import TTCollection, TTFont

    collection = path.suffix.lower() in (".ttc", ".otc")
    with (TTCollection(str(path)) if collection else TTFont(str(path))) as opened:
        font = opened.fonts[0] if isinstance(opened, TTCollection) else opened
        cmap = font.getBestCmap() or {}
        found: set[int] = set()
        if "glyf" in font:
            glyf = font["glyf"]
            for code, name in cmap.items():
                if name != ".notdef" and (chr(code).isspace()
                                          or glyf[name].numberOfContours != 0):
                    found.add(code)
        else:  # CFF outlines
            strings = font["CFF "].cff.topDictIndex[0].CharStrings
            for code, name in cmap.items():
                if name != ".notdef" and (chr(code).isspace() or _outlined(strings, name)):
                    found.add(code)
    return frozenset(found)


def _outlined(strings: Any, name: str) -> bool:
    """A CFF glyph draws a contour: a program of 7 bytes or more does (a width and
    `endchar` take at most 6; a closed contour needs a move and two lines); a shorter one
    is decompiled and looked at."""
    string = strings.charStringsIndex[strings.charStrings[name]]
    if string.bytecode is not None and len(string.bytecode) >= 7:
        return True
    string.decompile()
    return any(isinstance(op, str) and op.endswith("moveto") for op in string.program)


def font_for(char: str) -> Path | None:
    """The first font that draws `char`; None when none does."""
    code = ord(char)
    return next((path for path in font_paths() if code in drawn(path)), None)


def runs(text: str) -> Iterator[tuple[str, Path]]:
    """`text` cut into runs of characters drawn by one font (a character no font draws
    stays with the CJK font, which shows its missing-glyph box)."""
    current: Path | None = None
    run = ""
    for char in text:
        path = font_for(char) or font_paths()[0]
        if path != current and run:
            assert current is not None
            yield run, current
            run = ""
        current = path
        run += char
    if run and current is not None:
        yield run, current


# ------------------------------------------------------------------------------ PDFs

def pdf_fonts(pdf: FPDF, family: str = "cjk", texts: Iterable[str] = ()) -> None:
    """Register the CJK font on `pdf` as `family`, restricted to what it draws, and the
    fallback fonts that some character of `texts` needs; `need_fonts` adds more as other
    texts need them. Each fallback font registered costs time and memory on every
    document (docs/benchmarks.md), so none is registered that no character needs."""
    paths = font_paths()
    pdf.add_font(family, "", str(paths[0]), unicode_range=sorted(drawn(paths[0])))
    setattr(pdf, _FALLBACKS, (family, []))
    for text in texts:
        need_fonts(pdf, text)


_FALLBACKS = "_choucha_fallbacks"  # on an FPDF: (family, indexes of fallback fonts added)


def need_fonts(pdf: FPDF, text: str) -> None:
    """Before `text` is printed on `pdf` (set up by `pdf_fonts`): the fallback fonts its
    characters need, registered once each, in the order of `font_paths`."""
    family, added = getattr(pdf, _FALLBACKS)
    paths = font_paths()
    wanted = {paths.index(path) for char in set(text)
              if (path := font_for(char)) is not None and path != paths[0]} - set(added)
    if not wanted:
        return
    for index in sorted(wanted):
        pdf.add_font(f"{family}-fallback{index}", "", str(paths[index]),
                     unicode_range=sorted(drawn(paths[index])))
        added.append(index)
    pdf.set_fallback_fonts([f"{family}-fallback{i}" for i in sorted(added)],
                           exact_match=False)


# ---------------------------------------------------------------------------- images

@lru_cache(maxsize=64)
def _image_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def cjk_font(size: int) -> ImageFont.FreeTypeFont:
    """The CJK font alone (for measuring its line height)."""
    return _image_font(cjk_font_path(), size)


def text_width(text: str, size: int) -> float:
    """The width in pixels of `text` drawn by `draw_text`."""
    return sum(_image_font(path, size).getlength(run) for run, path in runs(text))


def draw_text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int,
              fill: str | tuple[int, ...]) -> None:
    """Draw one line of `text` with its top at `xy`, each run in the font that has its
    glyphs, all on the CJK font's baseline."""
    x, y = xy
    baseline = y + cjk_font(size).getmetrics()[0]
    for run, path in runs(text):
        font = _image_font(path, size)
        draw.text((x, baseline), run, font=font, fill=fill, anchor="ls")
        x += font.getlength(run)
