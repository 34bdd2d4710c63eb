"""Checking and writing checked tables in one transaction: each table's importer in its
turn (`IMPORTERS`, in `LOAD_ORDER`), then the import's log row and audit entry for each;
nothing is kept when any has a problem (`_Rollback`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path

from bot.config import Settings
from bot.formats.sheets import SHEETS
from bot.i18n import N_
from bot.rules.models import AuditAction, Table
from bot.services.imports.inspectors import _inspectors
from bot.services.imports.job import _Job
from bot.services.imports.plans import _plans
from bot.services.imports.report import ImportReport, _audit_payload
from bot.services.imports.tables import _departments, _items, _recusals
from bot.services.imports.targets import _targets
from bot.services.imports.uploads import Upload
from storage import Tx

# The order tables load in (what a row refers to is loaded before it) is Table's.
LOAD_ORDER: tuple[Table, ...] = tuple(Table)

IMPORTERS: dict[Table, Callable[[_Job], Awaitable[None]]] = {
    Table.DEPARTMENTS: _departments,
    Table.ITEMS: _items,
    Table.TARGETS: _targets,
    Table.INSPECTORS: _inspectors,
    Table.RECUSALS: _recusals,
    Table.PLANS: _plans,
}


class _Rollback(Exception):
    """Raised inside the transaction when the report has problems."""


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
        await IMPORTERS[Table(upload.kind)](job)
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
