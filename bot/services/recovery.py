"""Finishing a bulk write whose process stopped (bot/services/bulk.py): the bot runs this
at start and every half minute, the command line before each command."""

from __future__ import annotations

import logging

from bot.core import Core
from bot.rules.models import BulkKind
from bot.services import bulk, draws

logger = logging.getLogger(__name__)


async def resume(core: Core) -> bool:
    """Take over and finish the bulk write under way if its owner is gone; True if one
    was finished here. Access: finishes what an office member began (and was audited)."""
    taken = await bulk.take_over(core)
    if taken is None:
        return False
    if taken.kind == BulkKind.DRAW:
        await draws.resume_writing(core, taken)
    return True
