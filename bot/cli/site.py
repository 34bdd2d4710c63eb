"""choucha site: build the public site (一公开) into a folder, for any web server."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cli.common import Subparsers, _fail, _with_core, cli_t
from bot.config import Settings
from bot.core import Core


def add(sub: Subparsers) -> None:
    """The subparser of `site`."""
    site = sub.add_parser("site", help="the public site: lists, plans, draws, results")
    what = site.add_subparsers(dest="action", required=True)
    build = what.add_parser("build", help="write (or bring up to date) the site in a folder")
    build.add_argument("--out", required=True, help="the folder (created if needed)")
    site.set_defaults(func=cmd_site)


def cmd_site(settings: Settings, args: argparse.Namespace) -> int:
    from bot.site.build import build

    t = cli_t()
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        return _fail(t._("{file} is a file: give a folder for the site. Nothing was"
                         " written.").format(file=out))

    async def work(core: Core) -> int:
        try:
            done = await build(core, out)
        except OSError as exc:
            return _fail(t._("Cannot write to {folder}: {problem}").format(
                folder=out, problem=exc.strerror or exc))
        print(t._("The site is in {folder}: {files} files ({written} written now),"
                  " {mb:.1f} MB, in {seconds:.1f} s. Open {folder}/index.html, or copy the"
                  " folder to any web server.").format(
            folder=out, files=done.files, written=done.written, mb=done.size / 1e6,
            seconds=done.seconds))
        return 0

    return asyncio.run(_with_core(settings, None, work, links=False))
