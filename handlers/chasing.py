"""/reminders: the latest reminders a person got, each with why."""

from __future__ import annotations

from bot.services import chasing
from bot.texts import chasing as words
from handlers.common import Sent, command, reply


@command()
async def reminders_command(sent: Sent) -> None:
    """/reminders: the person's latest reminders and why."""
    me, update = sent.me, sent.update
    found = await chasing.my_reminders(sent.context.core, sent.person.id)
    if not found:
        await reply(update, words.no_reminders_text(me.t))
        return
    lines = [words.reminders_head(me.t), ""]
    for row in found:
        lines.append(f"<b>{row.day.isoformat()}</b> "
                     + words.owed_text(me.t, row.owed()))
        lines.append("")
    await reply(update, "\n".join(lines).strip())
