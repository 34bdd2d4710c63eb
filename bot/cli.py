"""The `choucha` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import functools
import re
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from bot.config import ConfigError, Settings, load_settings
from bot.core import Core
from bot.formats.rendering.fit import plain_text
from bot.formats.rendering.fonts import PACKAGE as FONT_PACKAGE
from bot.formats.rendering.fonts import FontMissing, font_paths
from bot.i18n import Translator, system_language, translator
from bot.logs import setup_logging
from bot.rules.models import Role, RosterEntry
from bot.services.access import SYSTEM
from bot.services.errors import Refusal, Refused
from storage import Database, Found, probe
from storage.files import (
    may_write_in,
    private_dir,
    put_in_place,
    replace_private,
    stage_private,
)

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
    if not may_write_in(folder):
        return _t()._("This user may not create files in the folder {folder}: choose another"
                      " place for {file}, or ask for the right to write there. Nothing was"
                      " done.").format(folder=folder, file=path)
    return None


LOCAL_MARK = "made_for"  # settings key: "local" on a database local mode made
DEFAULT_LOCAL_DB = "choucha-local.sqlite3"


def _database_problem(settings: Settings, creating: bool = False) -> str | None:
    """Why the command cannot use the database CHOUCHA_DB names, found before it is opened
    (opening makes a missing file, and migrates); None when it can. `creating`: the command
    may make a new database where there is none (`init`, `demo-data --load`)."""
    t = _t()
    path = settings.db_path
    found = probe(path)
    if found is Found.CHOUCHA:
        return None
    if found is Found.FOLDER:
        return t._("CHOUCHA_DB names the folder {path}, not a database file: set it to the"
                   " database file, for example {example}. Nothing was done.").format(
            path=path, example=path / "choucha.sqlite3")
    if found is Found.UNREADABLE:
        return t._("This user may not read the database {path}: run choucha as the user"
                   " that owns it, or check CHOUCHA_DB. Nothing was done.").format(path=path)
    if found in (Found.NOT_SQLITE, Found.FOREIGN) and creating:
        return t._("{path} exists and is not a Choucha database, so it is left as it is: set"
                   " CHOUCHA_DB to a new file name, or move that file away. Nothing was"
                   " done.").format(path=path)
    if found is Found.NOT_SQLITE:
        return t._("{path} is not an SQLite database: check CHOUCHA_DB, which should name"
                   " the file `choucha init` made. Nothing was done.").format(path=path)
    if found is Found.FOREIGN:
        return t._("{path} is an SQLite database, but not Choucha's: check CHOUCHA_DB, which"
                   " should name the file `choucha init` made. Nothing was done.").format(
            path=path)
    if creating:  # missing or empty: made here
        folder = path.expanduser().resolve().parent
        try:
            private_dir(folder)
        except OSError:
            folder = next(p for p in [folder, *folder.parents] if p.exists())
        if not folder.is_dir() or not may_write_in(folder):
            return t._("Cannot create the database {path}: this user may not write in the"
                       " folder {folder}. Set CHOUCHA_DB to a file in a folder you may write"
                       " in.").format(path=path, folder=folder)
        return None
    if found is Found.EMPTY:
        return t._("The database {path} is not set up yet: run `choucha init` first, or check"
                   " CHOUCHA_DB. Nothing was done.").format(path=path)
    return t._("There is no database at {path}: check CHOUCHA_DB (is the path mistyped?), or"
               " run `choucha init` to make a new one. Nothing was done.").format(path=path)


def _font_text(exc: FontMissing) -> str:
    """A missing CJK font, with the package that provides it (scripts/setup installs it)."""
    if exc.override:
        return _t()._("CHOUCHA_CJK_FONT names {file}, which is not a font file: correct it, or"
                      " unset it to use the {package} font. Nothing was changed; earlier"
                      " invites still work.").format(file=exc.override, package=FONT_PACKAGE)
    packages = " ".join(exc.packages)
    return _t()._("The cards need a font with Chinese characters, and none is installed:"
                  " install the Debian package {package} ({command}), or set"
                  " CHOUCHA_CJK_FONT to a font file, then run this again. Nothing was"
                  " changed; earlier invites still work.").format(
        package=packages, command=f"sudo apt-get install {packages}")


def _font_problem() -> str | None:
    """Why the QR cards cannot be drawn (checked before any invite is replaced)."""
    try:
        font_paths()  # the CJK font and the fallbacks the cards draw symbols with
    except FontMissing as exc:
        return _font_text(exc)
    return None


BOT_USERNAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")


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


def _username_problem(override: str | None) -> str | None:
    """Why --bot-username is not a bot's username (checked before anything is done)."""
    if override is None or BOT_USERNAME_RE.fullmatch(override.strip().lstrip("@")):
        return None
    return _t()._("--bot-username takes the bot's username as @BotFather shows it (5 to 32"
                  " letters, digits or _, for example choucha_county_bot). Nothing was"
                  " done.")


async def _bot_username(settings: Settings, db: Database, override: str | None) -> str:
    """The bot's username for links: --bot-username (kept for later commands), else the one
    kept (by an earlier flag, or by the bot when it starts), else asked of Telegram."""
    if override:
        name = override.strip().lstrip("@")
        async with db.transaction() as tx:
            if await tx.settings.get("bot_username") != name:
                await tx.settings.put("bot_username", name)
        return name
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
                     work: Callable[[Core], Awaitable[int]], links: bool = True,
                     creating: bool = False) -> int:
    """Open the database and run `work`; `links`: the bot's username is needed (asked of
    Telegram once, then stored), otherwise nothing goes over the network. A database that
    is missing (unless `creating`), a folder or not Choucha's is refused before anything
    is opened."""
    problem = _database_problem(settings, creating) or _username_problem(override)
    if problem:
        return _fail(problem)
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

    existed = probe(settings.db_path) is Found.CHOUCHA

    async def work(core: Core) -> int:
        t = _t()
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


class _Staged:
    """Output files written beside their names first, put in place only after the
    database change they describe has committed; dropped when anything fails before."""

    def __init__(self) -> None:
        self.files: list[tuple[Path, Path]] = []  # (staged, final)

    async def write(self, path: str, data: bytes) -> None:
        final = Path(path)
        self.files.append((await asyncio.to_thread(stage_private, final, data), final))

    def drop(self) -> None:
        for staged, _ in self.files:
            staged.unlink(missing_ok=True)
        self.files = []

    def put_in_place(self) -> str | None:
        """Rename each to its name; the sentence for one that could not be."""
        for staged, final in self.files:
            try:
                put_in_place(staged, final)
            except OSError:
                return _t()._("The invites were made, but {file} could not be given its name:"
                              " the same contents are in {staged}; rename that file to"
                              " {file}.").format(file=final, staged=staged)
        return None


def _not_written(file: str) -> str:
    return _t()._("{file} could not be written (is the disk full, or the folder read-only?):"
                  " free some space or choose another place and run this again. Nothing was"
                  " changed; earlier invites still work.").format(file=file)


def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import invite_sheets
    from bot.services.onboarding import (
        IssuedInvite,
        invite_person,
        plan_by_cert,
        plan_unregistered,
        store_planned,
    )
    from bot.workers import WorkFailed

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
    if args.out:
        problem = _font_problem()
        if problem:
            return _fail(problem)
    zh = translator("zh_CN")

    async def write_files(core: Core, staged: _Staged, planned: list[IssuedInvite]) -> None:
        """The links file and the cards, staged beside their names."""
        if args.unregistered:
            await staged.write(args.links, invite_sheets.links_csv(planned, settings.tz))
            if args.out:
                await staged.write(args.out, await invite_sheets.render_cards(
                    core.workers, planned, settings.tz, zh))
        elif args.out:
            await staged.write(args.out, await asyncio.to_thread(
                invite_sheets.card_png, planned[0], settings.tz, zh))

    async def replace(core: Core) -> list[IssuedInvite] | int:
        """Plan the invites, write them down, then store them: a failure before the commit
        leaves every earlier invite working (and the files as they were)."""
        try:
            if args.unregistered:
                planned = await plan_unregistered(core, SYSTEM, args.department)
            else:
                planned = [await plan_by_cert(core, SYSTEM, args.cert)]
        except Refused as exc:
            return _fail(refusal(exc))
        if not planned:
            return []
        staged = _Staged()
        stored = False
        try:
            try:
                await write_files(core, staged, planned)
            except FontMissing as exc:
                return _fail(_font_text(exc))
            except WorkFailed:
                return _fail(t._("The cards could not be drawn within the time and memory"
                                 " allowed: invite one department at a time (--department"
                                 " CODE). Nothing was changed; earlier invites still work."))
            except OSError:
                return _fail(_not_written(args.links if args.unregistered
                                          and len(staged.files) == 0 else args.out))
            try:
                issued = await store_planned(core, SYSTEM, planned)
            except Refused:
                return _fail(t._("Someone's entry changed while the files were written, so"
                                 " nothing was changed and earlier invites still work: run"
                                 " this again."))
            stored = True
        finally:
            if not stored:  # the files describe invites that were not made
                staged.drop()
        problem = staged.put_in_place()
        if problem:
            return _fail(problem, code=1)
        return issued

    async def work(core: Core) -> int:
        if args.name:
            try:
                issued_all = [await invite_person(core, SYSTEM, args.name, args.department,
                                                  roles)]
            except Refused as exc:
                return _fail(refusal(exc))
        else:
            result = await replace(core)
            if isinstance(result, int):
                return result
            issued_all = result
        if args.unregistered:
            if not issued_all:
                print(t._("Everyone is registered already; no invite was made."))
                return 0
            print(t.ngettext("{n} invite made (each earlier open invite was replaced).",
                             "{n} invites made (each earlier open invite was replaced).",
                             len(issued_all)).format(n=len(issued_all)))
            print(t._("Links written to {file}").format(file=args.links))
            if args.out:
                print(t._("Printable QR cards written to {file}").format(file=args.out))
            return 0
        issued = issued_all[0]
        expires = issued.invite.expires_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        print(t._("Invite for {name} (works once, until {expires}):").format(
            name=issued.person.name, expires=expires))
        print(issued.link, flush=True)
        if args.out:
            if args.name:  # a new person: the link above is theirs whatever happens here
                try:
                    await asyncio.to_thread(replace_private, Path(args.out), await
                                            asyncio.to_thread(invite_sheets.card_png, issued,
                                                              settings.tz, zh))
                except OSError:
                    return _fail(t._("The invite was made and its link above works, but the"
                                     " card could not be written to {file}: send or print the"
                                     " link instead.").format(file=args.out), code=1)
            print(t._("QR card written to {file}").format(file=args.out))
        return 0

    return asyncio.run(_with_core(settings, args.bot_username, work))


def cmd_people(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import now
    from bot.services.onboarding import roster
    from bot.texts.labels import role_label, roster_status

    t = _t()

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


def cmd_unbind(settings: Settings, args: argparse.Namespace) -> int:
    """Unlink a person's Telegram account (audited); a new invite links one again."""
    from bot.services import accounts

    t = _t()
    who = args.who.strip()

    async def work(core: Core) -> int:
        found = await accounts.linked(core.db, SYSTEM, who)
        if not found:
            return _fail(t._("Nobody named {who} (or holding that 执法证号) has a Telegram"
                             " account linked; nothing was changed. `choucha people` lists"
                             " who is registered.").format(who=who))
        if len(found) > 1:
            return _fail(t._("{n} people named {who} have a Telegram account linked: give"
                             " the 执法证号 of the one to unlink instead. Nothing was"
                             " changed.").format(n=len(found), who=who))
        await accounts.unbind(core.db, SYSTEM, found[0].entry.person_id)
        print(t._("{name}'s Telegram account is unlinked: they can no longer use Choucha"
                  " (they were told). A new invite (choucha invite) links an account"
                  " again.").format(name=found[0].entry.name))
        return 0

    return asyncio.run(_with_core(settings, None, work, links=False))


def cmd_keys(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.personal import keys_file, rotate

    t = _t()

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

    async def work(core: Core) -> int:
        try:
            department = await add_department(core.db, SYSTEM, args.code, args.name,
                                              args.region)
        except Refused as exc:
            return _fail(refusal(Refused(exc.reason, code=args.code)))
        print(_t()._("Department {code} {name} added.").format(code=department.code,
                                                              name=department.name))
        return 0

    return asyncio.run(_with_core(settings, None, work, links=False))


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
    async def work(core: Core) -> int:
        t = _t()
        async with core.db.read() as rtx:
            count, problem = await rtx.audit.verify()
        if problem is not None:
            print(t._("audit chain BROKEN at row {row}: {reason} ({count} rows intact before"
                      " it)").format(row=problem.row_id, reason=problem.reason, count=count))
            return 1
        print(t._("audit chain intact: {count} rows").format(count=count))
        return 0

    return asyncio.run(_with_core(settings, None, work, links=False))


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

    t = _t()
    problem = _writable(args.file)
    if problem:
        return _fail(problem)

    async def work(core: Core) -> int:
        try:
            count = await export(core, SYSTEM, args.kind, Path(args.file))
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

    t = translator(args.lang) if args.lang else _t()
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

    return asyncio.run(_with_core(settings, None, work, links=False, creating=True))


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
    # A missing database is made (local mode starts from nothing); a folder or a file that
    # is not Choucha's is refused before the bot starts.
    asked = getattr(args, "local", False)
    if asked and not settings.db_given:  # the demo's own file, whatever the token
        settings = dataclasses.replace(settings, db_path=settings.db_path.parent
                                       / DEFAULT_LOCAL_DB)
    problem = _database_problem(settings, creating=True)
    if problem:
        return _fail(problem)
    if settings.local_mode or asked:
        problem = _local_problem(settings, asked)
        if problem:
            return _fail(problem)
        settings = dataclasses.replace(settings, token=None)
    elif probe(settings.db_path) is Found.CHOUCHA and _made_for(settings) == "local":
        return _fail(_t()._(
            "{path} was made by local mode: its demo people are bound to made-up Telegram"
            " accounts, which real ones could match. It never runs against Telegram: point"
            " CHOUCHA_DB at the county's database (`choucha init` makes one). Nothing was"
            " started.").format(path=settings.db_path))

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


def _made_for(settings: Settings) -> str | None:
    """What the database was made for ("local" when local mode made it), read only."""
    async def read() -> str | None:
        async with Database(settings.db_path) as db, db.read() as rtx:
            return await rtx.settings.get(LOCAL_MARK)

    return asyncio.run(read())


def _local_problem(settings: Settings, asked: bool) -> str | None:
    """Why local mode (the emulator and the demo county) must not run here: it binds demo
    accounts and sends the outbox into the emulator, so never on a county's database."""
    t = _t()
    if not asked and settings.db_given:
        return t._("No TELEGRAM_BOT_TOKEN is set, and CHOUCHA_DB names a database: Choucha"
                   " does not start its local emulator on a database it was pointed at. Set"
                   " the token to run against Telegram, or run `choucha run --local` for the"
                   " demo. Nothing was started.")

    async def mark() -> str | None:
        async with Database(settings.db_path) as db, db.transaction(
                record_update=False) as tx:
            made_for = await tx.settings.get(LOCAL_MARK)
            fresh = await tx.people.count_people() == 0
            default = settings.db_path.name == DEFAULT_LOCAL_DB
            if made_for is None and (fresh or default):
                await tx.settings.put(LOCAL_MARK, "local")
                return "local"
            return made_for

    if asyncio.run(mark()) != "local":
        return t._("{path} holds data that local mode did not make (a county's): local mode"
                   " never runs on it. Give local mode its own CHOUCHA_DB (or none), or set"
                   " TELEGRAM_BOT_TOKEN to run this database against Telegram. Nothing was"
                   " started.").format(path=settings.db_path)
    return None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="choucha", description="双随机、一公开 spot-check bot")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (local emulator when no token is set)")
    run.add_argument("--local", action="store_true",
                     help="the local emulator and demo county, on a database made for it")
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
    unbind = sub.add_parser("unbind", help="unlink a person's Telegram account (audited)")
    unbind.add_argument("who", help="the person's name, or their 执法证号")
    unbind.set_defaults(func=cmd_unbind)
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
