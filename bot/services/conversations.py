"""Where a person is in a multi-step flow (invite, draw, …): one database row."""

from __future__ import annotations

from typing import Any

from bot.clock import now as clock_now
from bot.core import Core
from bot.rules.models import Conversation, Flow


async def current(core: Core, tg_user_id: int) -> Conversation | None:
    """Access: the sender's own conversation (keyed by their Telegram id)."""
    async with core.db.read() as rtx:
        return await rtx.conversations.get(tg_user_id)


async def begin(core: Core, tg_user_id: int, flow: Flow, step: str,
                data: dict[str, Any]) -> None:
    """Put the person at a step of a flow (what their next message answers).
    Access: the sender's own conversation (keyed by their Telegram id)."""
    async with core.db.transaction() as tx:
        await tx.conversations.put(tg_user_id, flow, step, data, clock_now())


async def cancel(core: Core, tg_user_id: int) -> bool:
    """End whatever flow the person is in; False when there was none.
    Access: the sender's own conversation (keyed by their Telegram id)."""
    async with core.db.transaction() as tx:
        existed = await tx.conversations.get(tg_user_id) is not None
        await tx.conversations.clear(tg_user_id)
    return existed
