"""Fixtures: the emulator on loopback, settings pointing at it, the real bot running."""

from __future__ import annotations

import os
import weakref
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import REPO_ROOT, Settings, load_settings
from bot.core import Core
from bot.emulator import EmulatedUser, Emulator
from bot.emulator.server import EmulatorServer
from bot.i18n import compile_catalogs
from bot.rules import pacing
from bot.tg.app import BotRunner
from handlers import register
from storage import Database
from tests.support import screens

# Fixtures defined with the helpers they serve (tests/support), offered to every test.
pytest_plugins = ["tests.support.visits"]

TOKEN = "123456789:TEST-token_for-the-emulator"
SPEC = Path(os.environ.get("CHOUCHA_BOT_API_SPEC",
                           REPO_ROOT.parent / "shared" / "telegram-bot-api" / "api.min.json"))

compile_catalogs()

# The journeys run the one pacing rule (bot/rules/pacing.py) ten times faster: a burst of
# 3, then one message every 0.1 s in a chat; tests/test_pacing.py runs it at real speed.
PACE_SECOND = 0.1


SPEC_PRESENT = SPEC.is_file()

# What makes a test a journey (seconds, not milliseconds): the emulator and the real bot,
# or a process of its own. `pytest -m "not journey"` is the fast tier.
JOURNEY_FIXTURES = frozenset({"emulator", "server", "bot", "settings"})
JOURNEY_MODULES = frozenset({"test_crash", "test_workers", "test_audit", "test_cli",
                             "test_config_and_logs", "test_local_restart", "test_web_chat",
                             "test_intake"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & JOURNEY_FIXTURES or item.module.__name__.rsplit(".", 1)[-1] in (
                JOURNEY_MODULES):
            item.add_marker(pytest.mark.journey)


def _dump_screens(path: Path, test: str, emu: Emulator) -> None:
    import dataclasses
    import json
    with path.open("a", encoding="utf-8") as out:
        for screen in emu.screens:
            out.write(json.dumps({"test": test, **dataclasses.asdict(screen)},
                                 ensure_ascii=False) + "\n")


@pytest.fixture
async def emulator(request: pytest.FixtureRequest) -> AsyncIterator[Emulator]:
    emu = Emulator(spec_path=SPEC if SPEC_PRESENT else None, token=TOKEN)
    yield emu
    dump = os.environ.get("CHOUCHA_SCREENS_DUMP")
    if dump:  # every screen of every journey, for reading the walk's findings by hand
        _dump_screens(Path(dump), request.node.nodeid, emu)
    db = _DATABASE_OF.get(emu)
    if db is not None and request.node.get_closest_marker("raw_screens") is None:
        walk_screens(emu, db)
    assert emu.violations == [], f"requests real Telegram would refuse: {emu.violations}"
    assert emu.answered_twice == [], "button presses answered twice (Telegram refuses it)"
    if request.node.get_closest_marker("raw_pace") is None:
        too_fast = pacing.breaches(emu.paced)
        assert not too_fast, "messages faster than Telegram accepts in one chat:\n" + "\n".join(
            map(str, too_fast[:20]))


@pytest.fixture
async def server(emulator: Emulator) -> AsyncIterator[EmulatorServer]:
    srv = await EmulatorServer(emulator).start()
    yield srv
    await srv.stop()


# The database of the bot each emulator served (for the screen walk at the test's end).
_DATABASE_OF: weakref.WeakKeyDictionary[Emulator, Path] = weakref.WeakKeyDictionary()


def walk_screens(emu: Emulator, db: Path) -> None:
    """The screen walk (tests/support/screens.py) over every screen the test's people were shown."""
    languages = screens.languages(db) if db.is_file() else {}
    problems = [f"stranded: {s}" for s in screens.stranded(emu.screens)]
    problems += [f"mixed: {m}" for m in screens.mixed(emu.screens, languages)]
    assert not problems, "screens that leave a person stranded or mix languages:\n" + (
        "\n".join(problems))


def make_settings(tmp_path: Path, server: EmulatorServer, **extra: str) -> Settings:
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": server.url,
        "CHOUCHA_DB": str(tmp_path / "choucha.sqlite3"),
        "CHOUCHA_OUTBOX_INTERVAL": "0.1",
        "CHOUCHA_BOT_API_SPEC": str(SPEC),
        "CHOUCHA_PACE_SECOND": str(PACE_SECOND),
        **extra,
    }
    settings = load_settings(env)
    _DATABASE_OF[server.emulator] = settings.db_path
    server.emulator.pace_second = settings.pace_second
    return settings


@pytest.fixture
def settings(tmp_path: Path, server: EmulatorServer) -> Settings:
    return make_settings(tmp_path, server)


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[BotRunner]:
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    yield runner
    await runner.stop()


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    """The services without a bot (as the CLI uses them), on a fresh database."""
    settings = load_settings({"CHOUCHA_DB": str(tmp_path / "db.sqlite3")})
    db = await Database(settings.db_path).open()
    yield Core(settings, db, "choucha_bot")
    await db.close()


CHANNEL = -1001234567890  # the public channel of the publication tests


@pytest.fixture
def channel_settings(tmp_path: Path, server: EmulatorServer, emulator: Emulator) -> Settings:
    emulator.add_chat(CHANNEL, "channel", "芒市抽查结果公示")
    return make_settings(tmp_path, server, CHOUCHA_PUBLIC_CHANNEL=str(CHANNEL))


def person(emulator: Emulator, name: str, language_code: str = "zh-hans",
           user_id: int | None = None) -> EmulatedUser:
    return EmulatedUser(emulator, emulator.add_user(name, user_id=user_id,
                                                    language_code=language_code))
