"""The party signs with a finger on the leader's phone: Choucha's Mini App (003 第二十一条).

Every request carries Telegram's initData, checked as Telegram documents it (bot/rules/
webapp.py). Opening the Mini App mints a single-use token bound to the visit, to the
content being signed and to the leader's Telegram account; signing spends it. Anything
refused (forged or stale initData, someone other than the leader, a spent or foreign
token, a record changed since it was shown, an empty drawing) changes nothing and is
audited."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import html
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.clock import now as clock_now
from bot.core import Core
from bot.formats.rendering.signature import signature_png
from bot.i18n import language_of
from bot.rules import webapp
from bot.rules.models import AuditAction, PartySigner, Person, SignerProblem
from bot.rules.records import SignatureKind, SignToken, TokenKind
from bot.rules.signature import DrawingEmpty, DrawingUnreadable, read_drawing
from bot.services.errors import Refusal, Refused, typed_line
from bot.services.notify import enqueue_text
from bot.services.visits.state import State, load
from bot.texts import notices
from bot.texts import visits as words
from storage import ReadTx, Tx
from storage.files import write_blob

SESSION_MINUTES = 15  # how long the launch data and the token stay good
PROBLEMS = {SignerProblem.NAME: Refusal.PARTY_NAME, SignerProblem.LAST4: Refusal.PARTY_LAST4,
            SignerProblem.OPINION_TEXT: Refusal.TOO_SHORT}


@dataclass(frozen=True)
class Sheet:
    """What the Mini App shows: the record as it will be signed, in the reader's language,
    and the token the signature must come back with."""

    token: str
    state: State
    language: str


async def _audited(core: Core, actor: str, visit_id: int | None, exc: Refused,
                   detail: dict[str, Any] | None = None) -> Refused:
    """Record a refusal in the audit chain (its own transaction), and return it to raise."""
    async with core.db.transaction(record_update=False) as tx:
        await tx.audit.append(actor, AuditAction.VISIT_HANDSIGN_REFUSED,
                              f"visit:{visit_id}" if visit_id else "visit:?",
                              {"reason": exc.reason.value, **(detail or {})}, clock_now())
    return exc


async def _user(core: Core, bot_token: str, init_data: str,
                visit_id: int | None) -> webapp.WebAppUser:
    try:
        return webapp.check(init_data, bot_token, time.time(), SESSION_MINUTES * 60)
    except webapp.InitDataRefused as refused:
        raise await _audited(core, "tg:?", visit_id, Refused(Refusal.WEBAPP_AUTH),
                             {"problem": refused.problem.value}) from None


async def _leader_state(tx: ReadTx | Tx, core: Core, visit_id: int,
                        user: webapp.WebAppUser) -> tuple[State, Person]:
    """The visit, while the party may still sign it, and its leader, who must be `user`."""
    state = await load(tx, visit_id, core.today(), core.settings.tz)
    person = await tx.people.person_by_tg(user.id)
    if person is None or not state.acts(person.id) or await tx.people.out_of_service(
            person.id, core.today()):  # one who has left acts for nobody (issue 29)
        raise Refused(Refusal.LEADER_ONLY)
    if not state.open:
        raise Refused(Refusal.SUBMITTED)
    if not state.results_in:
        raise Refused(Refusal.RESULTS_MISSING)
    if state.party_signature is not None or not state.party_needed:
        raise Refused(Refusal.PARTY_SIGNED)
    return state, person


def _check_token(token: SignToken | None, user: webapp.WebAppUser) -> SignToken:
    """A Mini App token of this account, unspent and unexpired."""
    if token is None or token.kind != TokenKind.WEBAPP:
        raise Refused(Refusal.TOKEN_UNKNOWN)
    if token.opened_by != user.id:
        raise Refused(Refusal.TOKEN_TAKEN)
    if token.used_at is not None:
        raise Refused(Refusal.TOKEN_USED)
    if clock_now() > token.expires_at:
        raise Refused(Refusal.TOKEN_EXPIRED)
    return token


async def open_sheet(core: Core, bot_token: str, init_data: str, visit_id: int) -> Sheet:
    """The Mini App opened from the leader's signature screen.
    Access: the visit's leader, proven by Telegram's signed initData (checked below)."""
    user = await _user(core, bot_token, init_data, visit_id)
    actor = f"tg:{user.id}"
    now = clock_now()
    code = secrets.token_urlsafe(24)
    try:
        async with core.db.transaction() as tx:
            state, person = await _leader_state(tx, core, visit_id, user)
            token_id = await tx.visits.add_token(
                state.id, hashlib.sha256(code.encode()).hexdigest(), state.content_hash,
                person.id, now, now + timedelta(minutes=SESSION_MINUTES),
                kind=TokenKind.WEBAPP, opened_by=user.id)
            await tx.audit.append(actor, AuditAction.VISIT_HANDSIGN_OPENED,
                                  f"visit:{state.id}", {"token": token_id,
                                                        "content_hash": state.content_hash},
                                  now)
            account = await tx.people.account(user.id)
    except Refused as exc:
        raise await _audited(core, actor, visit_id, exc) from None
    return Sheet(code, state, language_of(account, person, user.language_code))


async def sign_by_hand(core: Core, bot_token: str, init_data: str, code: str,
                       signer: PartySigner, drawing: Any) -> State:
    """The party's handwritten signature, with what they state, on the leader's phone.
    Access: the visit's leader, proven by Telegram's signed initData, holding the token
    their own Mini App session was given (checked below)."""
    user = await _user(core, bot_token, init_data, None)
    typed_line(signer.name)  # what the record will say must read as it is written
    typed_line(signer.opinion_text or "")
    actor = f"tg:{user.id}"
    code_sha = hashlib.sha256(code.encode()).hexdigest()
    visit_id: int | None = None
    try:
        async with core.db.read() as rtx:
            token = await rtx.visits.token_by_code(code_sha)
        visit_id = token.visit_id if token else None
        _check_token(token, user)  # before anything is written; again in the transaction
        problem = signer.problem()
        if problem is not None:
            raise Refused(PROBLEMS[problem])
        try:
            found = read_drawing(drawing)
        except DrawingEmpty:
            raise Refused(Refusal.SIGNATURE_EMPTY) from None
        except DrawingUnreadable:
            raise Refused(Refusal.SIGNATURE_UNREADABLE) from None
        strokes = found.as_json()
        png = await asyncio.to_thread(signature_png, found)
        png_sha = await asyncio.to_thread(write_blob, core.files_root, png)
        strokes_sha = await asyncio.to_thread(write_blob, core.files_root, strokes)
        now = clock_now()
        async with core.db.transaction() as tx:
            token = _check_token(await tx.visits.token_by_code(code_sha), user)
            state, leader = await _leader_state(tx, core, token.visit_id, user)
            if state.content_hash != token.content_hash:
                raise Refused(Refusal.TOKEN_CHANGED)
            if not await tx.visits.use_token(token.id, user.id, now):
                raise Refused(Refusal.TOKEN_USED)
            await tx.files.remember(png_sha, len(png), "image/png", now)
            await tx.files.remember(strokes_sha, len(strokes), "application/json", now)
            await tx.visits.sign(state.id, SignatureKind.PARTY, signer.name,
                                 state.content_hash, now, tg_user_id=user.id, party=signer,
                                 recorded_by=leader.id, png_sha256=png_sha,
                                 strokes_sha256=strokes_sha)
            await tx.audit.append(actor, AuditAction.VISIT_PARTY_SIGNED, f"visit:{state.id}",
                                  {"content_hash": state.content_hash, "token": token.id,
                                   "via": "handwritten", "name": signer.name,
                                   "role": signer.role.value, "opinion": signer.opinion.value,
                                   "png_sha256": png_sha, "strokes_sha256": strokes_sha,
                                   "points": found.points}, now)
            state = await load(tx, state.id, state.today, state.tz)
            target = html.escape(state.task.target_name)
            name = html.escape(signer.name)
            await enqueue_text(
                tx, leader, f"party-handsigned:{state.id}:{token.id}",
                functools.partial(words.handsigned_text, target=target, name=name), now,
                reply_markup=lambda t: notices.signatures(t, state.id))
            return state
    except Refused as exc:
        raise await _audited(core, actor, visit_id, exc) from None
