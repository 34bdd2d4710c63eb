"""Bad input is bounded: forged ids, malformed CSV, zip bombs, runaway expressions and
regular expressions each get a report line or a polite refusal, and change nothing."""

from __future__ import annotations

import io
import sqlite3
import time
import zipfile
from pathlib import Path

import pytest

from bot import buttons
from bot.buttons.tasks import TaskCard
from bot.core import Core
from bot.emulator import Emulator
from bot.rules import xpath
from bot.rules.checklist import ChecklistError, load_xlsform
from bot.services.access import SYSTEM
from bot.services.imports import import_file
from bot.tg.app import BotRunner
from tests.support.forms import xlsform
from tests.support.helpers import registered_admin


def bomb_xlsx(expanded: int = 64 << 20) -> bytes:
    """A workbook whose shared strings are a few kilobytes that expand to `expanded`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            block = b"<si><t>" + b"A" * 65536 + b"</t></si>"
            for _ in range(expanded // len(block)):
                part.write(block)
    return buffer.getvalue()


def test_button_ids_beyond_sqlites_integers_are_refused() -> None:
    with pytest.raises(buttons.BadCallback):
        buttons.parse_any("v1:task:c:99999999999999999999")
    with pytest.raises(buttons.BadCallback):
        buttons.parse_any("v1:rep:ask:-99999999999999999999")
    assert buttons.parse_any(f"v1:task:c:{2**63 - 1}") == TaskCard(2**63 - 1)


async def test_a_forged_button_with_a_huge_id_is_stale(bot: BotRunner,
                                                       emulator: Emulator) -> None:
    admin = await registered_admin(bot, emulator)
    await admin.send("/help")
    message = await admin.expect("/invite")
    for data in ("v1:task:open:99999999999999999999", "v1:rep:ask:99999999999999999999:1",
                 "v1:pub:one:-99999999999999999999"):
        query = await admin.press_data(message, data)
        answer = await admin.answer(query)
        assert "no longer valid" in answer.get("text", ""), (data, answer)
    with sqlite3.connect(bot.settings.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM conversations").fetchone() == (0,)


async def test_a_zip_bomb_is_refused_before_it_is_parsed(bot: BotRunner,
                                                         emulator: Emulator) -> None:
    admin = await registered_admin(bot, emulator)
    started = time.monotonic()
    await admin.send_document(bomb_xlsx(), "targets.xlsx")
    await admin.expect("expands to far more than a real table needs", timeout=20)
    assert time.monotonic() - started < 5
    with sqlite3.connect(bot.settings.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM imports").fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM targets").fetchone() == (0,)


async def test_a_malformed_csv_is_a_report_line(core: Core, tmp_path: Path) -> None:
    header = "统一社会信用代码,名称,类型,登记机关,法定代表人,住所,登记状态\n"
    huge = tmp_path / "huge.csv"
    huge.write_text(header + "91350100M000100Y43,甲," + "x" * 200_000 + ",a,b,c,存续\n",
                    encoding="utf-8")
    report = await import_file(core, SYSTEM, huge, "huge.csv", "targets")
    assert not report.ok and report.import_id is None
    assert any(p.message.startswith("the CSV cannot be read as a table")
               for p in report.problems), report.problems
    unclosed = tmp_path / "unclosed.csv"
    unclosed.write_text("code,name\n\"never closed,甲\n" + "x" * 140_000, encoding="utf-8")
    report = await import_file(core, SYSTEM, unclosed, "unclosed.csv", "departments")
    assert not report.ok and report.problems
    with sqlite3.connect(core.settings.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM targets").fetchone() == (0,)


def test_runaway_expressions_are_refused_by_name(tmp_path: Path) -> None:
    nested = "(" * 200 + "1" + ")" * 200
    chained = "+".join(["${a}"] * 200)
    form = xlsform(tmp_path / "f.xlsx", [
        ["integer", "a", "数", "A", "yes", ""],
        ["text", "b", "文", "B", "", f"{nested} = 1"],
        ["text", "c", "文", "C", "", f"{chained} > 1"],
        ["text", "d", "文", "D", "", "regex(${a}, '(x)\\1')"],
    ], "SC-001")
    with pytest.raises(ChecklistError) as caught:
        load_xlsform(form)
    found = {p.question: p.params.get("detail", "") for p in caught.value.problems}
    assert "nested more than" in found["b"], found
    assert "chained" in found["c"], found
    assert "regex pattern" in found["d"] and "\\1" in found["d"], found


def test_a_catastrophic_pattern_runs_in_linear_time() -> None:
    node = xpath.parse("regex(., '^(a+)+$')")
    started = time.monotonic()
    assert xpath.evaluate(node, {}, "a" * 40 + "b") is False
    assert xpath.evaluate(node, {}, "a" * 100_000) is True
    assert time.monotonic() - started < 0.5
    with pytest.raises(xpath.ExprError, match="regex pattern"):
        xpath.parse("regex(., '(a)\\1')")


async def test_a_stray_photo_or_file_is_answered_for_who_sent_it(
        bot: BotRunner, emulator: Emulator, tmp_path: Path) -> None:
    """The office has no /tasks; an inspector does not load files: each is told what
    they can do instead, and nothing is saved."""
    from bot.demo import load_county
    from tests.support.absent import register
    from tests.support.helpers import probe
    from tests.support.visits import jpeg

    office = await registered_admin(bot, emulator)
    await load_county(bot.core, tmp_path / "county", 5, 3, checklists=False)
    loaded = probe(bot, "SELECT COUNT(*) FROM imports")
    await office.send_photo(jpeg((9, 9, 9)))
    answer = await office.expect("nothing was saved")
    assert "/tasks" not in answer["text"] and "/help" in answer["text"]
    cert = probe(bot, "SELECT i.cert_no FROM inspectors i JOIN person_roles r ON r.person_id ="
                      " i.person_id WHERE r.role = 'inspector' LIMIT 1")[0][0]
    inspector = await register(bot, emulator, str(cert), "inspector")
    await inspector.send_document(b"a,b\n1,2\n", "list.csv", "text/csv")
    answer = await inspector.expect("can't use this file here")
    assert "Only the office" not in answer["text"] and "/help" in answer["text"]
    await inspector.send_photo(jpeg((8, 8, 8)))
    answer = await inspector.expect("which task this photo belongs to")
    assert "/tasks" in answer["text"]
    assert probe(bot, "SELECT COUNT(*) FROM imports") == loaded
    assert probe(bot, "SELECT COUNT(*) FROM evidence") == [(0,)]
