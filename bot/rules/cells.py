"""Text that a spreadsheet program may open: what it would run as a formula.

Every file Choucha writes for people to open (CSV exports, the draw's published .tsv
files) escapes such text; identifiers that take part in a draw (执法证号, department
codes) are refused on import instead, since escaping would change them."""

from __future__ import annotations

import unicodedata

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def starts_formula(value: str) -> bool:
    """Whether a spreadsheet may read `value` as a formula: it begins with = + - @, a tab
    or a carriage return, the first character read as NFKC folds it, since a spreadsheet
    may take the full-width ＝＋－＠ of a Chinese keyboard for the operators (issue 29)."""
    return unicodedata.normalize("NFKC", value[:1]).startswith(FORMULA_START)


def safe_text(value: str) -> str:
    """Text a spreadsheet program will not run: a cell beginning like a formula gets a
    leading apostrophe (OWASP's CSV injection advice)."""
    return "'" + value if starts_formula(value) else value
