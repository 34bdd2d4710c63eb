"""Plain text goes to the flow that is waiting for it, or gets a polite pointer to /help."""

from __future__ import annotations

from telegram import Update

from handlers import admin, draws
from handlers.common import Context
from handlers.onboarding import unexpected_message


async def route_text(update: Update, context: Context) -> None:
    """The invite flow's name, a draw's entropy, or nothing anyone expected."""
    for flow in (admin.invite_text, draws.draw_text):
        if await flow(update, context):
            return
    await unexpected_message(update, context)
