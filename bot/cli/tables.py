"""choucha import, export and demo-data: the office's spreadsheets in and out, and a
synthetic county."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli.common import Subparsers, _database_problem, _fail, _with_core, _writable, cli_t
from bot.config import Settings
from bot.core import Core
from bot.i18n import Translator, translator
from bot.rules.models import Table
from bot.services.access import SYSTEM
from bot.services.errors import Refused
from storage.files import (
    replace_private,
)


def add(sub: Subparsers) -> None:
    """The subparsers of `import`, `export`, `demo-data`."""
    kinds = [*map(str, Table), "checklist"]
    load = sub.add_parser("import", help="load a directory, the item list, plans or a checklist")
    load.add_argument("kind", choices=["auto", *kinds])
    load.add_argument("file", help=".xlsx or .csv (XLSForm .xlsx for a checklist)")
    load.add_argument("--report", help="write the row-by-row report (CSV) here")
    load.add_argument("--lang", choices=["zh_CN", "en"],
                      help="the report's language (default: your locale)")
    load.set_defaults(func=cmd_import)
    dump = sub.add_parser("export", help="write a template back as .xlsx")
    dump.add_argument("kind", choices=[str(k) for k in Table])
    dump.add_argument("file")
    dump.set_defaults(func=cmd_export)
    demo = sub.add_parser("demo-data", help="generate a synthetic county (and load it)")
    demo.add_argument("--out", default="data/demo")
    demo.add_argument("--targets", type=int, default=2000)
    demo.add_argument("--inspectors", type=int, default=20, help="per department")
    demo.add_argument("--seed", type=int, default=2026)
    demo.add_argument("--load", action="store_true", help="import the files into the database")
    demo.add_argument("--lang", choices=["zh_CN", "en"])
    demo.set_defaults(func=cmd_demo_data)


async def _unregistered_hint(core: Core, t: Translator) -> None:
    """After the inspector directory: how many cannot be reached yet, and the command."""
    from bot.services.onboarding import roster

    waiting = await roster(core, SYSTEM, unregistered=True)
    if waiting:
        print(t.ngettext(
            "{n} person of the directory is not registered in Choucha yet. Invite"
            " them with: choucha invite --unregistered --links links.csv --out"
            " cards.pdf",
            "{n} people of the directory are not registered in Choucha yet. Invite"
            " them with: choucha invite --unregistered --links links.csv --out"
            " cards.pdf", len(waiting)).format(n=len(waiting)))


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import translator
    from bot.rules.models import BulkWrite
    from bot.services.imports import import_upload
    from bot.texts.imports import waiting_text
    from bot.views.imports import reports_csv, summary_text

    path = Path(args.file)
    t = translator(args.lang) if args.lang else cli_t()
    if not path.is_file():
        return _fail(t._("There is no file {file}: check the name and the folder.").format(
            file=path))
    problem = _writable(args.report)
    if problem:
        return _fail(problem)
    kind = None if args.kind == "auto" else args.kind

    async def waiting(current: BulkWrite) -> None:
        print(waiting_text(t, current), file=sys.stderr)

    async def work(core: Core) -> int:
        reports = await import_upload(core, SYSTEM, path, path.name, kind, waiting)
        print("\n\n".join(summary_text(t, report, listed=20) for report in reports))
        if any(r.problems or r.warnings for r in reports) and args.report:
            try:
                await asyncio.to_thread(replace_private, Path(args.report),
                                        reports_csv(t, reports))
            except OSError:
                return _fail(t._("The row-by-row report could not be written to {file} (is"
                                 " the disk full?): the summary above is what it would"
                                 " say.").format(file=args.report), code=1)
            print(t._("The row-by-row report was written to {file}").format(file=args.report))
        if any(r.ok and r.kind == "inspectors" for r in reports):
            await _unregistered_hint(core, t)
        return 0 if all(r.ok for r in reports) else 1

    return asyncio.run(_with_core(settings, None, work, links=False))


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.exports import export

    t = cli_t()
    problem = _writable(args.file)
    if problem:
        return _fail(problem)

    async def work(core: Core) -> int:
        try:
            count = await export(core, SYSTEM, Table(args.kind), Path(args.file))
        except Refused:
            return _fail(t._("The key that protects phone numbers (data.key in the key folder)"
                             " is missing or wrong: restore it. Nothing was written."))
        except OSError:
            return _fail(t._("{file} could not be written (is the disk full, or the folder"
                             " read-only?): free some space or choose another place and run"
                             " this again.").format(file=args.file))
        print(t._("{count} rows of {kind} written to {file}").format(
            count=count, kind=args.kind, file=args.file))
        return 0

    return asyncio.run(_with_core(settings, None, work, links=False))


def cmd_demo_data(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import datetime

    from bot.demo_data import generate

    t = translator(args.lang) if args.lang else cli_t()
    out = Path(args.out)
    if args.targets < 1 or args.inspectors < 2:
        return _fail(t._("A demo county needs at least 1 target and 2 inspectors per"
                         " department."))
    problem = _database_problem(settings, creating=True) if args.load else None
    if problem:
        return _fail(problem)
    try:
        files = generate(out, targets=args.targets, per_department=args.inspectors,
                         seed=args.seed, today=datetime.now(settings.tz).date())
    except OSError as exc:
        return _fail(t._("Cannot write the demo files to {folder}: {problem}").format(
            folder=out, problem=exc.strerror or exc))
    print(t._("Demo county written to {folder}: {targets} targets, {checklists}"
              " checklists").format(folder=out, targets=args.targets,
                                    checklists=sum(1 for k in files if k.startswith("checklist:"))))
    if not args.load:
        return 0
    from bot.services.imports import import_file
    from bot.views.imports import summary_text

    async def work(core: Core) -> int:
        for key, path in files.items():
            kind = "checklist" if key.startswith("checklist:") else key
            report = await import_file(core, SYSTEM, path, path.name, kind)
            print(summary_text(t, report))
            if not report.ok:
                return 1
        await _unregistered_hint(core, t)
        return 0

    return asyncio.run(_with_core(settings, None, work, links=False, creating=True))
