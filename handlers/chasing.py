"""/reminders: the latest reminders a person got, each with why."""

from __future__ import annotations

from telegram import Update

from bot.services import chasing
from handlers.common import Context, reply, who
from handlers.onboarding import access_text


async def reminders_command(update: Update, context: Context) -> None:
    me = await who(update, context)
    if me.person is None:
        await reply(update, access_text(me.t))
        return
    found = await chasing.my_reminders(context.core, me.person.id)
    if not found:
        await reply(update, me.t._("You have had no reminders."))
        return
    lines = [me.t._("🔔 Your latest reminders and why you got them:"), ""]
    for row in found:
        lines.append(f"<b>{row.day.isoformat()}</b> "
                     + chasing.stored_text(me.t, row.kind, row.step, row.reason))
        lines.append("")
    await reply(update, "\n".join(lines).strip())
