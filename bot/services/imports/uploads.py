"""Reading an uploaded file, before anything is written: its SHA-256, whether it is read
in a worker process, which table (or checklist) it is, its headers and its parsed rows
(`read_upload`), the sheets of a workbook that hold a table, the sentences for a reading
stopped by a worker's limit, and keeping the file after its import."""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import workers
from bot.core import Core
from bot.formats.sheets import (
    KEEPS_UPLOAD,
    SHEETS,
    HeaderMap,
    RowParser,
    RowProblem,
    detect_kind,
    map_headers,
)
from bot.formats.tabular import (
    TableError,
    check_zip,
    expanded_size,
    is_bundle,
    open_bundle,
    open_table,
    sheet_names,
)
from bot.i18n import N_
from bot.rules.checklist import Checklist, ChecklistError, load_xlsform
from bot.services.imports.report import TABLE_ERRORS, ImportReport
from bot.workers import Failure, WorkFailed
from storage.files import write_blob

HEAVY_FROM = 256 * 1024  # a file at least this large is read in worker processes
MAX_ROWS = 200_000  # rows of any table but the target directory

WORK_FAILURES = {
    Failure.MEMORY: N_("reading this file needed more than {limit} MB of memory, far more"
                       " than a real table does: save it again from Excel, or send the table"
                       " as a CSV"),
    Failure.TIME: N_("reading this file took longer than {limit} minutes and was stopped:"
                     " split it, or load it on the server with choucha import"),
    Failure.CRASHED: N_("the process reading this file stopped unexpectedly; send the file"
                        " again, and tell the administrator if it happens twice"),
}


async def _heavy(path: Path) -> bool:
    """Read in a worker process: decided on what the file expands to (a zip's directory),
    not on what it weighs (a small zip may hold a large workbook)."""
    size = (await asyncio.to_thread(path.stat)).st_size
    if await asyncio.to_thread(is_bundle, path):
        return True  # a form in a .zip: what it expands to is known only once it is out
    return max(size, await asyncio.to_thread(expanded_size, path)) >= HEAVY_FROM


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
                return upload  # checked and staged part by part (targets._stage_targets)
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


def _work_failed(report: ImportReport, exc: WorkFailed) -> None:
    """The report's line for a reading that a worker's limit stopped."""
    limit = workers.IMPORT.memory_mb if exc.failure is Failure.MEMORY \
        else int(workers.IMPORT.seconds // 60)
    report.problem(0, "", "", WORK_FAILURES[exc.failure], limit=limit)


def keep_upload(core: Core, report: ImportReport, data: bytes) -> None:
    """Keep an uploaded file after its import. Its SHA-256 is in the import log and the
    audit; the file itself is kept only when it holds no personal data (a directory of
    people or targets is not).

    Access: the import's report (import_file checked the actor)."""
    if report.ok and report.kind in KEEPS_UPLOAD:
        write_blob(core.settings.files_dir, data)


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
