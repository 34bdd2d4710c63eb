"""The context every handler and job receives: PTB's, plus the core and the outbox wake-up.

A custom context type (PTB's `ContextTypes(context=…)`, see its contexttypesbot example),
so that handlers write `context.core` instead of looking keys up in `bot_data`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.core import Core

CORE_KEY = "core"
WAKE_KEY = "wake_outbox"
SETTINGS_KEY = "settings"


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any],
                                 dict[Any, Any]]):
    """PTB's callback context with the bot's own resources as attributes."""

    @property
    def core(self) -> Core:
        """The database, settings and workers (opened at start, see bot/tg/app.py)."""
        core: Core = self.application.bot_data[CORE_KEY]
        return core

    def wake_outbox(self) -> None:
        """Ask the sender to run now rather than at its next tick."""
        wake_outbox(self.application.bot_data)


def wake_outbox(bot_data: dict[Any, Any]) -> None:
    """Ask the outbox sender of the application holding `bot_data` to run now (a no-op
    before it has started)."""
    wake: Callable[[], None] | None = bot_data.get(WAKE_KEY)
    if wake is not None:
        wake()


CONTEXT_TYPES: ContextTypes[BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any]] = (
    ContextTypes(context=BotContext))


# How the handlers are put on an Application (handlers.register): given to the wiring by
# the entry point, so that nothing in `bot` imports `handlers`.
Register = Callable[[Any], None]
