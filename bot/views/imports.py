"""An import's report as the office reads it: a short summary, and every problem and
warning as a CSV to fix the file with."""

from __future__ import annotations

from bot.formats.sheets import RowProblem
from bot.formats.tabular import csv_bytes
from bot.i18n import N_, Translator
from bot.services.imports import ImportReport

KIND_LABELS = {
    "departments": N_("departments"),
    "items": N_("spot-check items (抽查事项清单)"),
    "targets": N_("targets (检查对象名录库)"),
    "inspectors": N_("inspectors (执法检查人员名录库)"),
    "recusals": N_("recusals (执法回避)"),
    "plans": N_("annual plan (年度抽查工作计划)"),
    "checklist": N_("checklist (XLSForm)"),
}


def problem_text(t: Translator, problem: RowProblem) -> str:
    params = {k: str(v) for k, v in problem.params.items()}
    return t._(problem.message).format(**params)


def report_csv(t: Translator, report: ImportReport) -> bytes:
    """Every listed problem and warning, one a line, for the office to fix the file."""
    rows = [[t._("error"), p.row or "", p.column, p.value, problem_text(t, p)]
            for p in report.problems]
    rows += [[t._("warning"), p.row or "", p.column, p.value, problem_text(t, p)]
             for p in report.warnings]
    return csv_bytes([t._("kind"), t._("row"), t._("column"), t._("value"), t._("reason")],
                     rows)


def reports_csv(t: Translator, reports: list[ImportReport]) -> bytes:
    """One report file for a file's tables: a workbook's with the sheet of each line."""
    if len(reports) == 1:
        return report_csv(t, reports[0])
    rows = [[r.filename, kind, p.row or "", p.column, p.value, problem_text(t, p)]
            for r in reports
            for kind, listed in ((t._("error"), r.problems), (t._("warning"), r.warnings))
            for p in listed]
    return csv_bytes([t._("sheet"), t._("kind"), t._("row"), t._("column"), t._("value"),
                      t._("reason")], rows)


def summary_text(t: Translator, report: ImportReport, listed: int = 10) -> str:
    """A short text: what was loaded, or why nothing was."""
    kind = t._(KIND_LABELS[report.kind]) if report.kind else t._("unknown table")
    lines: list[str] = []
    if report.ok:
        lines.append(t._("✅ Loaded {kind} from {file}: {rows} rows — {inserted} new,"
                         " {updated} changed, {unchanged} unchanged.").format(
            kind=kind, file=report.filename, rows=report.rows, inserted=report.inserted,
            updated=report.updated, unchanged=report.unchanged))
    else:
        lines.append(t._("❌ Nothing was loaded from {file} ({kind}): {count} problems."
                         " Fix them and send the file again.").format(
            file=report.filename, kind=kind, count=report.problem_count))
        for problem in report.problems[:listed]:
            lines.append(_line(t, problem))
        if report.problem_count > listed:
            lines.append(t._("…and {more} more in the attached report.").format(
                more=report.problem_count - listed))
    if report.warning_count:
        lines.append(t._("⚠️ {count} warnings (see the report).").format(
            count=report.warning_count))
        if report.ok:
            lines.extend(_line(t, w) for w in report.warnings[:3])
    return "\n".join(lines)


def _line(t: Translator, problem: RowProblem) -> str:
    where = []
    if problem.row:
        where.append(t._("row {row}").format(row=problem.row))
    if problem.column:
        where.append(problem.column)
    if problem.value:
        where.append(f"“{problem.value[:60]}”")
    prefix = " · ".join(where)
    return f"• {prefix}: {problem_text(t, problem)}" if prefix else f"• {problem_text(t, problem)}"
