"""Keyboards as the views build them (Bot API JSON), as the Telegram library takes them."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove


def markup_of(data: dict[str, Any] | None) -> Any:
    """An inline keyboard, a reply keyboard, or the removal of the reply keyboard."""
    if not data:
        return None
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.de_json(data, None)
    if "keyboard" in data:
        return ReplyKeyboardMarkup.de_json(data, None)
    return ReplyKeyboardRemove()
