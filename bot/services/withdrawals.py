"""Withdrawals: an inspector unavailable from a date (离职, 调岗, 长期请假, 执法证失效, 其他).

Recorded by the office or a supervisor of the inspector's department, audited, and
appended to the record of every draw whose teams may still change (docs/draw.md), so
that a replacement never draws them and `choucha draw verify` replays it; later draws
leave them out of the pool of inspectors.
"""

from __future__ import annotations

import asyncio
import functools
import html
from dataclasses import dataclass
from datetime import date

from bot.clock import now as clock_now
from bot.core import Core
from bot.rules import draw as algo
from bot.rules.models import AuditAction, Person, Role
from bot.rules.records import Draw, PersonTask, TaskStatus
from bot.rules.withdrawals import REASONS
from bot.services.access import Actor, label
from bot.services.errors import Refusal, Refused, typed_line
from bot.services.notify import tell_office
from bot.texts import withdrawals as words
from bot.texts.labels import one_line
from storage import ReadTx, Tx
from storage.files import read_blob


@dataclass(frozen=True)
class Withdrawn:
    person: Person
    cert: str
    from_date: date
    reason: str
    draws: int  # draw records the withdrawal was appended to
    open_tasks: list[PersonTask]  # their tasks not yet under way: replace them there


def may_withdraw(actor: Actor, person: Person) -> bool:
    """The system, the office, or a supervisor of the inspector's department."""
    if not actor or actor.is_office:
        return True
    return person.department_id is not None and actor.has_role(Role.SUPERVISOR,
                                                               person.department_id)


@dataclass(frozen=True)
class Candidate:
    person: Person
    cert: str  # their 执法证号


async def candidates(core: Core, actor: Person, text: str) -> list[Candidate]:
    """Inspectors the actor may withdraw, by 执法证号 or by (part of) their name."""
    text = typed_line(text)
    if not text:
        return []
    async with core.db.read() as rtx:
        by_cert = await rtx.people.person_by_cert(text)
        found = [by_cert] if by_cert else [
            p for e in await rtx.people.people_named(text, clock_now(), limit=20)
            if (p := await rtx.people.person(e.person_id)) is not None]
        certs = {p.id: await rtx.directory.cert_of(p.id) for p in found}
    return [Candidate(p, cert) for p in found
            if (cert := certs[p.id]) and may_withdraw(actor, p)]


async def _withdrawable(tx: ReadTx | Tx, actor: Actor, person_id: int) -> tuple[Person, str]:
    """The person and their 执法证号, if `actor` may record them unavailable now."""
    person = await tx.people.person(person_id)
    if person is None:
        raise Refused(Refusal.UNKNOWN_PERSON)
    if not may_withdraw(actor, person):
        raise Refused(Refusal.NOT_ALLOWED)
    cert = await tx.directory.cert_of(person_id)
    if cert is None:
        raise Refused(Refusal.NO_CERT, name=person.name)
    if await tx.replacements.withdrawn(person_id) is not None:
        raise Refused(Refusal.ALREADY_WITHDRAWN, name=person.name)
    return person, cert


async def _draws_holding(tx: ReadTx | Tx, core: Core, cert: str) -> list[Draw]:
    """The draws whose teams may still change and whose frozen inspectors include `cert`."""
    holding = []
    for draw in await tx.draws.open_run_draws():
        assert draw.inspectors_sha256 is not None  # frozen at prepare (v1: at run)
        frozen = await asyncio.to_thread(read_blob, core.files_root, draw.inspectors_sha256)
        if cert in {i.cert for i in algo.parse_inspectors(frozen)}:
            holding.append(draw)
    return holding


async def preview(core: Core, actor: Actor, person_id: int, from_date: date,
                  reason: str) -> Withdrawn:
    """What `withdraw` would record, changing nothing (for the confirmation); refused as
    `withdraw` would refuse it.
    Access: the office or a supervisor of the inspector's department (`_withdrawable`)."""
    if reason not in REASONS:
        raise Refused(Refusal.BAD_REASON)
    async with core.db.read() as rtx:
        person, cert = await _withdrawable(rtx, actor, person_id)
        draws = len(await _draws_holding(rtx, core, cert))
        open_tasks = [t for t in await rtx.tasks.of_person(person_id)
                      if t.status == TaskStatus.ASSIGNED]
    return Withdrawn(person, cert, from_date, reason, draws, open_tasks)


async def withdraw(core: Core, actor: Actor, person_id: int, from_date: date,
                   reason: str, note: str | None = None) -> Withdrawn:
    """Record the withdrawal and append it to the records of the draws still open.
    Access: the office or a supervisor of the inspector's department (`_withdrawable`)."""
    if reason not in REASONS:
        raise Refused(Refusal.BAD_REASON)
    note = one_line(typed_line(note or ""))
    now = clock_now()
    async with core.db.transaction() as tx:
        person, cert = await _withdrawable(tx, actor, person_id)
        await tx.replacements.add_withdrawal(person_id, cert, from_date.isoformat(), reason,
                                             note, actor.id if actor else None, now)
        appended = 0
        # Appended to the draws whose teams may still change; a draw prepared and not yet
        # run leaves the inspector out of every team at its run (docs/draw.md).
        for draw in await _draws_holding(tx, core, cert):
            events = await tx.draws.events(draw.id)
            await tx.draws.append_event(draw.id, "withdrawals", {
                "inspector": cert, "from": from_date.isoformat(), "reason": reason,
                "before": len(events.replacements)})
            appended += 1
        await tx.audit.append(label(actor), AuditAction.INSPECTOR_WITHDRAWN, f"person:{person_id}",
                              {"cert": cert, "from": from_date.isoformat(), "reason": reason,
                               "note": note, "draws": appended}, now)
        open_tasks = [t for t in await tx.tasks.of_person(person_id)
                      if t.status == TaskStatus.ASSIGNED]
        name = html.escape(person.name)

        render = functools.partial(words.withdrawn_text, name=name, from_date=from_date,
                                   reason=reason, open_tasks=len(open_tasks))
        await tell_office(tx, f"withdrawn:{person_id}", render, now,
                          exclude=actor.id if actor else None)
    return Withdrawn(person, cert, from_date, reason, appended, open_tasks)
