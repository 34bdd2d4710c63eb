"""What the public site shows (一公开, issue 31), read in one snapshot (but each draw's
files, read as `choucha draw export` reads them): the item list and the plans as
published, each plan's draw (its announcement and files; a cancelled preparation with its
commitment and revealed nonce; the names of the targets drawn), every publication of a
result, every record version, and the audit chain's daily heads.

Only what is public: a withheld result is counted, never shown; a prepared draw's nonce
stays secret until the record reveals it; nothing of a record beyond its hash, version and
date (its publication says the rest)."""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.clock import now as clock_now
from bot.core import Core
from bot.rules.records import (
    DayHead,
    Draw,
    DrawStatus,
    Listing,
    ListingKind,
    SitePublication,
    SiteRecord,
)
from bot.services import draws
from bot.services.errors import Refused

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CancelledDraw:
    """A cancelled preparation: its commitment, and the nonce revealed with it."""

    nonce_commitment: str
    nonce: str
    entropy_source: str
    prepared_at: datetime
    cancelled_at: datetime | None
    reason: str | None


@dataclass(frozen=True)
class SiteDraw:
    """A plan's draw as published: prepared (announced) or run."""

    status: DrawStatus
    draw_date: date
    entropy_source: str
    nonce_commitment: str
    prepared_at: datetime
    announcement_sha256: str | None
    run_at: datetime | None
    entropy: str | None
    files: dict[str, bytes]  # announcement.json, pool.tsv, …, record.json once run
    names: dict[str, str] = field(default_factory=dict)  # the targets drawn, by code

    @functools.cached_property
    def record(self) -> dict[str, Any]:
        """record.json read (once: a province's has a line per target drawn); {} before
        the draw is run or when the file does not read as a record."""
        try:
            found = json.loads(self.files.get("record.json", b"{}") or b"{}")
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}


@dataclass(frozen=True)
class SitePlan:
    plan_id: int
    name: str
    listings: list[Listing]  # its publications, the earliest first
    draw: SiteDraw | None
    cancelled: list[CancelledDraw] = field(default_factory=list)


@dataclass(frozen=True)
class Snapshot:
    built_at: datetime
    items: list[Listing]  # the item list's publications, the earliest first
    plans: list[SitePlan]
    publications: list[SitePublication]
    records: list[SiteRecord]
    heads: list[DayHead]


async def snapshot(core: Core) -> Snapshot:
    """Everything the site shows, as it stands now.
    Access: anyone: only what is published (see the module's docstring)."""
    async with core.db.read() as rtx:
        listings = await rtx.listings.every()
        lines = await rtx.draws.plans()
        live = {line.id: await rtx.draws.draw(line.id) for line in lines}
        cancelled = {line.id: await rtx.draws.cancelled(line.id) for line in lines}
        names = {plan_id: await rtx.site.drawn_names(plan_id) for plan_id, row in live.items()
                 if row is not None and row.status == DrawStatus.RUN}
        publications = await rtx.site.publications()
        records = await rtx.site.records()
        heads = await rtx.site.day_heads()
    by_plan: dict[int, list[Listing]] = {}
    for listing in listings:
        if listing.kind == ListingKind.PLAN and listing.plan_id is not None:
            by_plan.setdefault(listing.plan_id, []).append(listing)
    published_plans = {p.plan_id for p in publications}
    plans = []
    for line in lines:
        row = live[line.id]
        if line.id not in by_plan and row is None and line.id not in published_plans:
            continue  # never published: not public
        plans.append(SitePlan(line.id, line.name, by_plan.get(line.id, []),
                              await _draw(core, line.name, row, names.get(line.id, {})),
                              [CancelledDraw(d.nonce_commitment, d.nonce, d.entropy_source,
                                             d.prepared_at, d.cancelled_at, d.cancel_reason)
                               for d in cancelled[line.id]]))
    return Snapshot(clock_now(), [x for x in listings if x.kind == ListingKind.ITEMS], plans,
                    publications, records, heads)


async def _draw(core: Core, plan_name: str, row: Draw | None,
                names: dict[str, str]) -> SiteDraw | None:
    if row is None or row.status == DrawStatus.WRITING:
        return None
    try:
        files = await draws.draw_files(core, plan_name)
    except Refused:
        files = {}
    except (OSError, ValueError) as exc:  # a file missing or damaged: the rest is built
        logger.error("the draw files of %s cannot be published: %s", plan_name, exc)
        files = {}
    return SiteDraw(row.status, row.draw_date, row.entropy_source, row.nonce_commitment,
                    row.prepared_at, row.announcement_sha256, row.run_at, row.entropy, files,
                    names)
