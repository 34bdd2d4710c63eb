"""The words of onboarding that the services send."""

from __future__ import annotations

from bot.i18n import Translator


def joined_text(t: Translator, name: str) -> str:
    """To the inviter: the invited person registered (`name` escaped)."""
    return t._("✅ {name} has joined Choucha with your invite: their tasks"
               " reach them from now on. Nothing more is needed from you.").format(name=name)
