"""Each person's command menu (the `/` list), set in their chat for their roles and
language: the one place that calls setMyCommands for a chat.

A start sets only the menus that changed since they were last set (their SHA-256 is kept
with the account), so a county of thousands restarts without thousands of requests; a
flood wait from Telegram is waited out, then the menu is set (issue 28).
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import json
import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import RetryAfter, TelegramError

from bot.tg.sender import retry_seconds
from storage import Database

logger = logging.getLogger(__name__)

TRIES = 3
LONGEST_WAIT = 60.0  # seconds: a longer flood wait leaves the menu for the next start


def fingerprint(commands: list[BotCommand]) -> str:
    return hashlib.sha256(json.dumps([[c.command, c.description] for c in commands],
                                     ensure_ascii=False).encode()).hexdigest()


class Outcome(enum.Enum):
    SET = "set"  # set now, or already there
    FAILED = "failed"  # Telegram refused this chat's menu (logged): the next one may work
    FLOOD = "flood"  # Telegram asks to wait longer than `LONGEST_WAIT`: stop for now


async def set_menu(bot: Bot, db: Database, tg_user_id: int, commands: list[BotCommand],
                   known: str | None = None, wait: bool = True) -> Outcome:
    """Set the menu of the person's chat unless `known` (the SHA-256 last set) says it is
    already there. `wait`: wait out a flood wait (at start); a handler does not (the menu
    is set at the next start instead)."""
    sha = fingerprint(commands)
    if sha == known:
        return Outcome.SET
    for _ in range(TRIES):
        try:
            # No retries in the rate limiter: a flood wait is waited out here, for this
            # request only (it does not hold up anyone's messages).
            await bot.set_my_commands(commands, scope=BotCommandScopeChat(tg_user_id),
                                      rate_limit_args=0)  # type: ignore[call-arg]
        except RetryAfter as exc:
            seconds = retry_seconds(exc)
            if not wait or seconds > LONGEST_WAIT:
                logger.warning("command menus: Telegram asks to wait %.0f s; the rest are"
                               " set at the next start or when each person writes", seconds)
                return Outcome.FLOOD
            await asyncio.sleep(float(seconds))
            continue
        except TelegramError as exc:
            logger.info("could not set a person's command menu: %s", exc)
            return Outcome.FAILED
        async with db.transaction(record_update=False) as tx:
            await tx.people.set_menu_sha(tg_user_id, sha)
        return Outcome.SET
    return Outcome.FLOOD
