"""The bot object every request goes through: texts fitted to Telegram's limits.

A message longer than Telegram takes is sent as several (cut at line boundaries, the
buttons under the last); an edit, a caption or an alert is cut to its limit with an
ellipsis. Handlers and the outbox write texts of any length; this is the one place that
makes them fit (bot/formats/rendering/fit.py)."""

from __future__ import annotations

import html
import logging
import re
from collections import OrderedDict
from typing import Any

from telegram import Message
from telegram.error import BadRequest
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.formats.rendering.fit import (
    ALERT_LIMIT,
    CAPTION_LIMIT,
    TEXT_LIMIT,
    cut_html,
    cut_plain,
    split_html,
)
from bot.tg import late

POOL = 64  # connections: chats are handled side by side
# Telegram's words for a callback query that can no longer be answered.
UNANSWERABLE = re.compile(r"query is too old|query id is invalid|already answered",
                          re.IGNORECASE)
# Telegram's words for a message that can no longer be edited.
UNEDITABLE = re.compile(r"message to edit not found|message can't be edited", re.IGNORECASE)
ANSWERED_KEPT = 4096  # callback query ids remembered as answered
logger = logging.getLogger(__name__)


def _html(kwargs: dict[str, Any]) -> bool:
    return str(kwargs.get("parse_mode") or "").upper() == "HTML"


def split_text(text: str, is_html: bool, limit: int = TEXT_LIMIT) -> list[str]:
    if is_html:
        return split_html(text, limit)
    # A plain text: split its escaped form, then read it back (escaping only lengthens).
    return [html.unescape(piece) for piece in split_html(html.escape(text, quote=False), limit)]


def cut_text(text: str, is_html: bool, limit: int) -> str:
    return cut_html(text, limit) if is_html else cut_plain(text, limit)


def _captioned(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    chat_id = kwargs.get("chat_id", args[0] if args else None)
    caption = late.line(chat_id, _html(kwargs)) + (kwargs.get("caption") or "")
    if caption:
        kwargs["caption"] = cut_text(caption, _html(kwargs), CAPTION_LIMIT)
    return kwargs


class ChouchaBot(ExtBot[None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The callback queries answered lately: each may be answered once.
        self._answered: OrderedDict[str, None] = OrderedDict()

    async def send_message(self, chat_id: Any, text: str,
                           *args: Any, **kwargs: Any) -> Message:
        text = late.line(chat_id, _html(kwargs)) + text
        pieces = split_text(text, _html(kwargs))
        if len(pieces) == 1:
            return await super().send_message(chat_id, text, *args, **kwargs)
        markup = kwargs.pop("reply_markup", None)
        for piece in pieces[:-1]:
            await super().send_message(chat_id, piece, *args, **kwargs)
            kwargs.pop("reply_parameters", None)  # only the first piece quotes
            kwargs.pop("reply_to_message_id", None)
        kwargs["reply_markup"] = markup
        return await super().send_message(chat_id, pieces[-1], *args, **kwargs)

    async def edit_message_text(self, text: str,
                                *args: Any, **kwargs: Any) -> Message | bool:
        """An edit of a message that is gone (the person deleted it) or too old to edit
        becomes a new message in that chat: what the person asked for still arrives."""
        chat_id = kwargs.get("chat_id")
        shown = late.line(chat_id, _html(kwargs)) + text
        try:
            return await super().edit_message_text(cut_text(shown, _html(kwargs), TEXT_LIMIT),
                                                   *args, **kwargs)
        except BadRequest as exc:
            if not UNEDITABLE.search(str(exc)) or chat_id is None:
                raise
            logger.info("message %s of chat %s cannot be edited (%s): sent anew",
                        kwargs.get("message_id"), chat_id, exc)
            return await self.send_message(
                chat_id, shown, parse_mode=kwargs.get("parse_mode"),
                reply_markup=kwargs.get("reply_markup"),
                link_preview_options=kwargs.get("link_preview_options"))

    async def edit_message_reply_markup(self, *args: Any, **kwargs: Any) -> Message | bool:
        """Buttons changed on a message that is gone: nothing to change (the step's own
        message says what comes next)."""
        try:
            return await super().edit_message_reply_markup(*args, **kwargs)
        except BadRequest as exc:
            if not UNEDITABLE.search(str(exc)):
                raise
            logger.info("the buttons of message %s cannot be changed (%s)",
                        kwargs.get("message_id"), exc)
            return False

    async def send_photo(self, *args: Any, **kwargs: Any) -> Message:
        return await super().send_photo(*args, **_captioned(args, kwargs))

    async def send_document(self, *args: Any, **kwargs: Any) -> Message:
        return await super().send_document(*args, **_captioned(args, kwargs))

    async def edit_message_caption(self, *args: Any, **kwargs: Any) -> Message | bool:
        return await super().edit_message_caption(*args, **_captioned(args, kwargs))

    async def answer_callback_query(self, callback_query_id: str,
                                    text: str | None = None, *args: Any,
                                    **kwargs: Any) -> bool:
        """Best effort: a press handled late (made just before a crash or while the bot was
        down) can no longer be answered, and a press answered once cannot be again; the
        handler goes on, so the person sees what the press did (issue 28)."""
        if text:
            text = cut_plain(text, ALERT_LIMIT)
        answered = self._answered
        if callback_query_id in answered:
            # A handler answered and then refused (the refusal is in the chat as well):
            # Telegram would refuse a second answer.
            logger.info("callback query %s was answered already", callback_query_id)
            return False
        try:
            done = await super().answer_callback_query(callback_query_id, text, *args,
                                                       **kwargs)
        except BadRequest as exc:
            if not UNANSWERABLE.search(str(exc)):
                raise
            self._remember(callback_query_id)  # it cannot be answered again either
            if "too old" in str(exc).lower():
                late.too_old()
            logger.info("callback query %s not answered: %s", callback_query_id, exc)
            return False
        self._remember(callback_query_id)
        return done

    def _remember(self, callback_query_id: str) -> None:
        self._answered[callback_query_id] = None
        while len(self._answered) > ANSWERED_KEPT:
            self._answered.popitem(last=False)


def make_bot(token: str, base_url: str, base_file_url: str, rate_limiter: Any) -> ChouchaBot:
    return ChouchaBot(
        token, base_url=base_url, base_file_url=base_file_url, rate_limiter=rate_limiter,
        request=HTTPXRequest(connection_pool_size=POOL, pool_timeout=10.0),
        get_updates_request=HTTPXRequest(connection_pool_size=1))
