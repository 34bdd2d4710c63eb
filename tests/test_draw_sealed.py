"""The draw sealed at prepare (issue 26): nothing that decides a draw changes after its
commitment; a preparation is cancelled only before the draw date, in public; credit
risk drives the strata; an insider with the database is refused or found out."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as dtime
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine

from bot.clock import now as clock_now
from bot.config import REPO_ROOT, load_settings
from bot.core import Core
from bot.demo_data import generate
from bot.emulator import Emulator
from bot.emulator.client import message_text
from bot.i18n import translator
from bot.rules import draw as algo
from bot.rules.models import AuditAction, BulkKind
from bot.services import bulk, draws, withdrawals
from bot.services.access import SYSTEM
from bot.services.errors import Refused
from bot.services.imports import import_file
from bot.texts import draws as draw_texts
from bot.tg.app import BotRunner
from bot.views.imports import summary_text
from storage import Database
from storage.files import read_blob, write_blob
from tests.support.helpers import prepare, probe, publish_plan, registered_admin

PLAN = "封存抽查计划"
HEADER = ["抽查计划名称", "抽查任务名称", "抽查类型", "抽查对象总数", "抽查比例", "抽查事项",
          "抽查对象范围", "检查发起机关", "联合机关", "抽取日期", "检查开始日期", "检查截止日期",
          "年度抽查上限", "备用部门", "组长可审批更换", "风险提级"]


def plan_row(name: str, draw_date: str, ratios: str = "A:5%;B:10%;C:20%;D:50%",
             items: str = "SC-001、WS-001", joining: str = "WSJKJ", caps: str = "",
             risk: str = "", start: str | None = None) -> list[str]:
    start = start or draw_date
    return [name, "联合检查", "联合" if joining else "部门", "", ratios, items, "", "SCJGJ",
            joining, draw_date, start, "2099-12-31", caps, "", "", risk]


def plans_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


async def county(core: Core, folder: Path, rows: list[list[str]], targets: int = 300,
                 per_department: int = 6) -> dict[str, Path]:
    """A synthetic county (its own demo plans left out) and these plans."""
    files = generate(folder, targets=targets, per_department=per_department, today=core.today())
    for key, path in files.items():
        if key == "plans":
            continue
        kind = "checklist" if key.startswith("checklist:") else key
        report = await import_file(core, SYSTEM, path, path.name, kind)
        assert report.ok, summary_text(translator("en"), report)
    files["plans"] = plans_csv(folder / "plans.csv", rows)
    report = await import_file(core, SYSTEM, files["plans"], "plans.csv", "plans")
    assert report.ok, summary_text(translator("en"), report)
    return files


@pytest.fixture
async def core(tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = load_settings({"CHOUCHA_DB": str(tmp_path / "d.sqlite3")})
    async with Database(settings.db_path) as db:
        core = Core(settings, db, "choucha_local_bot")
        yield core
        core.workers.close()


def today(core: Core, days: int = 0) -> str:
    return (core.today() + timedelta(days=days)).isoformat()


def db(core: Core | BotRunner) -> Path:
    return core.settings.db_path


# --- journeys: each refusal as the office meets it --------------------------------------------
async def test_a_prepared_plan_is_not_changed_by_an_import(bot: BotRunner, emulator: Emulator,
                                                           tmp_path: Path) -> None:
    office = await registered_admin(bot, emulator)
    draw_day = today(bot.core, 3)
    await county(bot.core, tmp_path / "county", [plan_row(PLAN, draw_day)])
    prepared = await prepare(bot.core, SYSTEM, PLAN, "上证指数收盘 下周一")
    assert prepared.announcement.ratios == {"A": "0.05", "B": "0.1", "C": "0.2", "D": "0.5"}
    # The insider's move: 抽查比例 changed by importing plans.csv again.
    changed = plans_csv(tmp_path / "changed.csv", [plan_row(PLAN, draw_day,
                                                            ratios="A:4%;B:10%;C:20%;D:50%")])
    await office.send_document(changed.read_bytes(), "plans.csv", "text/csv")
    refused = await office.expect("Nothing was loaded")
    for words in (PLAN, f"prepared for its draw on {bot.core.today().isoformat()}", "抽查比例",
                  "Cancel the preparation", f"before the draw date {draw_day}", "new plan"):
        assert words in message_text(refused), words
    assert probe(db(bot), "SELECT ratios FROM plans WHERE name = ?", PLAN) == [
        ('{"A":"0.05","B":"0.1","C":"0.2","D":"0.5"}',)]
    # What does not decide the draw may still change (the window here).
    window = plans_csv(tmp_path / "window.csv", [plan_row(PLAN, draw_day, start=today(
        bot.core, 5))])
    await office.send_document(window.read_bytes(), "plans.csv", "text/csv")
    assert "1 changed" in (await office.expect("Loaded"))["text"]
    # Every other input the draw uses is refused the same way.
    for change in (dict(items="SC-001"), dict(joining="WSJKJ、STHJJ"), dict(caps="A:1"),
                   dict(risk="无"), dict(draw_date=today(bot.core, 4))):
        report = await import_file(bot.core, SYSTEM, plans_csv(tmp_path / "c.csv", [
            plan_row(PLAN, **{"draw_date": draw_day, **change})]), "c.csv", "plans")
        assert not report.ok and "was prepared" in summary_text(translator("en"), report), change
    # Run (on the draw date): the announced ratios, not whatever the table says later.
    with sqlite3.connect(db(bot)) as conn:  # behind Choucha's back, this time
        conn.execute("UPDATE plans SET ratios = '{\"*\":\"1\"}' WHERE name = ?", (PLAN,))
    ran = await draws.run(bot.core, SYSTEM, PLAN, "372", today=bot.core.today()
                          + timedelta(days=3))
    strata = prepared.announcement.strata
    assert ran.tasks == sum(s.count for s in strata) < prepared.announcement.pool_size
    report = await import_file(bot.core, SYSTEM, changed, "plans.csv", "plans")
    assert "was drawn (prepared on" in summary_text(translator("en"), report)


async def test_cancel_a_preparation_and_prepare_again(bot: BotRunner, emulator: Emulator,
                                                      tmp_path: Path) -> None:
    office = await registered_admin(bot, emulator)
    later = today(bot.core, 2)
    await county(bot.core, tmp_path / "county", [plan_row(PLAN, later),
                                                  plan_row("今日计划", today(bot.core))])
    await publish_plan(bot.core, PLAN)

    async def plan_screen(name: str, state: str) -> dict[str, Any]:
        await office.send("/draw")
        await office.press(f"{name} · {state}", await office.expect("Which plan?"))
        return await office.expect("Draw date")

    await office.press("Prepare the draw", await plan_screen(PLAN, "not prepared"))
    await office.expect("Send the public entropy source")
    await office.send("上证指数收盘 第一期")
    first = await office.expect("Draw announced")
    old = probe(db(bot), "SELECT nonce, nonce_commitment FROM draws")[0]
    assert str(old[1]) in message_text(first) and str(old[0]) not in message_text(first)
    screen = await plan_screen(PLAN, "prepared")
    assert "can be cancelled" in message_text(screen)
    await office.press("Cancel the preparation", screen)
    await office.expect("Why is the preparation")
    await office.send("ab")
    await office.expect("3 to 300 characters")  # still asking
    await office.send("抽取日期调整，按新日期重新公告")
    cancelled = await office.expect("Draw preparation cancelled")
    assert str(old[0]) in message_text(cancelled) and str(old[1]) in message_text(cancelled)
    assert probe(db(bot), "SELECT status, cancel_reason FROM draws") == [
        ("cancelled", "抽取日期调整，按新日期重新公告")]
    audit = probe(db(bot), "SELECT payload FROM audit_log WHERE action = 'draw.cancelled'")
    assert json.loads(str(audit[0][0]))["nonce"] == old[0]
    # A new preparation needs a new entropy source.
    await office.press("Prepare the draw", await plan_screen(PLAN, "not prepared"))
    await office.expect("Send the public entropy source")
    await office.send("上证指数收盘  第一期")
    await office.expect("named by a cancelled preparation")
    await office.send("上证指数收盘 第二期")
    again = await office.expect("Draw announced")
    assert "prepared 1 time before and cancelled" in message_text(again)
    out = tmp_path / "announced"
    await draws.export(bot.core, PLAN, out)
    previous = json.loads((out / "announcement.json").read_bytes())["previous"]
    assert [(p["nonce"], p["nonce_commitment"]) for p in previous] == [old]
    assert algo.h(str(old[0])) == old[1]
    # On the draw date it can no longer be cancelled: the entropy may be public.
    await prepare(bot.core, SYSTEM, "今日计划", "上证指数收盘 今日")
    await office.press("Cancel the preparation", await plan_screen("今日计划", "prepared"))
    await office.expect("Why is the preparation")
    await office.send("想换一个随机源")
    late = await office.expect("can no longer be cancelled")
    assert today(bot.core) in message_text(late)
    assert probe(db(bot), "SELECT status FROM draws ORDER BY id") == [
        ("cancelled",), ("prepared",), ("prepared",)]
    # The re-prepared plan runs and verifies, its announcement naming the cancelled one.
    await draws.run(bot.core, SYSTEM, PLAN, "815", today=bot.core.today() + timedelta(days=2))
    await draws.export(bot.core, PLAN, out)
    assert draws.verify_dir(out) == []
    # The first screen's buttons, pressed now: said at once, nothing asked.
    await office.press("Cancel the preparation", screen)
    assert "drawn already" in (await office.expect("drawn already"))["text"]
    await office.press("Run the draw", screen)
    await office.expect("drawn already")


def _rewrite_announcement(core: Core | BotRunner, edit: Callable[[dict[str, Any]], None],
                          audit_too: bool = True) -> str:
    """An insider's edit of the frozen announcement, in the file store and the database
    (and the audit entry of prepare, triggers dropped and put back): its new digest."""
    settings = core.settings
    [(draw_id, sha)] = probe(settings.db_path, "SELECT id, announcement_sha256 FROM draws"
                             " WHERE status = 'prepared'")
    raw = json.loads(read_blob(settings.files_dir, str(sha)))
    edit(raw)
    data = (algo.announcement.dump(raw) + "\n").encode()
    new = write_blob(settings.files_dir, data)
    with sqlite3.connect(settings.db_path) as conn:
        conn.execute("UPDATE draws SET announcement_sha256 = ? WHERE id = ?", (new, draw_id))
        if audit_too:
            triggers = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'"
                                    " AND tbl_name = 'audit_log'").fetchall()
            conn.execute("DROP TRIGGER audit_log_no_update")
            conn.execute("UPDATE audit_log SET payload = replace(payload, ?, ?)"
                         " WHERE subject = ?", (str(sha), new, f"draw:{draw_id}"))
            conn.execute("DROP TRIGGER audit_log_no_delete")
            for (sql,) in triggers:
                conn.execute(sql)
    return new


async def test_a_ratio_below_the_floor_is_refused_at_run(bot: BotRunner, emulator: Emulator,
                                                         tmp_path: Path) -> None:
    office = await registered_admin(bot, emulator)
    await county(bot.core, tmp_path / "county", [plan_row(PLAN, today(bot.core))])
    prepared = await prepare(bot.core, SYSTEM, PLAN, "上证指数收盘 今日")

    def one_percent(raw: dict[str, Any]) -> None:
        raw["ratios"] = {"*": "0.01"}
        raw["strata"] = [{**s, "ratio": "0.01", "count": algo.stratum_count(s["size"], "0.01")}
                         for s in raw["strata"]]

    _rewrite_announcement(bot, one_percent)
    await office.send("/draw")
    await office.press(f"{PLAN} · prepared", await office.expect("Which plan?"))
    await office.press("Run the draw", await office.expect("Draw date"))
    await office.expect("entropy value")
    await office.send("372")  # checked before anything is asked to be confirmed
    refused = await office.expect("less than 5%")
    assert "Nothing was written" in message_text(refused)
    assert probe(db(bot), "SELECT status FROM draws") == [("prepared",)]
    assert probe(db(bot), "SELECT COUNT(*) FROM tasks") == [(0,)]
    assert prepared.announcement.pool_size > 0


async def test_ratios_falling_as_risk_rises_are_refused_at_import(
        bot: BotRunner, emulator: Emulator, tmp_path: Path) -> None:
    office = await registered_admin(bot, emulator)
    await county(bot.core, tmp_path / "county", [plan_row("已有计划", today(bot.core, 9))])
    falling = plans_csv(tmp_path / "falling.csv", [
        plan_row("倒挂计划", today(bot.core, 9), ratios="A:20%;B:10%;C:10%;D:5%"),
        plan_row("频次计划", today(bot.core, 9), ratios="5%", items="SC-002、WS-001",
                 caps="B:3")])
    await office.send_document(falling.read_bytes(), "plans.csv", "text/csv")
    refused = await office.expect("Nothing was loaded")
    assert "ratio of credit class A (0.2) is above that of B (0.1)" in message_text(refused)
    assert "ratio of credit class C (0.1) is above that of D (0.05)" in message_text(refused)
    assert "stratum B may be checked at most twice a year" in message_text(refused)
    assert probe(db(bot), "SELECT COUNT(*) FROM plans") == [(1,)]
    rising = plans_csv(tmp_path / "rising.csv", [
        plan_row("分级计划", today(bot.core, 9), ratios="A:3%;B:5%;C:10%;D:20%",
                 items="SC-002、WS-001", caps="A:1;B:2;C:3;D:0")])
    await office.send_document(rising.read_bytes(), "plans.csv", "text/csv")
    assert "1 new" in (await office.expect("Loaded"))["text"]
    assert probe(db(bot), "SELECT year_caps FROM plans WHERE name = '分级计划'") == [
        ('{"A":1,"B":2,"C":3,"D":0}',)]


# --- an insider with the database ---------------------------------------------------------------
async def _prepared_copy(base: Path, name: str) -> Path:
    """A copy of the prepared county in `base` (database and file store)."""
    folder = base.parent / name
    shutil.copytree(base, folder)
    return folder


def _core_at(folder: Path) -> tuple[Database, Core]:
    settings = load_settings({"CHOUCHA_DB": str(folder / "d.sqlite3")})
    database = Database(settings.db_path)
    return database, Core(settings, database, "choucha_local_bot")


def _sql(folder: Path, *statements: tuple[str, tuple[Any, ...]]) -> None:
    with sqlite3.connect(folder / "d.sqlite3") as conn:
        for sql, params in statements:
            conn.execute(sql, params)


def _blob_edit(folder: Path, column: str, edit: Callable[[bytes], bytes]) -> None:
    """Edit a frozen file where it lies (its name, its digest, stays)."""
    [(sha,)] = probe(folder / "d.sqlite3", f"SELECT {column} FROM draws")
    path = folder / "files" / str(sha)[:2] / str(sha)
    os.chmod(path, 0o600)
    path.write_bytes(edit(path.read_bytes()))


async def _second_prepare_entry(folder: Path) -> None:
    """Another announcement, and a second prepare entry appended to the audit chain for it
    (appending keeps the chain intact): the one entry the run trusts is no longer one."""
    [(sha, draw_id)] = probe(folder / "d.sqlite3", "SELECT announcement_sha256, id FROM draws")
    path = folder / "files" / str(sha)[:2] / str(sha)
    other = write_blob(folder / "files", path.read_bytes().replace(
        b'"prepared_at":"', b'"prepared_at":"0', 1))
    database, core = _core_at(folder)
    async with database, core.db.transaction() as tx:
        await tx.audit.append("system", AuditAction.DRAW_PREPARED, f"draw:{draw_id}",
                              {"announcement_sha256": other}, clock_now())
    _sql(folder, ("UPDATE draws SET announcement_sha256 = ?", (other,)))


async def test_every_frozen_input_changed_behind_choucha_is_refused_or_found(
        tmp_path: Path) -> None:
    base = tmp_path / "base"
    settings = load_settings({"CHOUCHA_DB": str(base / "d.sqlite3")})
    async with Database(settings.db_path) as database:
        core = Core(settings, database, "choucha_local_bot")
        await county(core, base / "county", [plan_row(PLAN, today(core))], targets=400)
        prepared = await prepare(core, SYSTEM, PLAN, "上证指数收盘 今日")
        core.workers.close()
    strata = prepared.announcement.strata

    def drop_first_line(data: bytes) -> bytes:
        return b"".join(data.splitlines(keepends=True)[1:])

    refusing: dict[str, Callable[[Path], Any]] = {
        "pool.tsv": lambda f: _blob_edit(f, "pool_digest", lambda d: d.replace(
            b"\tA\n", b"\tD\n", 1)),
        "inspectors.tsv": lambda f: _blob_edit(f, "inspectors_sha256", drop_first_line),
        "recusals.tsv": lambda f: _blob_edit(f, "recusals_sha256", lambda d: d + (
            d.splitlines(keepends=True)[0] if d else b"SC000\t91\n")),
        "announcement.json": lambda f: _blob_edit(f, "announcement_sha256", lambda d: d.replace(
            b'"risk_rule":{"abnormal":true', b'"risk_rule":{"abnormal":false', 1)),
        "the row's pool digest": lambda f: _sql(f, ("UPDATE draws SET pool_digest = ?",
                                                    (algo.h("another pool"),))),
        "the nonce": lambda f: _sql(f, ("UPDATE draws SET nonce = ?", ("00" * 32,))),
        "another announcement": lambda f: _sql(f, (
            "UPDATE draws SET announcement_sha256 = ?", (write_blob(
                f / "files", prepared.announcement.to_json().replace(
                    b'"entropy_source":"', b'"entropy_source":"x', 1)),))),
        "another announcement, audited again": _second_prepare_entry,
    }
    for name, tamper in refusing.items():
        folder = await _prepared_copy(base, f"refused-{len(name)}-{name[:6]}")
        changed = tamper(folder)
        if asyncio.iscoroutine(changed):
            await changed
        database, core = _core_at(folder)
        async with database:
            with pytest.raises(Refused) as refused:
                await draws.run(core, SYSTEM, PLAN, "372")
            core.workers.close()
        assert refused.value.reason == "frozen_changed", name
        assert probe(folder / "d.sqlite3", "SELECT status FROM draws") == [("prepared",)], name
        assert probe(folder / "d.sqlite3", "SELECT COUNT(*) FROM tasks") == [(0,)], name

    # What prepare froze is all the run reads: the directory and the plan changed after
    # it change nothing, and the record verifies against the announcement.
    folder = await _prepared_copy(base, "live-changes")
    [(cert,)] = probe(folder / "d.sqlite3",
                      "SELECT i.cert_no FROM inspectors i JOIN people p ON p.id = i.person_id"
                      " JOIN departments d ON d.id = p.department_id WHERE d.code = 'WSJKJ'"
                      " AND p.active = 1 ORDER BY i.cert_no LIMIT 1")
    _sql(folder,
         ("UPDATE plans SET ratios = '{\"*\":\"1\"}', scope = '{\"region\":[\"无此地\"]}'", ()),
         ("UPDATE items SET max_ratio = '0.01'", ()),
         ("UPDATE targets SET credit_class = 'D', abnormal = 1", ()),
         ("INSERT INTO recusals (cert_no, target_code, created_at) SELECT ?, code, ?"
          " FROM targets", (cert, "2026-01-01T00:00:00.000000Z")))
    database, core = _core_at(folder)
    async with database:
        ran = await draws.run(core, SYSTEM, PLAN, "372")
        out = folder / "published"
        await draws.export(core, PLAN, out)
        async with core.db.read() as rtx:  # the office is told whom to replace
            recused = await rtx.draws.recused_members(ran.draw_id)
        core.workers.close()
    assert ran.tasks == sum(s.count for s in strata)
    assert draws.verify_dir(out) == []
    record = json.loads((out / "record.json").read_bytes())
    assert any(m["inspector"] == cert for t in record["teams"] for m in t["members"]), (
        "a recusal added after prepare is not an input (a replacement with reason recusal"
        " is)")
    assert recused and all(name and target for name, target in recused)
    assert "recorded after the preparation" in draw_texts.recused_text(
        translator("en"), PLAN, recused)


async def test_verify_names_what_moved_between_the_announcement_and_the_record(
        core: Core, tmp_path: Path) -> None:
    await county(core, tmp_path / "county", [plan_row(PLAN, today(core))])
    await prepare(core, SYSTEM, PLAN, "上证指数收盘 今日")
    announced = tmp_path / "announced"
    await draws.export(core, PLAN, announced)
    assert sorted(p.name for p in announced.iterdir()) == sorted(draws.INPUTS)
    assert draws.verify_dir(announced) == []  # before the run: digests, sizes, counts
    # A stratum the ratios do not name, or a line dropped: named, not a traceback.
    broken = tmp_path / "broken"
    shutil.copytree(announced, broken)
    pool = (broken / "pool.tsv").read_bytes()
    first, rest = pool.split(b"\n", 1)
    (broken / "pool.tsv").write_bytes(first.split(b"\t")[0] + b"\tQ\n" + rest)
    assert any("cannot be recomputed: no_ratio" in p for p in draws.verify_dir(broken)), \
        draws.verify_dir(broken)
    (broken / "pool.tsv").write_bytes(pool.split(b"\n", 1)[1])
    assert any("lines, the announcement says" in p for p in draws.verify_dir(broken))
    await draws.run(core, SYSTEM, PLAN, "372")
    out = tmp_path / "record"
    await draws.export(core, PLAN, out)
    assert draws.verify_dir(out, announced / "announcement.json") == []
    # An announcement other than the one published before the lottery: named field by
    # field; a record drawn from other inputs: named.
    forged = tmp_path / "forged.json"
    forged.write_bytes((announced / "announcement.json").read_bytes().replace(
        b'"joining":["WSJKJ"]', b'"joining":[]', 1))
    assert any(p.startswith("joining: announced []") for p in draws.verify_dir(out, forged))
    edited = tmp_path / "edited"
    shutil.copytree(out, edited)
    (edited / "announcement.json").write_bytes(forged.read_bytes())
    found = draws.verify_dir(edited)
    assert any("announcement_digest" in p for p in found), found


# --- credit risk, caps, and an independent recomputation -----------------------------------------
def _snippet() -> str:
    text = (REPO_ROOT / "docs" / "draw.md").read_text(encoding="utf-8")
    section = text.split("## Verifying by hand", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


def _independent_selection(folder: Path) -> list[str]:
    """The selection recomputed from pool.tsv and the announcement, written here from
    docs/draw.md alone (no import of Choucha)."""
    a = json.loads((folder / "announcement.json").read_bytes())
    r = json.loads((folder / "record.json").read_bytes())
    seed = hashlib.sha256(f"choucha-draw-v2\n{r['announcement_digest']}\n{r['entropy']}\n"
                          f"{r['nonce']}".encode()).digest()
    by_stratum: dict[str, list[str]] = {}
    for line in (folder / "pool.tsv").read_text(encoding="utf-8").splitlines():
        code, stratum = line.split("\t")
        by_stratum.setdefault(stratum, []).append(code)
    chosen = []
    for stratum, codes in sorted(by_stratum.items()):
        ratio = Decimal(a["ratios"].get(stratum) or a["ratios"]["*"])
        count = min(len(codes), int((len(codes) * ratio).to_integral_value(ROUND_CEILING)))
        keyed = sorted((hashlib.sha256(seed + c.encode()).hexdigest(), c) for c in codes)
        chosen += keyed[:count]
    return [code for _, code in sorted(chosen)]


async def test_flagged_targets_are_drawn_in_the_highest_risk_stratum(core: Core,
                                                                     tmp_path: Path) -> None:
    await county(core, tmp_path / "county", [
        plan_row(PLAN, today(core), ratios="A:5%;B:10%;C:20%;D:60%", caps="D:0"),
        plan_row("不提级计划", today(core), ratios="A:5%;B:10%;C:20%;D:60%", risk="无"),
        plan_row("投诉三次计划", today(core), ratios="A:5%;B:10%;C:20%;D:60%",
                 risk="投诉≥3")], targets=500)
    flagged = {}
    with sqlite3.connect(db(core)) as conn:
        conn.execute("UPDATE targets SET abnormal = 0, dishonest = 0, complaints = 0")
        rows = conn.execute("SELECT code FROM targets WHERE credit_class = 'A' AND active = 1"
                            " ORDER BY code LIMIT 6").fetchall()
        for (code,), change in zip(rows, ("abnormal = 1", "dishonest = 1", "complaints = 1",
                                          "complaints = 3", "abnormal = 0", "complaints = 2"),
                                   strict=True):
            conn.execute(f"UPDATE targets SET {change} WHERE code = ?", (code,))
            flagged[code] = change
    prepared = await prepare(core, SYSTEM, PLAN, "上证指数收盘 今日")
    assert prepared.raised == 5 and prepared.announcement.risk_rule == algo.RiskRule()
    await draws.run(core, SYSTEM, PLAN, "8848")
    out = tmp_path / "published"
    await draws.export(core, PLAN, out)
    pool = dict(line.split("\t") for line in (out / "pool.tsv").read_text().splitlines())
    assert {code: pool[code] for code in flagged} == {
        code: "A" if change == "abnormal = 0" else "D" for code, change in flagged.items()}
    announcement = json.loads((out / "announcement.json").read_bytes())
    assert announcement["risk_rule"] == {"abnormal": True, "complaints": 1, "dishonest": True,
                                         "stratum": "D"}
    assert announcement["year_caps"] == {"-": 2, "A": 2, "B": 2, "C": 2, "D": None}
    assert draws.verify_dir(out) == []
    record = json.loads((out / "record.json").read_bytes())
    assert _independent_selection(out) == [s["target"] for s in record["selected"]]
    # The few lines of docs/draw.md, run as a stranger would, in the folder.
    done = await asyncio.to_thread(subprocess.run, [sys.executable, "-c", _snippet()],
                                   cwd=out, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"{len(record['selected'])} targets" in done.stdout
    # The rule is the plan's: none raises nothing, complaints ≥ 3 only the third.
    kept = await prepare(core, SYSTEM, "不提级计划", "上证指数收盘 今日")
    assert kept.raised == 0
    three = await prepare(core, SYSTEM, "投诉三次计划", "上证指数收盘 今日")
    assert three.raised == 1


async def test_yearly_caps_per_stratum_decide_the_pool(core: Core, tmp_path: Path) -> None:
    rows = [plan_row(f"全量{n}", today(core), ratios="100%", items="SC-001",
                     joining="", caps="A:1;B:1;C:2;D:0", risk="无") for n in range(3)]
    await county(core, tmp_path / "county", rows, targets=80)
    sizes = []
    for n in range(3):
        prepared = await prepare(core, SYSTEM, f"全量{n}", "上证指数收盘 今日")
        sizes.append({s.stratum: s.size for s in prepared.announcement.strata})
        await draws.run(core, SYSTEM, f"全量{n}", str(n))
    first, second, third = sizes
    assert "A" in first and "A" not in second and "B" not in second  # once a year
    assert second.get("C") == first.get("C") and "C" not in third  # twice
    assert third.get("D") == first.get("D")  # no cap
    assert third.get("-") is None and second.get("-") == first.get("-")


# --- changes between prepare and run are withdrawals ---------------------------------------------
async def test_withdrawals_before_the_draw_date_shape_the_teams_later_ones_do_not(
        core: Core, tmp_path: Path) -> None:
    """A withdrawal recorded before the draw date (while nobody can know the entropy)
    leaves the inspector out of every team; one recorded on the draw date, or a change of
    the directory, cannot steer the teams once the entropy may be public: it is an event
    of the record after the run, and the office is told whom to replace."""
    draw_day = core.today() + timedelta(days=1)
    await county(core, tmp_path / "county", [plan_row(PLAN, draw_day.isoformat(),
                                                      ratios="50%")], targets=200)
    await prepare(core, SYSTEM, PLAN, "上证指数收盘 明日")
    frozen = probe(db(core), "SELECT i.cert_no, i.person_id FROM inspectors i JOIN people p"
                   " ON p.id = i.person_id JOIN departments d ON d.id = p.department_id"
                   " WHERE d.code = 'WSJKJ' AND p.active = 1 ORDER BY i.cert_no LIMIT 3")
    (on_leave, leave_id), (gone, gone_id), (late, late_id) = frozen
    await withdrawals.withdraw(core, SYSTEM, int(leave_id), core.today(), "long_leave")  # type: ignore[arg-type]
    with sqlite3.connect(db(core)) as conn:  # 是否在职=否 in the directory since prepare
        conn.execute("UPDATE people SET active = 0 WHERE id = ?", (gone_id,))
    on_the_day = datetime.combine(draw_day, dtime(9, 0), tzinfo=core.settings.tz)
    with time_machine.travel(on_the_day, tick=False):
        await withdrawals.withdraw(core, SYSTEM, int(late_id), draw_day, "transferred")  # type: ignore[arg-type]
        ran = await draws.run(core, SYSTEM, PLAN, "372", today=draw_day)
    assert [(w.inspector, w.reason) for w in ran.withdrawn] == [(str(on_leave), "long_leave")]
    out = tmp_path / "published"
    await draws.export(core, PLAN, out)
    record = json.loads((out / "record.json").read_bytes())
    assert record["withdrawals_before_run"] == [
        {"inspector": on_leave, "from": core.today().isoformat(), "reason": "long_leave"}]
    assert record["withdrawals"] == [{"before": 0, "from": draw_day.isoformat(),
                                      "inspector": late, "reason": "transferred"}]
    drawn = {m["inspector"] for t in record["teams"] for m in t["members"]}
    assert on_leave not in drawn and {gone, late} <= drawn  # 3 of 6 WSJKJ, half the pool
    assert draws.verify_dir(out) == []
    text = draw_texts.ran_text(translator("en"), ran)
    assert "left out of every team" in text and str(on_leave) in text
    async with core.db.read() as rtx:
        unavailable = await rtx.draws.unavailable_members(ran.draw_id)
    names = dict(probe(db(core), "SELECT i.cert_no, p.name FROM inspectors i JOIN people p"
                       " ON p.id = i.person_id"))
    assert {(name, withdrawn) for name, _, withdrawn in unavailable} == {
        (names[gone], False), (names[late], True)}
    # A later replacement never draws the withdrawn one (the record's events say so).
    async with core.db.read() as rtx:
        row = await rtx.draws.draw_by_id(ran.draw_id)
        assert row is not None
        run = await draws.drawn(core, rtx, row)
    assert late not in [c for group in run.rules._groups.get("WSJKJ", {}).values()
                        for c in group]
    # Dropping the withdrawal before the run from the record is found.
    record["withdrawals_before_run"] = []
    (out / "record.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert any("teams[" in p for p in draws.verify_dir(out)), "a team changes without it"


# --- written in chunks, nobody sees half, a crash is finished once -------------------------------
async def test_a_draw_written_in_chunks_survives_a_crash(core: Core, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.services import recovery

    await county(core, tmp_path / "county", [plan_row(PLAN, today(core), ratios="20%",
                                                      items="SC-001")], targets=300)
    await prepare(core, SYSTEM, PLAN, "上证指数收盘 今日")
    monkeypatch.setattr(draws, "CHUNK", 7)
    seen: list[tuple[int, int]] = []
    real_step = bulk.step

    async def crash_in_the_fourth(tx: Any, done: int, now: Any, state: Any = None) -> None:
        if len(seen) == 3:
            raise KeyboardInterrupt  # the process dies in the fourth chunk's transaction
        await real_step(tx, done, now, state)
        async with core.db.read() as rtx:  # another reader meanwhile: nothing to see
            seen.append((await rtx.tasks.count_of_draw(1), len(seen)))

    monkeypatch.setattr(bulk, "step", crash_in_the_fourth)
    with pytest.raises(KeyboardInterrupt):
        await draws.run(core, SYSTEM, PLAN, "372")
    assert [count for count, _ in seen] == [0, 0, 0]
    assert probe(db(core), "SELECT status, written FROM draws") == [("writing", 21)]
    assert probe(db(core), "SELECT COUNT(*) FROM tasks") == [(21,)]
    assert probe(db(core), "SELECT COUNT(*) FROM live_tasks") == [(0,)]
    lease = probe(db(core), "SELECT kind, done FROM bulk_writes")
    assert lease == [(BulkKind.DRAW.value, 21)]
    monkeypatch.setattr(bulk, "step", real_step)
    # Someone else cannot prepare meanwhile: the pool would see half a draw's year counts.
    # The next process takes the lease over (this one is "dead": another token) and
    # finishes the writing from the 22nd task.
    monkeypatch.setattr(bulk, "OWNER", f"{bulk.HOST}:{os.getpid()}:restarted")
    assert await recovery.resume(core)
    [(total,)] = probe(db(core), "SELECT COUNT(*) FROM live_tasks")
    record = json.loads(read_blob(core.files_root, str(probe(
        db(core), "SELECT record_sha256 FROM draws")[0][0])))
    assert total == len(record["selected"]) > 21
    assert probe(db(core), "SELECT COUNT(*), COUNT(DISTINCT target_code) FROM tasks") == [
        (total, total)]
    members = probe(db(core), "SELECT COUNT(*) FROM task_members")
    assert members == [(sum(len(t["members"]) for t in record["teams"]),)]
    assert probe(db(core), "SELECT status FROM draws") == [("run",)]
    assert probe(db(core), "SELECT COUNT(*) FROM bulk_writes") == [(0,)]
    assert not await recovery.resume(core)  # nothing left to finish
    out = tmp_path / "published"
    await draws.export(core, PLAN, out)
    assert draws.verify_dir(out) == []
    await asyncio.sleep(0)


async def test_a_chunk_that_fails_in_a_running_bot_is_finished_by_its_own_recovery(
        core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk's transaction fails (a full disk, say) and the process goes on: the lease
    is its own, and its recovery job finishes the draw once nobody is writing it."""
    from bot.services import recovery

    await county(core, tmp_path / "county", [plan_row(PLAN, today(core), ratios="20%",
                                                      items="SC-001")], targets=200)
    await prepare(core, SYSTEM, PLAN, "上证指数收盘 今日")
    monkeypatch.setattr(draws, "CHUNK", 5)
    real_step = bulk.step
    calls: list[int] = []

    async def disk_full_once(tx: Any, done: int, now: Any, state: Any = None) -> None:
        calls.append(done)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        await real_step(tx, done, now, state)

    monkeypatch.setattr(bulk, "step", disk_full_once)
    with pytest.raises(OSError):
        await draws.run(core, SYSTEM, PLAN, "42")
    assert probe(db(core), "SELECT status, written FROM draws") == [("writing", 5)]
    assert await recovery.resume(core)  # the same process, its writing of it over
    [(total,)] = probe(db(core), "SELECT COUNT(*) FROM live_tasks")
    assert total > 5 and probe(db(core), "SELECT status FROM draws") == [("run",)]
    assert probe(db(core), "SELECT COUNT(*) FROM bulk_writes") == [(0,)]
