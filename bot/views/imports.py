"""An import's report as the office reads it: a short summary, and every problem and
warning as a CSV to fix the file with."""

from __future__ import annotations

import html

from bot.buttons.office import ExportTable
from bot.buttons.people import PeopleOverview
from bot.formats.sheets import SHEETS, RowProblem
from bot.formats.tabular import csv_bytes
from bot.i18n import N_, Translator
from bot.services.exports import EXPORTABLE
from bot.services.imports import ImportReport
from bot.texts.notices import Keyboard, inline
from bot.views.people import invite_all_button

Screen = tuple[str, Keyboard | None]

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


def refuse_text(t: Translator) -> str:
    return t._("Only the office can load directories, items, plans and checklists."
               " Nothing was saved.")


def file_refused_text(t: Translator) -> str:
    """A file from someone who does not load files, while no step asks for one."""
    return t._("I can't use this file here, so nothing was saved. (Spreadsheets of"
               " directories, plans and checklists are loaded by the office.) Send /help to"
               " see what you can do.")


def photo_needed_text(t: Translator) -> str:
    return t._("This step needs a photo: send it as a photo (or a JPEG or PNG image); this"
               " file cannot be used. Nothing was saved.")


def unreadable_text(t: Translator) -> str:
    return t._("I can read .xlsx and .csv files (an XLSForm .xlsx for a checklist, or a .zip"
               " of the form with the CSV files of its choices). Nothing was saved.")


def too_large_text(t: Translator) -> str:
    return t._("This file is larger than 20 MB, which Telegram does not let bots download."
               " Load it on the server with <code>choucha import</code>. Nothing was saved.")


def checking_text(t: Translator, name: str, size: int) -> str:
    return t._("⏳ Checking {file} ({size:.1f} MB). Every row is checked before anything is"
               " loaded; the result comes here when it is done.").format(
        file=html.escape(name), size=size / 1e6)


def report_prefix(t: Translator) -> str:
    return t._("import-report")


def report_caption(t: Translator, name: str) -> str:
    return t._("Row-by-row report for {file}").format(file=name)


def invite_offer(t: Translator, n: int) -> Screen:
    """After the inspector directory: who cannot be reached yet, and their invites."""
    return t.ngettext(
        "👥 {n} person of the directory is not registered in Choucha yet: they will not"
        " be told of their tasks until they are.",
        "👥 {n} people of the directory are not registered in Choucha yet: they will not"
        " be told of their tasks until they are.", n).format(n=n), inline([
            [invite_all_button(t, n)],
            [PeopleOverview().markup(t._("👥 See them by department"))]])


def templates_caption(t: Translator) -> str:
    return t._("Fill the sheets you need and send the workbook back whole: its sheets"
               " are loaded together, in order, or none if one has a problem. A sheet"
               " saved as its own .xlsx or .csv works too.")


def export_screen(t: Translator) -> Screen:
    return t._("Which table? It comes back as the template, filled with what is loaded."), (
        inline([ExportTable(k).markup(f"📤 {SHEETS[k].title}")] for k in EXPORTABLE))


def rows_caption(t: Translator, rows: int) -> str:
    return t._("{rows} rows").format(rows=rows)
