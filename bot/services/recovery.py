"""Finishing a bulk write that a crash left half done (forward recovery).

A bulk write past its commit point is always finished (bot/services/bulk.py): the bot
calls `resume` at start and every half minute, the command line before each command
that opens the database. Whoever finds the write's owner gone takes it over and writes
its remaining chunks from what its commit point recorded: an import's staged rows, a
draw's record.
"""

from __future__ import annotations

from bot.core import Core
from bot.rules.models import BulkKind
from bot.services import bulk, draws, imports


async def resume(core: Core) -> bool:
    """Finish the bulk write under way if its owner is gone; True when one was taken over.

    Access: the system finishes work that a service began after checking its actor."""
    taken = await bulk.take_over(core)
    if taken is None:
        return False
    if taken.kind is BulkKind.IMPORT:
        await imports.resume_apply(core, taken)
    elif taken.kind is BulkKind.DRAW:
        await draws.resume_writing(core, taken)
    return True
