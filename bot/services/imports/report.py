"""An import's report: the rows read, the counts, and every problem and warning with its
row, column, value and reason; the sentences for a file that cannot be read as a table,
a workbook's sheets held back together, and the audit entry's payload."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.formats.sheets import RowProblem
from bot.i18n import N_

MAX_LISTED = 1000  # problems and warnings kept for the report; all are counted

TABLE_ERRORS = {
    "unsupported_type": N_("this is not a spreadsheet: send an .xlsx or a .csv file"),
    "old_excel": N_("old .xls files cannot be read: save it as .xlsx (Excel: Save As) first"),
    "encoding": N_("the text is neither UTF-8 nor GBK: save the CSV as UTF-8"),
    "empty": N_("the file has no rows"),
    "unreadable": N_("the file cannot be opened as a spreadsheet"),
    "malformed": N_("the CSV cannot be read as a table (a cell longer than 128 KiB, a quote"
                    " that is never closed, or a NUL character): fix it or save it again"
                    " from Excel"),
    "bomb": N_("the spreadsheet expands to far more than a real table needs (a damaged or"
               " crafted file); save it again from Excel, or send the table as a CSV"),
    "bundle": N_("a checklist's .zip holds exactly one XLSForm .xlsx and the CSV files of its"
                 " choices"),
}


@dataclass
class ImportReport:
    kind: str | None
    filename: str
    sha256: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    problem_count: int = 0
    warnings: list[RowProblem] = field(default_factory=list)
    warning_count: int = 0
    import_id: int | None = None
    worker_peak_mb: float = 0.0  # targets: the largest checking process's peak memory

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def problem(self, row: int, column: str, value: str, message: str, **params: Any) -> None:
        self.add(RowProblem(row, column, value, message, params))

    def add(self, problem: RowProblem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(problem)

    def warn(self, row: int, column: str, value: str, message: str, **params: Any) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_LISTED:
            self.warnings.append(RowProblem(row, column, value, message, params))


def _count(report: ImportReport, outcome: str) -> None:
    """One more row `outcome` ("inserted", "updated" or "unchanged")."""
    setattr(report, outcome, getattr(report, outcome) + 1)


def _held_back(reports: list[ImportReport]) -> bool:
    """When one table of a workbook has a problem, the others are not loaded either: each
    says so (a single table's report is left as it is). True when any has a problem."""
    if all(r.ok for r in reports):
        return False
    if len(reports) > 1:
        for report in reports:
            if report.ok:
                report.problem(0, "", "", N_("not loaded: another sheet of this workbook has"
                                             " problems, and a workbook is loaded whole or"
                                             " not at all"))
    return True


def _audit_payload(report: ImportReport) -> dict[str, Any]:
    """What the audit entry of an import records."""
    return {"file": report.filename, "sha256": report.sha256, "rows": report.rows,
            "inserted": report.inserted, "updated": report.updated,
            "unchanged": report.unchanged, "warnings": report.warning_count}
