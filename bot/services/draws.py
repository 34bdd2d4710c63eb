"""Preparing, running, exporting and verifying a plan's draw (choucha-draw-v1)."""

from __future__ import annotations

import asyncio
import html
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.clock import now as clock_now
from bot.core import Core
from bot.formats.tabular import xlsx_bytes
from bot.i18n import Translator, translator
from bot.rules import draw as algo
from bot.rules.models import AuditAction
from bot.rules.records import Draw, DrawnSeat, DrawStatus, PlanForDraw, PlanLine
from bot.services.access import Actor, label, require_office
from bot.services.errors import Refusal, Refused
from bot.services.notify import tell_office
from bot.services.tasks import notify_draw
from bot.workers import DOCUMENT, DRAW, WorkFailed
from storage import ReadTx, Tx
from storage.files import read_blob, write_blob

DEFAULT_YEAR_CAP = 2  # 003 第十四条: at most twice a year
FILES = ("record.json", "pool.tsv", "inspectors.tsv", "recusals.tsv")
HEAVY_FROM = 20_000  # a pool at least this large is drawn in a worker process


@dataclass(frozen=True)
class Prepared:
    plan: str
    draw_date: str
    entropy_source: str
    nonce_commitment: str
    pool_digest: str
    pool_size: int
    year_cap: int | None
    strata: list[algo.Stratum]


@dataclass(frozen=True)
class Ran:
    plan: str
    seed: str
    tasks: int
    record: dict[str, Any]


def _year_cap(plan: PlanForDraw) -> int | None:
    """The plan's cap on draws of one target a year; only key (重点) items may lift it."""
    cap = plan.year_cap
    if cap is None or cap == DEFAULT_YEAR_CAP:
        return DEFAULT_YEAR_CAP
    if any(item.kind != "key" for item in plan.items):
        raise Refused(Refusal.YEAR_CAP_NEEDS_KEY_ITEMS)
    return None if cap == 0 else int(cap)


def _check_ratios(plan: PlanForDraw, strata: list[algo.Stratum]) -> None:
    if not strata or sum(s.size for s in strata) == 0:
        raise Refused(Refusal.EMPTY_POOL)
    if algo.overall_ratio(strata) < algo.MIN_OVERALL_RATIO:
        raise Refused(Refusal.RATIO_BELOW_MINIMUM)
    for item in plan.items:
        if item.kind == "general" and item.max_ratio is not None:
            for stratum in strata:
                if Decimal(stratum.ratio) > Decimal(item.max_ratio):
                    raise Refused(Refusal.RATIO_ABOVE_ITEM_MAXIMUM)


def _counts(pool: list[tuple[str, str]], ratios: dict[str, str]) -> list[algo.Stratum]:
    sizes: dict[str, int] = {}
    for _, stratum in pool:
        sizes[stratum] = sizes.get(stratum, 0) + 1
    strata = []
    for stratum, size in sorted(sizes.items()):
        ratio = algo.ratio_for(ratios, stratum)
        if ratio is None:
            raise Refused(Refusal.NO_RATIO, stratum=stratum)
        strata.append(algo.Stratum(stratum, size, ratio, algo.stratum_count(size, ratio)))
    return strata


async def _plan(tx: ReadTx | Tx, name: str) -> PlanForDraw:
    plan = await tx.draws.plan(name)
    if plan is None:
        names = [p.name for p in await tx.draws.plans()]
        raise Refused(Refusal.UNKNOWN_PLAN, plan=name, plans="\n".join(names))
    return plan


async def _explain(tx: ReadTx, exc: algo.DrawRefused, plan: PlanForDraw,
                   draw_date: date) -> Refused:
    """A refusal of the algorithm with the firm's and the department's names and, for
    nobody drawable, why (no inspector, no valid 执法证, no one with the expertise)."""
    params = {k: str(v) for k, v in exc.params.items()}
    code = params.get("target", "")
    target = await tx.directory.target(code) if code else None
    params["code"] = code
    params["target"] = target["name"] if target else code
    department_code = params.get("department", "")
    department = await tx.people.department_by_code(department_code)
    params["department"] = department.name if department else department_code
    if exc.reason == Refusal.NOBODY_DRAWABLE:
        everyone = await tx.draws.department_inspectors(department_code)
        valid = [i for i in everyone if i.cert_no and (
            i.cert_valid_until is None or i.cert_valid_until >= draw_date)]
        need = _required_expertise(plan).get(department_code, set())
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


async def prepare(core: Core, actor: Actor, plan_name: str,
                  entropy_source: str) -> Prepared:
    """Freeze the pool and commit to a secret nonce; announce both before the draw."""
    require_office(actor)
    entropy_source = " ".join(entropy_source.split())
    if not 3 <= len(entropy_source) <= 300:
        raise Refused(Refusal.BAD_ENTROPY_SOURCE)
    now = clock_now()
    # The pool is read from a snapshot and written out before the writer is taken: at a
    # million targets that is seconds nobody else should wait for.
    async with core.db.read() as rtx:
        plan = await _plan(rtx, plan_name)
        if await rtx.draws.draw(plan.id) is not None:
            raise Refused(Refusal.ALREADY_PREPARED)
        cap = _year_cap(plan)
        year = str(plan.draw_date.year)
        pool = await rtx.draws.eligible_pool(plan.scope, year, cap)
    ratios = plan.ratios
    strata = _counts(pool, ratios)
    _check_ratios(plan, strata)
    digest = await asyncio.to_thread(_freeze_pool, core.files_root, pool)
    nonce = secrets.token_hex(32)
    values = {"draw_date": plan.draw_date.isoformat(), "entropy_source": entropy_source,
              "nonce": nonce, "nonce_commitment": algo.h(nonce), "pool_digest": digest,
              "pool_size": len(pool), "year_cap": cap}
    prepared = Prepared(plan_name, plan.draw_date.isoformat(), entropy_source,
                        algo.h(nonce), digest, len(pool), cap, strata)
    async with core.db.transaction() as tx:
        if await tx.draws.draw(plan.id) is not None:
            raise Refused(Refusal.ALREADY_PREPARED)
        draw_id = await tx.draws.add_draw(plan.id, values, label(actor), now)
        await tx.audit.append(label(actor), AuditAction.DRAW_PREPARED, f"draw:{draw_id}",
                              {k: v for k, v in values.items() if k != "nonce"}, now)
        await _announce(tx, core, f"draw-prepared:{draw_id}",
                        lambda t: prepared_text(t, prepared), now, actor)
    return prepared


def _freeze_pool(files_root: Path, pool: list[tuple[str, str]]) -> str:
    return write_blob(files_root, algo.pool_tsv(pool))


@dataclass(frozen=True)
class ReadyToRun:
    """What the office confirms before a draw runs (it cannot be undone)."""

    plan_id: int
    plan: str
    draw_date: date
    pool_size: int
    entropy_source: str
    entropy: str


def _entropy(entropy: str) -> str:
    entropy = entropy.strip()
    if not 1 <= len(entropy) <= 300:
        raise Refused(Refusal.BAD_ENTROPY)
    return entropy


async def _runnable(rtx: ReadTx, plan_name: str, today: date) -> tuple[PlanForDraw, Draw]:
    """The plan and its prepared draw, while it may run today; refused otherwise."""
    plan = await _plan(rtx, plan_name)
    row = await rtx.draws.draw(plan.id)
    if row is None:
        raise Refused(Refusal.NOT_PREPARED)
    if row.status == DrawStatus.RUN:
        raise Refused(Refusal.ALREADY_RUN)
    if today < row.draw_date:
        raise Refused(Refusal.BEFORE_DRAW_DATE)
    return plan, row


async def ready_to_run(core: Core, actor: Actor, plan_name: str, entropy: str,
                       today: date | None = None) -> ReadyToRun:
    """The checks `run` makes before drawing, and what it will draw from, to confirm."""
    require_office(actor)
    entropy = _entropy(entropy)
    async with core.db.read() as rtx:
        plan, row = await _runnable(rtx, plan_name, today or core.today())
    return ReadyToRun(plan.id, plan.name, row.draw_date, row.pool_size, row.entropy_source,
                      entropy)


async def run(core: Core, actor: Actor, plan_name: str, entropy: str,
              today: date | None = None,
              started: Callable[[], Awaitable[None]] | None = None) -> Ran:
    """Compute the seed from the public entropy, select, form teams, create the tasks.

    `started` is awaited once the draw may go ahead, before the computing (to tell the
    person it is in progress)."""
    require_office(actor)
    entropy = _entropy(entropy)
    now = clock_now()
    today = today or now.astimezone(core.settings.tz).date()
    # Read from a snapshot, computed in a worker process, written in one short transaction
    # that checks again that nobody ran the draw meanwhile.
    async with core.db.read() as rtx:
        plan, row = await _runnable(rtx, plan_name, today)
        required = _required_expertise(plan)
        drawable = [i for i in await rtx.draws.drawable_inspectors(row.draw_date)
                    if required.get(i.department, set()) <= set(i.expertise)]
        recusal_pairs = await rtx.draws.recusal_pairs()
    inspectors = [algo.Inspector(i.cert_no, i.department, "、".join(i.expertise))
                  for i in drawable]
    certs = {i.cert for i in inspectors}
    seed = algo.seed_of(plan_name, row.pool_digest, entropy, row.nonce)
    fallbacks = plan.fallbacks
    ratios = plan.ratios
    if started is not None:
        await started()
    try:
        outcome, recusals = await core.workers.run(
            DRAW, compute_draw, str(core.files_root), row.pool_digest, plan_name, ratios,
            seed, (plan.initiator_code, plan.joining_codes, fallbacks, inspectors,
                   {(c, t) for c, t in recusal_pairs if c in certs}),
            heavy=row.pool_size >= HEAVY_FROM)
    except algo.DrawRefused as exc:
        async with core.db.read() as rtx:
            raise await _explain(rtx, exc, plan, row.draw_date) from None
    except WorkFailed as exc:
        raise Refused(Refusal(f"work_{exc.failure.value}")) from None
    rules_initiating, rules_joining = plan.initiator_code, sorted(plan.joining_codes)
    inspectors_data = algo.inspectors_tsv(inspectors)
    recusals_data = algo.recusals_tsv(recusals)
    record = {
        "algorithm": algo.ALGORITHM, "plan": plan_name, "draw_date": row.draw_date.isoformat(),
        "entropy_source": row.entropy_source, "entropy": entropy, "nonce": row.nonce,
        "nonce_commitment": row.nonce_commitment, "pool_digest": row.pool_digest,
        "pool_size": row.pool_size, "year_cap": row.year_cap, "seed": seed,
        "inspectors_digest": algo.h(inspectors_data),
        "recusals_digest": algo.h(recusals_data),
        "initiating": rules_initiating, "joining": rules_joining, "fallbacks": fallbacks,
        "items": [item.code for item in plan.items],
        "strata": [s.__dict__ for s in outcome.strata],
        "selected": [s.__dict__ for s in outcome.selected],
        "teams": [{"target": target, "members": [m.as_json() for m in members]}
                  for target, members in outcome.teams],
        "replacements": [],
    }
    inspectors_sha = await asyncio.to_thread(write_blob, core.files_root, inspectors_data)
    recusals_sha = await asyncio.to_thread(write_blob, core.files_root, recusals_data)
    published = await asyncio.to_thread(algo.record_json, record)
    people = {i.cert_no: i.person_id for i in drawable}
    async with core.db.transaction() as tx:
        if not await tx.draws.mark_run(row.id, entropy, seed, published.decode(),
                                       inspectors_sha, recusals_sha, label(actor), now):
            raise Refused(Refusal.ALREADY_RUN)
        task_ids = await tx.draws.add_tasks(
            row.id, plan.id, [(s.target, s.order) for s in outcome.selected],
            (plan.window_start.isoformat(), plan.window_due.isoformat()),
            str(row.draw_date.year), now)
        departments = await tx.directory.department_ids()
        await tx.draws.add_members(
            [(task_ids[target], people[m.inspector], departments[m.department], m.inspector,
              m.leader, position)
             for target, members in outcome.teams
             for position, m in enumerate(members, start=1)], now)
        await notify_draw(tx, row.id, now)
        await tx.audit.append(label(actor), AuditAction.DRAW_RUN, f"draw:{row.id}",
                              {"seed": seed, "entropy": entropy, "tasks": len(task_ids),
                               "record_sha256": algo.h(published)}, now)
        ran = Ran(plan_name, seed, len(task_ids), record)
        await _announce(tx, core, f"draw-run:{row.id}", lambda t: ran_text(t, ran), now,
                        actor)
    return ran


def compute_draw(files_root: str, pool_digest: str, plan_name: str, ratios: dict[str, str],
                 seed: str, rules_args: tuple[Any, ...]
                 ) -> tuple[algo.Outcome, set[tuple[str, str]]]:
    """The frozen pool read back, selection and teams (in a worker process when large).

    Returns the outcome and the recusals that concern the pool (those published)."""
    pool = algo.parse_pool(read_blob(Path(files_root), pool_digest))
    initiating, joining, fallbacks, inspectors, recusals = rules_args
    codes = {code for code, _ in pool}
    recusals = {(c, t) for c, t in recusals if t in codes}
    rules = algo.TeamRules(initiating, joining, fallbacks, inspectors, recusals)
    return algo.compute(plan_name, pool, ratios, seed, rules), recusals


def _required_expertise(plan: PlanForDraw) -> dict[str, set[str]]:
    """Per department, the expertise its items of this plan name."""
    required: dict[str, set[str]] = {}
    for item in plan.items:
        if item.expertise:
            required.setdefault(item.department_code, set()).add(item.expertise)
    return required


async def export(core: Core, plan_name: str, out: Path) -> list[Path]:
    """Write record.json, pool.tsv, inspectors.tsv, recusals.tsv for anyone to verify.
    Access: anyone may read a drawn plan's record: it is published for verification."""
    async with core.db.read() as rtx:
        plan = await rtx.draws.plan(plan_name)
        row = await rtx.draws.draw(plan.id) if plan else None
    if plan is None:
        async with core.db.read() as rtx:
            await _plan(rtx, plan_name)
    if row is None or row.status != DrawStatus.RUN or row.record is None \
            or row.inspectors_sha256 is None or row.recusals_sha256 is None:
        raise Refused(Refusal.NOT_RUN)
    await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
    contents = {
        "record.json": row.record.encode(),
        "pool.tsv": read_blob(core.files_root, row.pool_digest),
        "inspectors.tsv": read_blob(core.files_root, row.inspectors_sha256),
        "recusals.tsv": read_blob(core.files_root, row.recusals_sha256),
    }
    written = []
    for name, data in contents.items():
        path = out / name
        await asyncio.to_thread(path.write_bytes, data)
        written.append(path)
    return written


def verify_dir(folder: Path) -> list[str]:
    """Differences between the published files and a recomputation; [] when all match."""
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        return [f"{name} is missing" for name in missing]
    try:
        record = json.loads((folder / "record.json").read_text(encoding="utf-8"))
        return algo.verify(record, (folder / "pool.tsv").read_bytes(),
                           (folder / "inspectors.tsv").read_bytes(),
                           (folder / "recusals.tsv").read_bytes())
    except (ValueError, KeyError, TypeError) as exc:
        return [f"the files cannot be read as a choucha-draw-v1 record: {exc}"]


async def _announce(tx: Tx, core: Core, key: str, render: Any, now: datetime,
                    actor: Actor) -> None:
    """To the office (the person acting reads it in their own reply) and the channel."""
    await tell_office(tx, key, render, now, exclude=actor.id if actor else None)
    channel = core.settings.public_channel
    if channel is not None:
        await tx.outbox.enqueue(f"{key}:channel", channel, "sendMessage",
                                {"text": render(translator("zh_CN")), "parse_mode": "HTML"},
                                now, chat_kind="channel")


def prepared_text(t: Translator, p: Prepared) -> str:
    strata = "; ".join(f"{s.stratum}: {s.count}/{s.size} ({s.ratio})" for s in p.strata)
    return t._(
        "📣 <b>Draw announced</b> for {plan}\n"
        "Draw date: {date}\nPublic entropy: {source}\n"
        "Targets in the pool: {size} (SHA-256 of pool.tsv: <code>{digest}</code>)\n"
        "Per credit class (drawn/size, ratio): {strata}\n"
        "Commitment to the secret nonce: <code>{commitment}</code>"
    ).format(plan=html.escape(p.plan), date=p.draw_date, source=html.escape(p.entropy_source),
             size=p.pool_size, digest=p.pool_digest, strata=html.escape(strata),
             commitment=p.nonce_commitment)


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
    headers = [t._("Order"), "统一社会信用代码", t._("Target"), t._("Credit class"),
               t._("Leader"), t._("Team")]
    rows = []
    for team in teams.values():
        first = team[0]
        leader = next((s for s in team if s.leader), first)
        rows.append([first.batch_order, first.target_code, first.target_name,
                     first.credit_class or "—", f"{leader.name}（{leader.department}）",
                     "、".join(f"{s.name}（{s.department}）" for s in team)])
    return await core.workers.run(DOCUMENT, xlsx_bytes, t._("Drawn"), headers, rows,
                                  heavy=len(rows) >= HEAVY_SHEET)


def ran_text(t: Translator, r: Ran) -> str:
    return t._(
        "🎲 <b>Draw done</b> for {plan}: {tasks} targets drawn, teams formed.\n"
        "Entropy: {entropy}\nNonce (revealed): <code>{nonce}</code>\n"
        "Seed: <code>{seed}</code>\n"
        "The drawn firms and their teams are in the spreadsheet. Anyone can check the draw:"
        " the record's four files (Export the record, in /draw) let anyone recompute the same"
        " selection and teams from the published entropy and the revealed nonce."
    ).format(plan=html.escape(r.plan), tasks=r.tasks, entropy=html.escape(r.record["entropy"]),
             nonce=r.record["nonce"], seed=r.seed)


