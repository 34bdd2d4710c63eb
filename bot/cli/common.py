"""What every command of the `choucha` command line shares: its language, its failures
(a sentence, never a traceback), the checks before anything is done (database, fonts,
where a file goes), and the core a command works with. Names with a leading `_` are
the package's own."""

from __future__ import annotations

import argparse
import functools
import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeAlias

import httpx

from bot.config import ConfigError, Settings
from bot.core import Core
from bot.formats.rendering.fonts import PACKAGE as FONT_PACKAGE
from bot.formats.rendering.fonts import FontMissing, font_paths
from bot.i18n import Translator, system_language, translator
from bot.services.errors import Refusal, Refused
from storage import Database, Found, probe
from storage.files import (
    may_write_in,
    private_dir,
)

# What a command module's `add` is given: the `choucha` parser's subparsers.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

LOCAL_BOT_USERNAME = "choucha_local_bot"


@functools.cache
def cli_t() -> Translator:
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
        return cli_t()._("The folder {folder} does not exist: create it first, or choose another"
                      " place for {file}. Nothing was done.").format(folder=folder, file=path)
    if Path(path).is_dir():
        return cli_t()._("{file} is a folder: give a file name. Nothing was done.").format(
            file=path)
    if not may_write_in(folder):
        return cli_t()._("This user may not create files in the folder {folder}: choose another"
                      " place for {file}, or ask for the right to write there. Nothing was"
                      " done.").format(folder=folder, file=path)
    return None


LOCAL_MARK = "made_for"  # settings key: "local" on a database local mode made


DEFAULT_LOCAL_DB = "choucha-local.sqlite3"


def _database_problem(settings: Settings, creating: bool = False) -> str | None:
    """Why the command cannot use the database CHOUCHA_DB names, found before it is opened
    (opening makes a missing file, and migrates); None when it can. `creating`: the command
    may make a new database where there is none (`init`, `demo-data --load`)."""
    t = cli_t()
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
        return cli_t()._("CHOUCHA_CJK_FONT names {file}, which is not a font file: correct it, or"
                      " unset it to use the {package} font. Nothing was changed; earlier"
                      " invites still work.").format(file=exc.override, package=FONT_PACKAGE)
    packages = " ".join(exc.packages)
    return cli_t()._("The cards need a font with Chinese characters, and none is installed:"
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
    t = t or cli_t()
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
    return cli_t()._("--bot-username takes the bot's username as @BotFather shows it (5 to 32"
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
        raise ConfigError(cli_t()._("Could not ask Telegram for the bot's username (is the"
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
        print(cli_t()._("A large write interrupted earlier (an import or a draw) was finished"
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
