"""choucha keys: the keys kept outside the database."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.common import Subparsers, _fail, _with_core, cli_t
from bot.config import Settings
from bot.core import Core
from bot.services.errors import Refusal, Refused


def add(sub: Subparsers) -> None:
    """The subparser of `keys`."""
    keys = sub.add_parser("keys", help="the keys kept outside the database")
    ksub = keys.add_subparsers(dest="action", required=True)
    ksub.add_parser("rotate", help="add a key for 身份证号 hashes and re-wrap them all")
    keys.set_defaults(func=cmd_keys)


def cmd_keys(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.personal import keys_file, rotate

    t = cli_t()

    async def work(core: Core) -> int:
        try:
            async with core.db.transaction() as tx:
                count = await rotate(tx, settings)
        except Refused as exc:
            texts = {
                Refusal.ID_KEY_IN_ENV: t._("The keys come from CHOUCHA_ID_KEY: add a new key (64"
                                           " hex characters) at its end, after a comma, and run"
                                           " this again."),
                Refusal.ID_KEY_MISSING: t._("The key file {source} is missing: restore it from your"
                                            " backup first. Nothing was changed."),
                Refusal.ID_KEY_WRONG: t._("The key file {source} is not the one these records"
                                          " were made with: restore the right one. Nothing was"
                                          " changed."),
                Refusal.ID_KEY_BAD: t._("The keys in {source} cannot be read (hex, 32 or more"
                                        " characters, one a line). Nothing was changed."),
            }
            return _fail(texts[exc.reason].format(source=exc.params.get("source", "")))
        print(t._("A new key was added to {file}; {count} stored 身份证号 hashes are now wrapped"
                  " with it. Back up the file: without it people cannot be matched on"
                  " re-import.").format(file=keys_file(settings), count=count))
        return 0

    return asyncio.run(_with_core(settings, None, work, links=False))
