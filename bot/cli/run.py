"""choucha run: the bot, on Telegram or in local mode (the emulator and a demo county)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import signal

from bot.cli.common import DEFAULT_LOCAL_DB, LOCAL_MARK, Subparsers, _database_problem, _fail, cli_t
from bot.config import Settings
from storage import Database, Found, probe


def add(sub: Subparsers) -> None:
    """The subparser of `run`."""
    run = sub.add_parser("run", help="run the bot (local emulator when no token is set)")
    run.add_argument("--local", action="store_true",
                     help="the local emulator and demo county, on a database made for it")
    run.set_defaults(func=cmd_run)


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if args.register is None:
        return _fail(cli_t()._("Start the bot with `choucha run` (or `python -m"
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
        problem = local_problem(settings, asked)
        if problem:
            return _fail(problem)
        settings = dataclasses.replace(settings, token=None)
    elif probe(settings.db_path) is Found.CHOUCHA and _made_for(settings) == "local":
        return _fail(cli_t()._(
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
        return _fail(cli_t()._("Telegram refused the bot token (TELEGRAM_BOT_TOKEN). Check it"
                            " with @BotFather, then start again; nothing was started."))
    return 0


def _made_for(settings: Settings) -> str | None:
    """What the database was made for ("local" when local mode made it), read only."""
    async def read() -> str | None:
        async with Database(settings.db_path) as db, db.read() as rtx:
            return await rtx.settings.get(LOCAL_MARK)

    return asyncio.run(read())


def local_problem(settings: Settings, asked: bool) -> str | None:
    """Why local mode (the emulator and the demo county) must not run here: it binds demo
    accounts and sends the outbox into the emulator, so never on a county's database."""
    t = cli_t()
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
