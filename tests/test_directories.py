"""一单两库 and the annual plan: loading, refusing precisely, keeping current, exporting."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.config import load_settings
from bot.core import Core
from bot.demo_data import generate
from bot.emulator import EmulatedUser, Emulator
from bot.emulator.client import message_text
from bot.i18n import translator
from bot.rules.models import Role
from bot.services.access import SYSTEM
from bot.services.exports import export
from bot.services.imports import import_file
from bot.tg.app import BotRunner
from bot.views.imports import summary_text
from storage import Database
from tests.support.directories import code, load_county, problems, targets_csv
from tests.support.forms import xlsform
from tests.support.helpers import registered_admin


def count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


@pytest.fixture
async def core(tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = load_settings({"CHOUCHA_DB": str(tmp_path / "d.sqlite3")})
    async with Database(settings.db_path) as db:
        yield Core(settings, db, "choucha_local_bot")


async def test_wrong_check_digit_duplicate_and_missing_column_write_nothing(
    core: Core, tmp_path: Path
) -> None:
    good, bad = code(1), code(2)[:-1] + ("0" if code(2)[-1] != "0" else "1")
    path = targets_csv(tmp_path / "t.csv", [
        [good, "芒市兴华餐饮店", "存续", "A", "芒市镇", "餐饮"],
        [bad, "芒市恒昌食品商行", "存续", "B", "芒市镇", "食品销售"],
        [code(3), "芒市丰源宾馆", "营业中", "E", "芒市镇", "住宿"],
        [good, "芒市兴华餐饮店（重复）", "存续", "A", "芒市镇", "餐饮"],
    ])
    report = await import_file(core, SYSTEM, path, "t.csv")
    assert not report.ok and report.kind == "targets"
    found = problems(report)
    assert (3, "统一社会信用代码/注册号", bad, "the 统一社会信用代码 check digit is wrong") in found
    assert any(p[:3] == (4, "登记状态", "营业中") and "not one of" in p[3] for p in found)
    assert any(p[:3] == (4, "信用分类", "E") for p in found)
    assert (5, "统一社会信用代码/注册号", good,
            "appears twice in the file: first in row 2") in found
    assert count(core.settings.db_path, "targets") == 0
    assert count(core.settings.db_path, "audit_log") == 0

    missing = targets_csv(tmp_path / "m.csv", [[good, "芒市兴华餐饮店"]],
                          header=["统一社会信用代码/注册号", "名称"])
    report = await import_file(core, SYSTEM, missing, "m.csv", "targets")
    assert problems(report) == [(1, "登记状态", "", "this required column is missing")]
    assert count(core.settings.db_path, "targets") == 0


async def test_gbk_csv_is_read(core: Core, tmp_path: Path) -> None:
    path = targets_csv(tmp_path / "gbk.csv", [
        [code(5), "芒市孔雀湖餐饮店", "存续", "B", "遮放镇", "餐饮"],
        ["123456789012345", "芒市老字号食品店", "吊销", "C", "遮放镇", "食品销售"],
    ], encoding="gbk")
    report = await import_file(core, SYSTEM, path, "gbk.csv")
    assert report.ok and report.inserted == 2
    assert report.warning_count == 1 and "注册号" in report.warnings[0].message
    async with core.db.read() as rtx:
        target = await rtx.directory.target(code(5))
        old = await rtx.directory.target("123456789012345")
    assert target is not None and target["name"] == "芒市孔雀湖餐饮店"
    assert old is not None and old["code_kind"] == "regno" and old["active"] == 0


async def test_unknown_department_and_unreadable_files(core: Core, tmp_path: Path) -> None:
    await load_county(core, tmp_path, targets=10)
    items = tmp_path / "items.csv"
    with items.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["事项编码", "抽查类别", "检查事项", "检查对象", "事项类别", "检查方式",
                         "检查主体", "检查频次", "检查内容", "检查依据"])
        writer.writerow(["ZZ-001", "食品安全", "某检查", "市场主体", "重点", "现场检查",
                         "不存在局", "每年", "内容", "依据"])
        writer.writerow(["ZZ-002", "食品安全", "某检查", "市场主体", "一般", "现场检查",
                         "SCJGJ", "每年", "内容", "依据"])
    before = count(core.settings.db_path, "items")
    report = await import_file(core, SYSTEM, items, "items.csv")
    assert problems(report) == [
        (2, "检查主体", "不存在局", "no department with this code or name"),
        (3, "抽查比例上限", "", "a general (一般) item needs a maximum ratio"),
    ]
    assert count(core.settings.db_path, "items") == before
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(b"%PDF-1.4 not a table")
    report = await import_file(core, SYSTEM, pdf, "scan.pdf")
    assert "not a spreadsheet" in problems(report)[0][3]
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    assert "old .xls" in problems(await import_file(core, SYSTEM, xls, "old.xls"))[0][3]


async def test_reimport_changes_credit_class_and_keeps_history(core: Core,
                                                               tmp_path: Path) -> None:
    rows = [[code(n), f"芒市商行{n}", "存续", "B", "芒市镇", "餐饮"] for n in range(10, 15)]
    first = await import_file(core, SYSTEM, targets_csv(tmp_path / "a.csv", rows), "a.csv")
    assert (first.inserted, first.updated, first.unchanged) == (5, 0, 0)
    rows[2][3] = "D"
    rows[4][2] = "注销"  # a target can be marked inactive; nothing is deleted
    again = await import_file(core, SYSTEM, targets_csv(tmp_path / "b.csv", rows), "b.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 2, 3)
    # A file with only the columns to change keeps the others as they were.
    partial = targets_csv(tmp_path / "c.csv", [[code(10), "芒市商行10", "存续", "A"]],
                          header=["统一社会信用代码/注册号", "名称", "登记状态", "信用分类"])
    third = await import_file(core, SYSTEM, partial, "c.csv")
    assert (third.updated, third.unchanged) == (1, 0)
    async with core.db.read() as rtx:
        changed = await rtx.directory.target(code(12))
        closed = await rtx.directory.target(code(14))
        partial_row = await rtx.directory.target(code(10))
        history = await rtx.directory.target_changes(code(12))
        entries = await rtx.audit.find(action="import.targets")
    assert changed is not None and changed["credit_class"] == "D"
    assert closed is not None and closed["active"] == 0 and closed["status"] == "注销"
    assert partial_row is not None and partial_row["credit_class"] == "A"
    assert partial_row["region"] == "芒市镇" and partial_row["industry"] == "餐饮"
    assert history == [({**history[0][0], "credit_class": "B"},
                        {**history[0][0], "credit_class": "D"})]
    assert count(core.settings.db_path, "targets") == 5
    assert len(entries) == 3 and all(len(json.loads(e.payload)["sha256"]) == 64
                                     for e in entries)


async def test_checklists_with_skip_logic_and_unsupported_types(core: Core,
                                                                tmp_path: Path) -> None:
    await load_county(core, tmp_path, targets=5)
    good = xlsform(tmp_path / "good.xlsx", [
        ["select_one yn", "licence", "是否持证", "Licence?", "yes", ""],
        ["image", "photo", "拍照", "Photo", "yes", "${licence} = 'no'"],
        ["text", "note_text", "说明", "Remarks", "", ""],
    ], "SC-002")
    report = await import_file(core, SYSTEM, good, "good.xlsx")
    assert report.ok and report.kind == "checklist" and report.inserted == 1
    async with core.db.read() as rtx:
        form = await rtx.directory.checklist_form("SC-002")
    from bot.rules.checklist import Checklist

    assert form is not None
    loaded = Checklist.from_json(form)
    licence, photo = loaded.questions[0], loaded.questions[1]
    assert (licence.compliant, licence.noncompliant) == ("yes", "no")
    assert photo.type == "image" and photo.relevant == "${licence} = 'no'"
    again = await import_file(core, SYSTEM, good, "good.xlsx")
    assert again.ok and again.unchanged == 1  # the same form is not a new version

    bad = xlsform(tmp_path / "bad.xlsx", [
        ["select_one yn", "licence", "是否持证", "Licence?", "yes", ""],
        ["background-audio", "noise_recording", "录音", "Recording", "", ""],
        ["audio", "owner_says", "负责人陈述录音", "Owner's statement", "", ""],
        ["range", "loudness", "响度", "Loudness", "", ""],
    ], "SC-002")
    report = await import_file(core, SYSTEM, bad, "bad.xlsx")
    text = [(p.column, translator("en")._(p.message).format(**p.params))
            for p in report.problems]
    # A type a chat cannot take is refused by the name and type the author wrote, with
    # what to do instead; a recording (audio) is answered with one, and a range is a number
    # within its bounds, so neither is refused.
    assert text == [("noise_recording", "question type background-audio cannot be answered"
                     " in a chat: leave it out (Choucha records no sound)")]
    dangling = xlsform(tmp_path / "dangling.xlsx", [
        ["select_one yn", "licence", "是否持证", "Licence?", "yes", ""],
        ["text", "later", "说明", "Remarks", "", "${nowhere} = 'x'"],
    ], "SC-002")
    report = await import_file(core, SYSTEM, dangling, "dangling.xlsx")
    assert not report.ok and report.problems[0].params["value"] == "${nowhere}"
    assert report.problems[0].params["row"] == "3"  # named in the office's words
    async with core.db.read() as rtx:
        assert await rtx.directory.checklist_form("SC-002") == form  # unchanged
    unknown = xlsform(tmp_path / "unknown.xlsx", [
        ["select_one yn", "licence", "是否持证", "Licence?", "yes", ""]], "NO-SUCH-ITEM")
    report = await import_file(core, SYSTEM, unknown, "unknown.xlsx")
    assert report.problems[0].value == "NO-SUCH-ITEM"


async def test_export_import_round_trip_is_identity(core: Core, tmp_path: Path) -> None:
    await load_county(core, tmp_path, targets=200)
    for kind in ("departments", "items", "targets", "inspectors", "recusals", "plans"):
        first = tmp_path / f"{kind}-1.xlsx"
        rows = await export(core, SYSTEM, kind, first)
        report = await import_file(core, SYSTEM, first, first.name, kind)
        assert report.ok and report.unchanged == rows and report.updated == 0, (
            kind, summary_text(translator("en"), report))
        second = tmp_path / f"{kind}-2.xlsx"
        await export(core, SYSTEM, kind, second)
        assert _cells(first) == _cells(second)
    inspectors = _cells(tmp_path / "inspectors-1.xlsx")
    assert all(row[0].startswith("**************") for row in inspectors[1:])


def _cells(path: Path) -> list[list[str]]:
    workbook = load_workbook(path, read_only=True)
    try:
        return [[str(v) if v is not None else "" for v in row]
                for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


async def test_plan_checks(core: Core, tmp_path: Path) -> None:
    await load_county(core, tmp_path, targets=5)
    path = tmp_path / "plans.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["抽查计划名称", "抽查任务名称", "抽查类型", "抽查比例", "抽查事项",
                         "检查发起机关", "联合机关", "抽取日期", "检查开始日期", "检查截止日期"])
        writer.writerow(["甲计划", "任务", "联合", "A:3%;B:50%", "SC-002、HJ-001", "SCJGJ", "",
                         "2026-05-01", "2026-04-01", "2026-06-30"])
    report = await import_file(core, SYSTEM, path, "plans.csv")
    found = {p[3] for p in problems(report)}
    assert "a joint plan needs at least one joining department" in found
    assert "the item's department does not take part in this plan" in found
    assert "above the maximum ratio 0.2 of general item SC-002" in found
    assert "the draw date, the start and the due date must be in order" in found


async def test_office_loads_a_file_in_the_bot(bot: BotRunner, emulator: Emulator,
                                              tmp_path: Path) -> None:
    office = await registered_admin(bot, emulator)  # admin and office
    files = generate(tmp_path / "county", targets=50, per_department=4)
    for kind in ("departments", "items"):
        await office.send_document(files[kind].read_bytes(), files[kind].name, "text/csv")
        await office.expect("✅ Loaded")
    await office.send_document(files["targets"].read_bytes(), "targets.csv", "text/csv")
    loaded = await office.expect("✅ Loaded")
    assert "50 rows — 50 new" in message_text(loaded)

    # A bad file: nothing written, the reasons in the chat and a report attached.
    bad = files["targets"].read_text(encoding="utf-8").splitlines()
    first = next(csv.reader([bad[1]]))
    broken = first[0][:-1] + ("0" if first[0][-1] != "0" else "1")
    lines = [bad[0], ",".join([broken, "新商户", "存续"] + [""] * 13)]
    await office.send_document("\n".join(lines).encode(), "new.csv", "text/csv")
    refused = await office.expect("❌ Nothing was loaded")
    assert "row 2" in message_text(refused) and "check digit" in message_text(refused)
    # The row-by-row report: the same message when the summary fits its caption.
    report = refused if "document" in refused else await office.expect(
        predicate=lambda m: "document" in m)
    text = office.file_bytes(report["document"]["file_id"]).decode("utf-8-sig")
    assert broken in text and "check digit" in text
    assert count(bot.settings.db_path, "targets") == 50

    # Someone without the office role, and a file that is not a spreadsheet.
    await office.send_document(b"%PDF-1.4", "scan.pdf", "application/pdf")
    assert "Nothing was saved" in (await office.expect())["text"]
    await office.send("/templates")
    templates = await office.expect(predicate=lambda m: "document" in m)
    workbook = load_workbook(io.BytesIO(office.file_bytes(templates["document"]["file_id"])))
    assert "检查对象名录库" in workbook.sheetnames
    await office.send("/export targets")
    exported = await office.expect(predicate=lambda m: "document" in m)
    assert exported["caption"] == "50 rows"
    # Without a table's name, a button per table (named as its sheet), no typing needed.
    await office.send("/export")
    choice = await office.expect("Which table?")
    await office.press("📤 检查对象名录库", choice)
    exported = await office.expect(predicate=lambda m: "document" in m)
    assert exported["document"]["file_name"] == "targets.xlsx"
    assert exported["caption"] == "50 rows"


async def test_inspector_cannot_load_files(bot: BotRunner, emulator: Emulator,
                                           tmp_path: Path) -> None:
    from bot.services.accounts import TgUser
    from bot.services.directory import add_department
    from bot.services.onboarding import invite_person, redeem
    from tests.conftest import person

    await add_department(bot.core.db, SYSTEM, "SCJGJ", "市场监督管理局")
    user: EmulatedUser = person(emulator, "张三", "en")
    issued = await invite_person(bot.core, SYSTEM, "张三", "SCJGJ", [Role.INSPECTOR])
    await redeem(bot.core, issued.code, TgUser(user.id, user.id, None, "张三", "en"))
    path = targets_csv(tmp_path / "t.csv", [[code(1), "甲", "存续", "A", "", ""]])
    await user.send_document(path.read_bytes(), "t.csv", "text/csv")
    refused = (await user.expect())["text"]
    assert "nothing was saved" in refused and "loaded by the office" in refused
    await user.send("/export targets")
    assert "Only the office" in (await user.expect())["text"]
    assert count(bot.settings.db_path, "targets") == 0


async def test_large_file_read_in_two_parts_finds_duplicates_across_them(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.services.imports import targets

    monkeypatch.setattr(targets, "PARALLEL_FROM", 1)  # any CSV is read by two processes
    rows = [[code(n), f"芒市商行{n}", "存续", "B", "芒市镇", "餐饮"] for n in range(100, 160)]
    rows.append(rows[3])  # in the second half, repeating a row of the first
    rows.append(["91350100M000100Y44", "坏代码", "存续", "B", "", ""])
    path = targets_csv(tmp_path / "two.csv", rows)
    report = await import_file(core, SYSTEM, path, "two.csv")
    assert sorted(problems(report)) == [
        (62, "统一社会信用代码/注册号", code(103), "appears twice in the file: first in row 5"),
        (63, "统一社会信用代码/注册号", "91350100M000100Y44",
         "the 统一社会信用代码 check digit is wrong"),
    ]
    assert report.rows == 62 and count(core.settings.db_path, "targets") == 0
    good = await import_file(core, SYSTEM, targets_csv(tmp_path / "ok.csv", rows[:-2]), "ok.csv")
    assert good.ok and good.inserted == 60


async def test_inspector_reimport_changes_roles_and_marks_departures(core: Core,
                                                                    tmp_path: Path) -> None:
    files = await load_county(core, tmp_path, targets=5)
    lines = files["inspectors"].read_text(encoding="utf-8").splitlines()
    header, first, second = lines[0], lines[1], lines[2]
    assert "李强" in first and "分管负责人" in first
    first = first.replace("分管负责人、执法检查人员", "执法检查人员")
    second = second[: second.rindex(",")] + ",否"  # 张伟 leaves: 是否在职 = 否
    path = tmp_path / "people.csv"
    path.write_text("\n".join([header, first, second]) + "\n", encoding="utf-8")
    report = await import_file(core, SYSTEM, path, "people.csv")
    assert report.ok and report.updated == 2, summary_text(translator("en"), report)
    async with core.db.read() as rtx:
        people = {p.name: p for p in await rtx.people.with_role(Role.INSPECTOR)}
        traced = await rtx.audit.find(action="person.roles")
    assert "李强" in people and not people["李强"].has_role(Role.SUPERVISOR)
    assert "张伟" not in people  # inactive people are not listed as drawable inspectors
    assert len(traced) == 1 and '"inspector"' in traced[0].payload


ITEM_ROW = ["SC-{n}", "市场监管", "事项{n}", "企业", "一般", "现场检查", "市场监督管理局",
            "每年一次", "检查内容", "《条例》第十条", "5%", "", "是"]


def _templates_back(data: bytes, departments: list[list[str]],
                    items: list[list[str]]) -> bytes:
    """The /templates workbook filled in: two sheets with rows, the others left empty."""
    workbook = load_workbook(io.BytesIO(data))
    for row in departments:
        workbook["部门"].append(row)
    for row in items:
        workbook["抽查事项清单"].append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def test_the_templates_workbook_is_accepted_back_whole(bot: BotRunner,
                                                             emulator: Emulator) -> None:
    """The workbook of every template, filled in and sent back: its sheets load in their
    order of dependence (the items refer to a department of the same workbook) in one go;
    a problem in one sheet loads none, and each sheet says why in the report."""
    office = await registered_admin(bot, emulator)
    await office.send("/templates")
    sent = await office.expect(predicate=lambda m: "document" in m)
    assert "send the workbook back whole" in sent["caption"]
    blank = office.file_bytes(sent["document"]["file_id"])
    items = [[c.format(n=n) for c in ITEM_ROW] for n in (1, 2)]
    filled = _templates_back(blank, [["SCJGJ", "市场监督管理局", "", "是"]], items)
    await office.send_document(filled, "choucha-templates.xlsx",
                               "application/vnd.openxmlformats-officedocument"
                               ".spreadsheetml.sheet")
    loaded = await office.expect("✅ Loaded")
    assert "choucha-templates.xlsx › 部门" in message_text(loaded)
    assert "choucha-templates.xlsx › 抽查事项清单: 2 rows — 2 new" in message_text(loaded)
    assert count(bot.settings.db_path, "items") == 2
    assert count(bot.settings.db_path, "departments") == 1

    # A new department and an item of a department that exists nowhere: nothing at all.
    bad = _templates_back(blank, [["WSJKJ", "卫生健康局", "", "是"]],
                          [[c.format(n=3) for c in ITEM_ROW[:6]] + ["农业农村局"]
                           + ITEM_ROW[7:]])
    bad_items = load_workbook(io.BytesIO(bad))["抽查事项清单"]
    assert bad_items.max_row == 2
    await office.send_document(bad, "again.xlsx", "application/vnd.openxmlformats-"
                                                  "officedocument.spreadsheetml.sheet")
    refused = await office.expect("❌ Nothing was loaded from again.xlsx › 部门")
    assert "again.xlsx › 抽查事项清单" in message_text(refused)
    # The row-by-row report: the same message when the summary fits its caption.
    report = refused if "document" in refused else await office.expect(
        predicate=lambda m: "document" in m)
    text = office.file_bytes(report["document"]["file_id"]).decode("utf-8-sig")
    assert "农业农村局" in text and "another sheet of this workbook" in text
    assert count(bot.settings.db_path, "departments") == 1
    assert count(bot.settings.db_path, "items") == 2
