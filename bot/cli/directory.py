"""choucha department and calendar: departments, and the working-day arrangements."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli.common import Subparsers, _fail, _with_core, cli_t, refusal
from bot.config import Settings
from bot.core import Core
from bot.services.access import SYSTEM
from bot.services.errors import Refused
from storage import Found, probe


def add(sub: Subparsers) -> None:
    """The subparsers of `department`, `calendar`."""
    department = sub.add_parser("department", help="departments")
    dsub = department.add_subparsers(dest="action", required=True)
    add = dsub.add_parser("add")
    add.add_argument("code")
    add.add_argument("name")
    add.add_argument("--region")
    department.set_defaults(func=cmd_department)
    cal = sub.add_parser("calendar", help="working days (State Council arrangements)")
    csub = cal.add_subparsers(dest="action", required=True)
    cadd = csub.add_parser("add", help="print the date N working days after DATE")
    cadd.add_argument("date")
    cadd.add_argument("n", type=int)
    cload = csub.add_parser("load", help="load a year's arrangement: CSV date,休|班[,name]")
    cload.add_argument("file")
    cal.set_defaults(func=cmd_calendar)


def cmd_department(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.directory import add_department

    async def work(core: Core) -> int:
        try:
            department = await add_department(core.db, SYSTEM, args.code, args.name,
                                              args.region)
        except Refused as exc:
            return _fail(refusal(Refused(exc.reason, code=args.code)))
        print(cli_t()._("Department {code} {name} added.").format(code=department.code,
                                                              name=department.name))
        return 0

    return asyncio.run(_with_core(settings, None, work, links=False))


def cmd_calendar(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import date

    from bot.clock import now
    from bot.rules.workdays import ArrangementError, Calendar
    from bot.services.chasing import calendar, load_calendar

    t = cli_t()
    text = ""
    if args.action == "load":
        path = Path(args.file)
        try:
            text = path.read_text("utf-8-sig")
        except OSError:
            return _fail(t._("Cannot read {file}: check the name and the folder. Nothing was"
                             " loaded.").format(file=path))
        except UnicodeDecodeError:
            return _fail(t._("{file} is not UTF-8 text: save it as CSV UTF-8 and try again."
                             " Nothing was loaded.").format(file=path))
    if args.action == "load":
        async def load(core: Core) -> int:
            try:
                year, days = await load_calendar(core, SYSTEM, text, Path(args.file).name,
                                                 now())
            except ArrangementError as exc:
                return _fail(t._("The calendar was not loaded: {problem}").format(
                    problem=exc))
            print(t._("Loaded the arrangement for {year}: {days} days listed; the other days"
                      " follow Monday to Friday.").format(year=year, days=days))
            return 0

        return asyncio.run(_with_core(settings, None, load, links=False))
    try:
        start = date.fromisoformat(args.date)
    except ValueError:
        return _fail(t._("{value} is not a date: write it as YYYY-MM-DD, for example"
                         " 2026-10-08.").format(value=args.date))
    if args.n < 0:
        return _fail(t._("Give a number of working days of 0 or more (counting"
                         " backwards is not supported)."))

    def show(cal: Calendar) -> int:
        result = cal.add(start, args.n)
        print(f"{result.isoformat()} ({result.strftime('%A')})")
        for year in cal.unknown_years([start, result]):
            print(t._("Warning: the calendar does not know {year}; only weekends were taken"
                      " as days off. Load the year with `choucha calendar load`.").format(
                year=year), file=sys.stderr)
        return 0

    if probe(settings.db_path) is Found.MISSING:  # no county yet: the State Council's days
        return show(Calendar())

    async def add(core: Core) -> int:
        async with core.db.read() as rtx:
            return show(await calendar(rtx))

    return asyncio.run(_with_core(settings, None, add, links=False))
