"""What the public site reads (一公开, issue 31): every publication with its plan, the
record versions of published tasks, the audit chain's daily heads."""

from __future__ import annotations

from bot.rules.records import DayHead, SitePublication, SiteRecord
from storage.base import Repo


class SiteRepo(Repo):
    async def publications(self) -> list[SitePublication]:
        """Every publication (results, corrections, withheld), oldest first."""
        return await self.all_as(
            SitePublication, "SELECT p.id, p.task_id, k.plan_id, p.kind, p.content, p.reason,"
            " p.supersedes, p.created_at FROM publications p JOIN live_tasks k"
            " ON k.id = p.task_id ORDER BY p.id")

    async def publication_count(self) -> int:
        """How many publications there are (a large site is built in a worker)."""
        return int(await self.scalar("SELECT COUNT(*) FROM publications"))

    async def records(self) -> list[SiteRecord]:
        """Every version of every record (a record's QR code finds its page even before
        its result is published)."""
        return await self.all_as(
            SiteRecord, "SELECT task_id, version, record_hash, created_at FROM records"
            " ORDER BY task_id, version")

    async def day_heads(self) -> list[DayHead]:
        """The audit chain's last entry of each UTC day, the latest first."""
        return await self.all_as(
            DayHead, "SELECT substr(a.at, 1, 10) AS day, a.id AS last_id,"
            " a.hash AS last_hash FROM audit_log a JOIN (SELECT MAX(id) AS id FROM audit_log"
            " GROUP BY substr(at, 1, 10)) d ON d.id = a.id ORDER BY a.id DESC")

    async def drawn_names(self, plan_id: int) -> dict[str, str]:
        """The names of the targets a plan's draw selected, by code (businesses: public)."""
        return {str(r[0]): str(r[1]) for r in await self.all(
            "SELECT k.target_code, t.name FROM live_tasks k JOIN targets t ON t.id = k.target_id"
            " WHERE k.plan_id = ?", (plan_id,))}

    async def version(self) -> str:
        """What the site shows changes only when this does: the latest listing, draw state,
        publication and record, and the audit chain's latest day."""
        row = await self.one(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM listings) AS listings,"
            " (SELECT COALESCE(group_concat(id || status || COALESCE(length(events), 0), ','),"
            " '') FROM draws) AS draws,"
            " (SELECT COALESCE(MAX(id), 0) FROM publications) AS publications,"
            " (SELECT COALESCE(MAX(id), 0) FROM records) AS records,"
            # (the latest entry's day by its id: no scan of the chain, every 2 s)
            " (SELECT COALESCE((SELECT substr(at, 1, 10) FROM audit_log ORDER BY id DESC"
            " LIMIT 1), '')) AS day")
        assert row is not None
        return "|".join(str(value) for value in row)
