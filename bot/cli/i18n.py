"""choucha i18n: the translation catalogues."""

from __future__ import annotations

import argparse

from bot.cli.common import Subparsers
from bot.config import Settings


def add(sub: Subparsers) -> None:
    """The subparser of `i18n`."""
    i18n = sub.add_parser("i18n", help="translation catalogs")
    i18n.add_argument("action", choices=["compile", "update"])
    i18n.set_defaults(func=cmd_i18n)


def cmd_i18n(settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import compile_catalogs, update_catalogs

    if args.action == "update":
        for line in update_catalogs():
            print(line)
    written = compile_catalogs(force=True)
    print(f"compiled {len(written)} catalogs")
    return 0
