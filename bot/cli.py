"""The `choucha` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import httpx

from bot.config import ConfigError, Settings, load_settings
from bot.core import Core
from bot.logs import setup_logging
from bot.models import Role
from storage import Database

LOCAL_BOT_USERNAME = "choucha_local_bot"


def _fail(message: str, code: int = 2) -> int:
    print(f"choucha: {message}", file=sys.stderr)
    return code


async def _bot_username(settings: Settings, db: Database, override: str | None) -> str:
    if override:
        return override.lstrip("@")
    async with db.read() as rtx:
        stored = await rtx.settings.get("bot_username")
    if stored:
        return stored
    if settings.token is None:
        return LOCAL_BOT_USERNAME
    try:
        async with httpx.AsyncClient(timeout=15) as client:
            response = await client.get(f"{settings.base_url}{settings.token}/getMe")
        username = response.json()["result"]["username"]
    except (httpx.HTTPError, KeyError, ValueError):
        raise ConfigError("could not ask Telegram for the bot's username;"
                          " pass --bot-username") from None
    async with db.transaction() as tx:
        await tx.settings.put("bot_username", username)
    return str(username)


async def _with_core(settings: Settings, override: str | None,
                     work: Callable[[Core], Awaitable[int]]) -> int:
    async with Database(settings.db_path) as db:
        core = Core(settings, db, await _bot_username(settings, db, override))
        return await work(core)


def cmd_init(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.onboarding import init_admin

    async def work(core: Core) -> int:
        issued = await init_admin(core, force=args.new_admin_link)
        print(f"Database ready: {settings.db_path} (schema {await core.db.schema_version()})")
        if issued is None:
            print("An administrator is already registered; use --new-admin-link for another.")
            return 0
        expires = issued.invite.expires_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        print("Open this link on the administrator's phone (works once, until "
              f"{expires}):\n{issued.link}")
        return 0

    return asyncio.run(_with_core(settings, args.bot_username, work))


def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import translator
    from bot.rendering.invite_card import CardText, render_invite_card
    from bot.services.errors import Refused
    from bot.services.onboarding import invite_person
    from bot.texts import role_label

    try:
        roles = [Role(r) for r in args.role]
    except ValueError:
        return _fail(f"--role: one of {', '.join(r.value for r in Role)}")

    async def work(core: Core) -> int:
        try:
            issued = await invite_person(core, None, args.name, args.department, roles)
        except Refused as exc:
            return _fail(f"invite refused: {exc.reason}")
        expires = issued.invite.expires_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        print(f"Invite for {issued.person.name} (works once, until {expires}):\n{issued.link}")
        if args.out:
            t = translator("zh_CN")
            card = render_invite_card(CardText(
                title=t._("Choucha 抽查 · invitation"), name=issued.person.name,
                department=issued.department.name if issued.department
                else t._("no department"),
                roles="、".join(role_label(t, r) for r in roles),
                instructions=t._("Scan with your phone's camera or Telegram, then tap Start."),
                expires=t._("Valid once, until {expires}").format(expires=expires),
                link=issued.link))
            await asyncio.to_thread(Path(args.out).write_bytes, card)
            print(f"QR card written to {args.out}")
        return 0

    return asyncio.run(_with_core(settings, args.bot_username, work))


def cmd_department(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.directory import add_department
    from bot.services.errors import Refused

    async def work() -> int:
        async with Database(settings.db_path) as db:
            try:
                department = await add_department(db, None, args.code, args.name, args.region)
            except Refused as exc:
                return _fail(f"department refused: {exc.reason}")
        print(f"Department {department.code} {department.name} added.")
        return 0

    return asyncio.run(work())


def cmd_calendar(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import date

    from bot.clock import now
    from bot.services.chasing import calendar, load_calendar
    from bot.workdays import ArrangementError, Calendar

    text = ""
    if args.action == "load":
        path = Path(args.file)
        try:
            text = path.read_text("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            return _fail(f"calendar not loaded: {exc}")
    exists = settings.db_path.exists()

    async def work() -> int:
        if args.action == "load":
            async with Database(settings.db_path) as db:
                core = Core(settings, db, "")
                try:
                    year, days = await load_calendar(core, None, text, Path(args.file).name,
                                                     now())
                except ArrangementError as exc:
                    return _fail(f"calendar not loaded: {exc}")
            print(f"Loaded the arrangement for {year}: {days} days listed; the other days"
                  " follow Monday to Friday.")
            return 0
        try:
            start = date.fromisoformat(args.date)
        except ValueError:
            return _fail(f"not a date (YYYY-MM-DD): {args.date}")
        if exists:
            async with Database(settings.db_path) as db, db.read() as rtx:
                cal = await calendar(rtx)
        else:
            cal = Calendar()
        result = cal.add(start, args.n)
        print(f"{result.isoformat()} ({result.strftime('%A')})")
        for year in cal.unknown_years([start, result]):
            print(f"warning: the calendar does not know {year}; weekends only were assumed"
                  " as days off", file=sys.stderr)
        return 0

    return asyncio.run(work())


def cmd_audit(settings: Settings, args: argparse.Namespace) -> int:
    async def work() -> int:
        if not settings.db_path.exists():
            return _fail(f"no database at {settings.db_path}")
        async with Database(settings.db_path) as db, db.read() as rtx:
            count, problem = await rtx.audit.verify()
        if problem is not None:
            print(f"audit chain BROKEN at row {problem.row_id}: {problem.reason}"
                  f" ({count} rows intact before it)")
            return 1
        print(f"audit chain intact: {count} rows")
        return 0

    return asyncio.run(work())


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import translator
    from bot.services.imports import import_file, report_csv, summary_text

    path = Path(args.file)
    if not path.is_file():
        return _fail(f"no such file: {path}")
    kind = None if args.kind == "auto" else args.kind

    async def work(core: Core) -> int:
        report = await import_file(core, None, path, path.name, kind)
        t = translator(args.lang)
        print(summary_text(t, report, listed=20))
        if (report.problems or report.warnings) and args.report:
            await asyncio.to_thread(Path(args.report).write_bytes, report_csv(t, report))
            print(f"report written to {args.report}")
        return 0 if report.ok else 1

    return asyncio.run(_with_core(settings, None, work))


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.exports import export

    async def work() -> int:
        async with Database(settings.db_path) as db:
            count = await export(db, args.kind, Path(args.file))
        print(f"{count} rows of {args.kind} written to {args.file}")
        return 0

    return asyncio.run(work())


def cmd_demo_data(settings: Settings, args: argparse.Namespace) -> int:
    from bot.demo_data import generate

    out = Path(args.out)
    files = generate(out, targets=args.targets, per_department=args.inspectors,
                     seed=args.seed)
    print(f"demo county written to {out}: {args.targets} targets,"
          f" {len(files) - 6} checklists")
    if not args.load:
        return 0
    from bot.i18n import translator
    from bot.services.imports import import_file, summary_text

    async def work(core: Core) -> int:
        for key, path in files.items():
            kind = "checklist" if key.startswith("checklist:") else key
            report = await import_file(core, None, path, path.name, kind)
            print(summary_text(translator(args.lang), report))
            if not report.ok:
                return 1
        return 0

    return asyncio.run(_with_core(settings, None, work))


def cmd_draw(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import draws
    from bot.services.errors import Refused

    if args.action == "verify":
        problems = draws.verify_dir(Path(args.dir))
        for line in problems:
            print(f"MISMATCH: {line}")
        if problems:
            return 1
        print("verified: every selection and every team follows from the published inputs")
        return 0

    async def work(core: Core) -> int:
        try:
            if args.action == "prepare":
                prepared = await draws.prepare(core, None, args.plan, args.entropy_source)
                print(f"prepared {prepared.plan}: pool of {prepared.pool_size} targets,"
                      f" pool_digest {prepared.pool_digest},"
                      f" nonce_commitment {prepared.nonce_commitment}")
            elif args.action == "run":
                ran = await draws.run(core, None, args.plan, args.entropy)
                print(f"drew {ran.tasks} targets for {ran.plan}; seed {ran.seed}")
            else:
                for path in await draws.export(core, args.plan, Path(args.out)):
                    print(path)
        except Refused as exc:
            detail = " ".join(f"{k}={v}" for k, v in exc.params.items())
            return _fail(f"draw refused: {exc.reason} {detail}".strip())
        return 0

    return asyncio.run(_with_core(settings, None, work))


def cmd_i18n(settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import compile_catalogs, update_catalogs

    if args.action == "update":
        for line in update_catalogs():
            print(line)
    written = compile_catalogs(force=True)
    print(f"compiled {len(written)} catalogs")
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        if settings.local_mode:
            from bot.localmode import run_local

            await run_local(settings, stop)
            return
        from bot.app import BotRunner

        assert settings.token is not None
        runner = BotRunner(settings, settings.token)
        await runner.start()
        try:
            await stop.wait()
        finally:
            await runner.stop()

    asyncio.run(main())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="choucha", description="双随机、一公开 spot-check bot")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (local emulator when no token is set)")
    run.set_defaults(func=cmd_run)
    init = sub.add_parser("init", help="create the database and print the admin link")
    init.add_argument("--new-admin-link", action="store_true")
    init.add_argument("--bot-username")
    init.set_defaults(func=cmd_init)
    invite = sub.add_parser("invite", help="invite a person; prints the link, writes the card")
    invite.add_argument("--name", required=True)
    invite.add_argument("--department", help="department code")
    invite.add_argument("--role", action="append", required=True,
                        help="inspector, supervisor, office or admin (repeatable)")
    invite.add_argument("--out", help="write the QR card PNG here")
    invite.add_argument("--bot-username")
    invite.set_defaults(func=cmd_invite)
    department = sub.add_parser("department", help="departments")
    dsub = department.add_subparsers(dest="action", required=True)
    add = dsub.add_parser("add")
    add.add_argument("code")
    add.add_argument("name")
    add.add_argument("--region")
    department.set_defaults(func=cmd_department)
    audit = sub.add_parser("audit", help="the audit chain")
    asub = audit.add_subparsers(dest="action", required=True)
    asub.add_parser("verify", help="exit 0 when the chain is intact")
    audit.set_defaults(func=cmd_audit)
    kinds = ["departments", "items", "targets", "inspectors", "recusals", "plans", "checklist"]
    load = sub.add_parser("import", help="load a directory, the item list, plans or a checklist")
    load.add_argument("kind", choices=["auto", *kinds])
    load.add_argument("file", help=".xlsx or .csv (XLSForm .xlsx for a checklist)")
    load.add_argument("--report", help="write the row-by-row report (CSV) here")
    load.add_argument("--lang", default="zh_CN", choices=["zh_CN", "en"])
    load.set_defaults(func=cmd_import)
    dump = sub.add_parser("export", help="write a template back as .xlsx")
    dump.add_argument("kind", choices=kinds[:-1])
    dump.add_argument("file")
    dump.set_defaults(func=cmd_export)
    demo = sub.add_parser("demo-data", help="generate a synthetic county (and load it)")
    demo.add_argument("--out", default="data/demo")
    demo.add_argument("--targets", type=int, default=2000)
    demo.add_argument("--inspectors", type=int, default=20, help="per department")
    demo.add_argument("--seed", type=int, default=2026)
    demo.add_argument("--load", action="store_true", help="import the files into the database")
    demo.add_argument("--lang", default="zh_CN", choices=["zh_CN", "en"])
    demo.set_defaults(func=cmd_demo_data)
    draw = sub.add_parser("draw", help="the double-random draw of a plan")
    dsub2 = draw.add_subparsers(dest="action", required=True)
    prep = dsub2.add_parser("prepare", help="freeze the pool, commit to the nonce")
    prep.add_argument("plan")
    prep.add_argument("--entropy-source", required=True,
                      help="the public value named in advance, e.g. a lottery draw")
    go = dsub2.add_parser("run", help="draw with the public entropy value")
    go.add_argument("plan")
    go.add_argument("--entropy", required=True)
    exp = dsub2.add_parser("export", help="write record.json and the three TSV files")
    exp.add_argument("plan")
    exp.add_argument("--out", required=True)
    ver = dsub2.add_parser("verify", help="recompute a draw from its published files")
    ver.add_argument("dir")
    draw.set_defaults(func=cmd_draw)
    cal = sub.add_parser("calendar", help="working days (State Council arrangements)")
    csub = cal.add_subparsers(dest="action", required=True)
    cadd = csub.add_parser("add", help="print the date N working days after DATE")
    cadd.add_argument("date")
    cadd.add_argument("n", type=int)
    cload = csub.add_parser("load", help="load a year's arrangement: CSV date,休|班[,name]")
    cload.add_argument("file")
    cal.set_defaults(func=cmd_calendar)
    i18n = sub.add_parser("i18n", help="translation catalogs")
    i18n.add_argument("action", choices=["compile", "update"])
    i18n.set_defaults(func=cmd_i18n)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
