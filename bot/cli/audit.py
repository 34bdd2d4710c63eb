"""choucha audit verify: the audit chain."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.common import Subparsers, _with_core, cli_t
from bot.config import Settings
from bot.core import Core


def add(sub: Subparsers) -> None:
    """The subparser of `audit`."""
    audit = sub.add_parser("audit", help="the audit chain")
    asub = audit.add_subparsers(dest="action", required=True)
    asub.add_parser("verify", help="exit 0 when the chain is intact")
    audit.set_defaults(func=cmd_audit)


def cmd_audit(settings: Settings, args: argparse.Namespace) -> int:
    async def work(core: Core) -> int:
        t = cli_t()
        async with core.db.read() as rtx:
            count, problem = await rtx.audit.verify()
        if problem is not None:
            print(t._("audit chain BROKEN at row {row}: {reason} ({count} rows intact before"
                      " it)").format(row=problem.row_id, reason=problem.reason, count=count))
            return 1
        print(t._("audit chain intact: {count} rows").format(count=count))
        return 0

    return asyncio.run(_with_core(settings, None, work, links=False))
