"""Queue messages for people through the outbox, in each recipient's language."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.i18n import Translator, translator_for
from bot.rules.models import NewMessage, Person, Role
from storage import ReadTx, Tx

logger = logging.getLogger(__name__)


async def enqueue_text(
    tx: Tx,
    person: Person,
    dedupe_key: str,
    render: Callable[[Translator], str],
    now: datetime,
    reply_markup: dict[str, Any] | Callable[[Translator], dict[str, Any]] | None = None,
) -> bool:
    """Queue an HTML text for a bound person; False when they have no chat or it was queued.
    `reply_markup` may be rendered in the person's language like the text.
    Access: inside a service's transaction, for recipients that service chose."""
    account = await tx.people.account_of_person(person.id)
    if account is None or account.chat_id is None:
        logger.info("person %s has no Telegram chat yet; %s not queued", person.id, dedupe_key)
        return False
    t = translator_for(account, person)
    payload: dict[str, Any] = {"text": render(t), "parse_mode": "HTML"}
    if reply_markup is not None:
        payload["reply_markup"] = reply_markup(t) if callable(reply_markup) else reply_markup
    return await tx.outbox.enqueue(dedupe_key, account.chat_id, "sendMessage", payload, now,
                                   person_id=person.id)


@dataclass(frozen=True)
class Letter:
    """A text rendered for one person off the writer (`letter`), queued later in a short
    write (`post`): the chat it goes to (None: they have no chat yet) and its payload."""

    person_id: int
    chat_id: int | None
    payload: dict[str, Any]


async def letter(
    rtx: ReadTx | Tx, person: Person, render: Callable[[Translator], str],
    reply_markup: Callable[[Translator], dict[str, Any]] | None = None,
) -> Letter:
    """Render an HTML text in the person's language, reading only.
    Access: the scheduler, for recipients it chose."""
    account = await rtx.people.account_of_person(person.id)
    if account is None or account.chat_id is None:
        return Letter(person.id, None, {})
    t = translator_for(account, person)
    payload: dict[str, Any] = {"text": render(t), "parse_mode": "HTML"}
    if reply_markup is not None:
        payload["reply_markup"] = reply_markup(t)
    return Letter(person.id, account.chat_id, payload)


async def post(tx: Tx, letters: list[tuple[str, Letter]], now: datetime) -> int:
    """Queue letters under their dedupe keys in one statement; how many were new (a
    person without a chat gets nothing). Access: inside the scheduler's transaction."""
    messages = []
    for dedupe_key, prepared in letters:
        if prepared.chat_id is None:
            logger.info("person %s has no Telegram chat yet; %s not queued",
                        prepared.person_id, dedupe_key)
            continue
        messages.append(NewMessage(dedupe_key, prepared.chat_id, prepared.person_id,
                                   "sendMessage", prepared.payload))
    return await tx.outbox.enqueue_many(messages, now)


async def enqueue_document(
    tx: Tx, person_id: int, dedupe_key: str, sha256: str, filename: str,
    caption: Callable[[Translator], str], now: datetime, method: str = "sendDocument",
) -> bool:
    """Queue a stored file (by its SHA-256) for a bound person, captioned in their language;
    `method` sendPhoto for an image shown in the chat.
    Access: inside a service's transaction, for recipients that service chose."""
    account = await tx.people.account_of_person(person_id)
    if account is None or account.chat_id is None:
        return False
    person = await tx.people.person(person_id)
    t = translator_for(account, person)
    return await tx.outbox.enqueue(
        dedupe_key, account.chat_id, method,
        {"file": {"sha256": sha256, "filename": filename}, "caption": caption(t),
         "parse_mode": "HTML"}, now, person_id=person_id)


async def enqueue_document_to_chat(tx: Tx, chat_id: int, dedupe_key: str, sha256: str,
                                   filename: str, caption: str, now: datetime) -> bool:
    """Queue a stored file for a private chat that is nobody's in Choucha (the inspected
    party who signed in their own Telegram), captioned as given.
    Access: inside a service's transaction, for a chat that service chose."""
    return await tx.outbox.enqueue(
        dedupe_key, chat_id, "sendDocument",
        {"file": {"sha256": sha256, "filename": filename}, "caption": caption,
         "parse_mode": "HTML"}, now)


async def reachable(tx: Tx, person: Person) -> bool:
    """Whether a message to `person` would reach them now (storage.base.REACHABLE).
    Access: inside a service's transaction, about recipients that service chose."""
    return await tx.people.reachable(person.id)


async def tell_office(
    tx: Tx, dedupe_key: str, render: Callable[[Translator], str], now: datetime,
    exclude: int | None = None,
    reply_markup: dict[str, Any] | Callable[[Translator], dict[str, Any]] | None = None,
) -> int:
    """Queue a message for every office person; return how many were queued.
    Access: inside a service's transaction, for recipients that service chose."""
    queued = 0
    for person in await tx.people.with_role(Role.OFFICE):
        if person.id != exclude and await enqueue_text(
            tx, person, f"{dedupe_key}:p{person.id}", render, now, reply_markup
        ):
            queued += 1
    return queued
