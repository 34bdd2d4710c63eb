"""Connections, migrations and transactions.

One writer connection guarded by a lock (every use case is one transaction) and a few
read-only connections for queries; WAL lets them run side by side (each connection has
its own thread, so a long read of one chat does not hold up the reads of another).
"""

from __future__ import annotations

import asyncio
import contextvars
import enum
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from importlib import resources
from pathlib import Path

import aiosqlite

from storage.aftercare import AftercareRepo
from storage.audit import AuditRepo
from storage.base import to_db_time
from storage.bulk import BulkRepo
from storage.chasing import ChasingRepo
from storage.conversations import ConversationRepo
from storage.digest import DigestRepo
from storage.directory import DirectoryRepo
from storage.draws import DrawRepo
from storage.files import PRIVATE_FILE, FileRepo, private_dir, write_private
from storage.inbox import InboxRepo
from storage.invites import InviteRepo
from storage.listings import ListingRepo
from storage.materials import MaterialRepo
from storage.outbox import OutboxRepo
from storage.people import PeopleRepo
from storage.publications import PublicationRepo
from storage.replacements import ReplacementRepo
from storage.settings import SettingsRepo
from storage.site import SiteRepo
from storage.tasks import TaskRepo
from storage.updates import UpdateRepo
from storage.visits import VisitRepo

logger = logging.getLogger(__name__)

READERS = 4
FOREIGN_KEYS_OFF = "-- foreign_keys: off"  # a migration's first line, to rebuild a table
_MIGRATION_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass
class UpdateMark:
    """The Telegram update being handled; recorded in the first transaction that commits."""

    update_id: int
    recorded: bool = False


# Set by the handlers' guard for the duration of one update.
current_update: contextvars.ContextVar[UpdateMark | None] = contextvars.ContextVar(
    "current_update", default=None
)


class DuplicateUpdate(Exception):
    """The update was already handled (recorded by a committed transaction)."""


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every migration file, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _MIGRATION_RE.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migration numbers are not 1..n: {versions}")
    return found


SQLITE_HEADER = b"SQLite format 3\x00"


class Found(enum.StrEnum):
    """What a database path holds, told without opening it for writing (so that nothing is
    created or changed by asking)."""

    MISSING = "missing"  # nothing there (or its folder is missing)
    FOLDER = "folder"  # a folder, not a file
    UNREADABLE = "unreadable"  # a file this user may not read
    EMPTY = "empty"  # an empty file: a database not set up yet
    NOT_SQLITE = "not_sqlite"  # a file that is not an SQLite database
    FOREIGN = "foreign"  # an SQLite database without Choucha's tables
    CHOUCHA = "choucha"  # a Choucha database (its schema is brought up to date on open)


def probe(path: Path) -> Found:
    """What is at `path`: only reads (a header, then the list of tables, read-only)."""
    if path.is_dir():
        return Found.FOLDER
    if not path.exists():
        return Found.MISSING
    try:
        with open(path, "rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError:
        return Found.UNREADABLE
    if not header:
        return Found.EMPTY
    if header != SQLITE_HEADER:
        return Found.NOT_SQLITE
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT COUNT(*) FROM sqlite_master"
                               " WHERE type = 'table' AND name = 'schema_version'").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:  # a damaged file with a valid header
        return Found.NOT_SQLITE
    return Found.CHOUCHA if row and row[0] else Found.FOREIGN


class _Repos:
    """Repositories bound to one connection, created on first use."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    @cached_property
    def aftercare(self) -> AftercareRepo:
        return AftercareRepo(self.conn)

    @cached_property
    def people(self) -> PeopleRepo:
        return PeopleRepo(self.conn)

    @cached_property
    def invites(self) -> InviteRepo:
        return InviteRepo(self.conn)

    @cached_property
    def audit(self) -> AuditRepo:
        return AuditRepo(self.conn)

    @cached_property
    def outbox(self) -> OutboxRepo:
        return OutboxRepo(self.conn)

    @cached_property
    def inbox(self) -> InboxRepo:
        return InboxRepo(self.conn)

    @cached_property
    def updates(self) -> UpdateRepo:
        return UpdateRepo(self.conn)

    @cached_property
    def conversations(self) -> ConversationRepo:
        return ConversationRepo(self.conn)

    @cached_property
    def settings(self) -> SettingsRepo:
        return SettingsRepo(self.conn)

    @cached_property
    def directory(self) -> DirectoryRepo:
        return DirectoryRepo(self.conn)

    @cached_property
    def draws(self) -> DrawRepo:
        return DrawRepo(self.conn)

    @cached_property
    def tasks(self) -> TaskRepo:
        return TaskRepo(self.conn)

    @cached_property
    def replacements(self) -> ReplacementRepo:
        return ReplacementRepo(self.conn)

    @cached_property
    def files(self) -> FileRepo:
        return FileRepo(self.conn)

    @cached_property
    def visits(self) -> VisitRepo:
        return VisitRepo(self.conn)

    @cached_property
    def bulk(self) -> BulkRepo:
        return BulkRepo(self.conn)

    @cached_property
    def chasing(self) -> ChasingRepo:
        return ChasingRepo(self.conn)

    @cached_property
    def digest(self) -> DigestRepo:
        return DigestRepo(self.conn)

    @cached_property
    def publications(self) -> PublicationRepo:
        return PublicationRepo(self.conn)

    @cached_property
    def listings(self) -> ListingRepo:
        return ListingRepo(self.conn)

    @cached_property
    def materials(self) -> MaterialRepo:
        return MaterialRepo(self.conn)

    @cached_property
    def site(self) -> SiteRepo:
        return SiteRepo(self.conn)


class ReadTx(_Repos):
    """A read-only snapshot."""


class Tx(_Repos):
    """A write transaction."""


class Database:
    """The SQLite file: migrations at open, one writer, readers.

    `readonly`: readers only, no writer and no migration, for a worker process that reads
    what the bot's own process keeps (the public site's build); the file must exist."""

    def __init__(self, path: Path | str, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._writer: aiosqlite.Connection | None = None
        self._readers: list[aiosqlite.Connection] = []
        self._free: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._write_lock = asyncio.Lock()

    async def open(self) -> Database:
        try:
            return await self._open()
        except BaseException:
            # A connection left open keeps its (non-daemon) thread alive: the process
            # would hang at exit instead of ending with the error (a file that is not a
            # database fails at the first statement, after the connection is made).
            await self.close()
            raise

    async def _open(self) -> Database:
        if self.readonly:
            if not self.path.is_file():
                raise FileNotFoundError(self.path)
            await self._open_readers(1)
            return self
        private_dir(self.path.parent)  # created 0700; an existing folder is left as it is
        if not self.path.exists():
            write_private(self.path, b"")  # SQLite keeps the mode; its -wal and -shm copy it
        self._writer = await self._connect(str(self.path), uri=False)
        await self._writer.execute("PRAGMA journal_mode=WAL")
        for path in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
            if path.exists():
                os.chmod(path, PRIVATE_FILE)  # an older installation's 0644 tightened
        await self._migrate(self._writer)
        await self._open_readers(READERS)
        return self

    async def _open_readers(self, count: int) -> None:
        for _ in range(count):
            reader = await self._connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
            self._readers.append(reader)
            self._free.put_nowait(reader)

    @staticmethod
    async def _connect(target: str, uri: bool) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(target, uri=uri, isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=10000")
            await conn.execute("PRAGMA synchronous=NORMAL")
            # 64 MiB of page cache: bulk imports and scans of the directories stay in
            # memory without growing with them.
            await conn.execute("PRAGMA cache_size=-65536")
        except BaseException:
            await conn.close()
            raise
        return conn

    async def close(self) -> None:
        for conn in [*self._readers, self._writer]:
            if conn is not None:
                await conn.close()
        self._readers = []
        self._free = asyncio.Queue()
        self._writer = None

    async def __aenter__(self) -> Database:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _migrate(self, conn: aiosqlite.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        async with conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version") as cur:
            row = await cur.fetchone()
        current = int(row[0]) if row else 0
        for version, name, sql in migrations():
            if version <= current:
                continue
            logger.info("applying migration %s", name)
            # A migration that rebuilds a table others refer to (SQLite's way to change a
            # constraint) runs with the foreign keys off, and is checked before it commits.
            rebuild = sql.startswith(FOREIGN_KEYS_OFF)
            if rebuild:
                await conn.execute("PRAGMA foreign_keys=OFF")
            await conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _split_sql(sql):
                    await conn.execute(statement)
                if rebuild:
                    async with conn.execute("PRAGMA foreign_key_check") as cur:
                        broken = list(await cur.fetchall())
                    if broken:
                        raise RuntimeError(f"{name} breaks foreign keys: {broken[:5]}")
                await conn.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, to_db_time(datetime.now(UTC))),
                )
                await conn.execute("COMMIT")
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            finally:
                if rebuild:
                    await conn.execute("PRAGMA foreign_keys=ON")

    async def schema_version(self) -> int:
        async with self.read() as tx, tx.conn.execute(
            "SELECT MAX(version) FROM schema_version"
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    @asynccontextmanager
    async def transaction(self, record_update: bool = True,
                          attach: dict[str, Path] | None = None) -> AsyncIterator[Tx]:
        """One use case: BEGIN IMMEDIATE … COMMIT.

        The Telegram update being handled (if any) is recorded as processed in the
        same commit, so that its redelivery is recognised; `record_update=False` for
        bookkeeping that is not the update's use case. `attach` names scratch SQLite
        files (staging) to attach for this transaction only.
        """
        if self._writer is None:
            raise RuntimeError("database is not open")
        async with self._write_lock:
            conn = self._writer
            for alias, path in (attach or {}).items():
                await conn.execute("ATTACH DATABASE ? AS " + _alias(alias), (str(path),))
            try:
                async with self._begin(conn, record_update) as tx:
                    yield tx
            finally:
                for alias in attach or {}:
                    await conn.execute("DETACH DATABASE " + _alias(alias))

    @staticmethod
    @asynccontextmanager
    async def _begin(conn: aiosqlite.Connection, record_update: bool) -> AsyncIterator[Tx]:
        await conn.execute("BEGIN IMMEDIATE")
        try:
            tx = Tx(conn)
            yield tx
            mark = current_update.get() if record_update else None
            if (mark is not None and not mark.recorded
                    and not await tx.updates.record(mark.update_id)):
                raise DuplicateUpdate(mark.update_id)
            await conn.execute("COMMIT")
            if mark is not None:
                mark.recorded = True
        except BaseException:
            await conn.execute("ROLLBACK")
            raise

    @asynccontextmanager
    async def read(self) -> AsyncIterator[ReadTx]:
        """A consistent read-only snapshot."""
        if not self._readers:
            raise RuntimeError("database is not open")
        conn = await self._free.get()
        try:
            await conn.execute("BEGIN")
            try:
                yield ReadTx(conn)
            finally:
                await conn.execute("COMMIT")
        finally:
            self._free.put_nowait(conn)


def _alias(alias: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", alias):
        raise ValueError(f"bad alias {alias!r}")
    return alias


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies whole."""
    statements: list[str] = []
    buffer: list[str] = []
    for line in script.splitlines():
        stripped = line.strip()
        if not buffer and (not stripped or stripped.startswith("--")):
            continue
        buffer.append(line)
        candidate = "\n".join(buffer)
        if stripped.endswith(";") and _complete(candidate):
            statements.append(candidate)
            buffer = []
    if "\n".join(buffer).strip():
        raise ValueError("migration ends inside a statement")
    return statements


def _complete(statement: str) -> bool:
    return sqlite3.complete_statement(statement)
