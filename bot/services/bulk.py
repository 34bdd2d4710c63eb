"""One bulk write at a time, in short transactions, finished by whoever comes next.

A bulk write (a draw's tasks and members, a large directory of targets) would hold the
database's one writer for seconds if written in one transaction, and everyone else who
writes (every button press is recorded) would wait that long. Instead:

1. the **commit point**: in the caller's transaction, the work is recorded with all that
   is needed to finish it and the lease is taken (`begin`); from here on the work will
   be finished, whatever happens;
2. **chunks**, each its own short transaction, each recording the progress and beating
   the heart (`step`);
3. the **end**, in the last chunk's transaction (`end`).

A crash between chunks loses nothing: the process that starts next, or that finds the
heart stopped for `STALE_AFTER`, takes the lease over and finishes the work
(`bot/services/recovery.py`, run by the bot at start and every half minute, and by the
command line before each command). While a bulk write is under way no other begins, and a
draw is not prepared (its pool must not see half an import).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from bot.clock import now as clock_now
from bot.core import Core
from bot.rules.models import BulkKind, BulkWrite
from storage import Tx

logger = logging.getLogger(__name__)

HOST = socket.gethostname()
OWNER = f"{HOST}:{os.getpid()}:{secrets.token_hex(4)}"  # this process, uniquely
STALE_AFTER = timedelta(seconds=60)  # a heart stopped this long: its owner is gone
POLL_SECONDS = 0.25
WAIT_SECONDS = 30 * 60  # the longest anyone waits for another bulk write to end


class LostLease(Exception):
    """Another process took this bulk write over (our heart seemed stopped): stop."""


class StillBusy(Exception):
    """Another bulk write did not end within the time waited."""

    def __init__(self, current: BulkWrite) -> None:
        super().__init__(f"{current.kind} {current.ref} still under way")
        self.current = current


async def begin(tx: Tx, kind: BulkKind, ref: str, total: int, state: dict[str, Any],
                actor: str, now: datetime) -> bool:
    """The commit point, inside the caller's transaction: take the lease; False when
    another bulk write holds it (the caller rolls back and waits: `wait_idle`).
    Access: called by a service that checked its actor."""
    return await tx.bulk.start(kind, ref, OWNER, total, state, actor, now)


async def step(tx: Tx, done: int, now: datetime, state: dict[str, Any] | None = None) -> None:
    """A chunk's progress, in the chunk's transaction (which then rolls back when the
    lease was lost). Access: inside a bulk write its service began."""
    if not await tx.bulk.progress(OWNER, done, state, now):
        raise LostLease


async def beat(tx: Tx, now: datetime) -> None:
    """Beat the heart without counting progress (a bulk write's last steps).
    Access: inside a bulk write its service began."""
    current = await tx.bulk.current()
    if current is None or not await tx.bulk.progress(OWNER, current.done, None, now):
        raise LostLease


async def end(tx: Tx) -> None:
    """Release the lease in the last chunk's transaction.
    Access: inside a bulk write its service began."""
    if not await tx.bulk.finish(OWNER):
        raise LostLease


async def current(core: Core) -> BulkWrite | None:
    """The bulk write under way, if any. Access: says only that one is, to whoever asks."""
    async with core.db.read() as rtx:
        return await rtx.bulk.current()


async def wait_idle(core: Core, waiting: Callable[[BulkWrite], Awaitable[None]] | None = None,
                    timeout: float = WAIT_SECONDS) -> None:
    """Return once no bulk write is under way; `waiting` is awaited once, when there is
    one to wait for (to tell the person). Raises StillBusy after `timeout` seconds.
    Access: waits, changes nothing."""
    deadline = time.monotonic() + timeout
    told = False
    while (row := await current(core)) is not None:
        if not told and waiting is not None:
            told = True
            await waiting(row)
        if time.monotonic() > deadline:
            raise StillBusy(row)
        await asyncio.sleep(POLL_SECONDS)


def dead_owners(row: BulkWrite) -> tuple[str, ...]:
    """`row`'s owner when it is a process of this machine that no longer runs (a crash
    here is known at once, not after STALE_AFTER)."""
    host, _, rest = row.owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != HOST or not pid_text.isdigit() or row.owner == OWNER:
        return ()
    pid = int(pid_text)
    if pid == os.getpid():
        return (row.owner,)  # this pid, another token: an earlier life of this process id
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return (row.owner,)
    except PermissionError:
        return ()
    return ()


@contextlib.contextmanager
def working(ref: str) -> Iterator[None]:
    """Mark a bulk write as being written by this process now (so that this process's
    own recovery job leaves it alone, and takes it over if the writing failed)."""
    _WORKING.add(ref)
    try:
        yield
    finally:
        _WORKING.discard(ref)


_WORKING: set[str] = set()


async def take_over(core: Core) -> BulkWrite | None:
    """Become the owner of a bulk write whose owner is gone (or is this process, whose
    writing of it failed); None when there is none, or its owner is at work.
    Access: resumes work its own service began."""
    async with core.db.read() as rtx:
        row = await rtx.bulk.current()
    if row is None or (row.owner == OWNER and row.ref in _WORKING):
        return None
    now = clock_now()
    gone = (OWNER,) if row.owner == OWNER else dead_owners(row)
    async with core.db.transaction(record_update=False) as tx:
        taken = await tx.bulk.take_over(OWNER, now, now - STALE_AFTER, gone)
    if taken is not None:
        logger.info("taking over the %s bulk write %s from %s (%d of %d done)", taken.kind,
                    taken.ref, row.owner, taken.done, taken.total)
    return taken
