"""Telegram glue. Every handler of the bot is registered here, in one place."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import (
    admin,
    aftercare,
    chasing,
    common,
    corrections,
    digest,
    draws,
    imports,
    listings,
    onboarding,
    people,
    practice,
    publication,
    replacements,
    tasks,
    team,
    texts,
    visits,
    withdrawals,
)


def register(app: Application) -> None:
    """Register all handlers; the group numbers matter and are explained inline."""
    # Group -1 runs first for every update: a redelivered update stops here.
    app.add_handler(TypeHandler(Update, common.guard), group=-1)

    # Group 0: exactly one of these answers each update, first match wins.
    private = filters.ChatType.PRIVATE
    # A party's signing link (/start s_…) first; any other code is an invite.
    app.add_handler(CommandHandler("start", visits.party_start,
                                   filters=private & filters.Regex(r"^/start s_")))
    app.add_handler(CommandHandler("start", onboarding.start, filters=private))
    app.add_handler(CommandHandler("help", onboarding.help_command, filters=private))
    app.add_handler(CommandHandler("language", onboarding.language, filters=private))
    app.add_handler(CommandHandler("cancel", onboarding.cancel, filters=private))
    app.add_handler(CommandHandler("invite", admin.invite, filters=private))
    app.add_handler(CommandHandler("people", people.people_command, filters=private))
    app.add_handler(CommandHandler("unbind", people.unbind_command, filters=private))
    app.add_handler(CommandHandler("withdraw", withdrawals.withdraw_command, filters=private))
    app.add_handler(CommandHandler("templates", imports.templates, filters=private))
    app.add_handler(CommandHandler("export", imports.export_command, filters=private))
    app.add_handler(CommandHandler("draw", draws.draw_command, filters=private))
    app.add_handler(CommandHandler("tasks", tasks.tasks_command, filters=private))
    app.add_handler(CommandHandler("reminders", chasing.reminders_command, filters=private))
    app.add_handler(CommandHandler("digest", digest.digest_command, filters=private))
    app.add_handler(CommandHandler("publish", publication.publish_command, filters=private))
    app.add_handler(CommandHandler("correct", corrections.correct_command, filters=private))
    app.add_handler(CommandHandler("team", team.team_command, filters=private))
    app.add_handler(CommandHandler("followups", aftercare.followups_command, filters=private))
    app.add_handler(CommandHandler("decisions", aftercare.decisions_command, filters=private))
    # Buttons: one handler for them all, parsing a press once and dispatching from every
    # journey's table of kind → function; a stale or forged button gets the stale alert.
    app.add_handler(common.Dispatcher((
        onboarding.BUTTONS, admin.BUTTONS, people.BUTTONS, withdrawals.BUTTONS, draws.BUTTONS,
        tasks.BUTTONS, replacements.BUTTONS, visits.BUTTONS, visits.PARTY, digest.BUTTONS,
        publication.BUTTONS, listings.BUTTONS, imports.BUTTONS, corrections.BUTTONS,
        aftercare.BUTTONS, aftercare.DECISIONS, practice.BUTTONS)).handler())
    # Photos, files, recordings and locations on site (an image sent as a file counts as a
    # photo). A follow-up's evidence when one is awaited; else a photo, a recording or a
    # document answering a question of type file, audio or video is the visit's evidence,
    # and a spreadsheet from the office is an import (handlers/texts.py route_file).
    app.add_handler(MessageHandler(private & (
        filters.PHOTO | filters.Document.ALL | filters.AUDIO | filters.VOICE | filters.VIDEO
        | filters.VIDEO_NOTE), texts.route_file))
    app.add_handler(MessageHandler(private & filters.LOCATION, texts.route_location))
    # Text during a flow goes to that flow; otherwise a polite pointer to /help.
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, texts.route_text))
    app.add_handler(MessageHandler(private & filters.COMMAND, onboarding.unknown_command))
    app.add_handler(MessageHandler(private, onboarding.unexpected_message))
    # Last, after whichever handler answered: the outbox sends what the update queued.
    app.add_handler(TypeHandler(Update, common.wake_after), group=1)
    # An update that changed nothing is recorded as handled by the intake (bot/tg/intake.py).
    app.add_error_handler(common.on_error)
