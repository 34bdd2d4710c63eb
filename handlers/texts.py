"""Plain text goes to the flow that is waiting for it, or gets a polite pointer to /help."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.rules.models import Conversation
from bot.services import conversations, invite_flow, party
from bot.services import practice as practice_service
from bot.services import visits as visit_service
from handlers import (
    admin,
    aftercare,
    corrections,
    draws,
    imports,
    listings,
    practice,
    publication,
    replacements,
    visits,
    withdrawals,
)
from handlers.common import Context, Who, who
from handlers.onboarding import unexpected_message

Flow = Callable[[Update, Context, Who, Conversation], Awaitable[None]]
FLOWS: dict[str, Flow] = {
    invite_flow.FLOW: admin.invite_text,
    draws.FLOW: draws.draw_text,
    replacements.ASK: replacements.note_text,
    replacements.ASK_FOR: replacements.note_for_text,
    replacements.REJECT: replacements.reject_text,
    visits.FLOW: visits.visit_text,
    corrections.FLOW: corrections.reason_text,
    aftercare.FOLLOW_UP: aftercare.follow_up_text,
    aftercare.DECISION: aftercare.decision_text,
    publication.WITHHOLD: publication.withhold_text,
    listings.FLOW: listings.doc_text,
    party.FLOW: visits.party_text_message,
    withdrawals.FLOW: withdrawals.withdraw_text,
    practice.FLOW: practice.practice_text,
}


async def route_text(update: Update, context: Context) -> None:
    """Text for the flow the person is in (read once), or nothing anyone expected."""
    me = await who(update, context)
    conversation = await conversations.current(context.core, me.tg_user_id)
    if me.person is None and conversation is not None and conversation.flow != party.FLOW:
        conversation = None  # a stranger may be in one flow only: signing for the party
    flow = FLOWS.get(conversation.flow) if conversation else None
    if flow is None or conversation is None:
        await unexpected_message(update, context)
        return
    await flow(update, context, me, conversation)


async def route_file(update: Update, context: Context) -> None:
    """A photo, a file or a recording: a follow-up's evidence when one is awaited; a
    practice run's answer; otherwise a photo, an image or a recording is evidence of the
    visit, and so is a document sent at a question answered with files (file, audio,
    video); any other document is the office's import."""
    message = update.effective_message
    assert message is not None
    me = await who(update, context)
    if me.person is not None:
        conversation = await conversations.current(context.core, me.tg_user_id)
        if conversation is not None and conversation.flow == aftercare.FOLLOW_UP:
            await aftercare.evidence_file(update, context, me, conversation)
            return
    else:
        conversation = None
    document = message.document
    evidence = document is None or (document.mime_type or "").startswith("image/")
    if conversation is not None and conversation.flow == practice.FLOW and me.person:
        if evidence or practice_service.wants_files(context.core, me.person, conversation):
            await practice.photo_message(update, context, me)
            return
    elif evidence or (me.person is not None and await visit_service.wants_files(
            context.core, me.person, conversation)):
        await visits.photo_message(update, context)
        return
    await imports.document(update, context)


async def route_location(update: Update, context: Context) -> None:
    """A shared location: a practice run's answer, or a visit's (check-in or question)."""
    me = await who(update, context)
    if me.person is not None:
        conversation = await conversations.current(context.core, me.tg_user_id)
        if conversation is not None and conversation.flow == practice.FLOW:
            await practice.location_message(update, context, me)
            return
    await visits.location_message(update, context)
