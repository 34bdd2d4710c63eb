"""/team: a supervisor's view of what waits in their departments."""

from __future__ import annotations

from bot.services import team
from bot.services.errors import Refused
from bot.tg.markup import markup_of
from bot.views import team as words
from handlers.common import Sent, command, reply


@command()
async def team_command(sent: Sent) -> None:
    """/team: approvals waiting (with their buttons), tasks by status with the overdue first
    (each opens its card), and the people not registered."""
    core, t = sent.context.core, sent.t
    today = core.today()
    try:
        view = await team.overview(core, sent.person, today)
    except Refused as exc:
        await reply(sent.update, words.refusal_text(t, exc))
        return
    await reply(sent.update, words.team_text(t, view, today, core.settings.tz),
                reply_markup=markup_of(words.team_keyboard(t, view)))
