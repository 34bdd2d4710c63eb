"""choucha publish: publish the item list or a plan (一公开), as /publish does in the bot."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.common import Subparsers, _fail, _with_core, cli_t
from bot.config import Settings
from bot.core import Core
from bot.services.access import SYSTEM
from bot.services.errors import Refused


def add(sub: Subparsers) -> None:
    """The subparser of `publish`."""
    publish = sub.add_parser("publish", help="publish the item list or a plan (一公开)")
    what = publish.add_subparsers(dest="what", required=True)
    items = what.add_parser("items", help="the item list (抽查事项清单) as it stands")
    items.add_argument("--doc", help="the approving document's number (文号)")
    plan = what.add_parser("plan", help="a plan (抽查计划) as it stands")
    plan.add_argument("plan", help="the plan's name")
    plan.add_argument("--doc", help="the approving document's number (文号)")
    publish.set_defaults(func=cmd_publish)


def cmd_publish(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import now
    from bot.formats.rendering.fit import plain_text
    from bot.services import listings
    from bot.views import listings as words

    t = cli_t()

    async def work(core: Core) -> int:
        try:
            if args.what == "items":
                done = await listings.publish_items(core, SYSTEM, args.doc, now())
            else:
                async with core.db.read() as rtx:
                    found = await rtx.draws.plan(args.plan)
                if found is None:
                    return _fail(t._("There is no plan named {plan}: `choucha export plans"
                                     " FILE` lists them. Nothing was published.").format(
                        plan=args.plan))
                done = await listings.publish_plan(core, SYSTEM, found.id, args.doc, now())
        except Refused as exc:
            return _fail(plain_text(words.refusal_text(t, exc)))
        print(plain_text(words.published_text(t, done, core.settings.tz,
                                              core.settings.public_channel is not None)))
        return 0

    return asyncio.run(_with_core(settings, None, work, links=False))
