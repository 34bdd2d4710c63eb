"""An update handled late says so: "done after a restart".

A press or a message the bot took in just before it stopped (a crash, a restart) is
handled when it starts again, and one made while it was down arrives when it is back;
the person may have waited a minute and wondered. The first message the bot sends to
that person's chat for such an update begins with a short line saying so (issue 28).

Late means: kept in the inbox before this start (`Intake.resume`: after a restart), or,
for an update that arrived otherwise, a message sent (or edited) more than
`LATE_AFTER` seconds before it is handled, or a press Telegram no longer lets the bot
answer ("query is too old", bot/tg/tgbot.py). Those two say "after a restart" in the
first minutes of the process, and "late" after that (the bot was busy, not down).

The note belongs to the task that handles the update: a task started from it (the
outbox woken by the handler copies the context) never shows it. The line is in the
person's language: `who` (handlers/common.py) gives the translator, and a handler that
changes the language gives the new one.
"""

from __future__ import annotations

import asyncio
import contextvars
import enum
import html
import time
from dataclasses import dataclass, field
from datetime import datetime

from telegram import Update

from bot.i18n import Translator

LATE_AFTER = 60.0  # seconds between a message's date and its handling
_started = [time.monotonic()]  # the bot's start: "after a restart" within 2 * LATE_AFTER


def started() -> None:
    """The bot starts taking updates (bot/tg/intake.py)."""
    _started[0] = time.monotonic()


class Lateness(enum.Enum):
    ON_TIME = "on_time"
    AFTER_RESTART = "after_restart"
    LATE = "late"


def _since_start() -> Lateness:
    return (Lateness.AFTER_RESTART if time.monotonic() - _started[0] < 2 * LATE_AFTER
            else Lateness.LATE)


@dataclass
class LateNote:
    """The update being handled: its chat, whether (and why) it is late, in which
    language to say so, and the task handling it."""

    chat_id: int | None
    lateness: Lateness = Lateness.ON_TIME
    t: Translator | None = None
    told: bool = False
    task: asyncio.Task[object] | None = field(default_factory=asyncio.current_task)

    def line(self, chat_id: object, is_html: bool) -> str:
        """The line to put first in a message to `chat_id` (once per update), or ""."""
        if (self.lateness is Lateness.ON_TIME or self.told or self.t is None
                or chat_id != self.chat_id or asyncio.current_task() is not self.task):
            return ""
        self.told = True
        text = (self.t._("⏱ Done after a restart of the bot:")
                if self.lateness is Lateness.AFTER_RESTART
                else self.t._("⏱ Done late (the bot was busy):"))
        return (html.escape(text) if is_html else text) + "\n"


current: contextvars.ContextVar[LateNote | None] = contextvars.ContextVar(
    "late_note", default=None)


def begin(update: Update, resumed: bool, now: datetime) -> None:
    """The intake starts handling `update` (`resumed`: kept in the inbox before this
    start)."""
    chat = update.effective_chat
    lateness = Lateness.AFTER_RESTART if resumed else Lateness.ON_TIME
    message = update.message or update.edited_message
    if message is not None and lateness is Lateness.ON_TIME:
        sent = message.edit_date or message.date  # an edit: when it was edited
        if (now - sent).total_seconds() > LATE_AFTER:
            lateness = _since_start()
    current.set(LateNote(chat.id if chat else None, lateness))


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
    if note is not None and note.lateness is Lateness.ON_TIME:
        note.lateness = _since_start()


def line(chat_id: object, is_html: bool) -> str:
    note = current.get()
    return note.line(chat_id, is_html) if note is not None else ""
