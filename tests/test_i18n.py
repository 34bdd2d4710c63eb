"""Every message a person reads exists in zh_CN and en."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, extract_messages, locales_dir, translated, translator

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def catalog(lang: str):  # type: ignore[no-untyped-def]
    with (locales_dir() / lang / "LC_MESSAGES" / "choucha.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def test_every_message_is_translated_in_both_languages() -> None:
    wanted = {m.id for m in extract_messages() if m.id}
    assert len(wanted) > 40
    for lang in LANGUAGES:
        translations = {m.id: m for m in catalog(lang) if m.id}
        missing = sorted(str(w) for w in wanted if w not in translations
                         or not translated(translations[w].string) or translations[w].fuzzy)
        assert missing == [], f"{lang} lacks translations for: {missing}"
        for msgid in wanted:
            source = msgid[0] if isinstance(msgid, tuple) else msgid
            strings = translations[msgid].string
            for text in strings if isinstance(strings, tuple) else (strings,):
                assert sorted(PLACEHOLDER.findall(source)) == sorted(
                    PLACEHOLDER.findall(text)), f"{lang}: placeholders differ for {source!r}"


def test_compiled_catalogs_are_used() -> None:
    assert translator("zh_CN")._("Language set to English.") == "语言已切换为中文。"
    assert translator("en")._("Language set to English.") == "Language set to English."
    assert translator("zh-hans").lang == "zh_CN"
    assert translator("en-US").lang == "en"
    assert translator(None).lang == "zh_CN"


def test_one_rule_decides_the_language_a_person_reads() -> None:
    """The account's choice, else the person's, else the Telegram app's, else Chinese."""
    from bot.i18n import language_of
    from bot.rules.models import Person, TelegramAccount

    def account(language: str | None, code: str | None) -> TelegramAccount:
        return TelegramAccount(1, 2, 3, None, None, code, language, None)

    person_en = Person(2, "张三", None, "en", True)
    person_none = Person(2, "张三", None, None, True)
    assert language_of(account("zh_CN", "en"), person_en) == "zh_CN"
    assert language_of(account(None, "zh-hans"), person_en) == "en"
    assert language_of(account(None, "en-US"), person_none) == "en"
    assert language_of(account(None, None), person_none) == "zh_CN"
    assert language_of(None, None, "en-GB") == "en"
    assert language_of(None, None) == "zh_CN"
    assert language_of(account("fr", "fr"), person_none) == "zh_CN"  # not ours: Chinese
    assert language_of(None, person_none, client="en") == "en"
