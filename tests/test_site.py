"""The public site (一公开, issue 31), built from a county where a plan was published,
drawn, and its results published or withheld: what each page shows, what it never shows,
each draw's files as `choucha draw export` writes them, a page per record version, and a
second build that rewrites only what changed."""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.clock import now as clock_now
from bot.config import Settings
from bot.services import draws, publication
from bot.services import site as site_data
from bot.services.access import SYSTEM
from bot.site import build as site_build
from bot.site.build import build
from bot.tg.app import BotRunner
from bot.views.site import feeds, search
from bot.views.site.pages import results_of
from bot.workers import Limit
from handlers import register
from tests.conftest import TOKEN
from tests.support.helpers import probe
from tests.support.publication import PLAN, corrected, finished_tasks

pytestmark = pytest.mark.journey


def pages(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text("utf-8")
            for p in folder.rglob("*.html")}


async def test_the_site_shows_what_is_published_and_nothing_more(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # (the results' data in parts of one result each: joined, they make the whole)
    monkeypatch.setattr(feeds, "RESULTS_PART", 1)
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    core, out = runner.core, tmp_path / "site"
    try:
        tasks = await finished_tasks(runner, tmp_path, ["noncooperation", "no_problem",
                                                        "corrected"])
        await publication.withhold(core, SYSTEM, tasks[2], "涉及个人隐私", clock_now())
        await publication.publish(core, SYSTEM, tasks[:2], clock_now())
        first = await build(core, out)
        site = pages(out)
        names = dict(probe(runner, "SELECT k.id, t.name FROM tasks k JOIN targets t"
                                   " ON t.id = k.target_id"))
        plan_id = probe(runner, "SELECT id FROM plans WHERE name = ?", PLAN)[0][0]

        # Both languages, each page with its language, one h1, a skip link; no script but
        # the verifier's and the search's.
        assert 'lang="zh-CN"' in site["index.html"] and 'lang="en"' in site["en/index.html"]
        for path, html in site.items():
            assert html.count("<h1>") == 1 and not re.search(r'(src|href)="(https?:)?//', html)
            scripts = re.findall(r'<script src="([^"]+)"', html)
            if "/verify" in path:  # the draw's verifier: its one script, from the site
                assert scripts == ["../../assets/verify.js"]
            elif path.endswith("search/index.html"):  # the search, its one script
                assert scripts == [("../../" if path.startswith("en/") else "../")
                                   + "assets/search.js"] and 'href="#main"' in html
            else:
                assert "<script" not in html and 'href="#main"' in html, path
        # The plan as published, its draw announced and drawn, with its files.
        plan_page = site[f"en/plans/{plan_id}/index.html"]
        commitment = probe(runner, "SELECT nonce_commitment FROM draws")[0][0]
        assert PLAN in plan_page and commitment in plan_page and "Targets drawn" in plan_page
        for name, data in (await draws.draw_files(core, PLAN)).items():
            assert (out / f"draws/{plan_id}" / name).read_bytes() == data
        # The targets drawn and their teams, readable without JavaScript.
        drawn = site[f"en/plans/{plan_id}/drawn-1.html"]
        assert all(names[task_id] in drawn for task_id in tasks) and "(leader)" in drawn
        # The published results in the anchor's columns; the withheld one counted only.
        for task_id in tasks[:2]:
            assert names[task_id] in plan_page
        assert "1 results of this plan are withheld" in plan_page
        # (that it was drawn is public, 抽查任务公告: only the list of those drawn names it)
        assert sorted(p for p, html in site.items() if names[tasks[2]] in html) == [
            f"en/plans/{plan_id}/drawn-1.html", f"plans/{plan_id}/drawn-1.html"]
        noncooperation = site["noncooperation/index.html"]
        assert names[tasks[0]] in noncooperation and "负责人拒绝检查人员进入仓库" in noncooperation
        # A page per record version: the published says what was published; the withheld
        # that it exists and nothing more.
        records = dict(probe(runner, "SELECT task_id, record_hash FROM records"))
        shown = site[f"en/r/{records[tasks[0]]}/index.html"]
        assert "Authentic" in shown and names[tasks[0]] in shown
        held = site[f"en/r/{records[tasks[2]]}/index.html"]
        assert "withheld from publication" in held and names[tasks[2]] not in held
        # No personal data: no person's name, no ID or phone number, no signature.
        with sqlite3.connect(settings.db_path) as conn:
            people = [r[0] for r in conn.execute("SELECT name FROM people")]
        everything = "".join(site.values()) + (out / "feeds/results.json").read_text()
        assert people and not [p for p in people if p in everything]
        assert not re.search(r"\b1[3-9]\d{9}\b", everything)  # a mobile number
        assert "拒绝签字" not in everything  # the party's refusal stays in the record
        # The data: every published result, in JSON and CSV.
        results = json.loads((out / "feeds/results.json").read_text())
        assert sorted(r["task_id"] for r in results) == sorted(tasks[:2])
        csv_text = (out / "feeds/results.csv").read_bytes().decode("utf-8-sig")
        assert csv_text.startswith("抽查计划编号,抽查计划名称") and names[tasks[1]] in csv_text
        # In parts too, and the whole is the same bytes as the data made at once.
        parts = sorted(p.name for p in (out / "feeds/results").iterdir())
        assert parts == ["1.csv", "1.json", "2.csv", "2.json"]
        assert json.loads((out / "feeds/results/2.json").read_text()) == results[1:]
        r = results_of(await site_data.snapshot(core))
        at_once = feeds.part_files(feeds.ResultsPart(1, "", r.current), r, settings.tz)
        assert ((out / "feeds/results.json").read_bytes(),
                (out / "feeds/results.csv").read_bytes()) == at_once

        # Built again with nothing new: nothing is rewritten. The withheld result released:
        # only the pages it touches are.
        assert (await build(core, out)).written == 0
        untouched = [out / "items/index.html", out / "en/plans/index.html",
                     *(out / f"draws/{plan_id}").iterdir(),
                     out / f"en/r/{records[tasks[1]]}/index.html"]
        before = [p.stat().st_mtime_ns for p in untouched]
        await publication.release(core, SYSTEM, tasks[2], clock_now())
        again = await build(core, out)
        assert 0 < again.written < first.files
        assert [p.stat().st_mtime_ns for p in untouched] == before
        assert names[tasks[2]] in (out / f"plans/{plan_id}/results-1.html").read_text()
        # Its record's page, known unchanged until now, is rendered again and shows it.
        assert names[tasks[2]] in (out / f"en/r/{records[tasks[2]]}/index.html").read_text()
        # Found by its code: its code shard, known unchanged until now, is made again.
        [(code,)] = probe(runner, "SELECT t.code FROM tasks k JOIN targets t ON"
                                  " t.id = k.target_id WHERE k.id = ?", tasks[2])
        shard = out / f"search/data/codes-{search.code_shard(code)}.json"
        assert [x[0] for x in json.loads(shard.read_text()) if x[1] == code] == [
            names[tasks[2]]]
        r = results_of(await site_data.snapshot(core))
        at_once = feeds.part_files(feeds.ResultsPart(1, "", r.current), r, settings.tz)
        assert len(r.current) == 3 and ((out / "feeds/results.json").read_bytes(),
                                         (out / "feeds/results.csv").read_bytes()) == at_once
        assert "results/3.csv" in (out / "en/feeds/index.html").read_text()
        # Released is not corrected: nothing is listed as replaced by a 更正.
        assert "No publication was corrected" in (out / "en/results/earlier.html").read_text()

        # A province's site is built in a worker process that reads the database itself
        # (read-only, while the bot writes): the same site. (A spawned worker has the
        # parts' own size.)
        monkeypatch.undo()
        again = await build(core, out)
        # (fewer parts: the others are gone, as a cancelled preparation's files are)
        assert sorted(p.name for p in (out / "feeds/results").iterdir()) == ["1.csv", "1.json"]
        monkeypatch.setattr(site_build, "HEAVY_FROM", 1)
        ran: list[object] = []
        run = core.workers.run

        async def spy(limit: Limit, fn: Callable[..., Any], *args: Any, heavy: bool = True
                      ) -> Any:
            ran.append((fn, heavy))
            return await run(limit, fn, *args, heavy=heavy)

        monkeypatch.setattr(core.workers, "run", spy)
        heavy = await build(core, tmp_path / "heavy")
        assert ran == [(site_build.build_in_worker, True)]
        assert heavy.files == again.files and pages(tmp_path / "heavy") == pages(out)
        assert (tmp_path / "heavy/feeds/results.csv").read_bytes() == (
            out / "feeds/results.csv").read_bytes()
    finally:
        await runner.stop()


def every_file(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
            if p.is_file()}


async def test_a_new_time_zone_makes_every_date_again(settings: Settings,
                                                      tmp_path: Path) -> None:
    """The keys of the pages kept from the last build say what the pages were made with:
    the office's time zone changed (CHOUCHA_TZ), every date is shown in the new one, as a
    build from nothing shows it."""
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    core, out = runner.core, tmp_path / "site"
    try:
        tasks = await finished_tasks(runner, tmp_path, ["no_problem", "corrected"])
        await publication.publish(core, SYSTEM, tasks, clock_now())
        await corrected(runner, tasks[1], "第二项结果选错，应为未按规定公示", "not_disclosed")
        core.settings = dataclasses.replace(settings, tz=ZoneInfo("Pacific/Kiritimati"))
        await build(core, out)
        core.settings = dataclasses.replace(settings, tz=ZoneInfo("Etc/GMT+12"))  # 26 h back
        await build(core, out)
        await build(core, tmp_path / "fresh")
        kept, fresh = every_file(out), every_file(tmp_path / "fresh")
        assert sorted(p for p in fresh if kept.get(p) != fresh[p]) == []
    finally:
        await runner.stop()
