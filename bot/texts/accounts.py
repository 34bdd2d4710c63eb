"""The words of a person's access: what they are told when it ends."""

from __future__ import annotations

from bot.i18n import Translator

UNBOUND = "unbound"  # `end_access` reason: the office unbound the account


def ended_text(t: Translator, why: str) -> str:
    if why == UNBOUND:
        return t._("Your Telegram account is no longer linked to Choucha: your office"
                   " unlinked it. If this is a mistake, ask your office for a new invite.")
    return t._("Your access to Choucha has ended: the directory no longer lists you as in"
               " service. If this is a mistake, ask your office for a new invite.")
