"""Checklists (an XLSForm, or a .zip of one with the CSV files of its choices): tried
first without loading, attached once tried, or loaded for the item its form_id names."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot import workers
from bot.clock import now as clock_now
from bot.core import Core
from bot.i18n import N_
from bot.rules.checklist import Checklist
from bot.rules.models import AuditAction
from bot.services.access import Actor, label, require_office
from bot.services.imports.report import ImportReport, _audit_payload
from bot.services.imports.uploads import _heavy, _work_failed, file_sha256, read_upload
from bot.workers import WorkFailed


async def read_checklist(core: Core, actor: Actor, path: Path, filename: str
                         ) -> tuple[ImportReport, Checklist | None]:
    """Check a checklist (an XLSForm, or a .zip of one with its CSV files) as an import
    would, without loading it: to try it first. The checklist is None when it has
    problems (the report lists them)."""
    require_office(actor)
    sha256 = await asyncio.to_thread(file_sha256, path)
    heavy = await _heavy(path)
    try:
        upload = await core.workers.run(workers.IMPORT, read_upload, str(path), filename,
                                        "checklist", sha256, heavy=heavy)
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
