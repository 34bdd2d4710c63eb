"""A large target directory (CHUNK_FROM rows or more), applied in chunks, each its own
short transaction, so that nobody else waits for the writer more than a chunk's time
(docs/foundation.md, "Heavy work"). Everything is checked first; then one short
transaction, the commit point, writes the other sheets of a workbook, reserves the
import's log row and takes the bulk write's lease with all that is needed to finish
(`bot/services/bulk.py`); the staged rows are kept in a private folder until the last
chunk. Whoever starts after a crash finishes the import (`resume_apply`)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import secrets
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import now as clock_now
from bot.core import Core
from bot.i18n import N_
from bot.rules.models import AuditAction, BulkKind, BulkWrite
from bot.services import bulk
from bot.services.imports.loading import _load, _Rollback
from bot.services.imports.report import ImportReport, _held_back
from bot.services.imports.targets import _present
from bot.services.imports.uploads import Upload
from bot.services.notify import tell_office
from bot.texts import imports as words
from storage import Tx, staging
from storage.files import PRIVATE_FILE, private_dir

logger = logging.getLogger(__name__)

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


class _Busy(Exception):
    """Raised inside the commit point's transaction: another bulk write holds the lease."""


def _large_directory(uploads: Sequence[tuple[Upload, str | None]]) -> Upload | None:
    """The checked target directory among `uploads` that is applied in chunks, if any."""
    return next((u for u, _ in uploads if u.kind == "targets" and u.report is not None
                 and u.report.ok and u.report.rows >= CHUNK_FROM), None)


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
