"""Who is writing: the Telegram account, the person it is bound to, their language."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.clock import now as clock_now
from bot.i18n import LANGUAGES, language_of
from bot.rules.models import AuditAction, Person
from bot.services import replacements
from storage import Database

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


async def identify(db: Database, user: TgUser) -> Identity:
    """Look the account up, remembering it (or what changed) without recording the update.
    Access: anyone: it identifies the sender of an update (strangers included)."""
    async with db.read() as rtx:
        account = await rtx.people.account(user.id)
        person = await rtx.people.person_by_tg(user.id) if account and account.person_id else None
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
            if unblocked and account is not None and account.chat_id:
                await tx.outbox.reopen_blocked(account.chat_id, now)
        if unblocked and person is not None:
            await _ask_again(db, person)
    return Identity(user.id, person, language_of(account, person, user.language_code))


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
