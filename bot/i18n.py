"""gettext catalogs: zh_CN first, en second. Message ids are English source text."""

from __future__ import annotations

import enum
import gettext
import logging
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

logger = logging.getLogger(__name__)

DOMAIN = "choucha"


class Lang(enum.StrEnum):
    """A language Choucha speaks (a gettext catalogue in locales/)."""

    ZH_CN = "zh_CN"
    EN = "en"


LANGUAGES: tuple[Lang, ...] = tuple(Lang)
DEFAULT_LANGUAGE = Lang.ZH_CN
LANGUAGE_NAMES = {Lang.ZH_CN: "中文", Lang.EN: "English"}


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


def locales_dir() -> Path:
    override = os.environ.get("CHOUCHA_LOCALES_DIR")
    return Path(override) if override else Path(__file__).resolve().parent.parent / "locales"


def compile_catalogs(force: bool = False) -> list[Path]:
    """Compile every .po into .mo where the .mo is missing or older; return what was written."""
    written: list[Path] = []
    for lang in LANGUAGES:
        po = locales_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo = po.with_suffix(".mo")
        if not po.exists():
            raise FileNotFoundError(f"missing catalog {po}")
        if force or not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=lang, domain=DOMAIN)
            tmp = mo.with_suffix(".mo.tmp")
            with tmp.open("wb") as fh:
                write_mo(fh, catalog)
            tmp.replace(mo)
            written.append(mo)
    return written


def normalize_language(code: str | None) -> str:
    """Map a Telegram language_code (zh-hans, en-US, …) or a stored choice to ours."""
    if not code:
        return DEFAULT_LANGUAGE
    low = code.lower().replace("-", "_")
    if low.startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


class Chooses(Protocol):
    """What holds a language choice: a Telegram account or a person (bot/rules/models.py;
    a protocol, so that this module, below the rules, imports none of them)."""

    @property
    def language(self) -> str | None: ...


class Account(Chooses, Protocol):
    @property
    def language_code(self) -> str | None: ...


def language_of(account: Account | None, person: Chooses | None,
                client: str | None = None) -> str:
    """The one rule for which language a person reads: what they chose (on their Telegram
    account, else on their person), else what their Telegram app uses (`client`, else the
    account's last known language_code), else Chinese."""
    for chosen in (account.language if account else None, person.language if person else None):
        if chosen in LANGUAGES:
            return str(chosen)
    return normalize_language(client if client is not None
                              else account.language_code if account else None)


def translator_for(account: Account | None, person: Chooses | None,
                   client: str | None = None) -> Translator:
    """The translator of `language_of`."""
    return translator(language_of(account, person, client))


def system_language(env: dict[str, str] | None = None) -> str:
    """The command line's language, from the locale the user set (CHOUCHA_LANG first):
    Chinese for zh*, English for en* and for the plain C/POSIX locale."""
    env = dict(os.environ) if env is None else env
    for key in ("CHOUCHA_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = (env.get(key) or "").split(":")[0].strip().lower()
        if not value:
            continue
        if value.startswith("zh"):
            return "zh_CN"
        if value.startswith("en") or value in ("c", "posix") or value.startswith("c."):
            return "en"
    return "en"


class Translator:
    """Translations for one language; `_` is the gettext function for extraction."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        self._t = _load(self.lang)

    def __reduce__(self) -> tuple[Any, ...]:  # sent to a worker process by its language
        return (translator, (self.lang,))

    def _(self, message: str) -> str:
        return self._t.gettext(message)

    gettext = _

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)


@cache
def _load(lang: str) -> gettext.NullTranslations:
    compile_catalogs()
    try:
        return gettext.translation(DOMAIN, localedir=str(locales_dir()), languages=[lang])
    except OSError:
        logger.error("no compiled catalog for %s; showing source text", lang)
        return gettext.NullTranslations()


@cache
def translator(lang: str | None) -> Translator:
    return Translator(normalize_language(lang) if lang not in LANGUAGES else str(lang))


def gettext_for(lang: str | None) -> Callable[[str], str]:
    """The `_` function for a language."""
    return translator(lang).gettext


def extract_messages() -> Catalog:
    """Every translatable message in the code (what `_`, `ngettext` and `N_` mark)."""
    root = Path(__file__).resolve().parent.parent
    catalog = Catalog(project="choucha", domain=DOMAIN, charset="utf-8")
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    for package in ("bot", "handlers", "storage"):
        for filename, lineno, message, comments, context in extract_from_dir(
            root / package, method_map=[("**.py", "python")], keywords=keywords
        ):
            catalog.add(message, None, [(f"{package}/{filename}", lineno)],
                        auto_comments=comments, context=context)
    return catalog


def translated(string: str | tuple[str, ...] | list[str] | None) -> bool:
    """A message's translation is there (every plural form, for a plural message)."""
    if isinstance(string, tuple | list):
        return bool(string) and all(string)
    return bool(string)


def update_catalogs() -> list[str]:
    """Refresh the template and merge it into each catalog; English copies its source text."""
    template = extract_messages()
    base = locales_dir()
    with (base / f"{DOMAIN}.pot").open("wb") as fh:
        write_po(fh, template, omit_header=False, sort_output=True, no_location=True)
    report = []
    for lang in LANGUAGES:
        po = base / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        po.parent.mkdir(parents=True, exist_ok=True)
        if po.exists():
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=lang, domain=DOMAIN)
        else:
            catalog = Catalog(locale=lang, domain=DOMAIN, project="choucha", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        missing = 0
        for message in catalog:
            if not message.id:
                continue
            if lang == "en" and not translated(message.string):
                message.string = message.id
            if not translated(message.string):
                missing += 1
        catalog.obsolete.clear()
        with po.open("wb") as fh:
            write_po(fh, catalog, sort_output=True, no_location=True, ignore_obsolete=True)
        report.append(f"{lang}: {len(catalog)} messages, {missing} untranslated")
    return report
