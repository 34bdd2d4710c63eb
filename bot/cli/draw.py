"""choucha draw: prepare, cancel, run, export and verify a plan's draw."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cli.common import Subparsers, _fail, _with_core, cli_t
from bot.config import Settings
from bot.core import Core
from bot.formats.rendering.fit import plain_text
from bot.services.access import SYSTEM
from bot.services.errors import Refused


def add(sub: Subparsers) -> None:
    """The subparser of `draw`."""
    draw = sub.add_parser("draw", help="the double-random draw of a plan")
    dsub2 = draw.add_subparsers(dest="action", required=True)
    prep = dsub2.add_parser("prepare", help="freeze the pool, commit to the nonce")
    prep.add_argument("plan")
    prep.add_argument("--entropy-source", required=True,
                      help="the public value named in advance, e.g. a lottery draw")
    stop = dsub2.add_parser("cancel", help="cancel a preparation before the draw date")
    stop.add_argument("plan")
    stop.add_argument("--reason", required=True, help="published with the old commitment")
    go = dsub2.add_parser("run", help="draw with the public entropy value")
    go.add_argument("plan")
    go.add_argument("--entropy", required=True)
    exp = dsub2.add_parser("export", help="write announcement.json, the three frozen files"
                                          " and, once run, record.json")
    exp.add_argument("plan")
    exp.add_argument("--out", required=True)
    ver = dsub2.add_parser("verify", help="recompute a draw from its published files")
    ver.add_argument("dir")
    ver.add_argument("--announcement", help="the announcement.json published before the"
                                            " draw, to compare with the folder's")
    draw.set_defaults(func=cmd_draw)


def cmd_draw(settings: Settings, args: argparse.Namespace) -> int:
    from bot.rules.models import BulkWrite
    from bot.services import draws
    from bot.texts import draws as draw_texts
    from bot.views import draws as draw_words

    t = cli_t()
    if args.action == "verify":
        folder = Path(args.dir)
        if not folder.is_dir():
            return _fail(t._("There is no folder {folder}: give the folder that"
                             " `choucha draw export` wrote.").format(folder=folder))
        published = Path(args.announcement) if args.announcement else None
        if published is not None and not published.is_file():
            return _fail(t._("There is no file {file}: give the announcement.json published"
                             " before the draw.").format(file=published))
        problems = draws.verify_dir(folder, published)
        for line in problems:
            print(t._("MISMATCH: {problem}").format(problem=line))
        if problems:
            return 1
        if not (folder / "record.json").is_file():
            print(t._("verified: the announcement's digests and counts match the three"
                      " frozen files (the draw has not run yet)"))
        elif published is not None:
            print(t._("verified: the announcement is the one published before the draw, and"
                      " every selection and every team follows from it"))
        else:
            print(t._("verified: every selection and every team follows from the published"
                      " inputs"))
        return 0

    out = Path(args.out) if args.action == "export" else Path()
    if args.action == "export" and out.exists() and not out.is_dir():
        return _fail(t._("{file} is a file: give a folder for the draw's files. Nothing"
                         " was done.").format(file=out))

    async def waiting(current: BulkWrite) -> None:
        print(plain_text(draw_words.waiting_text(t, current)), flush=True)

    async def work(core: Core) -> int:
        try:
            if args.action == "prepare":
                prepared = await draws.prepare(core, SYSTEM, args.plan, args.entropy_source,
                                               waiting=waiting)
                print(plain_text(draw_texts.prepared_text(t, prepared)))
            elif args.action == "cancel":
                done = await draws.cancel(core, SYSTEM, args.plan, args.reason)
                print(plain_text(draw_texts.cancelled_text(t, done)))
            elif args.action == "run":
                ran = await draws.run(core, SYSTEM, args.plan, args.entropy, waiting=waiting)
                print(plain_text(draw_texts.ran_text(t, ran)))
            else:
                for path in await draws.export(core, args.plan, out):
                    print(path)
        except Refused as exc:
            return _fail(plain_text(draw_words.refusal_text(t, exc)))
        except OSError as exc:
            return _fail(t._("Cannot write to {folder}: {problem}").format(
                folder=args.out, problem=exc.strerror or exc))
        return 0

    return asyncio.run(_with_core(settings, None, work, links=False))
