"""The words of an invite on paper: the QR card and the sheet of cards."""

from __future__ import annotations

from bot.i18n import Translator


def no_department(t: Translator) -> str:
    return t._("no department")


def cert_line(t: Translator, masked: str) -> str:
    return t._("执法证号 {cert}").format(cert=masked)


def card_title(t: Translator) -> str:
    return t._("Choucha 抽查 · invitation")


def card_instructions(t: Translator) -> str:
    return t._("Scan with your phone's camera or Telegram, then tap Start.")


def valid_until(t: Translator, expires: str) -> str:
    return t._("Valid once, until {expires}").format(expires=expires)
