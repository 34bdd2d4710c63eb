"""The item list and the plans as published (一公开, issue 31)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.rules.listing import PlanNames, PublicItem
from bot.rules.records import Listing, ListingKind
from storage.base import Repo, dumps, to_db_time


class ListingRepo(Repo):
    async def add(self, kind: ListingKind, plan_id: int | None, doc_no: str | None,
                  content: dict[str, Any], digest: str, by: str, now: datetime) -> int:
        return await self.insert(
            "INSERT INTO listings (kind, plan_id, doc_no, content, digest, published_by,"
            " published_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (kind, plan_id, doc_no, dumps(content), digest, by, to_db_time(now)))

    async def latest_items(self) -> Listing | None:
        return await self.one_as(Listing, "SELECT * FROM listings WHERE kind = 'items'"
                                 " ORDER BY id DESC LIMIT 1")

    async def latest_plan(self, plan_id: int) -> Listing | None:
        return await self.one_as(Listing, "SELECT * FROM listings WHERE kind = 'plan'"
                                 " AND plan_id = ? ORDER BY id DESC LIMIT 1", (plan_id,))

    async def every(self) -> list[Listing]:
        """Every publication of the list and of the plans, oldest first."""
        return await self.all_as(Listing, "SELECT * FROM listings ORDER BY id")

    async def public_items(self) -> list[PublicItem]:
        """The active items as the public reads them."""
        return await self.all_as(
            PublicItem, "SELECT i.code, i.name, i.category, i.kind, i.target_kind, i.method,"
            " d.name AS department, d.code AS department_code, i.frequency, i.content,"
            " i.basis, i.max_ratio FROM items i JOIN departments d ON d.id = i.department_id"
            " WHERE i.active = 1 ORDER BY i.code")

    async def plan_names(self, plan_id: int) -> PlanNames | None:
        """The names beside a plan's codes: its task, type, departments and items."""
        plan = await self.one("SELECT task_name, type, target_total FROM plans WHERE id = ?",
                              (plan_id,))
        if plan is None:
            return None
        departments = {r["code"]: r["name"] for r in await self.all(
            "SELECT d.code, d.name FROM departments d WHERE d.id = (SELECT initiator_id"
            " FROM plans WHERE id = ?) OR d.id IN (SELECT department_id FROM"
            " plan_departments WHERE plan_id = ?)", (plan_id, plan_id))}
        items = {r["code"]: r["name"] for r in await self.all(
            "SELECT i.code, i.name FROM plan_items pi JOIN items i ON i.id = pi.item_id"
            " WHERE pi.plan_id = ?", (plan_id,))}
        return PlanNames(plan["task_name"], plan["type"], plan["target_total"], departments,
                         items)

    async def any_plan(self) -> bool:
        """Whether any plan was ever loaded (the office plans here)."""
        return bool(await self.scalar("SELECT EXISTS (SELECT 1 FROM plans)"))

    async def plan_published_for(self, year: int) -> bool:
        """Whether a plan of `year` (drawn that year) is published: the year's plan."""
        found = await self.scalar(
            "SELECT EXISTS (SELECT 1 FROM listings l JOIN plans p ON p.id = l.plan_id"
            " WHERE l.kind = 'plan' AND substr(p.draw_date, 1, 4) = ?)", (f"{year:04d}",))
        return bool(found)
