"""What signing shares with the steps before it: the requests to sign (their outbox key,
their words, the summary they show), asked again whenever the results change, and the
party's refusal to sign recorded (from the signature screen, or with the witness photo
on the checklist's photo step)."""

from __future__ import annotations

import functools

from bot.clock import now as clock_now
from bot.rules.models import AuditAction, Conversation, Person
from bot.rules.records import SignatureKind
from bot.services.errors import Refusal, Refused
from bot.services.notify import enqueue_text
from bot.services.visits.state import Note, Screen, State, View, VisitStep, _at, load
from bot.texts import notices
from bot.texts import visits as words
from storage import Tx


def sign_key(state: State, person_id: int) -> str:
    """The outbox key of the request to `person_id` to sign this version of the record."""
    return f"sign:{state.id}:{state.content_hash[:16]}:{person_id}"


async def withdraw_sign_requests(tx: Tx, state: State) -> None:
    """Requests to sign this version not sent yet, to those who signed (or to everyone,
    once the record is submitted): they would arrive as a step that is over.
    Access: inside a visit service's transaction (the person was checked there)."""
    for member in state.members:
        if state.signed(member.person_id) or not state.open:
            await tx.outbox.withdraw(sign_key(state, member.person_id), "signed already")


async def _results_changed(tx: Tx, state: State) -> None:
    """Once every item has a result, each member is asked to sign this version."""
    if not state.results_in:
        return
    now = clock_now()
    short = state.content_hash[:16]
    for member in state.members:
        if state.signed(member.person_id):
            continue
        other = await tx.people.person(member.person_id)
        if other is None:
            continue
        await enqueue_text(tx, other, sign_key(state, other.id),
                           functools.partial(words.sign_request_text,
                                             target=state.task.target_name,
                                             items=state.rows,
                                             content_hash=state.content_hash), now,
                           reply_markup=lambda t: notices.sign(t, state.id, short))


async def _refused(tx: Tx, tg_user_id: int, state: State, person: Person,
                   conversation: Conversation, witness_sha256: str | None) -> View:
    now = clock_now()
    if state.party_signature is not None:
        raise Refused(Refusal.PARTY_SIGNED)
    reason, witness = str(conversation.data["reason"]), str(conversation.data["witness"])
    await tx.visits.sign(state.id, SignatureKind.PARTY_REFUSED, state.task.target_name,
                         state.content_hash, now, person_id=person.id, reason=reason,
                         witness=witness, witness_sha256=witness_sha256)
    await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_PARTY_REFUSED,
                          f"visit:{state.id}",
                          {"reason": reason, "witness": witness,
                           "witness_sha256": witness_sha256,
                           "content_hash": state.content_hash}, now)
    state = await load(tx, state.id, state.today, state.tz)
    await _at(tx, tg_user_id, state, VisitStep.SIGNATURES)
    return View(Screen.SIGNATURES, state, note=Note(refused=True))
