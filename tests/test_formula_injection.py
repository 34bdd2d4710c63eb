"""Exports and reports are safe to open: a name such as =HYPERLINK(…) stays text in every
.xlsx and is escaped in every CSV (the import report, the links sheet, the publication
export), counted by opening what was written."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import load_workbook

from bot.core import Core
from bot.demo_data import generate
from bot.formats.tabular import csv_bytes, xlsx_bytes
from bot.i18n import translator
from bot.services.access import SYSTEM
from bot.services.exports import export
from bot.services.imports import import_file
from bot.views.imports import report_csv

EVIL = '=HYPERLINK("http://evil.example/x","点击")'
PAYLOADS = [EVIL, "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1",
            "＝HYPERLINK(\"http://evil.example/y\")", "＋1＋1", "＠SUM(1)"]  # full-width


def formulas(data: bytes) -> int:
    workbook = load_workbook(io.BytesIO(data))
    return sum(1 for sheet in workbook for row in sheet.iter_rows() for cell in row
               if cell.data_type == "f")


def csv_cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]


async def test_a_formula_in_a_name_stays_text_everywhere(core: Core, tmp_path: Path) -> None:
    files = generate(tmp_path / "county", targets=20, per_department=3, today=core.today())
    with files["targets"].open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    for row, payload in zip(rows[1:], PAYLOADS, strict=False):
        row[1] = payload  # 名称
    with files["targets"].open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    for kind in ("departments", "items", "targets"):
        assert (await import_file(core, SYSTEM, files[kind], files[kind].name, kind)).ok

    # The template exported back: every payload is a string cell, none a formula.
    out = tmp_path / "targets.xlsx"
    await export(core, SYSTEM, "targets", out)
    data = out.read_bytes()
    assert formulas(data) == 0
    values = {c.value for s in load_workbook(io.BytesIO(data)) for r in s.iter_rows()
              for c in r}
    assert EVIL in values

    # The import report repeats a bad row's cells: escaped.
    bad = tmp_path / "bad.csv"
    rows[1][0] = "=cmd|' /C calc'!A0"  # 统一社会信用代码: wrong, and a formula
    with bad.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows[:3])
    report = await import_file(core, SYSTEM, bad, "bad.csv", "targets")
    assert not report.ok
    cells = csv_cells(report_csv(translator("zh_CN"), report))
    assert any(c.startswith("'=cmd") for c in cells)
    assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in cells)

    # The writers every other export uses (publication, digest, invite links).
    assert formulas(xlsx_bytes("x", ["名称"], [[p] for p in PAYLOADS])) == 0
    cells = csv_cells(csv_bytes(["名称", "数"], [[p, -5] for p in PAYLOADS]))
    assert [c for c in cells if c not in ("名称", "数", "-5")] == ["'" + p for p in PAYLOADS]


async def test_a_draws_published_files_hold_no_formula(core: Core, tmp_path: Path) -> None:
    """The draw's .tsv files may be opened in a spreadsheet too: 业务专长 (free text, no
    part of the draw) is escaped in inspectors.tsv; a 执法证号 or 部门代码 that would read
    as a formula (they take part in the draw, so they cannot be escaped) is refused on
    import, row by row, and nothing is loaded (issue 29)."""
    from bot.rules.draw import Inspector, inspectors_tsv, parse_inspectors

    data = inspectors_tsv([Inspector("A1", "SCJGJ", EVIL), Inspector("A2", "SCJGJ", "＋1")])
    cells = [c for line in data.decode().splitlines() for c in line.split("\t")]
    assert not any(c.startswith(("=", "+", "-", "@", "＝", "＋")) for c in cells)
    assert [i.expertise for i in parse_inspectors(data)] == ["'" + EVIL, "'＋1"]

    files = generate(tmp_path / "county", targets=5, per_department=3, today=core.today())
    with files["departments"].open(encoding="utf-8") as fh:
        departments = list(csv.reader(fh))
    bad_departments = tmp_path / "departments.csv"
    with bad_departments.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([*departments, ["-A1", "坏部门", "芒市", "是"]])
    report = await import_file(core, SYSTEM, bad_departments, "departments.csv", "departments")
    assert not report.ok
    assert [(p.row, p.column) for p in report.problems] == [(len(departments) + 1, "部门代码")]
    assert "formula" in str(report.problems[0].message)
    assert (await import_file(core, SYSTEM, files["departments"], "d.csv", "departments")).ok

    with files["inspectors"].open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    cert = rows[0].index("执法证号")
    rows[2][cert] = "=1+1"
    rows[3][cert] = "＠A1"
    rows[1][rows[0].index("业务专长")] = EVIL  # free text: loaded, escaped when published
    bad = tmp_path / "inspectors.csv"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    report = await import_file(core, SYSTEM, bad, "inspectors.csv", "inspectors")
    assert not report.ok
    assert [(p.row, p.column) for p in report.problems] == [(3, "执法证号"), (4, "执法证号")]
    from tests.support.helpers import probe
    assert probe(core.settings, "SELECT COUNT(*) FROM inspectors") == [(0,)]
