"""The demo county is alive on the day it is generated: every plan draws today, with teams
of two or more; each item has its own checklist; names are unique within a department."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.core import Core
from bot.demo import load_county
from bot.demo_data import CHECKLISTS, DAY_ONE_PLAN, ITEMS, plan_rows
from bot.rules.checklist import load_xlsform
from bot.rules.workdays import Calendar
from bot.services import draws
from bot.services.access import SYSTEM
from tests.support.helpers import prepare, run_draw


@pytest.mark.parametrize(("targets", "per_department"), [(300, 6), (2000, 20)])
async def test_every_demo_plan_draws_on_the_day_it_is_generated(
        core: Core, tmp_path: Path, targets: int, per_department: int) -> None:
    files = await load_county(core, tmp_path / "county", targets, per_department)
    today = core.today()
    plans = plan_rows(today)
    assert len(plans) >= 4
    assert any(str(r[0]) == DAY_ONE_PLAN.format(year=today.year) for r in plans)
    for row in plans:
        name = str(row[0])
        assert row[9] == today.isoformat()  # drawn today
        start = str(row[10])
        assert today.isoformat() <= start <= Calendar().add(today, 5).isoformat()
        day_one = name == DAY_ONE_PLAN.format(year=today.year)
        await prepare(core, SYSTEM, name, "中国福利彩票3D")
        ran = await run_draw(core, SYSTEM, name, "271")
        assert ran.tasks > 0, name
        teams = ran.record["teams"]
        assert all(len(t["members"]) >= 2 for t in teams), name
        assert all(t["members"][0]["leader"] and t["members"][0]["department"]
                   == ran.announcement["initiating"] for t in teams), name
        if day_one:  # a visit can start today, and local mode's 刘洋 is on a team
            assert start == today.isoformat()
            assert any(m["inspector"] == "YN533103200001" for t in teams for m in t["members"])
        out = tmp_path / f"published-{row[9]}-{plans.index(row)}"
        await draws.export(core, name, out)
        assert draws.verify_dir(out) == []
    with files["inspectors"].open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    names = [(r[5], r[1]) for r in rows]  # (department, name)
    assert len(names) == len(set(names))
    # Local mode finds its people by name: theirs are unique in the whole directory.
    everyone = [r[1] for r in rows]
    for name in ("李强", "张伟", "刘洋", "Alice Chen"):
        assert everyone.count(name) == 1, name
    assert "王芳" not in everyone  # the office, not in the inspector directory


def test_each_item_has_its_own_checklist(tmp_path: Path) -> None:
    from bot.demo_data import write_checklist

    questions = {}
    for code, _, name, *_ in ITEMS:
        path = tmp_path / f"{code}.xlsx"
        write_checklist(path, code, name)
        loaded = load_xlsform(path)
        questions[code] = frozenset(q.name for q in loaded.questions) - {
            "intro", "licence", "licence_photo", "licence_until", "licence_problems",
            "premises", "remarks"}
        assert questions[code], code
    assert set(CHECKLISTS) == {code for code, *_ in ITEMS}
    assert len(set(questions.values())) == len(ITEMS)  # no two items ask the same
