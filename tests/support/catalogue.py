"""The translation catalogue as the tests read it: each message's ids (singular, plural)
and its strings (one per plural form; an untranslated one is empty)."""

from __future__ import annotations

from dataclasses import dataclass

from babel.messages.pofile import read_po

from bot.i18n import locales_dir


@dataclass(frozen=True)
class Entry:
    ids: tuple[str, ...]
    strings: tuple[str, ...]


def entries(language: str) -> list[Entry]:
    """Every message of `language`'s catalogue but its header."""
    with (locales_dir() / language / "LC_MESSAGES" / "choucha.po").open("rb") as fh:
        found = read_po(fh, locale=language)
    return [Entry(tuple(str(i) for i in (m.id if isinstance(m.id, tuple) else (m.id,))),
                  tuple(str(s or "") for s in (m.string if isinstance(m.string, tuple)
                                               else (m.string,))))
            for m in found if m.id]
