"""Invite codes, stored only as hashes."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.rules.models import Invite
from storage.base import Repo, from_db_time, req_time, to_db_time


def _invite(row: aiosqlite.Row) -> Invite:
    return Invite(
        id=row["id"],
        person_id=row["person_id"],
        created_by=row["created_by"],
        created_at=req_time(row["created_at"]),
        expires_at=req_time(row["expires_at"]),
        used_at=from_db_time(row["used_at"]),
        revoked_at=from_db_time(row["revoked_at"]),
    )


class InviteRepo(Repo):
    async def add(
        self,
        code_hash: str,
        person_id: int,
        created_by: int | None,
        now: datetime,
        expires_at: datetime,
    ) -> Invite:
        new_id = await self.insert(
            "INSERT INTO invites (code_hash, person_id, created_by, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (code_hash, person_id, created_by, to_db_time(now), to_db_time(expires_at)),
        )
        invite = await self.get(new_id)
        assert invite is not None
        return invite

    async def get(self, invite_id: int) -> Invite | None:
        row = await self.one("SELECT * FROM invites WHERE id = ?", (invite_id,))
        return _invite(row) if row else None

    async def by_hash(self, code_hash: str) -> Invite | None:
        row = await self.one("SELECT * FROM invites WHERE code_hash = ?", (code_hash,))
        return _invite(row) if row else None

    async def mark_used(self, invite_id: int, tg_user_id: int, now: datetime) -> bool:
        """Use an invite once; False when someone used it first."""
        changed = await self.execute(
            "UPDATE invites SET used_at = ?, used_by_tg_user_id = ?"
            " WHERE id = ? AND used_at IS NULL",
            (to_db_time(now), tg_user_id, invite_id),
        )
        return changed == 1

    async def revoke_open_for_person(self, person_id: int, now: datetime) -> int:
        return await self.execute(
            "UPDATE invites SET revoked_at = ?"
            " WHERE person_id = ? AND used_at IS NULL AND revoked_at IS NULL",
            (to_db_time(now), person_id),
        )

    async def open_for_person(self, person_id: int, now: datetime) -> list[Invite]:
        rows = await self.all(
            "SELECT * FROM invites WHERE person_id = ? AND used_at IS NULL"
            " AND revoked_at IS NULL AND expires_at > ? ORDER BY id",
            (person_id, to_db_time(now)),
        )
        return [_invite(r) for r in rows]
