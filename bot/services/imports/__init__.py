"""Loading the directories, the item list, the plans and checklists from files.

All or nothing: every row is checked before anything is written, and one problem
anywhere rolls the whole import back; the report names row, column, value and
reason for each. Re-import is an upsert by natural key (department code, item
code, USCC, 执法证号 or ID number, plan name) and never deletes; each import
writes one audit row with the file's SHA-256 and its counts.

This module holds the entry points (`import_file`, `import_upload`) and the order of
the work; it is the package's public face. Each concern is a module of the package,
each importing only those above it in this list:

- report: an import's report, its problems and warnings, its audit payload;
- uploads: reading a file before anything is written (in a worker process when large);
- job: what each table's importer is given;
- tables, inspectors, plans, targets: each table checked and written (the target
  directory checked and staged in worker processes first);
- loading: the tables of one import checked and written in one transaction;
- chunked: a large target directory applied in chunks after a commit point, finished
  by whoever starts after a crash (`resume_apply`);
- checklists: a checklist tried first, attached, or loaded.

Names with a leading `_` are the package's own: a module of the package may use them,
nothing outside it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from bot import workers
from bot.clock import now as clock_now
from bot.core import Core
from bot.formats.sheets import KINDS, SHEETS
from bot.i18n import N_
from bot.services.access import Actor, label, require_office
from bot.services.imports.checklists import _import_checklist, attach_checklist, read_checklist
from bot.services.imports.chunked import (
    Waiting,
    _apply_chunked,
    _large_directory,
    _staging_folder,
    resume_apply,
)
from bot.services.imports.loading import LOAD_ORDER, _load, _Rollback
from bot.services.imports.report import ImportReport, _held_back
from bot.services.imports.targets import _stage_targets
from bot.services.imports.uploads import (
    HEAVY_FROM,
    Upload,
    _heavy,
    _work_failed,
    file_sha256,
    keep_upload,
    read_upload,
    workbook_tables,
)
from bot.workers import WorkFailed

__all__ = [
    "HEAVY_FROM",
    "ImportReport",
    "Waiting",
    "attach_checklist",
    "import_file",
    "import_upload",
    "keep_upload",
    "read_checklist",
    "read_upload",
    "resume_apply",
]


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
        upload = await core.workers.run(workers.IMPORT, read_upload, str(path), filename, kind,
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
        large = _large_directory(uploads)
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
            sheets = await core.workers.run(workers.IMPORT, workbook_tables, str(path),
                                            heavy=heavy)
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
            upload = await core.workers.run(workers.IMPORT, read_upload, str(path), title,
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
    order: dict[str, int] = {k: i for i, k in enumerate(LOAD_ORDER)}
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
