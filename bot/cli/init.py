"""choucha init: the database, and the first administrator's link."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.common import Subparsers, _with_core, cli_t
from bot.config import Settings
from bot.core import Core
from storage import Found, probe


def add(sub: Subparsers) -> None:
    """The subparser of `init`."""
    init = sub.add_parser("init", help="create the database and print the admin link")
    init.add_argument("--new-admin-link", action="store_true")
    init.add_argument("--bot-username")
    init.set_defaults(func=cmd_init)


def cmd_init(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.onboarding import init_admin

    existed = probe(settings.db_path) is Found.CHOUCHA

    async def work(core: Core) -> int:
        t = cli_t()
        issued = await init_admin(core, force=args.new_admin_link)
        version = await core.db.schema_version()
        if existed:
            print(t._("The database {path} exists already (schema {version}): it was kept as"
                      " it is, nothing was reset.").format(path=settings.db_path,
                                                           version=version))
        else:
            print(t._("Database created: {path} (schema {version})").format(
                path=settings.db_path, version=version))
        if issued is None:
            print(t._("An administrator is already registered; use --new-admin-link for"
                      " another."))
            return 0
        expires = issued.invite.expires_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        print(t._("Open this link on the administrator's phone (works once, until"
                  " {expires}):").format(expires=expires))
        print(issued.link)
        return 0

    return asyncio.run(_with_core(settings, args.bot_username, work, creating=True))
