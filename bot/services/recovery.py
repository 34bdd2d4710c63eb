"""Finishing a bulk write that a crash left half done (forward recovery).

A bulk write past its commit point is always finished (bot/services/bulk.py): the bot
calls `resume` at start and every half minute, the command line before each command
that opens the database. Whoever finds the write's owner gone takes it over and writes
its remaining chunks from what its commit point recorded: an import's staged rows, a
draw's rows.
"""

from __future__ import annotations

import functools
import logging

from bot.clock import now as clock_now
from bot.core import Core
from bot.rules.models import BulkKind
from bot.services import bulk, draws, imports
from bot.services.notify import tell_office
from bot.texts import recovery as words

logger = logging.getLogger(__name__)


async def resume(core: Core) -> bool:
    """Finish the bulk write under way if its owner is gone; True when one was finished
    here. A write that cannot be finished (its files gone, an edit behind Choucha's
    back) is logged and the office told once; it is tried again next time, and nothing
    else is held up by the attempt.

    Access: the system finishes work that a service began after checking its actor."""
    taken = await bulk.take_over(core)
    if taken is None:
        return False
    try:
        with bulk.working(taken.ref):
            if taken.kind is BulkKind.IMPORT:
                await imports.resume_apply(core, taken)
            elif taken.kind is BulkKind.DRAW:
                await draws.resume_writing(core, taken)
    except Exception as exc:
        logger.exception("the %s %s could not be finished", taken.kind, taken.ref)
        error = str(exc)
        async with core.db.transaction(record_update=False) as tx:
            await tell_office(tx, f"bulk-stuck:{taken.kind}:{taken.ref}",
                              functools.partial(words.stuck_text, taken=taken, error=error),
                              clock_now())
        return False
    return True
