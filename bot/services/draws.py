"""Preparing, cancelling, running, exporting and verifying a plan's draw (docs/draw.md).

choucha-draw-v2: `prepare` freezes everything that decides the draw (the pool, the
drawable inspectors, the recusals, the plan's parameters in announcement.json) and
commits to a secret nonce; it is published before the public entropy is known. `run`
reads only what prepare froze, checks it again, computes the seed from the
announcement's digest, the entropy and the nonce, and writes the tasks in chunks
(bot/services/bulk.py) that nobody sees until the last one. A change after prepare is a
published event (a withdrawal, a replacement), never an edit of the input.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import shutil
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from bot.clock import now as clock_now
from bot.core import Core
from bot.formats.tabular import xlsx_bytes
from bot.i18n import Translator, translator
from bot.rules import draw as algo
from bot.rules.draw import CancelledPreparation, Prepared, Ran
from bot.rules.models import AuditAction, BulkKind, BulkWrite
from bot.rules.records import (
    Draw,
    DrawEvents,
    DrawnSeat,
    DrawStatus,
    PlanForDraw,
    PlanItemRule,
    PlanLine,
)
from bot.services import bulk
from bot.services.access import SYSTEM, Actor, label, require_office
from bot.services.errors import Refusal, Refused, typed_line
from bot.services.listings import require_published
from bot.services.notify import tell_office
from bot.services.tasks import draw_notices, queue_draw_notices
from bot.texts import draws as words
from bot.texts import notices
from bot.texts.tasks import LISTED
from bot.workers import DOCUMENT, DRAW, WorkFailed
from storage import ReadTx, Tx
from storage import pool as frozen_pool
from storage.files import (
    PRIVATE_FILE,
    BlobWriter,
    blob_matches,
    private_dir,
    read_blob,
    write_blob,
)

logger = logging.getLogger(__name__)

HEAVY_FROM = 20_000  # a pool at least this large is read and keyed in worker processes
CHUNK = 1_000  # tasks written per transaction (about 30 ms of the writer each)
NOTICE_CHUNK = 25  # inspectors told per transaction
FILES_V1 = ("record.json", "pool.tsv", "inspectors.tsv", "recusals.tsv")
FILES = ("announcement.json", "record.json", "pool.tsv", "inspectors.tsv", "recusals.tsv")
INPUTS = ("announcement.json", "pool.tsv", "inspectors.tsv", "recusals.tsv")
# Why an inspector of the frozen list cannot be drawn at the run (docs/draw.md).
LEFT, TRANSFERRED, CERT_INVALID = "left", "transferred", "cert_invalid"


def _refuse(problems: Sequence[algo.PlanProblem]) -> None:
    if problems:
        raise Refused(Refusal(problems[0].reason), **problems[0].params)


async def _plan(tx: ReadTx | Tx, name: str) -> PlanForDraw:
    plan = await tx.draws.plan(name)
    if plan is None:
        names = [p.name for p in await tx.draws.plans()]
        raise Refused(Refusal.UNKNOWN_PLAN, plan=name, plans="\n".join(names))
    return plan


def _required_expertise(items: Sequence[PlanItemRule]) -> dict[str, set[str]]:
    """Per department, the expertise its items of this plan name."""
    required: dict[str, set[str]] = {}
    for item in items:
        if item.expertise:
            required.setdefault(item.department_code, set()).add(item.expertise)
    return required


async def _explain(exc: algo.DrawRefused, core: Core, items: Sequence[PlanItemRule],
                   draw_date: date) -> Refused:
    """A refusal of the algorithm with the firm's and the department's names and, for
    nobody drawable, why (no inspector, no valid 执法证, no one with the expertise)."""
    params = {k: str(v) for k, v in exc.params.items()}
    async with core.db.read() as rtx:
        code = params.get("target", "")
        target = await rtx.directory.target(code) if code else None
        params["code"] = code
        params["target"] = target["name"] if target else code
        department_code = params.get("department", "")
        department = await rtx.people.department_by_code(department_code)
        params["department"] = department.name if department else department_code
        if exc.reason == Refusal.NOBODY_DRAWABLE:
            everyone = await rtx.draws.department_inspectors(department_code)
            valid = [i for i in everyone if i.cert_no and (
                i.cert_valid_until is None or i.cert_valid_until >= draw_date)]
            need = _required_expertise(items).get(department_code, set())
            skilled = [i for i in valid if need <= set(i.expertise)]
            params.update(total=str(len(everyone)), valid=str(len(valid)),
                          skilled=str(len(skilled)), expertise="、".join(sorted(need)))
    return Refused(Refusal(exc.reason), **params)


async def plans(core: Core, actor: Actor) -> list[PlanLine]:
    """The active plans with their draws' status, for the office to choose from."""
    require_office(actor)
    async with core.db.read() as rtx:
        return await rtx.draws.plans()


async def plan_line(core: Core, actor: Actor, plan_id: int) -> PlanLine:
    """One plan of the office's list (a button names it by id)."""
    require_office(actor)
    found = next((p for p in await plans(core, actor) if p.id == plan_id), None)
    if found is None:
        raise Refused(Refusal.NO_PLAN)
    return found


# --- prepare ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class FreezeSpec:
    """What the pool, the inspectors and the recusals are frozen from (plain data: it
    crosses to a worker process)."""

    db_path: str
    files_root: str
    scope: dict[str, list[str]]
    year: str
    caps: dict[str, int | None]
    risk_rule: algo.RiskRule
    draw_date: date
    required: dict[str, set[str]]


@dataclass(frozen=True)
class FrozenPart:
    """One range of the pool, written to a scratch file: its strata's sizes, how many the
    risk rule raised, and the marks of the snapshot it was read from."""

    path: str
    sizes: dict[str, int]
    raised: int
    marks: tuple[int, int]


@dataclass(frozen=True)
class Frozen:
    pool_digest: str
    pool_size: int
    sizes: dict[str, int]
    raised: int
    people: FrozenPeople


def pool_cuts(db_path: str, parts: int) -> list[str]:
    """Codes cutting the directory into `parts` ranges to be read in parallel."""
    conn = frozen_pool.snapshot(db_path)
    try:
        return frozen_pool.split_codes(conn, parts)
    finally:
        conn.close()


def freeze_part(spec: FreezeSpec, low: str | None, high: str | None,
                path: str) -> FrozenPart | None:
    """The pool's codes from `low` below `high`, streamed to `path` (a worker's share);
    None when a bulk write is half done in this snapshot (the caller waits, then tries
    again)."""
    conn = frozen_pool.snapshot(spec.db_path)
    try:
        if frozen_pool.bulk_under_way(conn):
            return None
        sizes = dict.fromkeys(algo.STRATA, 0)
        raised = 0
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        with os.fdopen(fd, "wb") as out:
            for lines, raised_here in frozen_pool.pool_lines(conn, spec.scope, spec.year,
                                                             spec.caps, spec.risk_rule, low,
                                                             high):
                out.write(lines)
                raised += raised_here
                for stratum in sizes:
                    sizes[stratum] += lines.count(f"\t{stratum}\n".encode())
        return FrozenPart(path, sizes, raised, frozen_pool.marks(conn))
    finally:
        conn.close()


@dataclass(frozen=True)
class FrozenPeople:
    inspectors_digest: str
    inspectors: int
    recusals_digest: str
    recusals: int
    people: dict[str, int]  # each frozen 执法证号's person
    marks: tuple[int, int]


def freeze_people(spec: FreezeSpec) -> FrozenPeople:
    """inspectors.tsv and recusals.tsv (the recusals whose inspector is drawable and whose
    target is in the pool), stored; who is behind each certificate; the snapshot's
    marks."""
    conn = frozen_pool.snapshot(spec.db_path)
    try:
        drawable = [i for i in frozen_pool.drawable_inspectors(conn, spec.draw_date)
                    if spec.required.get(i.department, set()) <= set(i.expertise)]
        inspectors = [algo.Inspector(i.cert_no, i.department, "、".join(i.expertise))
                      for i in drawable]
        certs = {i.cert for i in inspectors}
        recusals = [(c, t) for c, t in frozen_pool.recusals_in_pool(
            conn, spec.scope, spec.year, spec.caps, spec.risk_rule) if c in certs]
        marks = frozen_pool.marks(conn)
    finally:
        conn.close()
    root = Path(spec.files_root)
    return FrozenPeople(write_blob(root, algo.inspectors_tsv(inspectors)), len(inspectors),
                        write_blob(root, algo.recusals_tsv(recusals)), len(recusals),
                        {i.cert_no: i.person_id for i in drawable}, marks)


def join_parts(files_root: str, paths: list[str]) -> str:
    """The parts, in order, as one file of the store (pool.tsv); its SHA-256."""
    writer = BlobWriter(Path(files_root))
    try:
        for path in paths:
            with open(path, "rb") as fh:
                while piece := fh.read(1 << 20):
                    writer.write(piece)
    except BaseException:
        writer.abort()
        raise
    return writer.close()


async def _freeze(core: Core, spec: FreezeSpec, heavy: bool) -> Frozen | None:
    """The three files from snapshots that read the same database (the pool in two ranges
    read by two worker processes for a large directory); None when a bulk write was half
    done, or the snapshots differ (an import landed between them): then again."""
    cuts = await core.workers.run(DRAW, pool_cuts, spec.db_path, 2) if heavy else []
    bounds = list(zip([None, *cuts], [*cuts, None], strict=True))
    scratch = Path(spec.files_root) / f".freezing-{secrets.token_hex(6)}"
    try:
        await asyncio.to_thread(private_dir, scratch)
        # The pool's ranges in worker processes; the people (a few queries) in a thread.
        parts, people = await asyncio.gather(
            asyncio.gather(*(core.workers.run(DRAW, freeze_part, spec, low, high,
                                              str(scratch / f"{n}"), heavy=heavy)
                             for n, (low, high) in enumerate(bounds))),
            asyncio.to_thread(freeze_people, spec))
        done = [p for p in parts if p is not None]
        if len(done) < len(parts) or len({p.marks for p in done} | {people.marks}) != 1:
            return None
        digest = await asyncio.to_thread(join_parts, spec.files_root, [p.path for p in done])
    finally:
        await asyncio.to_thread(shutil.rmtree, scratch, True)
    sizes = {s: sum(p.sizes[s] for p in done) for s in algo.STRATA}
    return Frozen(digest, sum(sizes.values()), {k: v for k, v in sizes.items() if v},
                  sum(p.raised for p in done), people)


async def _preparable(core: Core, plan_name: str, entropy_source: str
                      ) -> tuple[PlanForDraw, list[Draw]]:
    """The plan, and its cancelled preparations, when it may be prepared with this entropy
    source: not drawn, published as it stands, a source named and not used before, its
    ratios, caps and items within the rules."""
    async with core.db.read() as rtx:
        plan = await _plan(rtx, plan_name)
        await _not_drawn(rtx, plan)
        await require_published(rtx, core, plan)
        earlier = await rtx.draws.cancelled(plan.id)
    if not 3 <= len(entropy_source) <= 300 or not algo.source_is_named(entropy_source):
        raise Refused(Refusal.BAD_ENTROPY_SOURCE, date=plan.draw_date.isoformat())
    if any(_same_source(d.entropy_source, entropy_source) for d in earlier):
        raise Refused(Refusal.ENTROPY_SOURCE_USED, source=entropy_source)
    _refuse(algo.plan_problems(plan.ratios, plan.year_caps, plan.items))
    return plan, earlier


async def prepare(core: Core, actor: Actor, plan_name: str, entropy_source: str,
                  waiting: Callable[[BulkWrite], Awaitable[None]] | None = None,
                  started: Callable[[], Awaitable[None]] | None = None) -> Prepared:
    """Freeze the draw's inputs, commit to a secret nonce, announce both before the draw.
    `waiting` is awaited once if an import or another draw's write must end first;
    `started` once the freezing begins (to tell the person)."""
    require_office(actor)
    entropy_source = typed_line(entropy_source)
    plan, earlier = await _preparable(core, plan_name, entropy_source)
    caps = algo.year_caps(plan.year_caps)
    rule = algo.RiskRule.from_json(plan.risk_rule)
    spec = FreezeSpec(str(core.settings.db_path), str(core.files_root),
                      {k: list(v) for k, v in plan.scope.items() if v},
                      str(plan.draw_date.year), caps, rule, plan.draw_date,
                      _required_expertise(plan.items))
    async with core.db.read() as rtx:
        heavy = await rtx.directory.target_count() >= HEAVY_FROM
    if started is not None:
        await started()
    while True:  # the pool must not see half an import: wait for any bulk write to end
        await _wait_idle(core, waiting)
        try:
            frozen = await _freeze(core, spec, heavy)
        except WorkFailed as exc:
            raise Refused(Refusal(f"work_{exc.failure.value}")) from None
        if frozen is not None:
            break
    try:
        strata = algo.strata_of(frozen.sizes, plan.ratios)
    except algo.DrawRefused as exc:  # a stratum of the pool the plan gives no ratio
        raise Refused(Refusal.NO_RATIO, stratum=str(exc.params.get("stratum", ""))) from None
    _refuse(algo.pool_problems(strata, plan.items))
    nonce = secrets.token_hex(32)
    now = clock_now()
    announcement = algo.Announcement(
        plan=plan.name, draw_date=plan.draw_date.isoformat(), entropy_source=entropy_source,
        nonce_commitment=algo.h(nonce),
        prepared_at=now.astimezone(core.settings.tz).isoformat(timespec="seconds"),
        scope=spec.scope, items=plan.items, initiating=plan.initiator_code,
        joining=tuple(sorted(plan.joining_codes)),
        fallbacks={k: list(v) for k, v in plan.fallbacks.items()}, ratios=dict(plan.ratios),
        risk_rule=rule, year_caps=caps, pool_size=frozen.pool_size,
        pool_digest=frozen.pool_digest, strata=tuple(strata), inspectors=frozen.people.inspectors,
        inspectors_digest=frozen.people.inspectors_digest, recusals=frozen.people.recusals,
        recusals_digest=frozen.people.recusals_digest,
        previous=tuple(_cancelled(d, core) for d in earlier))
    document = announcement.to_json()
    sha = await asyncio.to_thread(write_blob, core.files_root, document)
    prepared = Prepared(plan.name, plan.id, announcement, sha, frozen.raised)
    values = {"algorithm": algo.ALGORITHM, "draw_date": announcement.draw_date,
              "entropy_source": entropy_source, "nonce": nonce,
              "nonce_commitment": announcement.nonce_commitment,
              "pool_digest": frozen.pool_digest, "pool_size": frozen.pool_size,
              "announcement_sha256": sha, "inspectors_sha256": frozen.people.inspectors_digest,
              "recusals_sha256": frozen.people.recusals_digest,
              "people": frozen.people.people}
    async with core.db.transaction() as tx:
        await _not_drawn(tx, plan)
        if await tx.draws.plan(plan.name) != plan:  # an import of the plan meanwhile
            raise Refused(Refusal.PLAN_CHANGED, plan=plan.name)
        draw_id = await tx.draws.add_draw(plan.id, values, label(actor), now)
        await tx.audit.append(label(actor), AuditAction.DRAW_PREPARED, f"draw:{draw_id}",
                              {"plan": plan.name, "announcement_sha256": sha,
                               "nonce_commitment": announcement.nonce_commitment,
                               "pool_digest": frozen.pool_digest,
                               "inspectors_digest": frozen.people.inspectors_digest,
                               "recusals_digest": frozen.people.recusals_digest}, now)
        await _announce(tx, core, f"draw-prepared:{draw_id}",
                        lambda t: words.prepared_text(t, prepared), now, actor,
                        lambda t: notices.run_draw(t, plan.id))
    return prepared


async def _wait_idle(core: Core, waiting: Callable[[BulkWrite], Awaitable[None]] | None
                     ) -> None:
    try:
        await bulk.wait_idle(core, waiting)
    except bulk.StillBusy:
        raise Refused(Refusal.BUSY) from None


async def _not_drawn(tx: ReadTx | Tx, plan: PlanForDraw) -> None:
    row = await tx.draws.draw(plan.id)
    if row is not None:
        raise Refused(Refusal.ALREADY_RUN if row.status in (DrawStatus.RUN, DrawStatus.WRITING)
                      else Refusal.ALREADY_PREPARED, date=row.draw_date.isoformat())


def _same_source(a: str, b: str) -> bool:
    """Two namings of the same source, whatever their spacing, punctuation or width."""
    def bare(text: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum())
    return bare(a) == bare(b)


def _cancelled(row: Draw, core: Core) -> algo.Cancelled:
    assert row.cancelled_at is not None
    tz = core.settings.tz
    return algo.Cancelled(row.nonce_commitment, row.nonce, row.entropy_source,
                          row.draw_date.isoformat(),
                          row.prepared_at.astimezone(tz).isoformat(timespec="seconds"),
                          row.cancelled_at.astimezone(tz).isoformat(timespec="seconds"),
                          row.cancel_reason or "")


# --- cancel -----------------------------------------------------------------------------------
async def cancel(core: Core, actor: Actor, plan_name: str, reason: str,
                 today: date | None = None) -> CancelledPreparation:
    """Cancel a preparation before its draw date, with a reason; the nonce is revealed
    and the cancellation published, so that trying nonces shows. (A preparation made
    before the draw was sealed, choucha-draw-v1, may be cancelled at any time: it
    cannot run.)"""
    require_office(actor)
    reason = typed_line(reason)
    if not 3 <= len(reason) <= 300:
        raise Refused(Refusal.BAD_CANCEL_REASON)
    today = today or core.today()
    async with core.db.read() as rtx:
        plan = await _plan(rtx, plan_name)
        row = await rtx.draws.draw(plan.id)
    if row is not None and row.status == DrawStatus.PREPARED \
            and row.algorithm == algo.ALGORITHM:
        # The draw date announced at prepare decides (a database edit of the row's does not).
        sealed = date.fromisoformat((await _sealed(core, row)).draw_date)
        if today >= sealed:
            raise Refused(Refusal.CANCEL_TOO_LATE, date=sealed.isoformat(), plan=plan.name)
    now = clock_now()
    async with core.db.transaction() as tx:
        row = await tx.draws.draw(plan.id)
        if row is None:
            raise Refused(Refusal.NOT_PREPARED)
        if row.status != DrawStatus.PREPARED:
            raise Refused(Refusal.ALREADY_RUN)
        if not await tx.draws.cancel(row.id, label(actor), reason, now):
            raise Refused(Refusal.ALREADY_RUN)
        done = CancelledPreparation(plan.name, row.draw_date, reason, row.nonce_commitment,
                                    row.nonce, row.entropy_source)
        await tx.audit.append(label(actor), AuditAction.DRAW_CANCELLED, f"draw:{row.id}",
                              {"plan": plan.name, "reason": reason,
                               "nonce_commitment": row.nonce_commitment,
                               "nonce": row.nonce}, now)
        await _announce(tx, core, f"draw-cancelled:{row.id}",
                        lambda t: words.cancelled_text(t, done), now, actor)
    return done


# --- run --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReadyToRun:
    """What the office confirms before a draw runs (it cannot be undone)."""

    plan_id: int
    plan: str
    draw_date: date
    pool_size: int
    entropy_source: str
    entropy: str
    announcement_sha256: str
    unlike: algo.EntropyFormat | None = None  # the source's known shape, which it lacks


def _entropy(entropy: str) -> str:
    """The public value in its canonical spelling (docs/draw.md), else refused."""
    canonical = algo.canonical_entropy(entropy[:1000])
    if canonical is None:
        raise Refused(Refusal.BAD_ENTROPY)
    return canonical


def _unlike(announcement: algo.Announcement, entropy: str) -> algo.EntropyFormat | None:
    """The shape the announced source publishes (福彩3D: three digits), where the name
    says so and the value lacks it: shown on the confirmation as a warning, not refused
    (a source's name may mention 3D and mean something else; a sealed draw must stay
    runnable)."""
    shape = algo.entropy_format(announcement.entropy_source)
    return shape if shape is not None and not shape.value.fullmatch(entropy) else None


async def _runnable(rtx: ReadTx, plan_name: str, today: date) -> tuple[PlanForDraw, Draw]:
    """The plan and its prepared draw, while it may run today; refused otherwise."""
    plan = await _plan(rtx, plan_name)
    row = await rtx.draws.draw(plan.id)
    if row is None:
        raise Refused(Refusal.NOT_PREPARED)
    if row.status == DrawStatus.WRITING:
        raise Refused(Refusal.DRAW_WRITING)
    if row.status == DrawStatus.RUN:
        raise Refused(Refusal.ALREADY_RUN)
    if row.algorithm != algo.ALGORITHM or row.announcement_sha256 is None:
        raise Refused(Refusal.UNSEALED_PREPARATION, plan=plan.name)
    return plan, row


def _on_or_after(announcement: algo.Announcement, today: date) -> None:
    """A draw runs on or after the draw date announced at prepare."""
    if today < date.fromisoformat(announcement.draw_date):
        raise Refused(Refusal.BEFORE_DRAW_DATE, date=announcement.draw_date)


async def ready_to_run(core: Core, actor: Actor, plan_name: str, entropy: str,
                       today: date | None = None) -> ReadyToRun:
    """The checks `run` makes before drawing, and what it will draw from, to confirm."""
    require_office(actor)
    entropy = _entropy(entropy)
    async with core.db.read() as rtx:
        plan, row = await _runnable(rtx, plan_name, today or core.today())
    announcement = await _sealed(core, row)
    _on_or_after(announcement, today or core.today())
    assert row.announcement_sha256 is not None
    return ReadyToRun(plan.id, plan.name, date.fromisoformat(announcement.draw_date),
                      announcement.pool_size, announcement.entropy_source, entropy,
                      row.announcement_sha256, _unlike(announcement, entropy))


async def _sealed(core: Core, row: Draw) -> algo.Announcement:
    """The announcement frozen at prepare, checked: the file matches its digest, which is
    the one audited at prepare; the three files match theirs; the plan's rules hold."""
    sha = row.announcement_sha256
    assert sha is not None
    async with core.db.read() as rtx:
        audited = await rtx.audit.find(AuditAction.DRAW_PREPARED.value, f"draw:{row.id}")
    # Exactly one: appending another entry (the chain allows appending) changes nothing.
    sealed = json.loads(audited[0].payload) if len(audited) == 1 else {}
    if sealed.get("announcement_sha256") != sha:
        raise Refused(Refusal.FROZEN_CHANGED, file="announcement.json")
    try:
        data = await asyncio.to_thread(read_blob, core.files_root, sha)
    except FileNotFoundError:
        raise Refused(Refusal.FROZEN_CHANGED, file="announcement.json") from None
    if algo.h(data) != sha:
        raise Refused(Refusal.FROZEN_CHANGED, file="announcement.json")
    announcement = algo.Announcement.from_json(data)
    expected = {"pool.tsv": (announcement.pool_digest, row.pool_digest),
                "inspectors.tsv": (announcement.inspectors_digest, row.inspectors_sha256),
                "recusals.tsv": (announcement.recusals_digest, row.recusals_sha256)}
    for name, (announced, stored) in expected.items():
        if announced != stored or announced != sealed.get(
                name.replace(".tsv", "_digest")) or not await asyncio.to_thread(
                blob_matches, core.files_root, announced):
            raise Refused(Refusal.FROZEN_CHANGED, file=name)
    if announcement.nonce_commitment != row.nonce_commitment or algo.h(
            row.nonce) != row.nonce_commitment:
        raise Refused(Refusal.FROZEN_CHANGED, file="nonce")
    strata = algo.strata_of({s.stratum: s.size for s in announcement.strata},
                            announcement.ratios)
    if tuple(strata) != announcement.strata:
        raise Refused(Refusal.FROZEN_CHANGED, file="announcement.json")
    _refuse(algo.pool_problems(strata, announcement.items)
            + algo.ratio_problems(announcement.ratios))
    return announcement


async def _before_run(core: Core, announcement: algo.Announcement, row: Draw
                      ) -> list[algo.BeforeRun]:
    """Inspectors of the frozen list withdrawn between prepare and the draw date: a
    withdrawal recorded before the day the public entropy may be known (a later one is
    an event of the record after the run, its member replaced: nobody who knows the
    nonce can choose the teams by withdrawing someone once the entropy is out)."""
    midnight = datetime.combine(date.fromisoformat(announcement.draw_date), time.min,
                                tzinfo=core.settings.tz)
    async with core.db.read() as rtx:
        recorded = await rtx.draws.withdrawals_of(sorted(row.people))
    found = {w.cert_no: algo.BeforeRun(w.cert_no, w.from_date.isoformat(), w.reason)
             for w in recorded if w.recorded_at < midnight}
    return [found[c] for c in sorted(found)]


@dataclass(frozen=True)
class Teams:
    """What the worker forming the teams hands back: the rows to write (stored in the file
    store) and who is on the teams."""

    rows_sha256: str  # see rows_line
    tasks: int
    certs: list[str]


# A task to write: (target id, code, order, members (cert, department, leader)).
Row = tuple[int, str, int, list[tuple[str, str, bool]]]
BLOCK = 4 << 20  # bytes of pool.tsv keyed at a time (a worker never holds its whole share)


def selected_tsv(selected: Sequence[algo.Selected]) -> bytes:
    """The selection in order, `CODE\tSTRATUM\tKEY\n` (to cross to a worker compactly)."""
    return "".join(f"{s.target}\t{s.stratum}\t{s.key}\n" for s in selected).encode()


def parse_selected(data: bytes) -> list[algo.Selected]:
    lines = data.decode().split("\n")
    lines.pop()
    return [algo.Selected(code, stratum, key, order) for order, (code, stratum, key)
            in enumerate((line.split("\t") for line in lines), start=1)]


def rows_line(target_id: int, selected: algo.Selected, members: Sequence[algo.Member]) -> bytes:
    """One task of the rows file: TARGET_ID CODE ORDER STRATUM KEY, then CERT DEPARTMENT
    LEADER per member, tab-separated. The file is sorted by target id, so that each chunk
    written touches one stretch of the directory (its checks and indexes read few pages)."""
    return (f"{target_id}\t{selected.target}\t{selected.order}\t{selected.stratum}\t"
            f"{selected.key}\t"
            + "\t".join(f"{m.inspector}\t{m.department}\t{int(m.leader)}" for m in members)
            + "\n").encode()


def parse_row(line: bytes) -> Row:
    fields = line.decode().split("\t")
    return (int(fields[0]), fields[1], int(fields[2]),
            [(fields[i], fields[i + 1], fields[i + 2] == "1") for i in range(5, len(fields), 3)])


def key_part(files_root: str, pool_digest: str, start: int, end: int, seed: str,
             bounds: dict[str, bytes]) -> tuple[algo.Candidates, dict[str, int]]:
    """The candidates of one part of pool.tsv and its strata's sizes (a worker's share),
    read a block at a time."""
    found: list[algo.Candidates] = []
    sizes = dict.fromkeys(algo.STRATA, 0)
    with (Path(files_root) / pool_digest[:2] / pool_digest).open("rb") as fh:
        fh.seek(start)
        left, rest = end - start, b""
        while left > 0 or rest:
            read = fh.read(min(BLOCK, left)) if left > 0 else b""
            if left > 0 and not read:
                raise OSError(f"pool.tsv {pool_digest} is shorter than it was")
            block = rest + read
            left -= len(read)
            cut = block.rfind(b"\n") + 1 if left > 0 else len(block)
            block, rest = block[:cut], block[cut:]
            for stratum in sizes:
                sizes[stratum] += block.count(f"\t{stratum}\n".encode())
            found.append(algo.candidates(block, seed, bounds))
            if left <= 0 and not block:
                break
    return algo.merge_candidates(found), sizes


def form_teams(db_path: str, files_root: str, announcement: algo.Announcement, seed: str,
               before_run: list[algo.BeforeRun], selected: bytes) -> Teams:
    """Every team, stored as the rows to write, with each target's id looked up in code
    order (in a worker for a large draw)."""
    root = Path(files_root)
    rules = algo.TeamRules(announcement.initiating, list(announcement.joining),
                           {k: list(v) for k, v in announcement.fallbacks.items()},
                           algo.parse_inspectors(read_blob(root,
                                                           announcement.inspectors_digest)),
                           algo.parse_recusals(read_blob(root, announcement.recusals_digest)))
    for withdrawn in before_run:
        rules.withdraw(withdrawn.inspector)
    chosen = parse_selected(selected)
    conn = frozen_pool.snapshot(db_path)
    try:
        ids = frozen_pool.target_ids(conn, sorted(s.target for s in chosen))
    finally:
        conn.close()
    lines: list[tuple[int, bytes]] = []
    certs: set[str] = set()
    for s in chosen:
        members = algo.form_team(rules, seed, s.target)
        certs.update(m.inspector for m in members)
        lines.append((ids[s.target], rows_line(ids[s.target], s, members)))
    lines.sort()
    writer = BlobWriter(root)
    try:
        for start in range(0, len(lines), 10_000):
            writer.write(b"".join(line for _, line in lines[start:start + 10_000]))
    except BaseException:
        writer.abort()
        raise
    return Teams(writer.close(), len(lines), sorted(certs))


def record_of_rows(files_root: str, plan: str, announcement_sha256: str, entropy: str,
                   nonce: str, seed: str, before_run: list[algo.BeforeRun],
                   rows_sha256: str) -> str:
    """The record as drawn, from the rows the teams were written from, stored a piece at a
    time; its SHA-256 (in a worker, while the tasks are written)."""
    root = Path(files_root)
    lines = read_blob(root, rows_sha256).split(b"\n")
    lines.pop()
    by_order = sorted((int(line.split(b"\t", 3)[2]), line) for line in lines)
    del lines
    writer = BlobWriter(root)
    try:
        for piece in algo.drawn_record_pieces(
                plan, announcement_sha256, entropy, nonce, seed, before_run,
                lambda: (_record_entry(line) for _, line in by_order)):
            writer.write(piece)
    except BaseException:
        writer.abort()
        raise
    return writer.close()


def _record_entry(line: bytes) -> tuple[algo.Selected, list[algo.Member]]:
    f = line.decode().split("\t")
    return (algo.Selected(f[1], f[3], f[4], int(f[2])),
            [algo.Member(f[i], f[i + 1], f[i + 2] == "1") for i in range(5, len(f), 3)])


async def _select(core: Core, announcement: algo.Announcement, seed: str) -> list[algo.Selected]:
    """The selection, keyed by two worker processes for a large pool."""
    strata = list(announcement.strata)
    bounds = algo.key_bounds(strata)
    root = core.files_root
    path = root / announcement.pool_digest[:2] / announcement.pool_digest
    size = (await asyncio.to_thread(path.stat)).st_size
    heavy = announcement.pool_size >= HEAVY_FROM
    parts = [(0, size)]
    if heavy:
        head = await asyncio.to_thread(_read_around, path, size // 2)
        parts = [(0, head), (head, size)] if 0 < head < size else [(0, size)]
    found = await asyncio.gather(*(
        core.workers.run(DRAW, key_part, str(root), announcement.pool_digest, a, b, seed,
                         bounds, heavy=heavy) for a, b in parts))
    sizes: dict[str, int] = {}
    for _, part_sizes in found:
        for stratum, n in part_sizes.items():
            sizes[stratum] = sizes.get(stratum, 0) + n
    if {k: v for k, v in sizes.items() if v} != {s.stratum: s.size for s in strata}:
        raise Refused(Refusal.FROZEN_CHANGED, file="pool.tsv")
    candidates = algo.merge_candidates(part for part, _ in found)
    short = algo.short_strata(strata, candidates)
    if short:  # rarer than one in a billion: key those strata again, every key
        again, _ = await core.workers.run(
            DRAW, key_part, str(root), announcement.pool_digest, 0, size, seed,
            {s.stratum: algo.KEY_MAX if s.stratum in short else b"" for s in strata},
            heavy=heavy)
        candidates.update({stratum: again.get(stratum, []) for stratum in short})
    return await asyncio.to_thread(algo.choose, strata, candidates)


def _read_around(path: Path, middle: int) -> int:
    """The offset just after the line end at or after `middle`."""
    with path.open("rb") as fh:
        fh.seek(middle)
        rest = fh.read(4096)
    cut = rest.find(b"\n")
    return middle + cut + 1 if cut >= 0 else middle


async def run(core: Core, actor: Actor, plan_name: str, entropy: str,
              today: date | None = None,
              started: Callable[[], Awaitable[None]] | None = None,
              waiting: Callable[[BulkWrite], Awaitable[None]] | None = None) -> Ran:
    """Check what prepare froze, compute the seed from the public entropy, select, form
    the teams, then write the tasks in chunks nobody sees until the last one.

    `started` is awaited once the draw may go ahead, before the computing (to tell the
    person it is in progress); `waiting` if an import must end before the tasks are
    written."""
    require_office(actor)
    entropy = _entropy(entropy)
    today = today or core.today()
    async with core.db.read() as rtx:
        plan, row = await _runnable(rtx, plan_name, today)
    announcement = await _sealed(core, row)
    _on_or_after(announcement, today)
    before_run = await _before_run(core, announcement, row)
    assert row.announcement_sha256 is not None
    seed = algo.seed_of(row.announcement_sha256, entropy, row.nonce)
    if started is not None:
        await started()
    heavy = announcement.pool_size >= HEAVY_FROM
    try:
        selected = await _select(core, announcement, seed)
        teams = await core.workers.run(DRAW, form_teams, str(core.settings.db_path),
                                       str(core.files_root), announcement, seed, before_run,
                                       await asyncio.to_thread(selected_tsv, selected),
                                       heavy=heavy)
    except algo.DrawRefused as exc:
        raise await _explain(exc, core, announcement.items, row.draw_date) from None
    except WorkFailed as exc:
        raise Refused(Refusal(f"work_{exc.failure.value}")) from None
    if any(cert not in row.people for cert in teams.certs):
        raise Refused(Refusal.FROZEN_CHANGED, file="inspectors.tsv")
    withdrawn_before = {b.inspector for b in before_run}
    while True:  # the commit point: from here the draw is decided and will be written
        now = clock_now()
        async with core.db.transaction() as tx:
            current = await tx.draws.draw_by_id(row.id)
            if current is None or current.status != DrawStatus.PREPARED:
                raise Refused(Refusal.ALREADY_RUN)
            if await bulk.begin(tx, BulkKind.DRAW, str(row.id), teams.tasks,
                                {"rows": teams.rows_sha256}, label(actor), now):
                await tx.draws.begin_writing(row.id, entropy, seed, label(actor), now)
                # Withdrawals recorded on the draw date or since (too late to take part in
                # forming the teams): events of the record, their members to be replaced.
                late = [{"inspector": w.cert_no, "from": w.from_date.isoformat(),
                         "reason": w.reason, "before": 0}
                        for w in await tx.draws.withdrawals_of(sorted(row.people))
                        if w.cert_no not in withdrawn_before]
                await tx.draws.set_events(row.id, {
                    "replacements": [], "withdrawals": late,
                    "before_run": [b.as_json() for b in before_run]})
                await tx.audit.append(label(actor), AuditAction.DRAW_RUN, f"draw:{row.id}",
                                      {"seed": seed, "entropy": entropy, "tasks": teams.tasks,
                                       "rows_sha256": teams.rows_sha256,
                                       "withdrawn_before_run": len(before_run)}, now)
                break
        await _wait_idle(core, waiting)
    # The record is written by a worker while the tasks are: the rows hold all of it.
    try:
        with bulk.working(str(row.id)):
            record = asyncio.ensure_future(_record(core, plan, row.id, teams.rows_sha256))
            return await _write(core, plan, row.id, teams.rows_sha256, 0, actor, record)
    except bulk.LostLease:
        # This process stalled past bulk.STALE_AFTER and another one took the draw over:
        # it finishes it and tells the office.
        logger.warning("draw %s taken over by another process; waiting for it", row.id)
        await _wait_idle(core, None)
        return Ran(plan.name, row.id, seed, teams.tasks, entropy, row.nonce,
                   await _record(core, plan, row.id, teams.rows_sha256),
                   row.announcement_sha256, tuple(before_run))


async def _record(core: Core, plan: PlanForDraw, draw_id: int, rows_sha256: str) -> str:
    """The record as drawn, from the rows (its SHA-256)."""
    async with core.db.read() as rtx:
        row = await rtx.draws.draw_by_id(draw_id)
        events = await rtx.draws.events(draw_id)
    assert row is not None and row.seed and row.entropy and row.announcement_sha256
    if row.record_sha256 is not None:
        return row.record_sha256
    before_run = [algo.BeforeRun(b["inspector"], b["from"], b["reason"])
                  for b in events.before_run]
    return await core.workers.run(DRAW, record_of_rows, str(core.files_root), plan.name,
                                  row.announcement_sha256, row.entropy, row.nonce, row.seed,
                                  before_run, rows_sha256, heavy=row.pool_size >= HEAVY_FROM)


async def _rows(core: Core, rows_sha256: str) -> list[bytes]:
    """The rows a draw's commit point named, checked against their digest."""
    data = await asyncio.to_thread(read_blob, core.files_root, rows_sha256)
    if await asyncio.to_thread(algo.h, data) != rows_sha256:
        raise RuntimeError(f"the draw's rows {rows_sha256} no longer match their digest")
    lines = data.split(b"\n")
    lines.pop()
    return lines


async def _write(core: Core, plan: PlanForDraw, draw_id: int, rows_sha256: str, done: int,
                 actor: Actor | None, record: asyncio.Future[str]) -> Ran:
    """The draw's tasks and members from the `done`-th on, in chunks, each its own short
    transaction; then the draw is made visible, its inspectors told, the lease ended."""
    lines = await _rows(core, rows_sha256)
    async with core.db.read() as rtx:
        departments = await rtx.directory.department_ids()
        row = await rtx.draws.draw_by_id(draw_id)
    assert row is not None
    people = row.people  # as prepare found them
    window = (plan.window_start.isoformat(), plan.window_due.isoformat())
    year = str(plan.draw_date.year)
    while done < len(lines):
        tasks, members = await asyncio.to_thread(_chunk, lines[done:done + CHUNK], people,
                                                 departments)
        now = clock_now()
        async with core.db.transaction(record_update=False) as tx:
            ids = await tx.draws.add_tasks(draw_id, plan.id, tasks, window, year, now)
            await tx.draws.add_members([(ids[order], person, department, cert, leader, position)
                                        for order, person, department, cert, leader, position
                                        in members], now)
            done += len(tasks)
            await tx.draws.written(draw_id, done)
            await bulk.step(tx, done, now)
        await asyncio.sleep(0)  # whoever waits for the writer goes next
    while True:  # the record's worker may still be at it: keep the lease alive meanwhile
        try:
            record_sha256 = await asyncio.wait_for(asyncio.shield(record), 10)
            break
        except TimeoutError:
            async with core.db.transaction(record_update=False) as tx:
                await bulk.beat(tx, clock_now())
    return await _finish(core, plan, draw_id, lines, people, actor, record_sha256)


def _chunk(lines: list[bytes], people: dict[str, int], departments: dict[str, int]
           ) -> tuple[list[tuple[int, str, int]], list[tuple[int, int, int, str, bool, int]]]:
    """A chunk's tasks (target id, code, order) and members (order, person, department,
    cert, leader, position), from its rows (in a thread: the event loop keeps
    answering)."""
    tasks: list[tuple[int, str, int]] = []
    members: list[tuple[int, int, int, str, bool, int]] = []
    for line in lines:
        target_id, code, order, team = parse_row(line)
        tasks.append((target_id, code, order))
        members.extend((order, people[cert], departments[department], cert, leader, position)
                       for position, (cert, department, leader) in enumerate(team, start=1))
    return tasks, members


async def _finish(core: Core, plan: PlanForDraw, draw_id: int, lines: list[bytes],
                  people: dict[str, int], actor: Actor | None, record_sha256: str) -> Ran:
    """Make the draw's tasks visible with its record, tell each inspector of theirs (one
    message each), announce the draw, end the lease. Each step is safe to do again after
    a crash."""
    async with core.db.transaction(record_update=False) as tx:
        written = await tx.draws.tasks_of(draw_id)
        if written != len(lines):  # an edit behind Choucha's back: never make it visible
            raise RuntimeError(f"draw {draw_id}: {written} tasks written, {len(lines)} drawn")
        if await tx.draws.finish_writing(draw_id, record_sha256):
            await tx.audit.append(label(actor or SYSTEM), AuditAction.DRAW_RECORDED,
                                  f"draw:{draw_id}",
                                  {"record_sha256": record_sha256, "tasks": len(lines)},
                                  clock_now())
        await bulk.beat(tx, clock_now())
    notices = await draw_notices(core, draw_id,
                                 await asyncio.to_thread(_tasks_by_person, lines, people))
    for start in range(0, len(notices.people), NOTICE_CHUNK):
        async with core.db.transaction(record_update=False) as tx:
            await queue_draw_notices(tx, draw_id, notices.people[start:start + NOTICE_CHUNK],
                                     clock_now())
            await bulk.beat(tx, clock_now())
        await asyncio.sleep(0)
    async with core.db.read() as rtx:
        row = await rtx.draws.draw_by_id(draw_id)
        events = await rtx.draws.events(draw_id)
    assert row is not None and row.seed is not None and row.entropy is not None
    assert row.announcement_sha256 is not None
    ran = Ran(plan.name, draw_id, row.seed, len(lines), row.entropy, row.nonce, record_sha256,
              row.announcement_sha256,
              tuple(algo.BeforeRun(b["inspector"], b["from"], b["reason"])
                    for b in events.before_run))
    async with core.db.read() as rtx:  # who cannot take part: replacements to ask for
        recused = await rtx.draws.recused_members(draw_id)
        unavailable = await rtx.draws.unavailable_members(draw_id)
    async with core.db.transaction(record_update=False) as tx:
        now = clock_now()
        await queue_draw_notices(tx, draw_id, [], now, unreachable=notices.unreachable)
        if recused:  # recorded after prepare: not an input, but a replacement to ask for
            await tell_office(tx, f"draw-recused:{draw_id}",
                              lambda t: words.recused_text(t, plan.name, recused), now)
        if unavailable:  # withdrawn on the draw date or later, or gone from the directory
            await tell_office(tx, f"draw-unavailable:{draw_id}",
                              lambda t: words.unavailable_text(t, plan.name, unavailable), now)
        await _announce(tx, core, f"draw-run:{draw_id}", lambda t: words.ran_text(t, ran), now,
                        actor)
        await bulk.end(tx)
    return ran


def _tasks_by_person(lines: list[bytes], people: dict[str, int]
                     ) -> dict[int, tuple[int, list[tuple[int, bool]]]]:
    """Per person: how many tasks of the draw, and (order, leader) of the first LISTED
    in the draw's order."""
    every: dict[int, list[tuple[int, bool]]] = {}
    for line in lines:
        _, _, order, members = parse_row(line)
        for cert, _, leader in members:
            every.setdefault(people[cert], []).append((order, leader))
    return {person: (len(tasks), sorted(tasks)[:LISTED]) for person, tasks in every.items()}


async def resume_writing(core: Core, taken: BulkWrite) -> None:
    """Finish writing a draw whose process stopped (taken over by bot/services/recovery.py):
    its outcome is the rows its commit point named; tasks continue after the last chunk
    committed, the record is made again if it was not stored. The whole office is told
    when it is done. Access: finishes a draw the office ran (and was audited)."""
    draw_id = int(taken.ref)
    async with core.db.read() as rtx:
        row = await rtx.draws.draw_by_id(draw_id)
        plan = await rtx.draws.plan_by_id(row.plan_id) if row else None
    assert row is not None and plan is not None
    logger.info("finishing the draw of %s (%d tasks written before the stop)", plan.name,
                row.written)
    rows_sha256 = str(taken.state["rows"])
    with bulk.working(taken.ref):
        record = asyncio.ensure_future(_record(core, plan, draw_id, rows_sha256))
        if row.status == DrawStatus.WRITING:
            await _write(core, plan, draw_id, rows_sha256, row.written, None, record)
        else:
            lines = await _rows(core, rows_sha256)
            await _finish(core, plan, draw_id, lines, row.people, None, await record)


# --- what replacements and withdrawals need -------------------------------------------------
@dataclass
class Drawn:
    """A run draw as replacements are drawn on it: its rules with the loads as they stand
    and every withdrawal applied, its seed, what was appended to it so far."""

    rules: algo.TeamRules
    seed: str
    events: DrawEvents


async def drawn(core: Core, tx: ReadTx | Tx, draw: Draw) -> Drawn:
    """Access: inside a service that checked its actor (replacements, withdrawals)."""
    assert draw.seed is not None and draw.inspectors_sha256 and draw.recusals_sha256
    inspectors = algo.parse_inspectors(await asyncio.to_thread(
        read_blob, core.files_root, draw.inspectors_sha256))
    recusals = algo.parse_recusals(await asyncio.to_thread(
        read_blob, core.files_root, draw.recusals_sha256))
    if draw.algorithm == algo.ALGORITHM:
        assert draw.announcement_sha256 is not None
        a = algo.Announcement.from_json(await asyncio.to_thread(
            read_blob, core.files_root, draw.announcement_sha256))
        initiating, joining, fallbacks = a.initiating, list(a.joining), a.fallbacks
    else:
        head = json.loads(await tx.draws.record_v1(draw.id) or "{}")
        initiating, joining, fallbacks = head["initiating"], head["joining"], head["fallbacks"]
    events = await tx.draws.events(draw.id)
    rules = algo.TeamRules(initiating, list(joining), {k: list(v) for k, v in
                                                       fallbacks.items()},
                           inspectors, recusals, loads=await tx.replacements.draw_loads(draw.id))
    for withdrawn in [*events.before_run, *events.withdrawals]:
        rules.withdraw(withdrawn["inspector"])
    return Drawn(rules, draw.seed, events)


# --- export and verify --------------------------------------------------------------------
async def export(core: Core, plan_name: str, out: Path) -> list[Path]:
    """Write a draw's published files for anyone to verify: once prepared, the
    announcement and the three frozen files; once run, the record as well.
    Access: anyone may read them: they are published for verification."""
    files = await draw_files(core, plan_name)
    await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
    written = []
    for name, data in files.items():
        path = out / name
        await asyncio.to_thread(path.write_bytes, data)
        written.append(path)
    return written


async def draw_files(core: Core, plan_name: str) -> dict[str, bytes]:
    """A draw's published files by name (see `export`).
    Access: anyone may read them: they are published for verification."""
    async with core.db.read() as rtx:
        plan = await _plan(rtx, plan_name)
        row = await rtx.draws.draw(plan.id)
        events = await rtx.draws.events(row.id) if row else None
        record_v1 = await rtx.draws.record_v1(row.id) if row else None
    if row is None or row.status == DrawStatus.WRITING or events is None:
        raise Refused(Refusal.NOT_RUN if row is None or row.status == DrawStatus.WRITING
                      else Refusal.NOT_PREPARED)
    if row.algorithm != algo.ALGORITHM and row.status != DrawStatus.RUN:
        raise Refused(Refusal.NOT_RUN)
    contents: dict[str, Any] = {}
    root = core.files_root
    if row.algorithm == algo.ALGORITHM:
        assert row.announcement_sha256 is not None
        contents["announcement.json"] = row.announcement_sha256
    if row.status == DrawStatus.RUN:
        contents["record.json"] = (_record_v2, row, events) if row.record_sha256 else (
            _record_v1, record_v1, events)
    contents.update({"pool.tsv": row.pool_digest, "inspectors.tsv": row.inspectors_sha256,
                     "recusals.tsv": row.recusals_sha256})
    files = {}
    for name, source in contents.items():
        if isinstance(source, tuple):
            files[name] = await asyncio.to_thread(source[0], root, *source[1:])
        else:
            files[name] = await asyncio.to_thread(read_blob, root, source)
    return files


def _record_v2(root: Path, row: Draw, events: DrawEvents) -> bytes:
    assert row.record_sha256 is not None
    return algo.full_record(read_blob(root, row.record_sha256), events.replacements,
                            events.withdrawals)


def _record_v1(_: Path, drawn_text: str | None, events: DrawEvents) -> bytes:
    record = json.loads(drawn_text or "{}")
    record["replacements"] = events.replacements
    if events.withdrawals:
        record["withdrawals"] = events.withdrawals
    return algo.record_json(record)


def verify_dir(folder: Path, published: Path | None = None) -> list[str]:
    """Differences between the published files and a recomputation ([] when all match);
    `published`: the announcement as published before the lottery, compared with the one
    in the folder first."""
    problems: list[str] = []
    if published is not None:
        if not published.is_file():
            return [f"{published} is missing"]
        if (folder / "announcement.json").is_file():
            problems += algo.compare_announcements(published.read_bytes(),
                                                   (folder / "announcement.json").read_bytes())
    try:
        record = json.loads((folder / "record.json").read_text(encoding="utf-8")) \
            if (folder / "record.json").is_file() else None
        version = record.get("algorithm") if isinstance(record, dict) else None
        names = FILES_V1 if version == algo.ALGORITHM_V1 else FILES if record else INPUTS
        missing = [name for name in names if not (folder / name).is_file()]
        if missing:
            return [*problems, *(f"{name} is missing" for name in missing)]
        files = [(folder / name).read_bytes() for name in ("pool.tsv", "inspectors.tsv",
                                                           "recusals.tsv")]
        if record is None:
            return problems + _inputs_problems((folder / "announcement.json").read_bytes(),
                                               *files)
        if version == algo.ALGORITHM_V1:
            return problems + algo.verify_v1(record, *files)
        return problems + algo.verify(record, (folder / "announcement.json").read_bytes(),
                                      *files)
    except (ValueError, KeyError, TypeError, AttributeError, ArithmeticError) as exc:
        return [*problems, f"the files cannot be read as a draw's record: {exc!r}"]
    except algo.DrawRefused as exc:  # e.g. a stratum of the pool the ratios do not name
        return [*problems, f"the draw cannot be recomputed: {exc.reason}"
                           f" {dict(exc.params)}"]


def _inputs_problems(announcement: bytes, pool: bytes, inspectors: bytes,
                     recusals: bytes) -> list[str]:
    """Before the run: the announcement's digests and counts against the three files."""
    a = algo.Announcement.from_json(announcement)
    problems = []
    for name, data, digest, lines in (
            ("pool.tsv", pool, a.pool_digest, a.pool_size),
            ("inspectors.tsv", inspectors, a.inspectors_digest, a.inspectors),
            ("recusals.tsv", recusals, a.recusals_digest, a.recusals)):
        if algo.h(data) != digest:
            problems.append(f"{name}: its SHA-256 {algo.h(data)} is not the announcement's"
                            f" {digest}")
        counted = data.count(b"\n")
        if counted != lines:
            problems.append(f"{name}: {counted} lines, the announcement says {lines}")
    shape = algo.pool_problem(pool)
    if shape:
        return [*problems, shape]
    strata = algo.strata_of(algo.stratum_sizes(pool), a.ratios)
    if tuple(strata) != a.strata:
        problems.append(f"strata: recomputed {[s.as_json() for s in strata]}, the"
                        f" announcement says {[s.as_json() for s in a.strata]}")
    return problems


# --- the office's words, and the channel ---------------------------------------------------
async def _announce(tx: Tx, core: Core, key: str, render: Callable[[Translator], str],
                    now: datetime, actor: Actor | None,
                    markup: Callable[[Translator], dict[str, Any]] | None = None) -> None:
    """To the office (the person acting reads it in their own reply; `markup`: the
    office's next step) and the channel."""
    await tell_office(tx, key, render, now, exclude=actor.id if actor else None,
                      reply_markup=markup)
    channel = core.settings.public_channel
    if channel is not None:
        await tx.outbox.enqueue(f"{key}:channel", channel, "sendMessage",
                                {"text": render(translator("zh_CN")), "parse_mode": "HTML"},
                                now, chat_kind="channel")


HEAVY_SHEET = 5000  # teams from which the spreadsheet is written in a worker process


async def result_xlsx(core: Core, actor: Actor, t: Translator, plan_name: str) -> bytes:
    """The drawn firms and their teams, one row per target in the draw's order, for the
    office to read and pass on (the record's files are for verification)."""
    require_office(actor)
    async with core.db.read() as rtx:
        plan = await _plan(rtx, plan_name)
        row = await rtx.draws.draw(plan.id)
        if row is None or row.status != DrawStatus.RUN:
            raise Refused(Refusal.NOT_RUN)
        seats = await rtx.draws.drawn(row.id)
    teams: dict[int, list[DrawnSeat]] = {}
    for seat in seats:
        teams.setdefault(seat.task_id, []).append(seat)
    sheet, headers = words.result_sheet_words(t)
    rows = []
    for team in teams.values():
        first = team[0]
        leader = next((s for s in team if s.leader), first)
        rows.append([first.batch_order, first.target_code, first.target_name,
                     first.credit_class or "—", f"{leader.name}（{leader.department}）",
                     "、".join(f"{s.name}（{s.department}）" for s in team)])
    return await core.workers.run(DOCUMENT, xlsx_bytes, sheet, headers, rows,
                                  heavy=len(rows) >= HEAVY_SHEET)
