"""The public site's addresses (一公开, issue 31): where each page and file lives, the same
in the site built on disk, the site Choucha serves and the record's QR code. Pure."""

from __future__ import annotations

import re

PREFIX = "/public/"  # where `choucha run` serves the site
RECORD_HASH = re.compile(r"[0-9a-f]{64}")
LANGUAGES = ("zh_CN", "en")  # the Chinese pages at the root, the English ones under en/


def lang_root(lang: str) -> str:
    """The folder of a language's pages, relative to the site's root."""
    return "" if lang == "zh_CN" else "en/"


def record_path(record_hash: str) -> str:
    """A record's verification page, relative to a language's root."""
    return f"r/{record_hash}/"


def record_url(public_url: str, record_hash: str) -> str:
    """What a record's QR code holds: `CHOUCHA_PUBLIC_URL/r/<record hash>` (Choucha's server
    answers it with the page; a copy of the site on another server has it as a folder)."""
    return f"{public_url.rstrip('/')}/r/{record_hash}"


def site_url(public_url: str) -> str:
    return f"{public_url.rstrip('/')}{PREFIX}"


def plan_path(plan_id: int) -> str:
    return f"plans/{plan_id}/"


def draw_path(plan_id: int) -> str:
    """A plan's draw folder: its announcement, files, record and verifier."""
    return f"draws/{plan_id}/"


def department_path(code: str) -> str:
    return f"departments/{_slug(code)}/"


def _slug(code: str) -> str:
    """A code as one safe path segment (department codes are letters, digits, - and _)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", code) or "_"
