"""A desk check's materials (书面检查, issue 32): who acts for the team gives the inspected
party a link (CHOUCHA_PUBLIC_URL/u/<token>) that it opens without Telegram, on a phone or a
computer, to send its documents. The link is for one sending and expires after LINK_HOURS;
only its SHA-256 is kept. Each file is checked (kind, size), kept by content, listed in the
record with its SHA-256 (so the team signs what was received), and the team is told."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import html
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import now as clock_now
from bot.core import Core
from bot.rules.evidence import MAX_DOWNLOAD, party_document
from bot.rules.models import AuditAction, Person
from bot.rules.records import Material, MaterialRequest, VisitStatus
from bot.services.errors import Refusal, Refused
from bot.services.notify import enqueue_document, enqueue_text
from bot.services.visits.signing import _results_changed
from bot.services.visits.state import State, _require_leader, load
from bot.texts import notices
from bot.texts import visits as words
from storage import ReadTx, Tx
from storage.files import write_blob

PATH = "/u/"
LINK_HOURS = 72
MAX_MATERIALS = 10  # files in one sending
MAX_FILE = MAX_DOWNLOAD  # bytes: the same as a file sent in Telegram (20 MB)
MAX_SENDING = MAX_MATERIALS * MAX_FILE // 4  # bytes of one sending, all files together


@dataclass(frozen=True)
class MaterialsLink:
    """The link for the party, and until when it serves."""

    url: str
    expires_at: datetime
    state: State


@dataclass(frozen=True)
class MaterialsPage:
    """What the party's page shows: whose check, which items, until when."""

    target: str
    items: list[str]
    expires_at: datetime


@dataclass(frozen=True)
class Upload:
    """A file as the party's browser sent it."""

    name: str
    mime: str
    data: bytes


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}{PATH}{token}"


async def ask(core: Core, person: Person, visit_id: int) -> MaterialsLink:
    """A new link for the party's materials.
    Access: who acts for the team, while the visit is open and has an item checked on paper."""
    base = core.settings.public_url
    if not base:
        raise Refused(Refusal.NO_PUBLIC_URL)
    now = clock_now()
    token = secrets.token_urlsafe(24)
    async with core.db.transaction() as tx:
        state = await load(tx, visit_id, core.today(), core.settings.tz)
        _require_leader(state, person)
        if not state.open:
            raise Refused(Refusal.SUBMITTED)
        if not state.desk_items:
            raise Refused(Refusal.NOT_DESK_CHECK)
        expires = now + timedelta(hours=LINK_HOURS)
        request_id = await tx.materials.add_request(state.id, token_hash(token), person.id,
                                                    now, expires)
        await tx.audit.append(f"person:{person.id}", AuditAction.MATERIALS_ASKED,
                              f"visit:{state.id}", {"request": request_id,
                                                    "expires_at": expires.isoformat()}, now)
    return MaterialsLink(link_url(base, token), expires, state)


async def _live(rtx: ReadTx | Tx, token: str) -> MaterialRequest:
    """The link's request, when the link still serves: known, not spent, not past, its
    visit still open (read without the visit's whole state)."""
    request = await rtx.materials.request(token_hash(token))
    if request is None:
        raise Refused(Refusal.TOKEN_UNKNOWN)
    if request.used_at is not None:
        raise Refused(Refusal.TOKEN_USED)
    if clock_now() >= request.expires_at:
        raise Refused(Refusal.TOKEN_EXPIRED)
    visit = await rtx.visits.get(request.visit_id)
    if visit is None or visit.status != VisitStatus.OPEN:
        raise Refused(Refusal.SUBMITTED)
    return request


async def serves(core: Core, token: str) -> None:
    """Refused unless the link still serves (checked before a sending is read).
    Access: whoever holds the link (a secret of 192 bits, of one sending, expiring)."""
    async with core.db.read() as rtx:
        await _live(rtx, token)


async def page(core: Core, token: str) -> MaterialsPage:
    """What the party's page shows.
    Access: whoever holds the link (see `serves`)."""
    async with core.db.read() as rtx:
        request = await _live(rtx, token)
        state = await load(rtx, request.visit_id, core.today(), core.settings.tz)
    return MaterialsPage(state.task.target_name, [i.row.name for i in state.desk_items],
                         request.expires_at)


def check(uploads: list[Upload]) -> list[Upload]:
    """What one sending may hold: one file at least, MAX_MATERIALS at most, each at most
    MAX_FILE bytes and a document by its name's ending and its first bytes alike (what the
    browser declares is not believed: bot/rules/evidence.py `party_document`); the files
    with their names made plain and their types as found."""
    if not uploads:
        raise Refused(Refusal.NO_FILES)
    if len(uploads) > MAX_MATERIALS:
        raise Refused(Refusal.TOO_MANY_FILES)
    checked = []
    for upload in uploads:
        name = _name(upload.name)
        if len(upload.data) > MAX_FILE:
            raise Refused(Refusal.TOO_LARGE, name=name)
        mime = party_document(name, upload.data)
        if mime is None:
            raise Refused(Refusal.FILE_NOT_ACCEPTED, name=name)
        checked.append(Upload(name, mime, upload.data))
    return checked


async def receive(core: Core, token: str, uploads: list[Upload]) -> list[Material]:
    """The party's files: kept by content, listed on the visit, the link spent, the team
    told; what was received (for the receipt).
    Access: whoever holds the link (see `page`)."""
    uploads = check(uploads)
    await serves(core, token)  # (before the files are written)
    stored = [await asyncio.to_thread(write_blob, core.files_root, u.data) for u in uploads]
    now = clock_now()
    async with core.db.transaction() as tx:
        request = await _live(tx, token)
        if not await tx.materials.use(request.id, now):
            raise Refused(Refusal.TOKEN_USED)
        for upload, sha256 in zip(uploads, stored, strict=True):
            await tx.files.remember(sha256, len(upload.data), upload.mime, now)
            await tx.materials.add(request.visit_id, request.id, upload.name, upload.mime,
                                   len(upload.data), sha256, now)
        await tx.audit.append("party", AuditAction.MATERIALS_RECEIVED,
                              f"visit:{request.visit_id}",
                              {"request": request.id, "files": stored}, now)
        # (read before anyone is told: nothing after a notice may refuse)
        state = await load(tx, request.visit_id, core.today(), core.settings.tz)
        received = [m for m in state.materials if m.request_id == request.id]
        await _tell_team(tx, state, received, now)
        # What the team signs changed: signatures taken before no longer count, and each
        # member is asked again (as after a changed answer).
        await _results_changed(tx, state)
    return received


def _name(name: str) -> str:
    """A file's name as the browser gave it: without a path, without control or direction
    characters (a right-to-left override would show "x.js" as "x.sj…"), one line, at most
    120 characters with its ending kept."""
    plain = name.replace("\\", "/").rsplit("/", 1)[-1]
    plain = "".join(c for c in plain if unicodedata.category(c) not in ("Cc", "Cf", "Cs",
                                                                        "Co", "Cn"))
    plain = " ".join(plain.split()) or "file"
    if len(plain) <= 120:
        return plain
    stem, dot, ending = plain.rpartition(".")
    return (stem[:120 - len(ending) - 1] + dot + ending) if dot and len(ending) <= 8 \
        else plain[:120]


async def _tell_team(tx: Tx, state: State, received: list[Material], now: datetime) -> None:
    """Each member is told, then given the files themselves to read."""
    names = [html.escape(m.name) for m in received]
    target = html.escape(state.task.target_name)
    for member in state.members:
        person = await tx.people.person(member.person_id)
        if person is None:
            continue
        await enqueue_text(
            tx, person, f"materials:{received[0].request_id}:{person.id}",
            functools.partial(words.materials_received_text, target=target, names=names),
            now, reply_markup=functools.partial(notices.my_part, task_id=state.task.id))
        for material in received:
            await enqueue_document(
                tx, person.id, f"material:{material.id}:{person.id}", material.sha256,
                material.name, functools.partial(words.material_caption, target=target,
                                                 sha256=material.sha256), now)
