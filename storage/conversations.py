"""Where each person is in a multi-step flow."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.rules.models import Conversation, Flow
from storage.base import Repo, dumps, to_db_time

FLOWS = frozenset(f.value for f in Flow)


class ConversationRepo(Repo):
    async def get(self, tg_user_id: int) -> Conversation | None:
        row = await self.one("SELECT * FROM conversations WHERE tg_user_id = ?", (tg_user_id,))
        if row is None or row["flow"] not in FLOWS:
            return None  # none, or a flow this version no longer has: nothing to resume
        return Conversation(
            tg_user_id=row["tg_user_id"], flow=Flow(row["flow"]), step=row["step"],
            data=json.loads(row["data"]),
        )

    async def put(
        self, tg_user_id: int, flow: Flow, step: str, data: dict[str, Any], now: datetime
    ) -> None:
        await self.execute(
            "INSERT INTO conversations (tg_user_id, flow, step, data, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (tg_user_id) DO UPDATE SET"
            " flow = excluded.flow, step = excluded.step, data = excluded.data,"
            " updated_at = excluded.updated_at",
            (tg_user_id, flow, step, dumps(data), to_db_time(now)),
        )

    async def clear(self, tg_user_id: int) -> None:
        await self.execute("DELETE FROM conversations WHERE tg_user_id = ?", (tg_user_id,))

    async def clear_flow(self, flow: Flow, key: str, value: int) -> int:
        """End the flow `flow` for everyone whose data has `key` = `value` (e.g. a visit)."""
        return await self.execute(
            "DELETE FROM conversations WHERE flow = ? AND json_extract(data, ?) = ?",
            (flow, f"$.{key}", value))
