"""An update handled late says so: "done after a restart".

A press or a message the bot took in just before it stopped (a crash, a restart) is
handled when it starts again, and one made while it was down arrives when it is back;
the person may have waited a minute and wondered. The first message the bot sends to
that person's chat for such an update begins with a short line saying it was done after
a restart (issue 28).

Late means: kept in the inbox before the restart (`Intake.resume`), or a message sent
more than `LATE_AFTER` seconds before it is handled, or a press Telegram no longer lets
the bot answer ("query is too old", bot/tg/tgbot.py). The line is in the person's
language: `who` (handlers/common.py) gives the translator, and a handler that changes
the language gives the new one.
"""

from __future__ import annotations

import contextvars
import html
from dataclasses import dataclass
from datetime import datetime

from telegram import Update

from bot.i18n import Translator

LATE_AFTER = 60.0  # seconds between a message's date and its handling


@dataclass
class LateNote:
    """The update being handled: its chat, whether it is late, and in which language to
    say so."""

    chat_id: int | None
    late: bool = False
    t: Translator | None = None
    told: bool = False

    def line(self, chat_id: object, is_html: bool) -> str:
        """The line to put first in a message to `chat_id` (once per update), or ""."""
        if not self.late or self.told or self.t is None or chat_id != self.chat_id:
            return ""
        self.told = True
        text = self.t._("⏱ Done after a restart of the bot:")
        return (html.escape(text) if is_html else text) + "\n"


current: contextvars.ContextVar[LateNote | None] = contextvars.ContextVar(
    "late_note", default=None)


def begin(update: Update, resumed: bool, now: datetime) -> None:
    """The intake starts handling `update` (`resumed`: kept in the inbox before a start)."""
    chat = update.effective_chat
    message = update.message or update.edited_message
    stale = message is not None and (now - message.date).total_seconds() > LATE_AFTER
    current.set(LateNote(chat.id if chat else None, late=resumed or stale))


def end() -> None:
    current.set(None)


def speaks(t: Translator) -> None:
    """The person's language, once it is known (or after they changed it)."""
    note = current.get()
    if note is not None:
        note.t = t


def too_old() -> None:
    """Telegram no longer lets the bot answer the press being handled: it waited."""
    note = current.get()
    if note is not None:
        note.late = True


def line(chat_id: object, is_html: bool) -> str:
    note = current.get()
    return note.line(chat_id, is_html) if note is not None else ""
