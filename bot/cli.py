"""The `choucha` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from bot.config import ConfigError, Settings, load_settings
from bot.core import Core
from bot.formats.rendering.fit import plain_text
from bot.i18n import Translator, system_language, translator
from bot.logs import setup_logging
from bot.rules.models import Role, RosterEntry
from bot.services.access import SYSTEM
from bot.services.errors import Refusal, Refused
from storage import Database
from storage.files import write_private

if TYPE_CHECKING:
    from bot.tg.context import Register

LOCAL_BOT_USERNAME = "choucha_local_bot"


@functools.cache
def _t() -> Translator:
    """The command line speaks the user's language (their locale, or CHOUCHA_LANG)."""
    return translator(system_language())


def _fail(message: str, code: int = 2) -> int:
    print(f"choucha: {message}", file=sys.stderr)
    return code


def _writable(path: str | None) -> str | None:
    """Why an output file cannot be written there (checked before anything is done)."""
    if not path:
        return None
    folder = Path(path).expanduser().resolve().parent
    if not folder.is_dir():
        return _t()._("The folder {folder} does not exist: create it first, or choose another"
                      " place for {file}. Nothing was done.").format(folder=folder, file=path)
    if Path(path).is_dir():
        return _t()._("{file} is a folder: give a file name. Nothing was done.").format(
            file=path)
    return None


def _no_database(settings: Settings) -> str:
    return _t()._("There is no database at {path} yet: run `choucha init` first.").format(
        path=settings.db_path)


def refusal(exc: Refused, t: Translator | None = None) -> str:
    """A refusal of the services as a sentence for the command line, with the next step
    (in the system's language unless `t` is given)."""
    t = t or _t()
    p = {"name": "", "cert": "", "code": "", **exc.params}
    texts = {
        Refusal.DEPARTMENT_REQUIRED: t._("Inspectors and supervisors belong to a department: add"
                                         " --department CODE (see `choucha people` for the"
                                         " codes)."),
        Refusal.UNKNOWN_DEPARTMENT: t._("There is no department with the code {code}. Add it with"
                                        " `choucha department add`, or check the code with"
                                        " `choucha people`."),
        Refusal.BAD_NAME: t._("The name must have 1 to 64 characters."),
        Refusal.NO_ROLE: t._("Give at least one --role."),
        Refusal.NOT_ALLOWED: t._("That is not allowed."),
        Refusal.NAME_EXISTS: t._("{name} is already in that department (执法证号 {cert}). To invite"
                                 " that person, run `choucha invite --cert {cert}`."),
        Refusal.UNKNOWN_CERT: t._("Nobody in the inspector directory has the 执法证号 {cert}. Check"
                                  " the number with `choucha people`."),
        Refusal.ALREADY_BOUND: t._("{name} is registered already; no invite is needed."),
        Refusal.INACTIVE: t._("{name} is marked inactive in the directory; import the directory"
                              " with them active first."),
        Refusal.UNKNOWN_PERSON: t._("That person no longer exists."),
        Refusal.DUPLICATE: t._("A department with the code {code} exists already; nothing was"
                               " changed."),
        Refusal.BAD_CODE: t._("A department code has 1 to 32 letters, digits, - or _ (for example"
                              " SCJGJ)."),
    }
    if exc.reason in texts:
        return texts[exc.reason].format(**p)
    return t._("Refused ({reason}); nothing was changed.").format(reason=exc.reason)


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
        raise ConfigError(_t()._("Could not ask Telegram for the bot's username (is the"
                                 " network or the token right?). Pass --bot-username"
                                 " NAME_bot to go on without it.")) from None
    async with db.transaction() as tx:
        await tx.settings.put("bot_username", username)
    return str(username)


async def _resume(core: Core) -> None:
    """Before a command: finish a large write (an import, a draw's tasks) that a stopped
    process left half done (bot/services/recovery.py); it would otherwise wait for the bot
    to do it. One that cannot be finished is logged and the office told; the command goes
    on."""
    from bot.services import recovery

    if await recovery.resume(core):
        print(_t()._("A large write interrupted earlier (an import or a draw) was finished"
                     " first."),
              file=sys.stderr)


async def _with_core(settings: Settings, override: str | None,
                     work: Callable[[Core], Awaitable[int]], links: bool = True) -> int:
    """Open the database and run `work`; `links`: the bot's username is needed (asked of
    Telegram once, then stored), otherwise nothing goes over the network."""
    async with Database(settings.db_path) as db:
        if links:
            username = await _bot_username(settings, db, override)
        else:
            async with db.read() as rtx:
                username = await rtx.settings.get("bot_username") or LOCAL_BOT_USERNAME
        core = Core(settings, db, username)
        try:
            await _resume(core)
            return await work(core)
        finally:
            core.workers.close()


def cmd_init(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.onboarding import init_admin

    async def work(core: Core) -> int:
        t = _t()
        issued = await init_admin(core, force=args.new_admin_link)
        print(t._("Database ready: {path} (schema {version})").format(
            path=settings.db_path, version=await core.db.schema_version()))
        if issued is None:
            print(t._("An administrator is already registered; use --new-admin-link for"
                      " another."))
            return 0
        expires = issued.invite.expires_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        print(t._("Open this link on the administrator's phone (works once, until"
                  " {expires}):").format(expires=expires))
        print(issued.link)
        return 0

    return asyncio.run(_with_core(settings, args.bot_username, work))


def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import invite_sheets
    from bot.services.onboarding import invite_by_cert, invite_person, invite_unregistered

    t = _t()
    modes = [bool(args.cert), bool(args.unregistered), bool(args.name)]
    if sum(modes) != 1:
        return _fail(t._("Say whom to invite: --cert CERT (a person of the directory),"
                         " --unregistered (everyone not yet registered) or --name NAME"
                         " --department CODE --role ROLE (someone not in the directory)."))
    if args.name and not args.role:
        return _fail(t._("Give the new person's --role (inspector, supervisor, office or"
                         " admin)."))
    if args.unregistered and not args.links:
        return _fail(t._("--unregistered writes everyone's link to a CSV file: add --links"
                         " links.csv (and --out cards.pdf for the printable cards)."))
    try:
        roles = [Role(r) for r in args.role or []]
    except ValueError:
        return _fail(t._("--role is one of: inspector, supervisor, office, admin."))
    for path in (args.out, args.links):
        problem = _writable(path)
        if problem:
            return _fail(problem)

    async def work(core: Core) -> int:
        try:
            if args.unregistered:
                issued_all = await invite_unregistered(core, SYSTEM, args.department)
            elif args.cert:
                issued_all = [await invite_by_cert(core, SYSTEM, args.cert)]
            else:
                issued_all = [await invite_person(core, SYSTEM, args.name, args.department,
                                                  roles)]
        except Refused as exc:
            return _fail(refusal(exc))
        if args.unregistered:
            if not issued_all:
                print(t._("Everyone is registered already; no invite was made."))
                return 0
            sheet = await invite_sheets.build(core.workers, issued_all, settings.tz,
                                              translator("zh_CN"))
            await asyncio.to_thread(write_private, Path(args.links), sheet.links_csv)
            print(t.ngettext("{n} invite made (each earlier open invite was replaced).",
                             "{n} invites made (each earlier open invite was replaced).",
                             sheet.count).format(n=sheet.count))
            print(t._("Links written to {file}").format(file=args.links))
            if args.out:
                await asyncio.to_thread(write_private, Path(args.out), sheet.cards_pdf)
                print(t._("Printable QR cards written to {file}").format(file=args.out))
            return 0
        issued = issued_all[0]
        expires = issued.invite.expires_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        print(t._("Invite for {name} (works once, until {expires}):").format(
            name=issued.person.name, expires=expires))
        print(issued.link)
        if args.out:
            await asyncio.to_thread(write_private, Path(args.out), invite_sheets.card_png(
                issued, settings.tz, translator("zh_CN")))
            print(t._("QR card written to {file}").format(file=args.out))
        return 0

    return asyncio.run(_with_core(settings, args.bot_username, work))


def cmd_people(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import now
    from bot.services.onboarding import roster
    from bot.views.labels import role_label, roster_status

    t = _t()
    if not settings.db_path.exists():
        return _fail(_no_database(settings))

    async def work(core: Core) -> int:
        try:
            entries = await roster(core, SYSTEM, args.department, args.unregistered)
        except Refused as exc:
            return _fail(refusal(exc))
        today = now().astimezone(settings.tz).date()
        groups: dict[str, list[RosterEntry]] = {}
        for entry in entries:
            label = (f"{entry.department_code} {entry.department_name}"
                     if entry.department_code else t._("No department"))
            groups.setdefault(label, []).append(entry)
        for label, group in groups.items():
            registered = sum(1 for e in group if e.registered)
            print(t._("{department}: {n} people, {registered} registered").format(
                department=label, n=len(group), registered=registered))
            for entry in group:
                roles = "、".join(role_label(t, r) for r in entry.roles) or "—"
                print(f"  {entry.name}\t{entry.cert_no or '—'}\t{roles}\t"
                      + roster_status(t, entry, settings.tz, today))
        registered = sum(1 for e in entries if e.registered)
        print(t._("In all: {n} people, {registered} registered, {waiting} not yet.").format(
            n=len(entries), registered=registered, waiting=len(entries) - registered))
        if len(entries) > registered:
            print(t._("Invite them all: choucha invite --unregistered --links links.csv"
                      " --out cards.pdf"))
        return 0

    return asyncio.run(_with_core(settings, None, work, links=False))


def cmd_withdraw(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import date

    from bot.services import withdrawals

    t = _t()
    try:
        when = date.fromisoformat(args.from_date)
    except ValueError:
        return _fail(t._("{value} is not a date: write it as YYYY-MM-DD, for example"
                         " 2026-10-08.").format(value=args.from_date))
    if not settings.db_path.exists():
        return _fail(_no_database(settings))

    async def work(core: Core) -> int:
        async with core.db.read() as rtx:
            person = await rtx.people.person_by_cert(args.cert.strip())
        if person is None:
            return _fail(refusal(Refused(Refusal.UNKNOWN_CERT, cert=args.cert)))
        try:
            done = await withdrawals.withdraw(core, SYSTEM, person.id, when, args.reason,
                                              args.note)
        except Refused as exc:
            texts = {
                Refusal.ALREADY_WITHDRAWN: t._("{name} is recorded as unavailable already; nothing"
                                               " was changed."),
                Refusal.NO_CERT: t._("{name} has no 执法证号, so is never drawn anyway."),
            }
            text = texts.get(exc.reason)
            return _fail(text.format(name=exc.params.get("name", "")) if text
                         else refusal(exc))
        print(t._("{name} ({cert}) is unavailable from {date}: never drawn again; appended to"
                  " {draws} draw records.").format(name=done.person.name, cert=done.cert,
                                                   date=when.isoformat(), draws=done.draws))
        for task in done.open_tasks:
            print(t._("Still on the task for {target} ({start} – {due}): ask for a replacement"
                      " in the bot (/withdraw or the task's team).").format(
                target=task.target_name, start=task.window_start,
                due=task.window_due))
        return 0

    return asyncio.run(_with_core(settings, None, work, links=False))


def cmd_keys(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.personal import keys_file, rotate

    t = _t()
    if not settings.db_path.exists():
        return _fail(_no_database(settings))

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


def cmd_department(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.directory import add_department

    async def work() -> int:
        async with Database(settings.db_path) as db:
            await _resume(Core(settings, db, ""))
            try:
                department = await add_department(db, SYSTEM, args.code, args.name, args.region)
            except Refused as exc:
                return _fail(refusal(Refused(exc.reason, code=args.code)))
        print(_t()._("Department {code} {name} added.").format(code=department.code,
                                                              name=department.name))
        return 0

    return asyncio.run(work())


def cmd_calendar(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import date

    from bot.clock import now
    from bot.rules.workdays import ArrangementError, Calendar
    from bot.services.chasing import calendar, load_calendar

    t = _t()
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
    exists = settings.db_path.exists()

    async def work() -> int:
        if args.action == "load":
            async with Database(settings.db_path) as db:
                core = Core(settings, db, "")
                await _resume(core)
                try:
                    year, days = await load_calendar(core, SYSTEM, text, Path(args.file).name,
                                                     now())
                except ArrangementError as exc:
                    return _fail(t._("The calendar was not loaded: {problem}").format(
                        problem=exc))
            print(t._("Loaded the arrangement for {year}: {days} days listed; the other days"
                      " follow Monday to Friday.").format(year=year, days=days))
            return 0
        try:
            start = date.fromisoformat(args.date)
        except ValueError:
            return _fail(t._("{value} is not a date: write it as YYYY-MM-DD, for example"
                             " 2026-10-08.").format(value=args.date))
        if args.n < 0:
            return _fail(t._("Give a number of working days of 0 or more (counting"
                             " backwards is not supported)."))
        if exists:
            async with Database(settings.db_path) as db:
                await _resume(Core(settings, db, ""))
                async with db.read() as rtx:
                    cal = await calendar(rtx)
        else:
            cal = Calendar()
        result = cal.add(start, args.n)
        print(f"{result.isoformat()} ({result.strftime('%A')})")
        for year in cal.unknown_years([start, result]):
            print(t._("Warning: the calendar does not know {year}; only weekends were taken"
                      " as days off. Load the year with `choucha calendar load`.").format(
                year=year), file=sys.stderr)
        return 0

    return asyncio.run(work())


def cmd_checklist(settings: Settings, args: argparse.Namespace) -> int:
    """`choucha checklist preview FILE`: the form's questions in order with their logic,
    or every problem that keeps it from loading; nothing is loaded."""
    import tempfile

    from bot.formats.tabular import TableError, check_zip, is_bundle, open_bundle
    from bot.rules.checklist import ChecklistError, load_xlsform
    from bot.views.checklists import preview_lines, problem_lines

    t = _t()
    path = Path(args.file)
    if not path.is_file():
        return _fail(t._("There is no file {file}: check the name and the folder.").format(
            file=path))
    try:
        check_zip(path)
        if is_bundle(path):
            with tempfile.TemporaryDirectory() as scratch:
                form, files = open_bundle(path, Path(scratch))
                checklist = load_xlsform(form, files)
        else:
            checklist = load_xlsform(path)
    except TableError:
        return _fail(t._("{file} is not a readable .xlsx workbook: save the form again from"
                         " Excel or WPS and try again.").format(file=path))
    except ChecklistError as exc:
        print(t._("This form cannot be loaded as it is:"), file=sys.stderr)
        for line in problem_lines(t, exc.problems):
            print(f"  {line}", file=sys.stderr)
        return 1
    print("\n".join(preview_lines(t, checklist)))
    return 0


def cmd_audit(settings: Settings, args: argparse.Namespace) -> int:
    async def work() -> int:
        t = _t()
        if not settings.db_path.exists():
            return _fail(_no_database(settings))
        async with Database(settings.db_path) as db:
            await _resume(Core(settings, db, ""))
            async with db.read() as rtx:
                count, problem = await rtx.audit.verify()
        if problem is not None:
            print(t._("audit chain BROKEN at row {row}: {reason} ({count} rows intact before"
                      " it)").format(row=problem.row_id, reason=problem.reason, count=count))
            return 1
        print(t._("audit chain intact: {count} rows").format(count=count))
        return 0

    return asyncio.run(work())


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
    from bot.services.imports import import_upload, reports_csv, summary_text, waiting_text

    path = Path(args.file)
    t = translator(args.lang) if args.lang else _t()
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
            await asyncio.to_thread(write_private, Path(args.report), reports_csv(t, reports))
            print(t._("The row-by-row report was written to {file}").format(file=args.report))
        if any(r.ok and r.kind == "inspectors" for r in reports):
            await _unregistered_hint(core, t)
        return 0 if all(r.ok for r in reports) else 1

    return asyncio.run(_with_core(settings, None, work, links=False))


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.exports import export

    t = _t()
    problem = _writable(args.file)
    if problem:
        return _fail(problem)

    if not settings.db_path.exists():
        return _fail(_no_database(settings))

    async def work(core: Core) -> int:
        try:
            count = await export(core, SYSTEM, args.kind, Path(args.file))
        except Refused:
            return _fail(t._("The key that protects phone numbers (data.key in the key folder)"
                             " is missing or wrong: restore it. Nothing was written."))
        print(t._("{count} rows of {kind} written to {file}").format(
            count=count, kind=args.kind, file=args.file))
        return 0

    return asyncio.run(_with_core(settings, None, work, links=False))


def cmd_demo_data(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import datetime

    from bot.demo_data import generate

    t = translator(args.lang) if args.lang else _t()
    out = Path(args.out)
    if args.targets < 1 or args.inspectors < 2:
        return _fail(t._("A demo county needs at least 1 target and 2 inspectors per"
                         " department."))
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
    from bot.services.imports import import_file, summary_text

    async def work(core: Core) -> int:
        for key, path in files.items():
            kind = "checklist" if key.startswith("checklist:") else key
            report = await import_file(core, SYSTEM, path, path.name, kind)
            print(summary_text(t, report))
            if not report.ok:
                return 1
        await _unregistered_hint(core, t)
        return 0

    return asyncio.run(_with_core(settings, None, work, links=False))


def cmd_draw(settings: Settings, args: argparse.Namespace) -> int:
    from bot.rules.models import BulkWrite
    from bot.services import draws
    from bot.views import draws as draw_words

    t = _t()
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
                print(plain_text(draws.prepared_text(t, prepared)))
            elif args.action == "cancel":
                done = await draws.cancel(core, SYSTEM, args.plan, args.reason)
                print(plain_text(draws.cancelled_text(t, done)))
            elif args.action == "run":
                ran = await draws.run(core, SYSTEM, args.plan, args.entropy, waiting=waiting)
                print(plain_text(draws.ran_text(t, ran)))
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


def cmd_i18n(settings: Settings, args: argparse.Namespace) -> int:
    from bot.i18n import compile_catalogs, update_catalogs

    if args.action == "update":
        for line in update_catalogs():
            print(line)
    written = compile_catalogs(force=True)
    print(f"compiled {len(written)} catalogs")
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if args.register is None:
        return _fail(_t()._("Start the bot with `choucha run` (or `python -m"
                                    " handlers.main run`)."))
    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        if settings.local_mode:
            from bot.tg.localmode import run_local

            await run_local(settings, stop, args.register)
            return
        from bot.tg.app import BotRunner

        assert settings.token is not None
        runner = BotRunner(settings, settings.token, args.register)
        # Telegram may be unreachable for a while (start-up retries it): a stop meanwhile
        # ends the wait.
        starting = asyncio.ensure_future(runner.start())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
        else:
            starting.result()
        try:
            await stop.wait()
        finally:
            stopping.cancel()
            await runner.stop()

    from telegram.error import InvalidToken

    try:
        asyncio.run(main())
    except InvalidToken:
        return _fail(_t()._("Telegram refused the bot token (TELEGRAM_BOT_TOKEN). Check it"
                            " with @BotFather, then start again; nothing was started."))
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
    invite = sub.add_parser(
        "invite", help="invite people of the directory (or someone new); prints the links")
    invite.add_argument("--cert", help="the 执法证号 of a person of the inspector directory")
    invite.add_argument("--unregistered", action="store_true",
                        help="everyone not yet registered (of --department, or all)")
    invite.add_argument("--links", help="with --unregistered: write the links CSV here")
    invite.add_argument("--name", help="someone not in the directory: their name")
    invite.add_argument("--department", help="department code")
    invite.add_argument("--role", action="append",
                        help="with --name: inspector, supervisor, office or admin (repeatable)")
    invite.add_argument("--out", help="write the QR card (PNG; PDF sheet with --unregistered)")
    invite.add_argument("--bot-username")
    invite.set_defaults(func=cmd_invite)
    people = sub.add_parser("people", help="who is registered, invited or never invited")
    people.add_argument("--department", help="department code")
    people.add_argument("--unregistered", action="store_true", help="only those not registered")
    people.set_defaults(func=cmd_people)
    withdraw = sub.add_parser("withdraw",
                              help="record that an inspector is unavailable from a date")
    withdraw.add_argument("--cert", required=True, help="their 执法证号")
    withdraw.add_argument("--from", dest="from_date", required=True, help="YYYY-MM-DD")
    withdraw.add_argument("--reason", required=True,
                          choices=["left", "transferred", "long_leave", "cert_invalid", "other"],
                          help="离职 left, 调岗 transferred, 长期请假 long_leave,"
                               " 执法证失效 cert_invalid, 其他 other")
    withdraw.add_argument("--note")
    withdraw.set_defaults(func=cmd_withdraw)
    keys = sub.add_parser("keys", help="the keys kept outside the database")
    ksub = keys.add_subparsers(dest="action", required=True)
    ksub.add_parser("rotate", help="add a key for 身份证号 hashes and re-wrap them all")
    keys.set_defaults(func=cmd_keys)
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
    load.add_argument("--lang", choices=["zh_CN", "en"],
                      help="the report's language (default: your locale)")
    load.set_defaults(func=cmd_import)
    checklist = sub.add_parser("checklist", help="XLSForm checklists")
    chsub = checklist.add_subparsers(dest="action", required=True)
    preview = chsub.add_parser("preview", help="print a form's questions and logic, load nothing")
    preview.add_argument("file")
    checklist.set_defaults(func=cmd_checklist)
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
    demo.add_argument("--lang", choices=["zh_CN", "en"])
    demo.set_defaults(func=cmd_demo_data)
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
