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


class FontMissing(RuntimeError):
    """No CJK font: install Debian's fonts-wqy-microhei or set CHOUCHA_CJK_FONT."""


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    override = os.environ.get("CHOUCHA_CJK_FONT")
    for candidate in ([override] if override else []) + list(CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(
        "no CJK font found: install Debian's fonts-wqy-microhei or set CHOUCHA_CJK_FONT"
    )


@lru_cache(maxsize=32)
def cjk_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(cjk_font_path()), size)
