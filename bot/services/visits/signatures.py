"""Signatures: the members' confirmations, the party by QR link, on paper or refusing
with a witness; a change to the record asks for them again."""

from __future__ import annotations

import functools
import hashlib
import html
import secrets
from datetime import datetime, timedelta

from bot.clock import now as clock_now
from bot.core import Core
from bot.rules.models import AuditAction, Conversation, Person
from bot.rules.records import SignatureKind
from bot.services.errors import Refusal, Refused, typed_line
from bot.services.notify import enqueue_text
from bot.services.visits.signing import (
    _refused,
    _results_changed,
    withdraw_sign_requests,
)
from bot.services.visits.state import (
    TOKEN_MINUTES,
    TOKEN_PREFIX,
    Note,
    Screen,
    State,
    View,
    VisitStep,
    _at,
    _conversation,
    _member_of,
    _open_state,
    _require_leader,
    load,
)
from bot.texts import notices
from bot.texts import visits as words
from bot.workers import DOCUMENT
from storage import Tx
from storage.base import to_db_time
from storage.files import read_blob


async def tell_acting(tx: Tx, state: State, dedupe_key: str, now: datetime, *,
                      member: str | None = None, party: str | None = None) -> None:
    """Who acts for the team learns that someone signed, and what is left before the
    record can be submitted (or that it can be now).
    Access: inside the signing service's transaction (the signer was checked there)."""
    acting = state.acting
    other = await tx.people.person(acting.person_id) if acting else None
    if other is None:
        return
    target = html.escape(state.task.target_name)
    waiting = [m.name for m in state.unsigned]
    complete = state.complete
    party_missing = state.party_needed and state.party_signature is None

    render = functools.partial(words.signed_text, target=target, member=member, party=party,
                               waiting=waiting, complete=complete, party_missing=party_missing)

    await enqueue_text(tx, other, dedupe_key, render, now,
                       reply_markup=lambda t: notices.signatures(t, state.id))


async def signatures(core: Core, person: Person, tg_user_id: int, visit_id: int) -> View:
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, visit_id)
        await _at(tx, tg_user_id, state, VisitStep.SIGNATURES)
        return View(Screen.SIGNATURES, state)


async def sign(core: Core, person: Person, tg_user_id: int, visit_id: int, short: str) -> View:
    """A member signs the summary in their own chat; bound to the version they read. A
    press on an older version is refused after the requests to sign this one are queued
    and committed (a refusal raised inside the transaction would roll them back)."""
    now = clock_now()
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, visit_id)
        if not state.results_in:
            raise Refused(Refusal.RESULTS_MISSING)
        if state.content_hash[:16] == short:
            return await _signed(tx, state, person, tg_user_id, short, now)
        await _results_changed(tx, state)
    raise Refused(Refusal.CHANGED)  # after the commit of the requests to sign this version


async def _signed(tx: Tx, state: State, person: Person, tg_user_id: int, short: str,
                  now: datetime) -> View:
    """The member's signature on the version they read (`sign`)."""
    if state.signed(person.id):
        raise Refused(Refusal.ALREADY_SIGNED)
    await tx.visits.sign(state.id, SignatureKind.MEMBER, person.name, state.content_hash, now,
                         person_id=person.id, tg_user_id=tg_user_id)
    await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_SIGNED, f"visit:{state.id}",
                          {"content_hash": state.content_hash}, now)
    state = await load(tx, state.id, state.today, state.tz)
    await withdraw_sign_requests(tx, state)
    if state.acts(person.id):
        await _at(tx, tg_user_id, state, VisitStep.SIGNATURES)
    else:
        await tell_acting(tx, state, f"signed:{state.id}:{person.id}:{short}", now,
                          member=person.name)
    return View(Screen.SIGNATURES, state, note=Note(signed=True))


async def _party_step(tx: Tx, core: Core, person: Person, tg_user_id: int, visit_id: int,
                      step: VisitStep) -> State:
    state = await _open_state(tx, core, person, visit_id)
    _require_leader(state, person)
    if not state.results_in:
        raise Refused(Refusal.RESULTS_MISSING)
    if state.party_signature is not None:
        raise Refused(Refusal.PARTY_SIGNED)
    await _at(tx, tg_user_id, state, step)
    return state


async def party_qr(core: Core, person: Person, tg_user_id: int, visit_id: int) -> View:
    """A single-use link, bound to this version of the record, for the party's own phone."""
    now = clock_now()
    code = secrets.token_urlsafe(15)
    async with core.db.transaction() as tx:
        state = await _party_step(tx, core, person, tg_user_id, visit_id, VisitStep.SIGNATURES)
        expires = now + timedelta(minutes=TOKEN_MINUTES)
        await tx.visits.add_token(state.id, hashlib.sha256(code.encode()).hexdigest(),
                                  state.content_hash, person.id, now, expires)
        await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_PARTY_LINK,
                              f"visit:{state.id}",
                              {"content_hash": state.content_hash,
                               "expires": to_db_time(expires)}, now)
        link = core.deep_link(TOKEN_PREFIX + code)
        return View(Screen.PARTY_QR, state, note=Note(link=link, minutes=TOKEN_MINUTES))


async def member_paper(core: Core, person: Person, tg_user_id: int, visit_id: int,
                       member_id: int) -> View:
    """The leader records that a member signed the paper record (they cannot in Choucha):
    the next photo is of that signed page."""
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, visit_id)
        _require_leader(state, person)
        if not state.results_in:
            raise Refused(Refusal.RESULTS_MISSING)
        member = state.member(member_id)
        if member is None or member_id == person.id:
            raise Refused(Refusal.STALE)
        if state.signed(member_id):
            raise Refused(Refusal.ALREADY_SIGNED)
        await _at(tx, tg_user_id, state, VisitStep.MEMBER_PAPER, member=member_id)
        return View(Screen.MEMBER_PAPER, state, note=Note(name=member.name))


async def draft(core: Core, person: Person, visit_id: int) -> tuple[bytes, State]:
    """The record as it stands, marked 草稿/待签 with its content hash, to print and sign."""
    from bot.formats.rendering.record_pdf import record_pdf

    async with core.db.read() as rtx:
        state = await load(rtx, visit_id, core.today(), core.settings.tz)
    _member_of(state, person)
    pdf = await core.workers.run(
        DOCUMENT, record_pdf, state.content(), state.signature_records(),
        {"by": "", "at": None}, state.content_hash,
        functools.partial(read_blob, core.files_root), core.settings.tz, True)
    return pdf, state


async def party_paper(core: Core, person: Person, tg_user_id: int, visit_id: int) -> View:
    async with core.db.transaction() as tx:
        state = await _party_step(tx, core, person, tg_user_id, visit_id, VisitStep.PAPER)
        return View(Screen.PAPER, state)


async def party_refuses(core: Core, person: Person, tg_user_id: int, visit_id: int) -> View:
    async with core.db.transaction() as tx:
        state = await _party_step(tx, core, person, tg_user_id, visit_id, VisitStep.REFUSE_REASON)
        return View(Screen.REFUSE_REASON, state)


async def refusal_text(core: Core, person: Person, tg_user_id: int,
                       conversation: Conversation, text: str) -> View:
    clean = typed_line(text)[:300]
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, int(conversation.data["visit"]))
        _require_leader(state, person)
        if conversation.step == VisitStep.REFUSE_REASON:
            if len(clean) < 2:
                raise Refused(Refusal.REASON_REQUIRED)
            await _at(tx, tg_user_id, state, VisitStep.WITNESS, reason=clean)
            return View(Screen.WITNESS, state)
        if len(clean) < 2:
            raise Refused(Refusal.WITNESS_REQUIRED)
        await _at(tx, tg_user_id, state, VisitStep.WITNESS_PHOTO,
                  reason=conversation.data["reason"], witness=clean)
        return View(Screen.WITNESS_PHOTO, state)


async def witness_without_photo(core: Core, person: Person, tg_user_id: int,
                                visit_id: int) -> View:
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, visit_id)
        _require_leader(state, person)
        conversation = await _conversation(tx, tg_user_id)
        if (conversation.step != VisitStep.WITNESS_PHOTO
                or conversation.data.get("visit") != visit_id):
            raise Refused(Refusal.NOT_CURRENT)
        return await _refused(tx, tg_user_id, state, person, conversation, None)


