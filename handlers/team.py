"""/team: a supervisor's view of what waits in their departments."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.buttons.replacements import ReplacementApprove, ReplacementReject
from bot.buttons.tasks import TaskCard
from bot.services import team
from bot.services.errors import Refused
from bot.views import team as words
from handlers.common import Sent, command, key, reply


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
    rows = [[key(t._("✅ Approve {n}").format(n=n), ReplacementApprove(r.id)),
             key(t._("❌ Reject {n}").format(n=n), ReplacementReject(r.id))]
            for n, r in enumerate(view.approvals[:team.LISTED], start=1)]
    rows += [[key(f"🔴 {n}. {task.target[:30]}", TaskCard(task.id))]
             for n, task in enumerate(view.overdue, start=1)]
    await reply(sent.update, words.team_text(t, view, today, core.settings.tz),
                reply_markup=InlineKeyboardMarkup(rows) if rows else None)
