"""Finding a font that has Chinese glyphs."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


PACKAGE = "fonts-wqy-microhei"  # the Debian package scripts/setup installs


class FontMissing(RuntimeError):
    """No CJK font: install Debian's fonts-wqy-microhei or set CHOUCHA_CJK_FONT.
    `override`: the file CHOUCHA_CJK_FONT names when that is what is missing."""

    def __init__(self, message: str, override: str | None = None) -> None:
        super().__init__(message)
        self.override = override


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


@lru_cache(maxsize=32)
def cjk_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(cjk_font_path()), size)
