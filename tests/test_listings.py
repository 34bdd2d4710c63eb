"""Publishing the item list and the plans (issue 31), through the services: what is
published is what was shown, the same content is not published again without a new 文号,
a plan changed by an import is published again before its draw, and the year's plan is
the plan drawn that year, whenever it was published."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import now
from bot.core import Core
from bot.demo import load_county
from bot.i18n import translator
from bot.rules.records import ListingKind
from bot.services import draws, listings
from bot.services.access import SYSTEM
from bot.services.errors import Refusal, Refused
from bot.views.listings import plan_screen
from tests.support.helpers import probe


async def test_what_is_published_is_what_was_shown_and_never_twice(core: Core,
                                                                   tmp_path: Path) -> None:
    await load_county(core, tmp_path / "county", 20, 4, checklists=False)
    shown = await listings.items_state(core, SYSTEM)
    assert not shown.current and shown.published is None and shown.count == 8
    first = await listings.publish_items(core, SYSTEM, "芒市监〔2026〕1号", now(), shown.digest)
    assert first.kind == ListingKind.ITEMS and first.doc_no == "芒市监〔2026〕1号"
    # The same content again: refused without a new 文号 (the 文号 is never dropped).
    for doc in (None, "芒市监〔2026〕1号"):
        with pytest.raises(Refused) as again:
            await listings.publish_items(core, SYSTEM, doc, now())
        assert again.value.reason == Refusal.NOTHING_TO_PUBLISH
    assert (await listings.publish_items(core, SYSTEM, "芒市监〔2026〕2号", now())).doc_no == \
        "芒市监〔2026〕2号"
    # A 文号 with a hidden character, or too long, is refused; nothing is written.
    for doc in ("芒市监\u200b〔2026〕3号", "号" * 61):
        with pytest.raises(Refused):
            await listings.publish_items(core, SYSTEM, doc, now())
    # What the office saw is what is published: a plan changed since is refused.
    [plan] = [p for p in await listings.plan_states(core, SYSTEM) if "住宿" in p.name]
    with pytest.raises(Refused) as changed:
        await listings.publish_plan(core, SYSTEM, plan.plan_id, None, now(), "0" * 64)
    assert changed.value.reason == Refusal.CHANGED
    assert probe(core, "SELECT kind, doc_no FROM listings ORDER BY id") == [
        ("items", "芒市监〔2026〕1号"), ("items", "芒市监〔2026〕2号")]
    assert probe(core, "SELECT COUNT(*) FROM audit_log WHERE action = 'items.published'") == [
        (2,)]


async def test_a_plan_is_drawn_only_as_published(core: Core, tmp_path: Path) -> None:
    await load_county(core, tmp_path / "county", 20, 4, checklists=False)
    [plan] = [p for p in await listings.plan_states(core, SYSTEM) if "住宿" in p.name]
    with pytest.raises(Refused) as refused:
        await draws.prepare(core, SYSTEM, plan.name, "中国福利彩票3D")
    assert refused.value.reason == Refusal.PLAN_NOT_PUBLISHED
    await listings.publish_plan(core, SYSTEM, plan.plan_id, None, now(), plan.digest)
    assert (await listings.plan_state(core, SYSTEM, plan.plan_id)).current
    # A department renamed: its name as published is not the name now, so the plan shows
    # as changed, to be published again; its terms are the same, so it can be drawn.
    with sqlite3.connect(core.settings.db_path) as conn:
        conn.execute("UPDATE departments SET name = name || '（新）'")
    renamed = await listings.plan_state(core, SYSTEM, plan.plan_id)
    assert not renamed.current and renamed.terms_current
    shown, _ = plan_screen(translator("en"), renamed, ZoneInfo("Asia/Shanghai"))
    assert "A name changed since it was last published on" in shown
    assert "its draw can go ahead" in shown
    await listings.publish_plan(core, SYSTEM, plan.plan_id, None, now(), renamed.digest)
    assert (await listings.plan_state(core, SYSTEM, plan.plan_id)).current
    # An import changes its terms: published again first.
    with sqlite3.connect(core.settings.db_path) as conn:
        conn.execute("UPDATE plans SET window_due = '2099-12-31' WHERE id = ?", (plan.plan_id,))
    assert not (await listings.plan_state(core, SYSTEM, plan.plan_id)).current
    with pytest.raises(Refused) as since:
        await draws.prepare(core, SYSTEM, plan.name, "中国福利彩票3D")
    assert since.value.reason == Refusal.PLAN_CHANGED_SINCE_PUBLISHED
    await listings.publish_plan(core, SYSTEM, plan.plan_id, None, now())
    assert (await draws.prepare(core, SYSTEM, plan.name, "中国福利彩票3D")).plan == plan.name


async def test_the_years_plan_is_the_plan_drawn_that_year(core: Core, tmp_path: Path) -> None:
    """A plan for 2027 published in December 2026 is 2027's plan, not 2026's."""
    await load_county(core, tmp_path / "county", 20, 4, checklists=False)
    [plan] = [p for p in await listings.plan_states(core, SYSTEM) if "住宿" in p.name]
    with sqlite3.connect(core.settings.db_path) as conn:
        conn.execute("UPDATE plans SET draw_date = '2027-02-01' WHERE id = ?", (plan.plan_id,))
    december = datetime(2026, 12, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    await listings.publish_plan(core, SYSTEM, plan.plan_id, None, december)
    async with core.db.read() as rtx:
        assert await rtx.listings.plan_published_for(2027)
        assert not await rtx.listings.plan_published_for(2026)
