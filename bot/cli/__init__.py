"""The `choucha` command line: one module per command (or family of commands), each
adding its own subparser next to the function that runs it; shared helpers in `common`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.cli import (
    audit,
    checklist,
    directory,
    draw,
    i18n,
    init,
    invite,
    keys,
    people,
    publish,
    run,
    site,
    tables,
)
from bot.cli.common import _fail
from bot.config import ConfigError, load_settings
from bot.logs import setup_logging

if TYPE_CHECKING:
    from bot.tg.context import Register

# In the order `choucha --help` lists them (a module's commands together).
COMMANDS = (run, init, invite, people, keys, directory, audit, tables, checklist, draw,
            publish, site, i18n)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="choucha", description="双随机、一公开 spot-check bot")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add(sub)
    return parser


def main(argv: Sequence[str] | None = None, register: Register | None = None) -> int:
    """The `choucha` command. `register` puts the Telegram handlers on the bot; the entry
    point (handlers/main.py) gives it, so that nothing in `bot` imports `handlers`."""
    args = build_parser().parse_args(argv)
    args.register = register
    try:
        settings = load_settings()
        setup_logging(settings.log_level, settings.token)
        return int(args.func(settings, args))
    except ConfigError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
