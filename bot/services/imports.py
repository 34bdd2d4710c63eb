"""Loading the directories, the item list, the plans and checklists from files.

All or nothing: every row is checked before anything is written, and one problem
anywhere rolls the whole import back; the report names row, column, value and
reason for each. Re-import is an upsert by natural key (department code, item
code, USCC, 执法证号 or ID number, plan name) and never deletes; each import
writes one audit row with the file's SHA-256 and its counts.

A large target directory (CHUNK_FROM rows or more) is applied in chunks, each its own
short transaction, so that nobody else waits for the writer more than a chunk's time
(docs/foundation.md, "Heavy work"). Everything is checked first; then one short
transaction, the commit point, writes the other sheets of a workbook, reserves the
import's log row and takes the bulk write's lease with all that is needed to finish
(`bot/services/bulk.py`); the staged rows are kept in a private folder until the last
chunk. Whoever starts after a crash finishes the import (`resume_apply`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import html
import logging
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.clock import now as clock_now
from bot.config import Settings
from bot.core import Core
from bot.formats.sheets import (
    DEFAULT_RISK_RULE,
    INACTIVE_STATUSES,
    KEEPS_UPLOAD,
    KINDS,
    SHEETS,
    HeaderMap,
    RowParser,
    RowProblem,
    Sheet,
    detect_kind,
    map_headers,
)
from bot.formats.tabular import (
    TableError,
    check_zip,
    csv_layout,
    csv_parts,
    expanded_size,
    is_bundle,
    iter_csv_range,
    open_bundle,
    open_table,
    sheet_names,
)
from bot.i18n import N_
from bot.rules import draw as algo
from bot.rules.checklist import Checklist, ChecklistError, load_xlsform
from bot.rules.models import AuditAction, BulkKind, BulkWrite, Role, RoleGrant
from bot.rules.records import DrawStatus, PlanForDraw, PlanItemRule
from bot.services import bulk
from bot.services.access import Actor, label, require_office
from bot.services.errors import Refused
from bot.services.notify import enqueue_text, tell_office
from bot.services.onboarding import may_grant
from bot.services.personal import LAST4, PhoneCipher, data_cipher, id_hasher, seal_plain_phones
from bot.texts import imports as words
from bot.workers import IMPORT, Failure, WorkFailed
from storage import Tx, staging
from storage.base import dumps
from storage.files import PRIVATE_FILE, private_dir, write_blob
from storage.staging import TargetStaging

logger = logging.getLogger(__name__)

# The order tables load in: what a row refers to is loaded before it.
LOAD_ORDER = ("departments", "items", "targets", "inspectors", "recusals", "plans")
MAX_LISTED = 1000  # problems and warnings kept for the report; all are counted
BATCH = 5000
HEAVY_FROM = 256 * 1024  # a file at least this large is read in worker processes


async def _heavy(path: Path) -> bool:
    """Read in a worker process: decided on what the file expands to (a zip's directory),
    not on what it weighs (a small zip may hold a large workbook)."""
    size = (await asyncio.to_thread(path.stat)).st_size
    if await asyncio.to_thread(is_bundle, path):
        return True  # a form in a .zip: what it expands to is known only once it is out
    return max(size, await asyncio.to_thread(expanded_size, path)) >= HEAVY_FROM
MAX_ROWS = 200_000  # rows of any table but the target directory
# A target directory of this many rows or more is applied in chunks of CHUNK_ROWS staged
# rows, each its own transaction. Below it, one upsert holds the writer about as long as
# two chunks (4–7 µs a row: 20,000 rows ≈ 0.1 s), so chunks would only add commits and a
# lease. A chunk of 10,000 rows, a range of codes, holds the writer ≈ 40 ms when it
# inserts and ≈ 70 ms (at most 0.11 s) when it compares unchanged rows, on 2 cores with
# a million targets (docs/benchmarks.md).
CHUNK_FROM = 20_000
CHUNK_ROWS = 10_000
STAGED = "staged-imports"  # under the data folder: the staged rows until they are applied
STALE_STAGING = timedelta(days=1)  # a staging folder no bulk write names, left by a crash

# Told when a large import waits for another bulk write (a draw's tasks, another import).
Waiting = Callable[[BulkWrite], Awaitable[None]]

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


class _Rollback(Exception):
    """Raised inside the transaction when the report has problems."""


class _Busy(Exception):
    """Raised inside the commit point's transaction: another bulk write holds the lease."""


@dataclass
class _Job:
    tx: Tx
    report: ImportReport
    sheet: Sheet
    headers: list[str]
    mapping: HeaderMap
    rows: list[tuple[int, dict[str, Any]]]  # parsed by read_upload; bad rows reported
    now: datetime
    actor: str
    settings: Settings
    attached: dict[str, Path] = field(default_factory=dict)
    phones: PhoneCipher | None = None
    # Target codes staged in the same workbook but applied after the commit point (a
    # large directory): the recusals may name them.
    staged_codes: frozenset[str] = frozenset()

    def header(self, key: str) -> str:
        index = self.mapping.positions.get(key)
        return self.headers[index] if index is not None else self.sheet.column(key).header

    def parsed(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Typed rows without problems (read_upload reported the others)."""
        yield from self.rows


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Upload:
    """What reading a file found, before anything is written (made in a worker process)."""

    kind: str | None = None
    headers: list[str] = field(default_factory=list)
    mapping: HeaderMap | None = None
    is_csv: bool = False
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # not for targets
    report: ImportReport | None = None  # the rows read and the problems found
    checklist: Checklist | None = None


def read_upload(path: str, filename: str, kind: str | None, sha256: str,
                sheet_name: str | None = None) -> Upload:
    """Open the file, tell which table it is, check its headers and parse its rows.

    Runs in a worker process for a large file: reading an .xlsx expands it in memory.
    Never raises for a bad file: what is wrong is in the returned report.
    """
    file = Path(path)
    report = ImportReport(kind, filename, sha256)
    upload = Upload(kind, report=report)
    with file.open("rb") as fh:
        head = fh.read(4)
    try:
        if head.startswith(b"PK"):
            check_zip(file)  # before anything parses it
        if head.startswith(b"PK") and kind in (None, "checklist") and is_bundle(file):
            # A form with the CSV files of its choices, in one .zip.
            upload.kind = report.kind = "checklist"
            with tempfile.TemporaryDirectory() as scratch:
                form, files = open_bundle(file, Path(scratch))
                _read_checklist(upload, form, files)
            return upload
        if kind == "checklist" or (kind is None and sheet_name is None
                                   and head.startswith(b"PK") and "survey" in sheet_names(file)):
            upload.kind = report.kind = "checklist"
            _read_checklist(upload, file, {})
            return upload
        with open_table(file, filename, sheet_name) as table:
            upload.kind = report.kind = kind or detect_kind(table.headers)
            if upload.kind is None or upload.kind == "checklist":
                report.problem(1, "", "", N_("cannot tell which table this is: the headers"
                                             " match none of the templates"))
                return upload
            sheet = SHEETS[upload.kind]
            upload.headers, upload.is_csv = table.headers, table.encoding != "xlsx"
            upload.mapping = mapping = map_headers(sheet, table.headers)
            for column in mapping.missing:
                report.problem(1, column.header, "", N_("this required column is missing"))
            for header in mapping.duplicated:
                report.problem(1, header, header, N_("this column appears twice"))
            if not report.ok:
                return upload
            for header in mapping.unknown:
                report.warn(1, header, header, N_("this column is not used and was ignored"))
            if upload.kind == "targets":
                return upload  # checked and staged part by part (_stage_targets)
            parse = RowParser(sheet, table.headers, mapping)
            for number, cells in table.rows:
                report.rows += 1
                if report.rows > MAX_ROWS:
                    report.problem(number, "", "", N_("this table has more than {limit} rows;"
                                                      " only the target directory may be that"
                                                      " long"), limit=MAX_ROWS)
                    upload.rows.clear()
                    return upload
                values, problems = parse(number, cells)
                for problem in problems:
                    report.add(problem)
                if not problems:
                    upload.rows.append((number, values))
    except TableError as exc:
        report.problem(0, "", exc.detail, TABLE_ERRORS[exc.reason])
    return upload


def _read_checklist(upload: Upload, path: Path, files: dict[str, str]) -> None:
    assert upload.report is not None
    try:
        upload.checklist = load_xlsform(path, files)
    except ChecklistError as exc:
        for form_problem in exc.problems:  # the sentence names the sheet, row and column
            upload.report.add(RowProblem(0, form_problem.question, "", form_problem.message,
                                         form_problem.params))


WORK_FAILURES = {
    Failure.MEMORY: N_("reading this file needed more than {limit} MB of memory, far more"
                       " than a real table does: save it again from Excel, or send the table"
                       " as a CSV"),
    Failure.TIME: N_("reading this file took longer than {limit} minutes and was stopped:"
                     " split it, or load it on the server with choucha import"),
    Failure.CRASHED: N_("the process reading this file stopped unexpectedly; send the file"
                        " again, and tell the administrator if it happens twice"),
}


def _work_failed(report: ImportReport, exc: WorkFailed) -> None:
    limit = IMPORT.memory_mb if exc.failure is Failure.MEMORY else int(IMPORT.seconds // 60)
    report.problem(0, "", "", WORK_FAILURES[exc.failure], limit=limit)


def keep_upload(core: Core, report: ImportReport, data: bytes) -> None:
    """Keep an uploaded file after its import. Its SHA-256 is in the import log and the
    audit; the file itself is kept only when it holds no personal data (a directory of
    people or targets is not).

    Access: the import's report (import_file checked the actor)."""
    if report.ok and report.kind in KEEPS_UPLOAD:
        write_blob(core.settings.files_dir, data)


async def import_file(core: Core, actor: Actor, path: Path, filename: str,
                      kind: str | None = None, waiting: Waiting | None = None) -> ImportReport:
    """Check and load one file; nothing is written unless every row is right.

    Reading and checking run in worker processes when the file is large (with a memory
    and a time limit); the database writer is taken only to apply checked rows, and for
    a large target directory only a chunk at a time. `waiting` is awaited once when a
    large directory has to wait for another bulk write to end.
    """
    require_office(actor)
    if kind not in (None, *KINDS):
        raise ValueError(kind)
    sha256 = await asyncio.to_thread(file_sha256, path)
    heavy = await _heavy(path)
    try:
        upload = await core.workers.run(IMPORT, read_upload, str(path), filename, kind,
                                        sha256, heavy=heavy)
    except WorkFailed as exc:
        report = ImportReport(kind, filename, sha256)
        _work_failed(report, exc)
        return report
    assert upload.report is not None
    report = upload.report
    if not report.ok:
        return report
    actor_label = label(actor)
    if upload.checklist is not None:
        await _import_checklist(core, report, upload.checklist, actor_label)
        return report
    await _apply(core, [(upload, None)], path, filename, heavy, actor_label, waiting)
    return report


async def _apply(core: Core, given: Sequence[tuple[Upload, str | None]], path: Path,
                 filename: str, heavy: bool, actor_label: str,
                 waiting: Waiting | None = None) -> list[ImportReport]:
    """Load checked tables (each with its sheet of a workbook, or None) in the order
    given: all of them, or none when any has a problem. A workbook's sheet of targets
    found empty once staged is left out, like its other empty sheets. Returns the
    reports of the tables it took.

    One transaction loads them all, unless the targets are a large directory: then the
    commit point loads the others and the targets follow in chunks (`_apply_chunked`)."""
    uploads = list(given)
    workbook = uploads[0][1] is not None
    async with _staging_folder(core) as folder:
        attached: dict[str, Path] = {}
        for upload, sheet_name in uploads:
            if upload.kind != "targets":
                continue
            assert upload.report is not None
            # Every row is checked, and its duplicates found, before anything is written.
            try:
                attached = await _stage_targets(core, upload.report, path, filename, upload,
                                                folder.path, heavy, sheet_name)
            except WorkFailed as exc:
                _work_failed(upload.report, exc)
                _held_back([u.report for u, _ in uploads if u.report is not None])
                return [u.report for u, _ in uploads if u.report is not None]
        if workbook:
            uploads = [(u, n) for u, n in uploads if u.report is not None and (
                u.kind != "targets" or not u.report.ok or u.report.rows > 0)]
        reports = [u.report for u, _ in uploads if u.report is not None]
        if not reports:
            return reports
        large = next((u for u, _ in uploads if u.kind == "targets" and u.report is not None
                      and u.report.ok and u.report.rows >= CHUNK_FROM), None)
        if large is not None:
            return await _apply_chunked(core, uploads, large, attached, folder, actor_label,
                                        waiting)
        try:
            async with core.db.transaction(attach=attached) as tx:
                # Every table is checked against the database (and the tables before it)
                # so that the report lists all there is to fix, then loaded only if all are
                # right.
                await _load(tx, uploads, reports, clock_now(), actor_label, core.settings,
                            attached)
        except _Rollback:
            for report in reports:
                report.import_id = None
            _held_back(reports)
    return reports


async def _load(tx: Tx, uploads: Sequence[tuple[Upload, str | None]],
                reports: list[ImportReport], now: datetime, actor_label: str,
                settings: Settings, attached: dict[str, Path],
                staged_codes: frozenset[str] = frozenset()) -> None:
    """Check and write each table in its turn, then log and audit each; raise _Rollback
    when any of `reports` has a problem."""
    for upload, _ in uploads:
        report = upload.report
        assert report is not None
        if upload.kind is None or upload.mapping is None:
            continue  # unreadable: read_upload said why
        job = _Job(tx, report, SHEETS[upload.kind], upload.headers, upload.mapping,
                   upload.rows, now, actor_label, settings,
                   attached if upload.kind == "targets" else {}, staged_codes=staged_codes)
        await IMPORTERS[upload.kind](job)
        if report.ok and report.rows == 0:
            report.problem(2, "", "", N_("the file has a header but no rows"))
    if not all(r.ok for r in reports):
        raise _Rollback
    for upload, _ in uploads:
        report = upload.report
        assert report is not None and upload.kind is not None
        counts = (report.inserted, report.updated, report.unchanged)
        if report.import_id is None:
            report.import_id = await tx.directory.log_import(
                upload.kind, report.filename, report.sha256, report.rows, counts,
                actor_label, now)
        else:  # the targets' row, written first for its id
            await tx.directory.record_import_counts(report.import_id, counts)
        await tx.audit.append(actor_label, AuditAction.imported(upload.kind),
                              f"import:{report.import_id}", _audit_payload(report), now)


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


# --- the templates workbook, sheet by sheet ------------------------------------------------
def workbook_tables(path: str) -> list[str]:
    """The sheets of an .xlsx that hold a table (a header row at least); [] for a CSV, a
    checklist (XLSForm) or a file that is not a readable workbook. Runs in a worker."""
    file = Path(path)
    with file.open("rb") as fh:
        if not fh.read(4).startswith(b"PK"):
            return []
    try:
        check_zip(file)
    except TableError:
        return []  # import_file says what is wrong with it
    names = sheet_names(file)
    if "survey" in names:
        return []
    found = []
    for name in names:
        try:
            with open_table(file, file.name, name):
                found.append(name)
        except TableError:
            continue  # an empty sheet
    return found


async def import_upload(core: Core, actor: Actor, path: Path, filename: str,
                        kind: str | None = None,
                        waiting: Waiting | None = None) -> list[ImportReport]:
    """A file from the office: one table, or a workbook of several (such as the /templates
    workbook filled in), each sheet its table, loaded in their order of dependence, all
    or none; sheets with a header and no rows are left out. `waiting`: as import_file."""
    require_office(actor)
    heavy = await _heavy(path)
    sheets: list[str] = []
    if kind is None:
        try:
            sheets = await core.workers.run(IMPORT, workbook_tables, str(path), heavy=heavy)
        except WorkFailed:
            sheets = []  # import_file meets the same limit and says so
    if len(sheets) < 2:
        return [await import_file(core, actor, path, filename, kind, waiting)]
    return await _import_workbook(core, actor, path, filename, sheets, heavy, waiting)


async def _import_workbook(core: Core, actor: Actor, path: Path, filename: str,
                           sheets: list[str], heavy: bool,
                           waiting: Waiting | None) -> list[ImportReport]:
    sha256 = await asyncio.to_thread(file_sha256, path)
    by_title = {SHEETS[k].title: k for k in SHEETS}
    found: list[tuple[Upload, str]] = []
    for name in sheets:
        title = f"{filename} › {name}"
        try:
            upload = await core.workers.run(IMPORT, read_upload, str(path), title,
                                            by_title.get(name), sha256, name, heavy=heavy)
        except WorkFailed as exc:
            upload = Upload(report=ImportReport(by_title.get(name), title, sha256))
            assert upload.report is not None
            _work_failed(upload.report, exc)
        found.append((upload, name))
    # A sheet with a header and no rows is a template left empty; targets count theirs
    # while staged, so theirs is judged after.
    kept = [(u, n) for u, n in found if u.report is None or not u.report.ok
            or u.kind == "targets" or u.report.rows > 0]
    order = {k: i for i, k in enumerate(LOAD_ORDER)}
    kept.sort(key=lambda pair: order.get(pair[0].kind or "", len(order)))
    seen: dict[str, str] = {}
    for upload, name in kept:
        report = upload.report
        assert report is not None
        if upload.kind in seen:
            report.problem(0, "", name, N_("a second sheet of the same table (the first is"
                                           " {first}): put its rows in one sheet"),
                           first=seen[upload.kind])
        elif upload.kind:
            seen[upload.kind] = name
    reports = (await _apply(core, kept, path, filename, heavy, label(actor), waiting)
               if kept else [])
    if not reports:
        report = ImportReport(None, filename, sha256)
        report.problem(2, "", "", N_("the file has a header but no rows"))
        return [report]
    return reports


def _audit_payload(report: ImportReport) -> dict[str, Any]:
    return {"file": report.filename, "sha256": report.sha256, "rows": report.rows,
            "inserted": report.inserted, "updated": report.updated,
            "unchanged": report.unchanged, "warnings": report.warning_count}


def _count(report: ImportReport, outcome: str) -> None:
    setattr(report, outcome, getattr(report, outcome) + 1)


def _first_seen(job: _Job, seen: dict[Any, int], key: Any, number: int, column: str,
                value: str) -> bool:
    """Report a repeated natural key; True when this row is the first with it."""
    if key in seen:
        job.report.problem(number, job.header(column), value,
                           N_("appears twice in the file: first in row {first}"),
                           first=seen[key])
        return False
    seen[key] = number
    return True


# --- departments ----------------------------------------------------------------------
async def _departments(job: _Job) -> None:
    rows: list[Any] = []
    seen: dict[Any, int] = {}
    for number, values in job.parsed():
        if _first_seen(job, seen, values["code"], number, "code", values["code"]):
            rows.append(values)
    if not job.report.ok:
        return
    for values in rows:
        active = True if values["active"] is None else values["active"]
        _count(job.report, await job.tx.directory.upsert_department(
            values["code"], values["name"], values["region"], active, job.now))


# --- items ----------------------------------------------------------------------------
async def _items(job: _Job) -> None:
    departments = await job.tx.directory.department_ids()
    rows: list[Any] = []
    seen: dict[Any, int] = {}
    for number, values in job.parsed():
        if not _first_seen(job, seen, values["code"], number, "code", values["code"]):
            continue
        department_id = departments.get(values["department"])
        if department_id is None:
            job.report.problem(number, job.header("department"), values["department"],
                               N_("no department with this code or name"))
            continue
        if values["kind"] == "general" and values["max_ratio"] is None:
            job.report.problem(number, job.header("max_ratio"), "",
                               N_("a general (一般) item needs a maximum ratio"))
            continue
        rows.append({
            **values, "department_id": department_id,
            "max_ratio": values["max_ratio"] if values["kind"] == "general" else None,
            "active": 1 if values["active"] is None else int(values["active"]),
        })
    if not job.report.ok:
        return
    for values in rows:
        _count(job.report, await job.tx.directory.upsert_item(values["code"], values, job.now))


# --- targets (checked in worker processes, applied in one statement) ----------------------
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
        core.workers.run(IMPORT, stage_target_part, str(path), filename, part, upload.headers,
                         upload.mapping, str(out), sheet_name, heavy=heavy)
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
                IMPORT, staging.duplicates_across, str(first), str(part), MAX_LISTED,
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


# --- a large target directory: the commit point, then chunks ------------------------------
@dataclass
class _Folder:
    """Where a target file is staged: scratch until the commit point, then the bulk
    write's (kept) until its last chunk is applied."""

    token: str
    path: Path
    kept: bool = False


def _staged_root(core: Core) -> Path:
    return core.settings.data_dir / STAGED


@contextlib.asynccontextmanager
async def _staging_folder(core: Core) -> AsyncIterator[_Folder]:
    """A private folder (0700) under the data folder for one import's staging files,
    removed at the end unless a bulk write took it; the folders of imports that a crash
    interrupted before their commit point, older than STALE_STAGING, go too."""
    root = _staged_root(core)
    current = await bulk.current(core)
    keep = current.ref if current is not None and current.kind is BulkKind.IMPORT else None
    await asyncio.to_thread(_forget_stale, root, keep)
    token = secrets.token_hex(8)
    folder = _Folder(token, root / token)
    await asyncio.to_thread(private_dir, folder.path)
    try:
        yield folder
    finally:
        if not folder.kept:
            await asyncio.to_thread(shutil.rmtree, folder.path, True)


def _forget_stale(root: Path, keep: str | None) -> None:
    if not root.is_dir():
        return
    before = time.time() - STALE_STAGING.total_seconds()  # files' times are the disk's
    for folder in root.iterdir():
        if folder.name != keep and folder.stat().st_mtime < before:
            shutil.rmtree(folder, ignore_errors=True)


def _seal(files: list[Path]) -> list[int]:
    """Make the staging files the durable record of the rows to apply (0600, on disk
    before the commit point names them); how many rows each holds."""
    counts = []
    for path in files:
        counts.append(staging.chunked(str(path)))
        os.chmod(path, PRIVATE_FILE)
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    if files:
        fd = os.open(files[0].parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return counts


@dataclass(frozen=True)
class _Chunked:
    """A large target import past its commit point: all that finishing it needs, kept as
    the bulk write's state (JSON) so that another process can finish it."""

    folder: str  # under the data folder's STAGED
    parts: tuple[tuple[str, int], ...]  # each staging file's alias and row count
    present: tuple[str, ...]  # the target columns the file has
    import_id: int  # its log row, reserved at the commit point
    at: datetime  # the import's time (every target it writes has it)
    file: str
    sha256: str
    rows: int
    warnings: int
    actor: str
    counts: tuple[int, int, int] = (0, 0, 0)  # inserted, updated, unchanged so far
    # Where the next chunk starts: a staging file (its index in `parts`) and the last code
    # applied from it. Chunks go through each file in code order.
    part: int = 0
    after: str = ""

    @property
    def total(self) -> int:
        return sum(count for _, count in self.parts)

    def state(self) -> dict[str, Any]:
        return {"folder": self.folder, "parts": [list(p) for p in self.parts],
                "present": list(self.present), "import_id": self.import_id,
                "at": self.at.isoformat(), "file": self.file, "sha256": self.sha256,
                "rows": self.rows, "warnings": self.warnings, "actor": self.actor,
                "counts": list(self.counts), "part": self.part, "after": self.after}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> _Chunked:
        inserted, updated, unchanged = (int(n) for n in state["counts"])
        return cls(str(state["folder"]),
                   tuple((str(alias), int(count)) for alias, count in state["parts"]),
                   tuple(str(c) for c in state["present"]), int(state["import_id"]),
                   datetime.fromisoformat(state["at"]), str(state["file"]),
                   str(state["sha256"]), int(state["rows"]), int(state["warnings"]),
                   str(state["actor"]), (inserted, updated, unchanged), int(state["part"]),
                   str(state["after"]))

    def applied(self, counts: tuple[int, int, int], upto: str) -> _Chunked:
        """After a chunk that ended at code `upto`."""
        return replace(self, after=upto, counts=(
            self.counts[0] + counts[0], self.counts[1] + counts[1],
            self.counts[2] + counts[2]))

    def audit_payload(self) -> dict[str, Any]:
        inserted, updated, unchanged = self.counts
        return {"file": self.file, "sha256": self.sha256, "rows": self.rows,
                "inserted": inserted, "updated": updated, "unchanged": unchanged,
                "warnings": self.warnings}


async def _apply_chunked(core: Core, uploads: list[tuple[Upload, str | None]], large: Upload,
                         attached: dict[str, Path], folder: _Folder, actor_label: str,
                         waiting: Waiting | None) -> list[ImportReport]:
    """The commit point, then the chunks. The commit point writes the workbook's other
    sheets (checked there, all or none), reserves the targets' log row and takes the
    lease; when another bulk write holds it, it waits for that one to end. When another
    sheet has a problem already, it only checks the others, so that the report lists
    everything, and writes nothing."""
    report = large.report
    assert report is not None and large.mapping is not None
    reports = [u.report for u, _ in uploads if u.report is not None]
    others = [(u, n) for u, n in uploads if u is not large]
    aliases = sorted(attached)
    ready = all(r.ok for r in reports)
    counts = await asyncio.to_thread(_seal, [attached[a] for a in aliases]) if ready else []
    # The recusals may name targets staged here: they are written after the commit point.
    named = {values["target"][0] for u, _ in others if u.kind == "recusals"
             for _, values in u.rows}
    staged_codes = frozenset(await asyncio.to_thread(
        staging.staged_codes, [str(attached[a]) for a in aliases], named) if named else ())
    told = False
    while True:
        try:
            async with core.db.transaction() as tx:
                now = clock_now()
                if ready:
                    import_id = await tx.directory.log_import(
                        "targets", report.filename, report.sha256, report.rows, (0, 0, 0),
                        actor_label, now)
                    plan = _Chunked(folder.token, tuple(zip(aliases, counts, strict=True)),
                                    tuple(_present(large.mapping)), import_id, now,
                                    report.filename, report.sha256, report.rows,
                                    report.warning_count, actor_label)
                    if not await bulk.begin(tx, BulkKind.IMPORT, folder.token, plan.total,
                                            plan.state(), actor_label, now):
                        raise _Busy
                await _load(tx, others, reports, now, actor_label, core.settings, {},
                            staged_codes)
            break
        except _Busy:
            try:
                await bulk.wait_idle(core, None if told else waiting)
            except bulk.StillBusy:
                report.problem(0, "", "", N_(
                    "another large write (a draw, or another import) did not end within"
                    " {minutes} minutes: nothing was loaded; send the file again later"),
                    minutes=int(bulk.WAIT_SECONDS // 60))
                _held_back(reports)
                return reports
            told = True
        except _Rollback:
            for each in reports:
                each.import_id = None
            _held_back(reports)
            return reports
    folder.kept = True  # the bulk write's now: removed after its last chunk
    report.import_id = import_id
    try:
        plan = await _apply_chunks(core, plan, 0)
    except bulk.LostLease:
        # This process stalled past bulk.STALE_AFTER and another one took the import
        # over: it finishes it and tells the office; the counts are the log's then.
        logger.warning("import %s taken over by another process; waiting for it", import_id)
        await bulk.wait_idle(core)
        async with core.db.read() as rtx:
            logged = await rtx.directory.import_counts(import_id)
        plan = replace(plan, counts=logged or plan.counts)
    report.inserted, report.updated, report.unchanged = plan.counts
    return reports


async def _apply_chunk(tx: Tx, plan: _Chunked, alias: str, after: str,
                       upto: str) -> tuple[int, int, int]:
    """One chunk's rows upserted, as apply_staged_targets does for all of them."""
    return await tx.directory.apply_staged_range(alias, after, upto, plan.import_id, plan.at,
                                                 set(plan.present))


async def _apply_chunks(core: Core, plan: _Chunked, done: int,
                        resumed: bool = False) -> _Chunked:
    """Apply the staged rows after the first `done`, a chunk per transaction, each
    recording its progress; the last also logs, audits and ends the bulk write (and,
    for an import finished by another process than the one that began it, tells the
    office). Then the staging files are deleted."""
    folder = _staged_root(core) / plan.folder
    with bulk.working(plan.folder):
        plan = await _apply_chunks_from(core, plan, done, resumed, folder)
    await asyncio.to_thread(shutil.rmtree, folder, True)
    return plan


async def _apply_chunks_from(core: Core, plan: _Chunked, done: int, resumed: bool,
                             folder: Path) -> _Chunked:
    while done < plan.total:
        if plan.part >= len(plan.parts):
            raise RuntimeError(f"import {plan.import_id}: {done} of {plan.total} rows staged")
        alias, _ = plan.parts[plan.part]
        path = folder / f"{alias}.sqlite3"
        upto = await asyncio.to_thread(staging.chunk_end, str(path), plan.after, CHUNK_ROWS)
        if upto is None:  # this file is done: the next one, from its first code
            plan = replace(plan, part=plan.part + 1, after="")
            continue
        async with core.db.transaction(record_update=False, attach={alias: path}) as tx:
            counts = await _apply_chunk(tx, plan, alias, plan.after, upto)
            after = plan.applied(counts, upto)
            now = clock_now()
            if done + sum(counts) < plan.total:
                await bulk.step(tx, done + sum(counts), now, after.state())
            else:
                await _finish(tx, after, now, resumed)
        plan, done = after, done + sum(counts)
        # Between chunks, whoever waits for the writer (the lock serves in turn) goes first.
        await asyncio.sleep(0)
    return plan


async def _finish(tx: Tx, plan: _Chunked, now: datetime, resumed: bool) -> None:
    """The last chunk's transaction: the import's counts in its log row, its audit entry,
    the office told when nobody was there to read the result, the lease released."""
    await tx.directory.record_import_counts(plan.import_id, plan.counts)
    await tx.audit.append(plan.actor, AuditAction.imported("targets"),
                          f"import:{plan.import_id}", plan.audit_payload(), now)
    if resumed:
        await tell_office(tx, f"import-finished:{plan.import_id}",
                          functools.partial(words.finished_text, file=plan.file, rows=plan.rows,
                                            counts=plan.counts), now)
    await bulk.end(tx)


async def resume_apply(core: Core, row: BulkWrite) -> None:
    """Finish a large target import that a crash or a stopped process interrupted: the
    chunks after `row.done`, from the state its commit point recorded; then the office is
    told it is done, with its counts. When its staging files are gone (deleted by hand),
    it cannot be finished: what was applied stays, and the office is told to send the
    file again.

    Access: finishes what an office person began (their import was checked at its
    commit point); this process owns the bulk write (bulk.take_over)."""
    plan = _Chunked.from_state(row.state)
    folder = _staged_root(core) / plan.folder
    logger.info("finishing the import of %s (import %s): %d of %d rows were applied",
                plan.file, plan.import_id, row.done, plan.total)
    if all((folder / f"{alias}.sqlite3").is_file() for alias, _ in plan.parts):
        await _apply_chunks(core, plan, row.done, resumed=True)
        return
    logger.error("the staging files of import %s are gone: %s", plan.import_id, folder)
    async with core.db.transaction(record_update=False) as tx:
        now = clock_now()
        await tx.directory.record_import_counts(plan.import_id, plan.counts)
        await tx.audit.append(plan.actor, AuditAction.imported("targets"),
                              f"import:{plan.import_id}",
                              {**plan.audit_payload(), "unfinished": row.done}, now)
        await tell_office(tx, f"import-unfinished:{plan.import_id}",
                          functools.partial(words.unfinished_text, file=plan.file,
                                            rows=plan.rows, done=row.done), now)
        await bulk.end(tx)
    await asyncio.to_thread(shutil.rmtree, folder, True)


# --- inspectors --------------------------------------------------------------------------
ID_KEY_PROBLEMS = {
    "id_key_missing": N_("the key that protects 身份证号 is missing (the key folder's"
                         " id-hash.keys, or CHOUCHA_ID_KEY): restore it from your backup."
                         " Nothing was loaded."),
    "id_key_wrong": N_("the key that protects 身份证号 is not the one these records were made"
                       " with: restore the right id-hash.keys. Nothing was loaded."),
    "data_key_missing": N_("the key that protects phone numbers is missing (data.key in the"
                           " key folder): restore it from your backup. Nothing was loaded."),
    "data_key_wrong": N_("the key that protects phone numbers is not the one they were stored"
                         " with: restore the right data.key. Nothing was loaded."),
    "id_key_bad": N_("the key that protects 身份证号 cannot be read: hex keys of 32 or more"
                     " characters, one a line (or comma-separated). Nothing was loaded."),
}

async def _inspectors(job: _Job) -> None:
    tx, report = job.tx, job.report
    departments = await tx.directory.department_ids()
    try:
        id_hash = await id_hasher(tx, job.settings)
        job.phones = await data_cipher(tx, job.settings)
        await seal_plain_phones(tx, job.settings, job.phones)
    except Refused as exc:
        report.problem(0, "", exc.params.get("source", ""), ID_KEY_PROBLEMS[exc.reason])
        return
    today = job.now.date().isoformat()
    rows: list[tuple[int, dict[str, Any]]] = []
    seen_ids: dict[Any, int] = {}
    seen_certs: dict[Any, int] = {}
    grants_office = await _grants_office(job)
    for number, values in job.parsed():
        department_id = departments.get(values["department"])
        if department_id is None:
            report.problem(number, job.header("department"), values["department"],
                           N_("no department with this code or name"))
            continue
        cert = values["cert_no"]
        if cert and not _first_seen(job, seen_certs, cert, number, "cert_no", cert):
            continue
        number_text = values["id_number"]
        if number_text.startswith("*"):
            existing = await tx.directory.inspector_by_cert(cert) if cert else None
            known = job.phones.open(existing["id_last4"], LAST4) if existing and job.phones \
                else existing["id_last4"] if existing else None
            if existing is None or known != number_text[-4:]:
                report.problem(number, job.header("id_number"), number_text,
                               N_("a masked 身份证号 is only accepted for a known 执法证号 with"
                                  " the same last four characters"))
                continue
            hashed = existing["id_hash"]
        else:
            hashed = id_hash(number_text)
        if not _first_seen(job, seen_ids, hashed, number, "id_number",
                           "*" * 14 + number_text[-4:]):
            continue
        if not await _may_set_roles(job, set(values["roles"] or ["inspector"]), cert,
                                    hashed, grants_office, values["active"] is not False
                                    and values["active"] != 0):
            report.problem(number, job.header("roles"), ",".join(values["roles"] or []),
                           N_("only an administrator may grant the office role or take it"
                              " away (or mark an office member as no longer in service):"
                              " this row was not loaded"))
            continue
        if not cert:
            report.warn(number, job.header("cert_no"), "",
                        N_("no 执法证号: loaded, but never drawn for inspections"))
        elif values["cert_valid_until"] and values["cert_valid_until"] < today:
            report.warn(number, job.header("cert_valid_until"), values["cert_valid_until"],
                        N_("the 执法证 has expired: loaded, but never drawn for inspections"))
        rows.append((number, {**values, "department_id": department_id, "id_hash": hashed,
                              "id_last4": number_text[-4:]}))
    if not report.ok:
        return
    for _, values in rows:
        await _apply_inspector(job, values)


async def _grants_office(job: _Job) -> bool:
    """Whether whoever imports may grant the office role (an administrator, or the command
    line), as /invite decides it (onboarding.may_grant)."""
    if not job.actor.startswith("person:"):
        return True  # the command line: whoever holds the server
    person = await job.tx.people.person(int(job.actor.removeprefix("person:")))
    return person is not None and may_grant(person, [Role.OFFICE])


async def _may_set_roles(job: _Job, roles: set[str], cert: str | None, hashed: str,
                         grants_office: bool, active: bool) -> bool:
    """A row may give these roles: the office role is granted, and taken from someone who
    has it, only by an administrator (the same rule as /invite, issue 29); nor may
    anyone else mark an office member or an administrator as no longer in service (that
    ends their access)."""
    if grants_office:
        return True
    existing = await job.tx.directory.inspector_by_keys(cert, hashed)
    person = await job.tx.people.person(existing["person_id"]) if existing else None
    staff = person is not None and (person.has_role(Role.OFFICE)
                                    or person.has_role(Role.ADMIN))
    if staff and not active:
        return False
    if "office" in roles:
        return person is not None and person.has_role(Role.OFFICE)  # kept, not granted
    return person is None or not person.has_role(Role.OFFICE)


async def _apply_inspector(job: _Job, values: dict[str, Any]) -> None:
    tx = job.tx
    active = True if values["active"] is None else bool(values["active"])
    roles = set(values["roles"] or ["inspector"])
    existing = await tx.directory.inspector_by_keys(values["cert_no"], values["id_hash"])
    changed = False
    if existing is None:
        grants = [RoleGrant(Role(r), None if r == "office" else values["department_id"])
                  for r in sorted(roles)]
        person = await tx.people.add_person(values["name"], values["department_id"], grants,
                                            job.now)
        person_id = person.id
        if not active:
            await tx.directory.update_person(person_id, values["name"],
                                             values["department_id"], active)
    else:
        person_id = existing["person_id"]
        changed |= await tx.directory.update_person(person_id, values["name"],
                                                    values["department_id"], active)
        if await tx.directory.sync_roles(person_id, roles, values["department_id"], job.now):
            changed = True
            # Granting and withdrawing roles is traced person by person.
            await tx.audit.append(job.actor, AuditAction.PERSON_ROLES, f"person:{person_id}",
                                  {"roles": sorted(roles), "active": active}, job.now)
    profile = {
        "cert_no": values["cert_no"], "id_hash": values["id_hash"],
        "id_last4": job.phones.seal(values["id_last4"], LAST4) if job.phones
        else values["id_last4"], "gender": values["gender"],
        "phone": job.phones.seal(values["phone"]) if job.phones else values["phone"],
        "unit": values["unit"], "level": values["level"],
        "cert_authority": values["cert_authority"],
        "cert_valid_until": values["cert_valid_until"],
        "expertise": dumps(values["expertise"] or []), "active": int(active),
    }
    changed |= await tx.directory.upsert_inspector(person_id, profile, job.now)
    _count(job.report, "inserted" if existing is None else "updated" if changed
           else "unchanged")


# --- recusals ---------------------------------------------------------------------------
async def _recusals(job: _Job) -> None:
    certs = await job.tx.directory.inspector_certs()
    rows: list[Any] = []
    seen: dict[Any, int] = {}
    for number, values in job.parsed():
        code = values["target"][0]
        if not _first_seen(job, seen, (values["cert_no"], code), number, "target", code):
            continue
        if values["cert_no"] not in certs:
            job.report.problem(number, job.header("cert_no"), values["cert_no"],
                               N_("no inspector with this 执法证号"))
            continue
        rows.append((number, values["cert_no"], code, values["reason"]))
    known = job.staged_codes | await job.tx.directory.target_codes_exist(
        code for _, _, code, _ in rows)
    for number, _, code, _ in rows:
        if code not in known:
            job.report.problem(number, job.header("target"), code,
                               N_("no target with this code in the directory"))
    if not job.report.ok:
        return
    for _, cert, code, reason in rows:
        _count(job.report, await job.tx.directory.upsert_recusal(cert, code, reason, job.now))


# --- plans ------------------------------------------------------------------------------
PLAN_PROBLEMS = {
    "ratios_fall": N_("the ratio of credit class {lower} ({lower_ratio}) is above that of"
                      " {higher} ({higher_ratio}): a ratio may not fall as the risk rises"
                      " (000 二(四), 003 第十五条)"),
    "cap_above_two": N_("stratum {stratum} may be checked at most twice a year (003 第十四条):"
                        " only the higher-risk classes C and D, or a plan of key (重点) items"
                        " only, may allow more (0 = no cap)"),
    "caps_fall": N_("the yearly cap of {lower} ({lower_cap}) is above that of {higher}"
                    " ({higher_cap}): a higher-risk class may not be checked less often"
                    " (0 = no cap)"),
    "ratio_above_item_maximum": N_("above the maximum ratio {maximum} of general item {item}"),
}
# What decides a plan's draw (its announcement, docs/draw.md): frozen once it is prepared.
DRAW_FIELDS = ("ratios", "items", "scope", "initiator", "joining", "draw_date", "year_caps",
               "fallbacks", "risk_rule")


def _draw_inputs(plan: PlanForDraw) -> dict[str, Any]:
    """A stored plan's draw parameters, in the form `_plans` compares them."""
    return {"ratios": plan.ratios, "items": sorted(i.code for i in plan.items),
            "scope": {k: sorted(v) for k, v in plan.scope.items() if v},
            "initiator": plan.initiator_code, "joining": sorted(plan.joining_codes),
            "draw_date": plan.draw_date.isoformat(), "year_caps": plan.year_caps,
            "fallbacks": plan.fallbacks, "risk_rule": plan.risk_rule}


async def _frozen_plan(job: _Job, number: int, name: str, given: dict[str, Any]) -> None:
    """A prepared or drawn plan keeps what decides its draw: a row changing it is refused,
    naming the plan, the day it was prepared and what to do."""
    plan = await job.tx.draws.plan(name)
    row = await job.tx.draws.draw(plan.id) if plan else None
    if plan is None or row is None:
        return
    stored = _draw_inputs(plan)
    changed = [job.header(key) for key in DRAW_FIELDS if stored[key] != given[key]]
    if not changed:
        return
    when = row.prepared_at.astimezone(job.settings.tz).date().isoformat()
    if row.status == DrawStatus.PREPARED:
        job.report.problem(number, job.header("name"), name, N_(
            "plan “{plan}” was prepared for its draw on {date}: what decides the draw is"
            " frozen and announced, and this row changes {fields}. Cancel the preparation"
            " (/draw, before the draw date {draw_date}), then load the file again; or load"
            " the change as a new plan"), plan=name, date=when, fields="、".join(changed),
            draw_date=row.draw_date.isoformat())
    else:
        job.report.problem(number, job.header("name"), name, N_(
            "plan “{plan}” was drawn (prepared on {date}): what decided its draw cannot"
            " change, and this row changes {fields}. Load the change as a new plan"),
            plan=name, date=when, fields="、".join(changed))


async def _plans(job: _Job) -> None:
    """Each plan's row checked against the directory, the draw's rules and what a prepared
    draw froze; all of them stored when no row has a problem."""
    tx, report = job.tx, job.report
    departments = await tx.directory.department_ids()
    codes_by_id = await tx.directory.department_codes()
    items = await tx.directory.items_by_code()
    rows: list[Any] = []
    seen: dict[Any, int] = {}
    for number, values in job.parsed():
        if not _first_seen(job, seen, values["name"], number, "name", values["name"]):
            continue
        before = report.problem_count
        initiator, joining = _plan_departments(job, number, values, departments)
        rules = _plan_items(job, number, values, items, codes_by_id, {initiator, *joining})
        caps = values["year_caps"] or {}
        _plan_ratios_and_caps(job, number, values, caps, rules)
        _plan_dates_and_fallbacks(job, number, values, departments)
        if report.problem_count == before:
            assert initiator is not None  # else a problem was reported above
            fallbacks, risk = await _plan_unfrozen(job, number, values, initiator, joining,
                                                   caps, departments, codes_by_id)
            if report.problem_count == before:
                rows.append((number, values, initiator, joining,
                             [items[c]["id"] for c in values["items"]], fallbacks, caps, risk))
    if not report.ok:
        return
    await _store_plans(job, rows)


def _plan_departments(job: _Job, number: int, values: dict[str, Any],
                      departments: dict[str, int]) -> tuple[int | None, list[int]]:
    """The plan's initiating department and the joining ones (ids), as its type wants."""
    report = job.report
    initiator = departments.get(values["initiator"])
    if initiator is None:
        report.problem(number, job.header("initiator"), values["initiator"],
                       N_("no department with this code or name"))
    joining: list[int] = []
    for name in values["joining"] or []:
        if name not in departments:
            report.problem(number, job.header("joining"), name,
                           N_("no department with this code or name"))
        elif departments[name] != initiator and departments[name] not in joining:
            joining.append(departments[name])
    if values["type"] == "joint" and not joining:
        report.problem(number, job.header("joining"), "",
                       N_("a joint plan needs at least one joining department"))
    if values["type"] == "department" and joining:
        report.problem(number, job.header("joining"), ", ".join(values["joining"]),
                       N_("a department plan has no joining departments"))
    return initiator, joining


def _plan_items(job: _Job, number: int, values: dict[str, Any],
                items: dict[str, dict[str, Any]], codes_by_id: dict[int, str],
                taking_part: set[int | None]) -> list[PlanItemRule]:
    """The plan's items as the draw reads them; each must exist and belong to a
    department taking part."""
    rules: list[PlanItemRule] = []
    for code in values["items"]:
        item = items.get(code)
        if item is None:
            job.report.problem(number, job.header("items"), code, N_("no item with this code"))
            continue
        if item["department_id"] not in taking_part:
            job.report.problem(number, job.header("items"), code,
                               N_("the item's department does not take part in this plan"))
        rules.append(PlanItemRule(code, item["kind"], item["max_ratio"], item["expertise"],
                                  codes_by_id.get(item["department_id"], "")))
    return rules


def _plan_ratios_and_caps(job: _Job, number: int, values: dict[str, Any], caps: dict[str, int],
                          rules: list[PlanItemRule]) -> None:
    """Report what the plan's ratios and yearly caps break of the draw's rules."""
    for problem in algo.plan_problems(values["ratios"], caps, rules):
        column = "year_caps" if problem.reason in ("cap_above_two", "caps_fall") \
            else "ratios"
        shown = {"year_caps": _caps_text(caps), "ratios": _ratios_text(values["ratios"])}
        job.report.problem(number, job.header(column), shown[column],
                           PLAN_PROBLEMS[problem.reason], **problem.params)


def _plan_dates_and_fallbacks(job: _Job, number: int, values: dict[str, Any],
                              departments: dict[str, int]) -> None:
    """Report dates out of order and fallback departments not in the directory."""
    if not values["draw_date"] <= values["window_start"] <= values["window_due"]:
        job.report.problem(number, job.header("window_due"), values["window_due"],
                           N_("the draw date, the start and the due date must be in order"))
    for department, others in (values["fallbacks"] or {}).items():
        for code in (department, *others):
            if code not in departments:
                job.report.problem(number, job.header("fallbacks"), code,
                                   N_("no department with this code or name"))


async def _plan_unfrozen(job: _Job, number: int, values: dict[str, Any], initiator: int,
                         joining: list[int], caps: dict[str, int], departments: dict[str, int],
                         codes_by_id: dict[int, str]) -> tuple[dict[str, list[str]], Any]:
    """The plan's fallbacks (by code) and risk rule, after reporting a change to what a
    prepared or drawn draw froze."""
    fallbacks = {
        codes_by_id[departments[k]]: [codes_by_id[departments[o]] for o in v]
        for k, v in (values["fallbacks"] or {}).items()
    }
    risk = values["risk_rule"] if values["risk_rule"] is not None else DEFAULT_RISK_RULE
    await _frozen_plan(job, number, values["name"], {
        "ratios": values["ratios"], "items": sorted(values["items"]),
        "scope": {k: sorted(v) for k, v in (values["scope"] or {}).items() if v},
        "initiator": codes_by_id[initiator],
        "joining": sorted(codes_by_id[j] for j in joining),
        "draw_date": values["draw_date"], "year_caps": caps,
        "fallbacks": fallbacks, "risk_rule": risk})
    return fallbacks, risk


async def _store_plans(job: _Job, rows: list[Any]) -> None:
    """Write the checked plans, and move the windows of drawn ones' tasks."""
    for number, values, initiator, joining, item_ids, fallbacks, caps, risk in rows:
        plan = {
            "task_name": values["task_name"], "type": values["type"],
            "target_total": values["target_total"], "scope": dumps(values["scope"] or {}),
            "ratios": dumps(values["ratios"]), "initiator_id": initiator,
            "draw_date": values["draw_date"], "window_start": values["window_start"],
            "window_due": values["window_due"], "year_caps": dumps(caps),
            "fallbacks": dumps(fallbacks),
            "leader_may_approve": int(bool(values["leader_may_approve"])),
            "risk_rule": dumps(risk),
        }
        _count(job.report, await job.tx.directory.upsert_plan(values["name"], plan, item_ids,
                                                              joining, job.now))
        await _window_moved(job, number, values["name"], values["window_start"],
                            values["window_due"])


async def _window_moved(job: _Job, number: int, name: str, start: str, due: str) -> None:
    """A drawn plan's window changed: its tasks not finished yet follow it (the window
    does not decide the draw), and everyone on their teams is told."""
    plan = await job.tx.draws.plan(name)
    if plan is None:
        return
    moved = await job.tx.tasks.move_window(plan.id, start, due)
    if not moved:
        return
    tasks = len({target for targets in moved.values() for target in targets})
    job.report.warn(number, job.header("window_start"), f"{start} – {due}", N_(
        "the inspection window of the {n} tasks of plan “{plan}” not begun yet is now"
        " {start} – {due} (a visit under way keeps its window); their teams are told in"
        " Choucha"), n=tasks, plan=name,
        start=start, due=due)
    for person_id, targets in moved.items():
        person = await job.tx.people.person(person_id)
        if person is None:
            continue
        listed = "、".join(html.escape(t) for t in targets[:10]) + (
            "…" if len(targets) > 10 else "")
        await enqueue_text(job.tx, person, f"window:{plan.id}:{job.now.isoformat()}:{person_id}",
                           functools.partial(words.window_text, plan=html.escape(name),
                                             start=start, due=due,
                                             listed=listed, n=len(targets)), job.now)


def _ratios_text(ratios: dict[str, str]) -> str:
    return ";".join(f"{k}:{v}" for k, v in sorted(ratios.items()))


def _caps_text(caps: dict[str, int]) -> str:
    return ";".join(f"{k}:{v}" for k, v in sorted(caps.items()))


def _decimal(text: str) -> Decimal:
    return Decimal(text)


# --- checklists -------------------------------------------------------------------------
async def read_checklist(core: Core, actor: Actor, path: Path, filename: str
                         ) -> tuple[ImportReport, Checklist | None]:
    """Check a checklist (an XLSForm, or a .zip of one with its CSV files) as an import
    would, without loading it: to try it first. The checklist is None when it has
    problems (the report lists them)."""
    require_office(actor)
    sha256 = await asyncio.to_thread(file_sha256, path)
    heavy = await _heavy(path)
    try:
        upload = await core.workers.run(IMPORT, read_upload, str(path), filename, "checklist",
                                        sha256, heavy=heavy)
    except WorkFailed as exc:
        report = ImportReport("checklist", filename, sha256)
        _work_failed(report, exc)
        return report, None
    assert upload.report is not None
    return upload.report, upload.checklist if upload.report.ok else None


async def attach_checklist(core: Core, actor: Actor, checklist: Checklist, filename: str,
                           sha256: str) -> ImportReport:
    """Load a checklist already checked (a form tried first) for the item its form_id
    names, as import_file would have."""
    require_office(actor)
    report = ImportReport("checklist", filename, sha256)
    await _import_checklist(core, report, checklist, label(actor))
    return report


async def _import_checklist(core: Core, report: ImportReport, checklist: Checklist,
                            actor: str) -> None:
    report.rows = len(checklist.questions)
    async with core.db.transaction() as tx:
        item_ids = await tx.directory.item_ids()
        item_id = item_ids.get(checklist.form_id)
        if item_id is None:
            report.problem(0, "form_id", checklist.form_id,
                           N_("the settings sheet's form_id must be the code of a loaded item"))
            return
        now = clock_now()
        checklist_id, version, new = await tx.directory.add_checklist(
            item_id, checklist.title, checklist.to_json(), report.sha256, now)
        if new:
            report.inserted = 1
        else:
            report.unchanged = 1
        report.import_id = await tx.directory.log_import(
            "checklist", report.filename, report.sha256, report.rows,
            (report.inserted, 0, report.unchanged), actor, now)
        await tx.audit.append(actor, AuditAction.IMPORT_CHECKLIST, f"item:{checklist.form_id}",
                              {**_audit_payload(report), "checklist": checklist_id,
                               "version": version}, now)


IMPORTERS = {
    "departments": _departments,
    "items": _items,
    "targets": _targets,
    "inspectors": _inspectors,
    "recusals": _recusals,
    "plans": _plans,
}
