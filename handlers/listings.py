"""/publish, the item list and the plans: the office sees what publishing would publish,
gives the approving document's 文号 (or none) and publishes (bot/services/listings.py)."""

from __future__ import annotations

from telegram import Update

from bot.buttons.office import (
    ListingCancel,
    ListingItems,
    ListingPlan,
    ListingPlans,
    ListingPublish,
)
from bot.clock import now as clock_now
from bot.rules.models import Conversation, Flow
from bot.rules.records import ListingKind
from bot.services import conversations, listings
from bot.services.errors import Refusal, Refused
from bot.tg.markup import markup_of
from bot.views import listings as words
from handlers.common import Buttons, Context, Press, Who, office, person_of, reply

FLOW = Flow.LISTING  # the list or plan shown, until its 文号 is typed or Publish is pressed

BUTTONS = Buttons(words.refusal_text, office, Refusal.NOT_OFFICE)


@BUTTONS.on(ListingItems)
async def items(press: Press[ListingItems]) -> None:
    core, t = press.context.core, press.me.t
    state = await listings.items_state(core, person_of(press.me))
    if state.count:
        await conversations.begin(core, press.me.tg_user_id, FLOW, "doc",
                                  {"what": ListingKind.ITEMS, "shown": state.digest})
    await press.query.answer()
    text, markup = words.items_screen(t, state, core.settings.tz)
    await reply(press.update, text, reply_markup=markup_of(markup))


@BUTTONS.on(ListingPlans)
async def plans(press: Press[ListingPlans]) -> None:
    core = press.context.core
    states = await listings.plan_states(core, person_of(press.me))
    await press.query.answer()
    text, markup = words.plans_screen(press.me.t, states, core.settings.tz)
    await reply(press.update, text, reply_markup=markup_of(markup))


@BUTTONS.on(ListingPlan)
async def plan(press: Press[ListingPlan]) -> None:
    core = press.context.core
    state = await listings.plan_state(core, person_of(press.me), press.button.plan_id)
    await conversations.begin(core, press.me.tg_user_id, FLOW, "doc",
                              {"what": ListingKind.PLAN, "plan": state.plan_id,
                               "name": state.name, "shown": state.digest})
    await press.query.answer()
    text, markup = words.plan_screen(press.me.t, state, core.settings.tz)
    await reply(press.update, text, reply_markup=markup_of(markup))


async def _shown(press: Press[ListingPublish] | Press[ListingCancel]) -> Conversation:
    conversation = await conversations.current(press.context.core, press.me.tg_user_id)
    if conversation is None or conversation.flow != FLOW:
        raise Refused(Refusal.STALE)
    return conversation


@BUTTONS.on(ListingPublish)
async def publish(press: Press[ListingPublish]) -> None:
    core, actor, t = press.context.core, person_of(press.me), press.me.t
    data = (await _shown(press)).data
    doc_no, shown = data.get("doc"), data.get("shown")
    if ListingKind(data["what"]) == ListingKind.ITEMS:
        done = await listings.publish_items(core, actor, doc_no, clock_now(), shown)
    else:
        done = await listings.publish_plan(core, actor, int(data["plan"]), doc_no, clock_now(),
                                           shown)
    await conversations.cancel(core, press.me.tg_user_id)
    await press.query.answer()
    await reply(press.update, words.published_text(t, done, core.settings.tz,
                                                   core.settings.public_channel is not None))


@BUTTONS.on(ListingCancel)
async def cancel(press: Press[ListingCancel]) -> None:
    await _shown(press)
    await conversations.cancel(press.context.core, press.me.tg_user_id)
    await press.query.answer()
    await reply(press.update, words.cancelled_text(press.me.t))


async def doc_text(update: Update, context: Context, me: Who,
                   conversation: Conversation) -> None:
    """The 文号 typed: kept with the conversation, then Publish or Cancel."""
    message = update.effective_message
    assert message is not None and message.text is not None
    try:
        doc_no = listings.doc_number(message.text)
    except Refused as exc:
        await reply(update, words.refusal_text(me.t, exc))
        return
    if doc_no is None:
        await reply(update, words.refusal_text(me.t, Refused(Refusal.BAD_DOC_NO)))
        return
    data = {**conversation.data, "doc": doc_no}
    await conversations.begin(context.core, me.tg_user_id, FLOW, "confirm", data)
    text, markup = words.confirm_screen(me.t, ListingKind(data["what"]),
                                        str(data.get("name", "")), doc_no)
    await reply(update, text, reply_markup=markup_of(markup))
