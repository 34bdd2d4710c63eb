"""Who is writing: the Telegram account, the person it is bound to, their language."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from bot.clock import now as clock_now
from bot.i18n import LANGUAGES, language_of, translator_for
from bot.rules.models import AuditAction, Person, Role, RosterEntry
from bot.services import replacements
from bot.services.access import Actor, label, require_office
from bot.services.errors import Refusal, Refused
from bot.texts import accounts as words
from bot.texts.accounts import UNBOUND
from storage import Database, ReadTx

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TgUser:
    """The parts of a Telegram user that Choucha keeps."""

    id: int
    chat_id: int | None
    username: str | None
    first_name: str | None
    language_code: str | None


@dataclass(frozen=True)
class Identity:
    tg_user_id: int
    person: Person | None
    language: str
    ended: bool = False  # this update ended their access (they left): they are told


async def identify(db: Database, user: TgUser, today: date | None = None) -> Identity:
    """Look the account up, remembering it (or what changed) without recording the update.
    A person no longer in service (the directory says so, or withdrawn for leaving by
    `today`) is unbound here and is a stranger from this update on (issue 29).
    Access: anyone: it identifies the sender of an update (strangers included)."""
    async with db.read() as rtx:
        account = await rtx.people.account(user.id)
        person = await rtx.people.person_by_tg(user.id) if account and account.person_id else None
        why = (await rtx.people.out_of_service(person.id, today)
               if person is not None and today is not None else None)
    ended = person is not None and why is not None
    if person is not None and why is not None:
        await end_access(db, person, why, "system")
        person = None
    stale = account is None or (
        account.username != user.username
        or account.first_name != user.first_name
        or account.language_code != user.language_code
        or account.blocked_at is not None
        or (user.chat_id is not None and account.chat_id != user.chat_id)
    )
    if stale:
        unblocked = account is not None and account.blocked_at is not None
        async with db.transaction(record_update=False) as tx:
            now = clock_now()
            await tx.people.upsert_account(user.id, user.chat_id, user.username,
                                           user.first_name, user.language_code, now)
            if unblocked and account is not None and account.chat_id and not ended:
                # (for one whose access just ended, what waited is not theirs any more)
                await tx.outbox.reopen_blocked(account.chat_id, now)
        if unblocked and person is not None:
            await _ask_again(db, person)
    return Identity(user.id, person, language_of(account, person, user.language_code), ended)




async def sweep(db: Database, today: date) -> int:
    """Unbind everyone no longer in service who has not written since (at start and with
    the scheduler): nothing reaches them, and they act for no team, even if they never
    write again; how many.
    Access: the scheduler, as the system."""
    async with db.read() as rtx:
        leaving = await rtx.people.bound_out_of_service(today)
    for person, why in leaving:
        await end_access(db, person, why, "system")
    return len(leaving)


@dataclass(frozen=True)
class Linked:
    """A person of the directory and the Telegram account linked to them (None: none)."""

    entry: RosterEntry
    tg_user_id: int | None


async def linked(db: Database, actor: Actor, who: str) -> list[Linked]:
    """The people of the directory whose Telegram account is linked, found by their
    执法证号 or by exactly their name (several when names repeat); people the directory
    no longer lists as in service too, until the sweep unlinks them.
    Access: the office."""
    require_office(actor)
    who = who.strip()
    if not who:
        return []
    async with db.read() as rtx:
        by_cert = await rtx.people.person_by_cert(who)
        people = ([by_cert] if by_cert is not None and by_cert.tg_user_id is not None
                  else await rtx.people.bound_named(who))
        return await _linked(rtx, people)


async def linked_person(db: Database, actor: Actor, person_id: int) -> Linked | None:
    """The person and their linked account (if any), or None when not in the directory.
    Access: the office."""
    require_office(actor)
    async with db.read() as rtx:
        person = await rtx.people.person(person_id)
        found = await _linked(rtx, [person] if person is not None else [])
    return found[0] if found else None


async def _linked(rtx: ReadTx, people: list[Person]) -> list[Linked]:
    accounts = {p.id: p.tg_user_id for p in people}
    if not accounts:
        return []
    entries = await rtx.people.roster(clock_now(), person_ids=list(accounts), inactive=True)
    return [Linked(e, accounts[e.person_id]) for e in entries]


def unbind_refusal(actor: Actor, person_id: int, admin: bool) -> Refusal | None:
    """Why `actor` may not unlink this person's account (see `unbind`), or None."""
    if actor and actor.id == person_id:
        return Refusal.UNBIND_SELF
    if admin and actor and not actor.has_role(Role.ADMIN):
        return Refusal.UNBIND_ADMIN
    return None


@dataclass(frozen=True)
class Check:
    """What `end_access` checks in its transaction for an office's unbind: who acts, and
    the account they were shown."""

    actor: Actor
    tg_user_id: int | None


async def unbind(db: Database, actor: Actor, person_id: int,
                 tg_user_id: int | None = None) -> int | None:
    """The office unlinks a person's Telegram account (a lost phone, someone who left
    before the directory says so): `end_access`, audited with who did it, the update
    recorded (a redelivered press does nothing twice). An administrator's account is
    unlinked only by an administrator (or the command line); nobody unlinks their own
    here (they would lock themselves out). `tg_user_id`: the account the office was
    shown; another one linked since is not unlinked (stale). Both are checked in the
    transaction that unlinks. The Telegram id unlinked, or None when no account was
    linked any more.
    Access: the office."""
    require_office(actor)
    async with db.read() as rtx:
        person = await rtx.people.person(person_id)
    if person is None:
        raise Refused(Refusal.UNKNOWN_PERSON)
    return await end_access(db, person, UNBOUND, label(actor), record=True,
                            checked=Check(actor, tg_user_id))


async def end_access(db: Database, person: Person, why: str, by: str,
                     record: bool = False, checked: Check | None = None) -> int | None:
    """Unbind the person's Telegram account and revoke their open invites, audited; the
    person is told once, in their chat. `by`: who ended it (the audit's actor). The
    account's Telegram id, or None when none was bound (nothing to tell). `record`: this
    is the update's own use case (the office's press), recorded with it; else bookkeeping
    in the course of another update. `checked`: the office's unbind, its rules checked
    again here, where nothing can change under them.
    Access: `identify` and `sweep`, for a person no longer in service; `unbind`."""
    now = clock_now()
    async with db.transaction(record_update=record) as tx:
        account = await tx.people.account_of_person(person.id)
        if checked is not None:
            fresh = await tx.people.person(person.id)
            if fresh is None:
                raise Refused(Refusal.UNKNOWN_PERSON)
            refusal = unbind_refusal(checked.actor, fresh.id, fresh.has_role(Role.ADMIN))
            if refusal is not None:
                raise Refused(refusal, name=fresh.name)
            if (account is not None and checked.tg_user_id is not None
                    and account.tg_user_id != checked.tg_user_id):
                raise Refused(Refusal.STALE)  # another account was linked since
        if account is None:
            return None  # unbound meanwhile (another update, the sweep): nothing to do
        tg_user_id = await tx.people.unbind(person.id)
        revoked = await tx.invites.revoke_open_for_person(person.id, now)
        await tx.audit.append(by, AuditAction.ACCOUNT_UNBOUND, f"person:{person.id}",
                              {"reason": why, "tg_user_id": tg_user_id,
                               "invites_revoked": revoked}, now)
        if account is not None and account.chat_id is not None:
            # What was queued for them (tasks, digests) is no longer theirs to read.
            await tx.outbox.withdraw_chat(account.chat_id, f"access ended: {why}")
            t = translator_for(account, person)
            await tx.outbox.enqueue(f"unbound:{person.id}:{account.tg_user_id}:{now.isoformat()}",
                                    account.chat_id, "sendMessage",
                                    {"text": words.ended_text(t, why)}, now)
    logger.info("person %s: access ended (%s)", person.id, why)
    return tg_user_id


async def _ask_again(db: Database, person: Person) -> None:
    """They wrote to the bot again after blocking it: the replacement requests that waited
    for them as approver reach them now. Its own transaction, after the unblock is
    committed: a failure here must never keep them out of the bot."""
    try:
        async with db.transaction(record_update=False) as tx:
            await replacements.ask_new_approver(tx, person, clock_now())
    except Exception:  # logged, not raised: identifying the sender comes first
        logger.exception("could not send the waiting requests to person %s", person.id)


async def set_language(db: Database, identity: Identity, language: str) -> Identity:
    """Remember the language a person chose, for the account and, when bound, the person.
    Access: the sender's own account only (the identity is theirs)."""
    if language not in LANGUAGES:
        raise ValueError(language)
    async with db.transaction() as tx:
        await tx.people.set_account_language(identity.tg_user_id, language)
        if identity.person is not None:
            await tx.people.set_person_language(identity.person.id, language)
            await tx.audit.append(f"person:{identity.person.id}", AuditAction.PERSON_LANGUAGE,
                                  f"person:{identity.person.id}", {"language": language},
                                  clock_now())
    return Identity(identity.tg_user_id, identity.person, language)
