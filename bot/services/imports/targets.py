"""The target directory: every row checked in worker processes (a large CSV in two parts
at once) and staged in scratch SQLite files with its duplicates found there, outside
the writer (`stage_target_part` runs in a worker: it is module-level, it crosses the
pipe by name); then applied in one upsert (`_targets`), or in chunks for a large
directory (bot/services/imports/chunked.py)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import workers
from bot.core import Core
from bot.formats.sheets import INACTIVE_STATUSES, SHEETS, HeaderMap, RowParser, RowProblem
from bot.formats.tabular import TableError, csv_layout, csv_parts, iter_csv_range, open_table
from bot.i18n import N_
from bot.services.imports.job import _Job
from bot.services.imports.report import MAX_LISTED, TABLE_ERRORS, ImportReport
from bot.services.imports.uploads import Upload
from storage import staging
from storage.staging import TargetStaging

BATCH = 5000  # staged rows written at once

_TARGET_COLUMNS = ("name", "entity_type", "authority", "legal_rep", "address", "status",
                   "established", "scope", "industry", "region", "credit_class", "abnormal",
                   "dishonest", "complaints", "kind")
PARALLEL_FROM = 8 * 1024 * 1024  # a CSV at least this large is read by two processes


@dataclass
class PartResult:
    """What checking one part of a target file found (returned from a worker process)."""

    rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    problem_count: int = 0
    warnings: list[RowProblem] = field(default_factory=list)
    warning_count: int = 0
    peak_mb: float = 0.0  # the process's own high-water mark of resident memory
    table_error: tuple[str, str] | None = None  # TableError's reason and detail


def _peak_mb() -> float:
    """VmHWM of this process (Linux); 0 where /proc is not there."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def stage_target_part(path: str, filename: str, part: tuple[int, int, int] | None,
                      headers: list[str], mapping: HeaderMap, out: str,
                      sheet_name: str | None = None) -> PartResult:
    """Check one byte range of a CSV (or a whole .xlsx) and stage its rows in `out`."""
    sheet = SHEETS["targets"]
    parse = RowParser(sheet, headers, mapping)
    index = mapping.positions["code"]
    code_header = headers[index] if index < len(headers) else sheet.column("code").header
    result = PartResult()
    staging = TargetStaging(Path(out))
    try:
        _stage_rows(path, filename, part, parse, code_header, staging, result, sheet_name)
    except TableError as exc:  # returned, not raised: it crosses a process boundary
        result.table_error = (exc.reason, exc.detail)
    finally:
        staging.close()
    result.peak_mb = _peak_mb()
    return result


def _stage_rows(path: str, filename: str, part: tuple[int, int, int] | None,
                parse: RowParser, code_header: str, staging: TargetStaging,
                result: PartResult, sheet_name: str | None = None) -> None:
    """Parse each row of the part; stage the good ones, count the bad ones."""
    batch: list[tuple[Any, ...]] = []
    with contextlib.ExitStack() as stack:
        if part is None:
            rows = stack.enter_context(open_table(Path(path), filename, sheet_name)).rows
        else:
            rows = iter_csv_range(Path(path), csv_layout(Path(path)), *part)
        for number, cells in rows:
            result.rows += 1
            values, problems = parse(number, cells)
            if problems:
                result.problem_count += len(problems)
                result.problems.extend(problems[:MAX_LISTED - len(result.problems)])
                continue
            code, code_kind = values["code"]
            if code_kind == "regno":
                result.warning_count += 1
                if len(result.warnings) < MAX_LISTED:
                    result.warnings.append(RowProblem(
                        number, code_header, code,
                        N_("an old 15-digit 注册号, accepted as such; the 统一社会信用代码"
                           " is preferred")))
            batch.append((
                number, code, code_kind, values["name"], values["entity_type"],
                values["authority"], values["legal_rep"], values["address"],
                values["status"], values["established"], values["scope"],
                values["industry"], values["region"], values["credit_class"],
                int(bool(values["abnormal"])), int(bool(values["dishonest"])),
                values["complaints"] or 0, values["kind"] or "entity",
                0 if values["status"] in INACTIVE_STATUSES else 1,
            ))
            if len(batch) >= BATCH:
                staging.add(batch)
                batch.clear()
        staging.add(batch)
    total, repeated = staging.duplicates(MAX_LISTED)
    for code, numbers in repeated:
        for number in numbers[1:]:
            if len(result.problems) < MAX_LISTED:
                result.problems.append(RowProblem(
                    number, code_header, code,
                    N_("appears twice in the file: first in row {first}"),
                    {"first": numbers[0]}))
    result.problem_count += total


async def _stage_targets(core: Core, report: ImportReport, path: Path, filename: str,
                         upload: Upload, scratch: Path, heavy: bool,
                         sheet_name: str | None = None) -> dict[str, Path]:
    """Check every row (two worker processes for a large CSV); return the staging files."""
    assert upload.mapping is not None
    parts: list[tuple[int, int, int] | None] = [None]
    if upload.is_csv:
        layout = await asyncio.to_thread(csv_layout, path)
        parts = list(await asyncio.to_thread(
            csv_parts, path, layout, 2 if layout.size >= PARALLEL_FROM else 1))
    staged = {f"part{i}": scratch / f"part{i}.sqlite3" for i in range(len(parts))}
    # Every part ends before the scratch folder is removed, even when one has failed.
    outcomes = await asyncio.gather(*(
        core.workers.run(workers.IMPORT, stage_target_part, str(path), filename, part,
                         upload.headers, upload.mapping, str(out), sheet_name, heavy=heavy)
        for part, out in zip(parts, staged.values(), strict=True)), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    results = [outcome for outcome in outcomes if isinstance(outcome, PartResult)]
    report.worker_peak_mb = max(r.peak_mb for r in results)
    for result in results:
        if result.table_error is not None:
            reason, detail = result.table_error
            report.problem(0, "", detail, TABLE_ERRORS[reason])
        report.rows += result.rows
        for problem in result.problems:
            report.add(problem)
        report.problem_count += result.problem_count - len(result.problems)
        report.warnings.extend(result.warnings[:MAX_LISTED - len(report.warnings)])
        report.warning_count += result.warning_count
    if all(r.table_error is None for r in results):
        await _duplicates_across(core, report, upload, list(staged.values()), heavy)
    return staged


async def _duplicates_across(core: Core, report: ImportReport, upload: Upload,
                             parts: list[Path], heavy: bool) -> None:
    """Codes staged in two parts: found in the staging files, outside the writer, and
    reported with the parts' own problems."""
    assert upload.mapping is not None
    index = upload.mapping.positions["code"]
    code_header = (upload.headers[index] if index < len(upload.headers)
                   else SHEETS["targets"].column("code").header)
    for later, part in enumerate(parts):
        for first in parts[:later]:
            total, repeated = await core.workers.run(
                workers.IMPORT, staging.duplicates_across, str(first), str(part), MAX_LISTED,
                heavy=heavy)
            for code, first_row, row in repeated:
                report.problem(row, code_header, code,
                               N_("appears twice in the file: first in row {first}"),
                               first=first_row)
            report.problem_count += total - len(repeated)


def _present(mapping: HeaderMap) -> list[str]:
    """The target columns the file has (the others keep their stored values)."""
    return [key for key in _TARGET_COLUMNS if key in mapping.positions]


async def _targets(job: _Job) -> None:
    """Apply the staged rows (checked, duplicates included, when staged) in one upsert;
    the import's log row is written first, for the id of the changes it keeps."""
    if not job.report.ok:
        return
    directory, report = job.tx.directory, job.report
    await directory.create_staging_view(sorted(job.attached))
    report.import_id = await directory.log_import("targets", report.filename, report.sha256,
                                                  report.rows, (0, 0, 0), job.actor, job.now)
    report.inserted, report.updated, report.unchanged = await directory.apply_staged_targets(
        report.import_id, job.now, set(_present(job.mapping)))
