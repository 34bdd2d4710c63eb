"""A desk check's materials (书面检查, issue 32): the links the team gives the inspected
party, and the files it sent through them."""

from __future__ import annotations

from datetime import datetime

from bot.rules.records import Material, MaterialRequest
from storage.base import Repo, to_db_time


class MaterialRepo(Repo):
    async def add_request(self, visit_id: int, token_sha256: str, person_id: int,
                          now: datetime, expires: datetime) -> int:
        return await self.insert(
            "INSERT INTO material_requests (visit_id, token_sha256, created_by, created_at,"
            " expires_at) VALUES (?, ?, ?, ?, ?)",
            (visit_id, token_sha256, person_id, to_db_time(now), to_db_time(expires)))

    async def request(self, token_sha256: str) -> MaterialRequest | None:
        return await self.one_as(MaterialRequest, "SELECT * FROM material_requests"
                                 " WHERE token_sha256 = ?", (token_sha256,))

    async def use(self, request_id: int, now: datetime) -> bool:
        """Spend a link: False when it was spent already (a second sending)."""
        changed = await self.execute(
            "UPDATE material_requests SET used_at = ? WHERE id = ? AND used_at IS NULL",
            (to_db_time(now), request_id))
        return changed == 1

    async def add(self, visit_id: int, request_id: int, name: str, mime: str, size: int,
                  sha256: str, now: datetime) -> None:
        await self.execute(
            "INSERT INTO materials (visit_id, request_id, name, mime, size, sha256,"
            " received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (visit_id, request_id, name, mime, size, sha256, to_db_time(now)))

    async def of_visit(self, visit_id: int) -> list[Material]:
        return await self.all_as(Material, "SELECT * FROM materials WHERE visit_id = ?"
                                 " ORDER BY id", (visit_id,))
