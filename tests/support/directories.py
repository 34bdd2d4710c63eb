"""The directories (一单两库) as files: a targets CSV, valid codes, the generated county
loaded through the imports, and an import's problems as a test reads them
(tests/test_directories.py, test_imports_chunked.py)."""

from __future__ import annotations

import csv
from pathlib import Path

from bot.core import Core
from bot.demo_data import generate, make_uscc
from bot.i18n import translator
from bot.services.access import SYSTEM
from bot.services.imports import ImportReport, import_file
from bot.views.imports import summary_text

TARGET_HEADER = ["统一社会信用代码/注册号", "名称", "登记状态", "信用分类", "区域", "行业"]


def targets_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8",
                header: list[str] | None = None) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header or TARGET_HEADER)
        writer.writerows(rows)
    return path


def code(n: int) -> str:
    return make_uscc(n, 7, individual=False)


async def load_county(core: Core, tmp_path: Path, targets: int = 300) -> dict[str, Path]:
    files = generate(tmp_path / "county", targets=targets, per_department=6)
    for key, path in files.items():
        kind = "checklist" if key.startswith("checklist:") else key
        report = await import_file(core, SYSTEM, path, path.name, kind)
        assert report.ok, summary_text(translator("en"), report)
    return files


def problems(report: ImportReport) -> list[tuple[int, str, str, str]]:
    t = translator("en")
    return [(p.row, p.column, p.value, t._(p.message).format(**p.params))
            for p in report.problems]
