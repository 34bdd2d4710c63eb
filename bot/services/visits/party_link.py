"""The party's QR link: opening it in their own Telegram, and their confirmation."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bot.clock import now as clock_now
from bot.core import Core
from bot.rules.models import AuditAction, PartySigner
from bot.rules.records import SignatureKind, SignToken, TokenKind
from bot.services.errors import Refusal, Refused
from bot.services.visits.signatures import tell_acting
from bot.services.visits.state import State, load
from storage import ReadTx, Tx


@dataclass(frozen=True)
class PartyView:
    token_id: int
    state: State


async def _token(tx: ReadTx | Tx, core: Core, token: SignToken | None) -> State:
    if token is None or token.kind != TokenKind.QR:  # a Mini App session is no QR link
        raise Refused(Refusal.TOKEN_UNKNOWN)
    if token.used_at:
        raise Refused(Refusal.TOKEN_USED)
    if clock_now() > token.expires_at:
        raise Refused(Refusal.TOKEN_EXPIRED)
    state = await load(tx, token.visit_id, core.today(), core.settings.tz)
    if not state.open:
        raise Refused(Refusal.TOKEN_USED)
    if state.content_hash != token.content_hash:
        raise Refused(Refusal.TOKEN_CHANGED)
    if state.party_signature is not None:
        raise Refused(Refusal.TOKEN_USED)
    return state


async def party_open(core: Core, tg_user_id: int, code: str) -> PartyView:
    """The party opened the QR link in their own Telegram: the summary and Confirm. An
    account bound to anyone registered in Choucha (an inspector, the leader himself), or
    unlinked from someone still in service, cannot sign as the party: refused, and the
    attempt audited."""
    async with core.db.read() as rtx:
        registered = await rtx.people.person_by_tg(tg_user_id)
        # An account unlinked from someone still in service (a lost phone, one the office
        # unlinked) is theirs all the same (issue 29); one of a person who left is not.
        former = (await rtx.people.former_in_service(tg_user_id, core.today())
                  if registered is None else None)
        token = await rtx.visits.token_by_code(hashlib.sha256(code.encode()).hexdigest())
    if (registered is not None or former is not None) and token is not None:
        async with core.db.transaction() as tx:
            await tx.audit.append(f"tg:{tg_user_id}", AuditAction.VISIT_PARTY_LINK_REFUSED,
                                  f"visit:{token.visit_id}",
                                  {"person": registered.id if registered else former,
                                   "token": token.id,
                                   "reason": "registered" if registered else "formerly"},
                                  clock_now())
        raise Refused(Refusal.PARTY_IS_REGISTERED)
    async with core.db.transaction() as tx:
        token = await tx.visits.token_by_code(hashlib.sha256(code.encode()).hexdigest())
        state = await _token(tx, core, token)
        assert token is not None
        if not await tx.visits.open_token(token.id, tg_user_id):
            raise Refused(Refusal.TOKEN_TAKEN)
        return PartyView(token.id, state)


async def token_state(core: Core, token_id: int, tg_user_id: int) -> State:
    """The state behind a party's token, while it is still theirs to sign."""
    async with core.db.read() as rtx:
        token = await rtx.visits.token(token_id)
        state = await _token(rtx, core, token)
    assert token is not None
    if token.opened_by != tg_user_id:
        raise Refused(Refusal.TOKEN_TAKEN)
    return state


async def party_confirm(core: Core, tg_user_id: int, signer: PartySigner, token_id: int,
                        short: str) -> State:
    """Access: only the account that opened the party's link (the token is bound to it)."""
    now = clock_now()
    async with core.db.transaction() as tx:
        token = await tx.visits.token(token_id)
        state = await _token(tx, core, token)
        assert token is not None
        if token.opened_by != tg_user_id:
            raise Refused(Refusal.TOKEN_TAKEN)
        if state.content_hash[:16] != short:  # not the version shown: a forged button
            raise Refused(Refusal.STALE)
        if not await tx.visits.use_token(token_id, tg_user_id, now):
            raise Refused(Refusal.TOKEN_USED)
        name = signer.name
        await tx.visits.sign(state.id, SignatureKind.PARTY, name[:100], state.content_hash, now,
                             tg_user_id=tg_user_id, party=signer)
        await tx.audit.append(f"tg:{tg_user_id}", AuditAction.VISIT_PARTY_SIGNED,
                              f"visit:{state.id}",
                              {"content_hash": state.content_hash, "token": token_id,
                               "name": signer.name, "role": signer.role.value,
                               "opinion": signer.opinion.value}, now)
        state = await load(tx, state.id, state.today, state.tz)
        await tell_acting(tx, state, f"party-signed:{state.id}:{token_id}", now,
                          party=name)
        return state
