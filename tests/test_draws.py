"""Draws through the CLI and the bot: prepare → run → tasks → export → verify."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import shutil
import sqlite3
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.buttons.office import ListingPlans, ListingPublish
from bot.config import load_settings
from bot.core import Core
from bot.demo_data import generate
from bot.emulator import EmulatedUser, Emulator
from bot.emulator.client import message_text
from bot.emulator.server import EmulatorServer
from bot.i18n import translator
from bot.rules.models import Role
from bot.services import draws
from bot.services.access import SYSTEM
from bot.services.accounts import TgUser
from bot.services.errors import Refused
from bot.services.imports import import_file
from bot.services.onboarding import invite_person, redeem
from bot.tg.app import BotRunner
from bot.views import draws as draw_words
from handlers import register
from storage import Database
from tests.conftest import TOKEN, make_settings, person
from tests.support.buttons import press_kind
from tests.support.helpers import (
    button_labels,
    choucha,
    eventually,
    prepare,
    probe,
    registered_admin,
)

TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the office's day: the demo draws today
PLAN = f"{TODAY.year}年度芒市市场监管领域部门联合抽查计划"


async def load(core: Core, folder: Path, targets: int = 400,
               per_department: int = 6) -> dict[str, Path]:
    files = generate(folder, targets=targets, per_department=per_department, today=core.today())
    for key, path in files.items():
        kind = "checklist" if key.startswith("checklist:") else key
        assert (await import_file(core, SYSTEM, path, path.name, kind)).ok
    return files


@pytest.fixture
async def core(tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = load_settings({"CHOUCHA_DB": str(tmp_path / "d.sqlite3")})
    async with Database(settings.db_path) as db:
        yield Core(settings, db, "choucha_local_bot")


@pytest.mark.journey
async def test_cli_draw_journey_and_tampering(tmp_path: Path) -> None:
    env = {"CHOUCHA_DB": str(tmp_path / "c.sqlite3")}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    code, out, err = await choucha(env, "demo-data", "--out", str(tmp_path / "county"),
                                   "--targets", "600", "--load")
    assert code == 0, err
    code, _, err = await choucha(env, "draw", "run", PLAN, "--entropy", "372")
    assert code == 2 and "Prepare the draw first" in err
    # A plan is drawn only as the public read it: published first (一公开).
    code, out, err = await choucha(env, "draw", "prepare", PLAN, "--entropy-source",
                                   "中国福利彩票3D 2026-04-15")
    assert code == 2 and "is not published yet" in err and "choucha publish plan" in err
    code, out, err = await choucha(env, "publish", "plan", PLAN, "--doc", "芒市监〔2026〕3号")
    assert code == 0 and "published on" in out and "芒市监〔2026〕3号" in out, err
    code, out, err = await choucha(env, "publish", "plan", PLAN, "--doc", "芒市监〔2026〕3号")
    assert code == 2 and "Nothing to publish" in err and not out
    code, out, err = await choucha(env, "draw", "prepare", PLAN, "--entropy-source",
                                   "中国福利彩票3D 2026-04-15")
    assert code == 0 and "Commitment to the secret nonce" in out, err
    code, _, err = await choucha(env, "draw", "prepare", PLAN, "--entropy-source", "again")
    assert code == 2 and "prepared already" in err
    code, out, err = await choucha(env, "draw", "run", PLAN, "--entropy", "372")
    assert code == 0, err
    tasks = probe(Path(env["CHOUCHA_DB"]), "SELECT COUNT(*) FROM tasks")[0][0]
    assert isinstance(tasks, int) and tasks > 0 and f"{tasks} targets drawn" in out
    members = probe(Path(env["CHOUCHA_DB"]),
                   "SELECT task_id, COUNT(*), SUM(leader) FROM task_members GROUP BY task_id")
    assert len(members) == tasks and all(n >= 2 and leaders == 1 for _, n, leaders in members)
    exported = tmp_path / "published"
    code, _, err = await choucha(env, "draw", "export", PLAN, "--out", str(exported))
    assert code == 0, err
    fresh = tmp_path / "fresh-copy"
    shutil.copytree(exported, fresh)
    code, out, _ = await choucha({}, "draw", "verify", str(fresh))
    assert code == 0 and "verified" in out

    record = json.loads((fresh / "record.json").read_text(encoding="utf-8"))
    announcement = json.loads((fresh / "announcement.json").read_text(encoding="utf-8"))
    assert announcement["nonce_commitment"] == draws.algo.h(record["nonce"])
    for name, edit in (
        ("announcement.json", lambda p: p.write_text(p.read_text(encoding="utf-8").replace(
            '"D":"0.2"}', '"D":"0.25"}', 1), encoding="utf-8")),
        ("pool.tsv", lambda p: p.write_bytes(p.read_bytes().replace(b"\tA\n", b"\tB\n", 1))),
        ("inspectors.tsv", lambda p: p.write_bytes(b"".join(p.read_bytes().splitlines(
            keepends=True)[1:]))),
        ("recusals.tsv", lambda p: p.write_bytes(b"")),
        ("record.json", lambda p: p.write_text(p.read_text(encoding="utf-8").replace(
            record["selected"][0]["target"], "91350100M000100Y43", 1), encoding="utf-8")),
    ):
        copy = tmp_path / f"tampered-{name}"
        shutil.copytree(exported, copy)
        edit(copy / name)
        code, out, _ = await choucha({}, "draw", "verify", str(copy))
        assert code == 1 and "MISMATCH" in out, (name, out)
        assert name.split(".")[0] in out or "selected" in out, (name, out)
    # The announcement published before the draw, held against the folder's.
    published = tmp_path / "announced-before.json"
    published.write_bytes((exported / "announcement.json").read_bytes())
    code, out, _ = await choucha({}, "draw", "verify", str(fresh), "--announcement",
                                 str(published))
    assert code == 0 and "published before the draw" in out
    swapped = tmp_path / "swapped.json"
    swapped.write_text(published.read_text(encoding="utf-8").replace(
        '"D":"0.2"}', '"D":"0.3"}', 1), encoding="utf-8")
    code, out, _ = await choucha({}, "draw", "verify", str(fresh), "--announcement",
                                 str(swapped))
    assert code == 1 and "ratios: announced" in out, out


async def test_refusals_write_nothing(core: Core, tmp_path: Path) -> None:
    files = await load(core, tmp_path / "county")
    with files["plans"].open("a", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["低比例计划", "任务", "部门", "", "1%", "SC-001", "", "SCJGJ", "",
                         "2026-05-01", "2026-05-02", "2026-06-30", "", ""])
        writer.writerow(["未来计划", "任务", "部门", "", "10%", "SC-001", "", "SCJGJ", "",
                         "2099-05-01", "2099-05-02", "2099-06-30", "", ""])
        writer.writerow(["无人计划", "任务", "联合", "", "10%", "SC-001、YJ-001", "",
                         "SCJGJ", "YJGLJ", "2026-05-01", "2026-05-02", "2026-06-30", "", ""])
    assert (await import_file(core, SYSTEM, files["plans"], "plans.csv")).ok
    with pytest.raises(Refused) as low:
        await prepare(core, SYSTEM, "低比例计划", "lottery")
    assert low.value.reason == "ratio_below_minimum"
    await prepare(core, SYSTEM, "未来计划", "lottery")
    with pytest.raises(Refused) as early:
        await draws.run(core, SYSTEM, "未来计划", "1", today=date(2026, 11, 23))
    assert early.value.reason == "before_draw_date"
    # Nobody of YJGLJ is drawable once they all leave; the draw is refused by name.
    with sqlite3.connect(core.settings.db_path) as conn:  # everyone of YJGLJ leaves
        conn.execute("UPDATE people SET active = 0 WHERE department_id ="
                     " (SELECT id FROM departments WHERE code = 'YJGLJ')")
    await prepare(core, SYSTEM, "无人计划", "lottery")
    with pytest.raises(Refused) as nobody:
        await draws.run(core, SYSTEM, "无人计划", "7")
    assert nobody.value.reason == "nobody_drawable"
    assert nobody.value.params["department"] == "芒市应急管理局"
    assert nobody.value.params["total"] == "0" and nobody.value.params["code"]
    text = draw_words.refusal_text(translator("zh_CN"), nobody.value)
    assert "芒市应急管理局" in text and "没有执法检查人员" in text and "未写入任何内容" in text
    assert nobody.value.params["target"] in text
    assert probe(core.settings.db_path, "SELECT COUNT(*) FROM tasks") == [(0,)]
    assert probe(core.settings.db_path, "SELECT status FROM draws ORDER BY id") == [
        ("prepared",), ("prepared",)]


async def test_year_cap_excludes_targets_drawn_twice(core: Core, tmp_path: Path) -> None:
    files = await load(core, tmp_path / "county", targets=60)
    with files["plans"].open("a", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        for n in range(3):
            writer.writerow([f"全量{n}", "任务", "部门", "", "100%", "SC-001", "", "SCJGJ", "",
                             "2026-05-01", "2026-05-02", "2026-06-30", "", ""])
    assert (await import_file(core, SYSTEM, files["plans"], "plans.csv")).ok
    first = await prepare(core, SYSTEM, "全量0", "lottery")
    await draws.run(core, SYSTEM, "全量0", "1")
    await prepare(core, SYSTEM, "全量1", "lottery")
    await draws.run(core, SYSTEM, "全量1", "2")
    with pytest.raises(Refused) as third:
        await prepare(core, SYSTEM, "全量2", "lottery")
    assert third.value.reason == "empty_pool" and first.announcement.pool_size > 0


async def publish_the_plan(office: EmulatedUser) -> None:
    """/publish → the plans → the plan as it stands → its 文号 → Publish."""
    await office.send("/publish")
    screen = await office.expect("No finished result")
    assert "⚠️ 📋 Item list (8)" in button_labels(screen)  # the list is not published yet
    await press_kind(office, screen, ListingPlans)
    plans = await office.expect("Plans (抽查计划)")
    assert "Not published yet" in plans["text"]
    await office.press(next(label for label in button_labels(plans) if PLAN[:30] in label),
                       plans)
    card = await office.expect("Spot-check plan (抽查计划)")
    assert "⚠️ Not published yet." in card["text"] and "Draw date: " in card["text"]
    await office.send("芒" * 61)
    await office.expect("A 文号 is one line of at most 60 characters")
    await office.send("芒市监〔2026〕3号")
    confirm = await office.expect("under 芒市监〔2026〕3号?")
    await press_kind(office, confirm, ListingPublish)
    done = await office.expect("is published on")
    assert "芒市监〔2026〕3号" in done["text"] and "Next: /draw" in done["text"]


async def test_office_draws_in_the_bot(bot: BotRunner, emulator: Emulator,
                                       tmp_path: Path) -> None:
    office = await registered_admin(bot, emulator)
    await load(bot.core, tmp_path / "county", targets=300)

    async def open_plan(state: str, action: str) -> None:
        await office.send("/draw")
        await office.expect("Which plan?")
        await office.press(f"{PLAN[:40]} · {state}")
        await office.expect(f"Draw date: {bot.core.today().isoformat()}")
        await office.press(action)

    # The public reads a plan before its draw (一公开): prepare is refused until it is
    # published, which the office does in the bot, with the approving document's 文号.
    await open_plan("not prepared", "Prepare the draw")
    await office.expect("is not published yet")
    await publish_the_plan(office)
    await open_plan("not prepared", "Prepare the draw")
    await office.expect("public entropy source")
    await office.send("中国福利彩票3D 2026-04-15")
    announced = await office.expect("Draw announced")
    assert "Commitment to the secret nonce" in announced["text"]
    # Before the draw, the announcement and its three frozen files can be published.
    await open_plan("prepared", "Export the announcement")
    inputs = []
    for _ in range(4):
        message = await office.expect(predicate=lambda m: "document" in m)
        inputs.append(message["document"]["file_name"])
    assert sorted(inputs) == sorted(draws.INPUTS)
    await office.expect("Publish them now")
    await open_plan("prepared", "Run the draw")
    await office.expect("public entropy value")
    await office.send("x72")
    # Irreversible: the plan, the pool, the source and the value as typed, then a choice;
    # 福彩3D publishes three digits, so the confirmation warns about "x72".
    confirm = await office.expect("Run the draw of")
    for expected in ("Targets in the frozen pool:", "中国福利彩票3D 2026-04-15",
                     "<code>x72</code>" if "<code>" in confirm["text"] else "x72",
                     "publishes a value like 271", "does not look like one",
                     "cannot be undone"):
        assert expected in confirm["text"], expected
    await office.press("✖ Cancel", confirm)
    await office.expect("nothing was changed")
    assert probe(bot.settings, "SELECT status FROM draws") == [("prepared",)]
    assert probe(bot.settings, "SELECT COUNT(*) FROM tasks") == [(0,)]
    # The Cancel button of an answered question is stale.
    assert "no longer valid" in (await office.answer(
        await office.press("✅ Run the draw now", confirm)))["text"]
    await open_plan("prepared", "Run the draw")
    await office.expect("public entropy value")
    await office.send("372")
    await office.press("✅ Run the draw now", await office.expect("Run the draw of"))
    # The office sees the draw is under way, then its result.
    assert "⏳ Drawing" in (await office.expect())["text"]
    done = await office.expect("Draw done")
    assert "targets drawn" in message_text(done) and "choucha draw" not in message_text(done)
    # The drawn firms and their teams as a spreadsheet: exactly the tasks, in order (the
    # result is its caption when it fits).
    # This result fits the caption: one message, the result whole, then what the file is.
    sheet = done
    assert sheet["document"]["file_name"].endswith(".xlsx")
    assert message_text(done).rstrip().endswith("the drawn firms and their teams.")
    assert "…" not in message_text(done)
    book = openpyxl.load_workbook(io.BytesIO(office.file_bytes(sheet["document"]["file_id"])))
    listed = [row for row in book.active.iter_rows(min_row=2, values_only=True)]
    tasks = probe(bot.settings, "SELECT k.batch_order, k.target_code, p.name FROM tasks k"
                  " JOIN task_members m ON m.task_id = k.id AND m.leader = 1"
                  " JOIN people p ON p.id = m.person_id ORDER BY k.batch_order")
    assert [(row[0], row[1]) for row in listed] == [(o, c) for o, c, _ in tasks]
    assert all(str(row[4]).startswith(leader) for row, (_, _, leader) in zip(
        listed, tasks, strict=True))
    assert all(str(row[4]).split("（")[0] in str(row[5]) for row in listed)
    # Nobody drawn is on Telegram in this county: the office is told whom to reach
    # (through the outbox, so before or after the reply above).
    await eventually(lambda: any("not registered in Choucha yet" in m.get("text", "")
                                 and "send them their invites" in m["text"]
                                 for m in office.bot_messages()))
    await open_plan("drawn", "Export the record")
    names = []
    for _ in range(5):
        message = await office.expect(predicate=lambda m: "document" in m)
        names.append(message["document"]["file_name"])
        (tmp_path / message["document"]["file_name"]).write_bytes(
            office.file_bytes(message["document"]["file_id"]))
    assert sorted(names) == sorted(draws.FILES)
    assert draws.verify_dir(tmp_path) == []
    # Running again is refused politely, at once (nothing is asked first).
    await office.press_data(office.bot_messages()[-5], "v1:draw:run:1")
    assert "drawn already" in (await office.expect("drawn already"))["text"]


async def test_announcements_reach_the_office_and_the_public_channel(
    tmp_path: Path, server: EmulatorServer, emulator: Emulator
) -> None:
    emulator.add_chat(-1001234567890, "channel", "芒市双随机公示")
    settings = make_settings(tmp_path, server, CHOUCHA_PUBLIC_CHANNEL="-1001234567890")
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        office = await registered_admin(runner, emulator)
        colleague = person(emulator, "办公室同事")
        issued = await invite_person(runner.core, SYSTEM, "办公室同事", None, [Role.OFFICE])
        await redeem(runner.core, issued.code, TgUser(colleague.id, colleague.id, None, "x",
                                                      "zh-hans"))
        await load(runner.core, tmp_path / "county", targets=200)
        await prepare(runner.core, SYSTEM, PLAN, "上证指数收盘 2026-04-15")
        await draws.run(runner.core, SYSTEM, PLAN, "372")
        assert "抽取公告" in (await colleague.expect("抽取公告"))["text"]
        assert "Draw done" in (await office.expect("Draw done"))["text"]
        for _ in range(100):
            posted = emulator.chat_messages(-1001234567890)
            if len(posted) == 3:
                break
            await asyncio.sleep(0.1)
        # The plan first (published before its draw is prepared), then the draw's two posts.
        assert ["抽查计划" in posted[0]["text"], "抽取公告" in posted[1]["text"],
                "抽取完成" in posted[2]["text"]] == [True, True, True]
        assert emulator.rate_limited == []
    finally:
        await runner.stop()


async def test_each_inspector_is_told_the_count_and_the_first_tasks(core: Core,
                                                                    tmp_path: Path) -> None:
    """The notification of a draw is counted from the rows the draw wrote (not a query
    over every member): each member's total and first LISTED tasks, with their role, as
    a plain grouping of the database finds them."""
    from bot.i18n import translator
    from bot.texts.tasks import LISTED, new_tasks_text

    await load(core, tmp_path / "county", targets=2000, per_department=3)
    await prepare(core, SYSTEM, PLAN, "上证指数收盘 2026-04-15")
    await draws.run(core, SYSTEM, PLAN, "372")
    expected: dict[int, list[tuple[int, bool]]] = {}
    for member, order, leader in probe(core.settings.db_path,
                                       "SELECT m.person_id, k.batch_order, m.leader FROM"
                                       " task_members m JOIN tasks k ON k.id = m.task_id"
                                       " ORDER BY m.person_id, k.batch_order"):
        expected.setdefault(int(member), []).append((int(order), bool(leader)))  # type: ignore[arg-type]
    async with core.db.read() as rtx:
        sha = (await rtx.audit.find("draw.run"))[0]
    lines = await draws._rows(core, json.loads(sha.payload)["rows_sha256"])
    people = dict(probe(core.settings.db_path, "SELECT cert_no, person_id FROM inspectors"))
    by_person = draws._tasks_by_person(lines, people)  # type: ignore[arg-type]
    assert {p: (total, listed) for p, (total, listed) in by_person.items()} == {
        p: (len(o), o[:LISTED]) for p, o in expected.items()}
    notices = await draws.draw_notices(core, 1, by_person)
    person, total, tasks = max(notices.people, key=lambda found: found[1])
    assert total > LISTED and [t.batch_order for t in tasks] == [
        o for o, _ in expected[person.id][:LISTED]]
    assert [t.leader for t in tasks] == [leader for _, leader in expected[person.id][:LISTED]]
    text = new_tasks_text(translator("en"), tasks, total)
    assert f"drawn for {total} spot-check tasks" in text
    assert f"and {total - LISTED} more: send /tasks" in text
