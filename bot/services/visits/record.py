"""Submitting the record (frozen, hashed, its PDF kept) and reading it back."""

from __future__ import annotations

import asyncio
import functools
import html
from datetime import datetime

from bot.clock import now as clock_now
from bot.core import Core
from bot.i18n import translator
from bot.rules import visit as rules
from bot.rules.models import AuditAction, Person, Role
from bot.rules.records import Correction, Record, SignatureKind
from bot.rules.site import record_url
from bot.services import corrections
from bot.services.errors import Refusal, Refused
from bot.services.notify import enqueue_document, enqueue_document_to_chat, enqueue_text
from bot.services.visits.signing import withdraw_sign_requests
from bot.services.visits.state import FLOW, Note, Screen, State, View, _require_leader, load
from bot.texts import visits as words
from bot.workers import DOCUMENT
from storage import Tx
from storage.base import to_db_time
from storage.files import read_blob, write_blob


async def confirm_submit(core: Core, person: Person, tg_user_id: int, visit_id: int) -> View:
    """Before the one irreversible step of a visit: what will be locked, to confirm.
    Access: who acts for the team (checked below)."""
    async with core.db.read() as rtx:
        state = await load(rtx, visit_id, core.today(), core.settings.tz)
    _check_submittable(state, person)
    return View(Screen.SUBMIT_CONFIRM, state)


async def submit(core: Core, person: Person, tg_user_id: int, visit_id: int,
                 short: str) -> View:
    """Who acts for the team submits the version they confirmed (`short`, its content
    hash): the record is frozen, its PDF goes to the team and the office."""
    from bot.formats.rendering.notice_pdf import notice_pdf
    from bot.formats.rendering.record_pdf import record_pdf

    today = core.today()
    async with core.db.read() as rtx:
        state = await load(rtx, visit_id, today, core.settings.tz)
    _check_submittable(state, person)
    if state.content_hash[:16] != short:
        raise Refused(Refusal.CHANGED)
    now = clock_now()
    submitted = {"by": person.name, "at": to_db_time(now)}
    content = state.content()
    signed = state.signature_records()
    record_hash = rules.digest({"content": content, "signatures": signed,
                                "submitted": submitted})
    public = core.settings.public_url
    verify = record_url(public, record_hash) if public else None
    pdf = await core.workers.run(
        DOCUMENT, record_pdf, content, signed, submitted, record_hash,
        functools.partial(read_blob, core.files_root), core.settings.tz, False, verify)
    pdf_sha = await asyncio.to_thread(write_blob, core.files_root, pdf)
    notice = await core.workers.run(DOCUMENT, notice_pdf, content, submitted["at"],
                                    record_hash, core.settings.tz, core.settings.objection,
                                    verify)
    notice_sha = await asyncio.to_thread(write_blob, core.files_root, notice)
    async with core.db.transaction() as tx:
        fresh = await load(tx, visit_id, today, core.settings.tz)
        _check_submittable(fresh, person)
        if fresh.content_hash != state.content_hash or \
                fresh.signature_records() != signed:
            raise Refused(Refusal.CHANGED)
        if not await tx.visits.submit(visit_id, person.id, now):
            raise Refused(Refusal.SUBMITTED)
        correction = fresh.correction
        if correction is None:
            await tx.tasks.finish(state.task.id, now)
        await tx.files.remember(pdf_sha, len(pdf), "application/pdf", now)
        await tx.files.remember(notice_sha, len(notice), "application/pdf", now)
        record_id = await tx.visits.add_record(visit_id, state.task.id,
                                               {"content": content, "signatures": signed,
                                                "submitted": submitted},
                                               state.content_hash, record_hash, pdf_sha,
                                               person.id, now)
        await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_SUBMITTED,
                              f"task:{state.task.id}",
                              {"record": record_id, "record_hash": record_hash,
                               "pdf_sha256": pdf_sha,
                               **({"corrects": correction.record_id} if correction else {})},
                              now)
        if correction is not None:
            await tx.visits.close_correction(correction.id, record_id, now)
        await tx.conversations.clear_flow(FLOW, "visit", visit_id)  # the whole team's
        fresh = await load(tx, visit_id, today, core.settings.tz)
        await withdraw_sign_requests(tx, fresh)
        await _deliver(tx, fresh, person, record_id, record_hash, (pdf_sha, notice_sha),
                       correction, now)
        if correction is not None and await tx.publications.shown(state.task.id):
            await corrections.tell_office_to_republish(tx, state.task, correction, now)
    return View(Screen.SUBMITTED, fresh, note=Note(record_hash=record_hash))


async def _deliver(tx: Tx, state: State, person: Person, record_id: int, record_hash: str,
                   files: tuple[str, str], correction: Correction | None,
                   now: datetime) -> None:
    """The submitted record's PDF to the team and the office; the 检查结果告知书 to whoever
    submitted and to the party's own Telegram where it signed there; the others told the
    visit is finished."""
    pdf_sha, notice_sha = files
    version = correction.version + 1 if correction else 1
    filename = rules.record_filename(state.task.id, state.task.target_code, version)
    for member in state.members:  # the step they were at ended: its keyboard goes
        other = await tx.people.person(member.person_id)
        if other is not None and other.id != person.id:
            await enqueue_text(
                tx, other, f"submitted:{record_id}:{other.id}",
                functools.partial(words.submitted_text,
                                  target=html.escape(state.task.target_name),
                                  name=html.escape(person.name)), now,
                reply_markup={"remove_keyboard": True})
    recipients = {m.person_id for m in state.members}
    recipients |= {p.id for p in await tx.people.with_role(Role.OFFICE)}
    target = html.escape(state.task.target_name)
    for person_id in sorted(recipients):
        await enqueue_document(
            tx, person_id, f"record:{record_id}:{person_id}", pdf_sha, filename,
            functools.partial(words.submitted_caption, target=target, name=person.name,
                              record_hash=record_hash, correction=correction),
            now)
    # The party is told the result (000 二(六)): the 检查结果告知书 to whoever submitted,
    # to print or forward, and to the party's own Telegram where it signed there.
    notice_name = rules.notice_filename(state.task.id, state.task.target_code, version)
    await enqueue_document(tx, person.id, f"notice:{record_id}", notice_sha, notice_name,
                           functools.partial(words.notice_caption, target=target), now)
    # (the party's own account, never the leader's phone it signed by hand on: an account
    # that is anyone's in Choucha cannot sign as the party, bot/services/visits/party_link.py)
    party = state.party_signature
    if party is None or party.kind != SignatureKind.PARTY or not party.tg_user_id:
        return
    account = await tx.people.account(party.tg_user_id)
    if account is None or account.person_id is None:
        await enqueue_document_to_chat(
            tx, party.tg_user_id, f"notice:{record_id}:party", notice_sha, notice_name,
            words.party_notice_caption(translator("zh_CN"), target), now)


def _check_submittable(state: State, person: Person) -> None:
    if state.member(person.id) is None:
        raise Refused(Refusal.NOT_MEMBER)
    if not state.open:
        raise Refused(Refusal.SUBMITTED)
    _require_leader(state, person)
    if not state.results_in:
        raise Refused(Refusal.RESULTS_MISSING)
    if state.unsigned:
        raise Refused(Refusal.MEMBERS_UNSIGNED,
                      names="、".join(m.name for m in state.unsigned))
    if state.party_needed and state.party_signature is None:
        raise Refused(Refusal.PARTY_UNSIGNED)


async def record_of(core: Core, person: Person, task_id: int) -> Record:
    """The latest record of a task, for its team and the office.
    Access: the team and the office (checked below)."""
    async with core.db.read() as rtx:
        record = await rtx.visits.latest_record(task_id)
        members = await rtx.tasks.members(task_id)
    if record is None:
        raise Refused(Refusal.NO_RECORD)
    if not any(m.person_id == person.id for m in members) and not person.is_office:
        raise Refused(Refusal.NOT_MEMBER)
    return record


def record_file(core: Core, record: Record) -> bytes:
    if record.pdf_sha256 is None:
        raise Refused(Refusal.NO_RECORD)
    return read_blob(core.files_root, record.pdf_sha256)


def record_filename(record: Record) -> str:
    """The file name of a submitted record's PDF, as it was sent when submitted.

    Access: the record (record_of checked the reader)."""
    task = record.content["content"]["task"]
    return rules.record_filename(record.task_id, str(task["target_code"]), record.version)
