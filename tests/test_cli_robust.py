"""The command line in a bad environment: a missing font, a folder it may not write in,
CHOUCHA_DB naming a folder, a file that is no database, a database not made yet. Each
answer is one sentence with the next step and a non-zero exit, and nothing is lost: a
failed `invite --unregistered` leaves every earlier invite working (issue 27)."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from bot.cli.common import cli_t
from bot.cli.run import local_problem
from bot.formats.rendering import fonts, invite_sheet
from tests.support.helpers import LINK_RE, choucha

journey = pytest.mark.journey
# Given although init keeps it, so that a test fails on the step it is about.
BOT = ["--bot-username", "county_bot"]
NO_NETWORK = {"TELEGRAM_BOT_TOKEN": "123456:NOT-A-REAL-TOKEN",  # links must not need it
              "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9"}


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """The real `choucha` main() in this process (fast; no traceback may escape it)."""
    for key, value in {"CHOUCHA_LANG": "en", **NO_NETWORK, **env}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(cli, "setup_logging", lambda *_: None)  # keep pytest's handlers
    cli_t.cache_clear()
    capsys.readouterr()
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    cli_t.cache_clear()
    return code, out, err


def open_links(db: Path, links: Path) -> tuple[int, int]:
    """(links of the file whose invite is open, links of the file)."""
    with links.open(encoding="utf-8-sig") as file:
        codes = [LINK_RE.search(row["链接"]).group(0).rsplit("=", 1)[1]  # type: ignore[union-attr]
                 for row in csv.DictReader(file)]
    with sqlite3.connect(db) as conn:
        open_ = sum(conn.execute(
            "SELECT COUNT(*) FROM invites WHERE code_hash = ? AND revoked_at IS NULL"
            " AND used_at IS NULL", (hashlib.sha256(c.encode()).hexdigest(),)).fetchone()[0]
            for c in codes)
    return open_, len(codes)


def invite_count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM invites").fetchone()[0])


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot create files in (root writes anywhere but sysfs)."""
    if os.geteuid() == 0:
        return Path("/sys")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


@pytest.fixture(scope="module")
def county_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A county: `init --bot-username`, a small demo directory, one invite sheet printed."""
    folder = tmp_path_factory.mktemp("county")
    env = {**os.environ, "CHOUCHA_LANG": "en", **NO_NETWORK,
           "CHOUCHA_DB": str(folder / "db" / "c.sqlite3")}
    for args in (["init", "--bot-username", "county_bot"],
                 ["demo-data", "--out", str(folder / "demo"), "--targets", "20",
                  "--inspectors", "2", "--load"],
                 ["invite", "--unregistered", "--links", str(folder / "db" / "printed.csv"),
                  "--bot-username", "county_bot"]):
        done = subprocess.run([sys.executable, "-m", "handlers.main", *args], env=env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
    return folder / "db"


@pytest.fixture
def county(county_template: Path, tmp_path: Path) -> Path:
    """A copy of the county (database, keys, the printed links) for one test to change."""
    shutil.copytree(county_template, tmp_path / "db")
    return tmp_path / "db"


# -- issue 27, the first bullet: the invite sheet is written before any invite is replaced


def test_font_missing_names_the_package_and_keeps_the_printed_links(
        county: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(fonts, "CANDIDATES", ())
    fonts.cjk_font_path.cache_clear()
    fonts.font_paths.cache_clear()
    db = county / "c.sqlite3"
    before = invite_count(db)
    links, cards = tmp_path / "new.csv", tmp_path / "cards.pdf"
    try:
        code, out, err = run(monkeypatch, capsys, {"CHOUCHA_DB": str(db),
                                                   "CHOUCHA_LANG": "zh_CN"},
                             "invite", "--unregistered", "--links", str(links),
                             "--out", str(cards), *BOT)
    finally:
        fonts.cjk_font_path.cache_clear()
        fonts.font_paths.cache_clear()
    assert code == 2 and out == ""
    assert "fonts-wqy-microhei" in err and "中文字体" in err and "此前的邀请仍然有效" in err
    assert "Traceback" not in err and "FontMissing" not in err
    assert invite_count(db) == before and open_links(db, county / "printed.csv") == (11, 11)
    assert not links.exists() and not cards.exists()


def test_a_font_failing_while_the_cards_are_drawn_loses_nothing(
        county: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The font is found when checked, then fails while the PDF is drawn: the links file
    already staged is dropped, no invite is replaced."""
    def gone(pdf: object, **kwargs: object) -> None:
        raise fonts.FontMissing("no CJK font found")

    monkeypatch.setattr(invite_sheet, "pdf_fonts", gone)
    db = county / "c.sqlite3"
    (tmp_path / "new.csv").write_text("an earlier file of that name\n")
    code, out, err = run(monkeypatch, capsys, {"CHOUCHA_DB": str(db)}, "invite",
                         "--unregistered", "--links", str(tmp_path / "new.csv"),
                         "--out", str(tmp_path / "cards.pdf"), *BOT)
    assert code == 2 and out == ""
    assert "install the Debian package fonts-wqy-microhei" in err
    assert "earlier invites still work" in err
    assert open_links(db, county / "printed.csv") == (11, 11)
    assert (tmp_path / "new.csv").read_text() == "an earlier file of that name\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db", "new.csv"]  # no temp left


@journey
async def test_font_override_missing_is_said_and_the_invites_stay(county: Path,
                                                                  tmp_path: Path) -> None:
    db = county / "c.sqlite3"
    env = {**NO_NETWORK, "CHOUCHA_DB": str(db), "CHOUCHA_CJK_FONT": str(tmp_path / "no.ttc")}
    code, out, err = await choucha(env, "invite", "--unregistered", "--links",
                                   str(tmp_path / "l.csv"), "--out", str(tmp_path / "c.pdf"),
                                   *BOT)
    assert code == 2 and out == ""
    assert err.strip() == (f"choucha: CHOUCHA_CJK_FONT names {tmp_path / 'no.ttc'}, which is"
                           " not a font file: correct it, or unset it to use the"
                           " fonts-wqy-microhei font. Nothing was changed; earlier invites"
                           " still work.")
    assert open_links(db, county / "printed.csv") == (11, 11)
    # One person's card: their earlier invite is kept too.
    code, out, err = await choucha(env, "invite", "--cert", "YN533103100002", "--out",
                                   str(tmp_path / "zw.png"), *BOT)
    assert code == 2 and "CHOUCHA_CJK_FONT" in err and not LINK_RE.search(out)
    assert open_links(db, county / "printed.csv") == (11, 11)
    # Without cards the font is not needed: the links alone are written.
    code, out, err = await choucha(env, "invite", "--unregistered", "--links",
                                   str(tmp_path / "l.csv"), *BOT)
    assert code == 0, err
    assert open_links(db, tmp_path / "l.csv") == (11, 11)
    assert open_links(db, county / "printed.csv") == (0, 11)  # replaced, as asked


def test_an_unwritable_output_folder_is_said_before_anything_changes(
        county: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    db = county / "c.sqlite3"
    locked = unwritable_folder(tmp_path)
    env = {"CHOUCHA_DB": str(db)}
    before = invite_count(db)
    for args in (["invite", "--unregistered", "--links", str(locked / "l.csv")],
                 ["invite", "--unregistered", "--links", str(tmp_path / "l.csv"), "--out",
                  str(locked / "c.pdf")],
                 ["invite", "--cert", "YN533103100002", "--out", str(locked / "zw.png")],
                 ["export", "targets", str(locked / "t.xlsx")],
                 ["import", "targets", str(county / "printed.csv"), "--report",
                  str(locked / "r.csv")]):
        code, out, err = run(monkeypatch, capsys, env, *args,
                             *(BOT if args[0] == "invite" else []))
        assert code == 2 and out == "", args
        assert err.startswith(f"choucha: This user may not create files in the folder {locked}:"
                              " choose another place for"), err
    assert invite_count(db) == before and open_links(db, county / "printed.csv") == (11, 11)
    assert not (tmp_path / "l.csv").exists()
    code, _, err = run(monkeypatch, capsys, {**env, "CHOUCHA_LANG": "zh_CN"}, "export",
                       "targets", str(locked / "t.xlsx"))
    assert code == 2 and f"不能在文件夹 {locked} 中创建文件" in err


# -- CHOUCHA_DB naming something that is not the county's database

COMMANDS: list[list[str]] = [
    ["people"],
    ["invite", "--cert", "YN533103100002", "--bot-username", "b_bot"],
    ["invite", "--unregistered", "--links", "{tmp}/l.csv", "--bot-username", "b_bot"],
    ["withdraw", "--cert", "YN533103100002", "--from", "2026-10-08", "--reason", "left"],
    ["keys", "rotate"],
    ["department", "add", "SCJGJ", "市场监督管理局"],
    ["audit", "verify"],
    ["import", "auto", "{tmp}/table.csv"],
    ["export", "targets", "{tmp}/t.xlsx"],
    ["draw", "prepare", "计划", "--entropy-source", "中国福利彩票3D"],
    ["calendar", "load", "{tmp}/2027.csv"],
    ["calendar", "add", "2026-09-30", "1"],
    ["demo-data", "--out", "{tmp}/demo", "--targets", "5", "--inspectors", "2", "--load"],
]


def _bad_database(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """A CHOUCHA_DB of that kind, and the sentence every command answers it with."""
    if kind == "folder":
        path = tmp_path / "data"
        path.mkdir()
        return path, (f"choucha: CHOUCHA_DB names the folder {path}, not a database file: set"
                      f" it to the database file, for example {path / 'choucha.sqlite3'}."
                      " Nothing was done.")
    if kind == "not_sqlite":
        path = tmp_path / "choucha.xlsx"
        path.write_bytes(b"PK\x03\x04 a spreadsheet, not a database" * 40)
        return path, (f"choucha: {path} is not an SQLite database: check CHOUCHA_DB, which"
                      " should name the file `choucha init` made. Nothing was done.")
    if kind == "foreign":
        path = tmp_path / "other.db"
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE notes (text TEXT)")
        return path, (f"choucha: {path} is an SQLite database, but not Choucha's: check"
                      " CHOUCHA_DB, which should name the file `choucha init` made. Nothing"
                      " was done.")
    if kind == "empty":
        path = tmp_path / "choucha.sqlite3"
        path.write_bytes(b"")
        return path, (f"choucha: The database {path} is not set up yet: run `choucha init`"
                      " first, or check CHOUCHA_DB. Nothing was done.")
    path = tmp_path / "chouca.sqlite3"  # mistyped
    return path, (f"choucha: There is no database at {path}: check CHOUCHA_DB (is the path"
                  " mistyped?), or run `choucha init` to make a new one. Nothing was done.")


def _state(path: Path) -> object:
    if path.is_dir():
        return sorted(p.name for p in path.iterdir())
    return path.read_bytes() if path.exists() else None


@pytest.mark.parametrize("kind", ["folder", "not_sqlite", "foreign", "empty", "missing"])
def test_every_command_refuses_a_database_that_is_not_the_countys(
        kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    path, sentence = _bad_database(tmp_path, kind)
    (tmp_path / "table.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "2027.csv").write_text("2027-01-01,休\n", encoding="utf-8")
    before = _state(path)
    for command in COMMANDS:
        if (command[0] == "demo-data" and kind in ("missing", "empty")) or (
                command[:2] == ["calendar", "add"] and kind == "missing"):
            continue  # these work without a county (below)
        expected = sentence
        if command[0] == "demo-data" and kind in ("not_sqlite", "foreign"):
            expected = (f"choucha: {path} exists and is not a Choucha database, so it is left"
                        " as it is: set CHOUCHA_DB to a new file name, or move that file away."
                        " Nothing was done.")
        args = [a.replace("{tmp}", str(tmp_path)) for a in command]
        code, out, err = run(monkeypatch, capsys, {"CHOUCHA_DB": str(path)}, *args)
        assert (code, out, err.strip()) == (2, "", expected), command
        assert _state(path) == before, command  # nothing made, nothing changed
    assert not (tmp_path / "demo").exists()  # refused before the demo files were written
    code, out, err = run(monkeypatch, capsys, {"CHOUCHA_DB": str(path), "CHOUCHA_LANG": "zh_CN"},
                         "people")
    assert code == 2 and "CHOUCHA_DB" in err and "Nothing" not in err


@pytest.mark.parametrize("kind", ["folder", "not_sqlite", "foreign"])
def test_the_bot_does_not_start_on_a_database_that_is_not_the_countys(
        kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from handlers import register

    path, _ = _bad_database(tmp_path, kind)
    before = _state(path)
    for key, value in {"CHOUCHA_LANG": "en", "CHOUCHA_DB": str(path)}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(cli, "setup_logging", lambda *_: None)
    cli_t.cache_clear()
    capsys.readouterr()
    code = cli.main(["run"], register=register)
    _, err = capsys.readouterr()
    cli_t.cache_clear()
    assert code == 2 and "CHOUCHA_DB" in err and "Traceback" not in err
    assert _state(path) == before


def test_without_a_county_only_init_and_demo_data_make_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "new" / "c.sqlite3"
    env = {"CHOUCHA_DB": str(path)}
    code, out, _ = run(monkeypatch, capsys, env, "calendar", "add", "2026-09-30", "1")
    assert code == 0 and out.startswith("2026-10-08") and not path.exists()
    code, out, err = run(monkeypatch, capsys, env, "init", "--bot-username", "county_bot")
    assert code == 0, err
    assert out.startswith(f"Database created: {path} (schema ")
    code, out, err = run(monkeypatch, capsys, env, "init")  # the name was kept: no network
    assert code == 0 and out.startswith(f"The database {path} exists already (schema ")
    assert "kept as it is, nothing was reset" in out and LINK_RE.search(out)
    with sqlite3.connect(path) as conn:  # the first link replaced, one admin kept
        assert conn.execute("SELECT COUNT(*) FROM people").fetchone() == (1,)


def test_init_leaves_a_file_it_did_not_make(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    for kind in ("not_sqlite", "foreign"):
        path, _ = _bad_database(tmp_path, kind)
        before = path.read_bytes()
        code, out, err = run(monkeypatch, capsys, {"CHOUCHA_DB": str(path)}, "init")
        assert (code, out) == (2, "")
        assert err.strip() == (f"choucha: {path} exists and is not a Choucha database, so it is"
                               " left as it is: set CHOUCHA_DB to a new file name, or move that"
                               " file away. Nothing was done.")
        assert path.read_bytes() == before
    blocked = tmp_path / "choucha.xlsx" / "c.sqlite3"  # its folder would be a file
    code, _, err = run(monkeypatch, capsys, {"CHOUCHA_DB": str(blocked)}, "init")
    assert code == 2 and err.startswith(f"choucha: Cannot create the database {blocked}:")
    assert "Set CHOUCHA_DB to a file in a folder you may write in." in err


@journey
async def test_people_on_a_file_that_is_not_a_database_ends(tmp_path: Path) -> None:
    """It hung: the writer's connection thread, opened before the first statement failed,
    was never closed, and the process waited for it at exit."""
    path = tmp_path / "notes.txt"
    path.write_text("not a database\n" * 100)
    code, out, err = await choucha({"CHOUCHA_DB": str(path)}, "people")
    assert (code, out) == (2, "") and "is not an SQLite database" in err
    assert "Traceback" not in err


async def test_a_failed_open_closes_its_connections(tmp_path: Path) -> None:
    """The cause of the hang, below the CLI: a Database that fails to open leaves no
    connection thread behind."""
    import asyncio
    import threading

    from storage import Database

    def connection_threads() -> set[threading.Thread]:
        return {t for t in threading.enumerate() if "_connection_worker_thread" in t.name}

    path = tmp_path / "notes.txt"
    path.write_text("not a database\n" * 100)
    before = connection_threads()
    with pytest.raises(sqlite3.DatabaseError):
        await Database(path).open()
    for _ in range(100):  # a closed connection's thread ends just after close()
        if not connection_threads() - before:
            break
        await asyncio.sleep(0.05)
    assert not connection_threads() - before


# -- init --bot-username is kept


@journey
async def test_init_keeps_the_bot_username_and_a_later_flag_replaces_it(
        county: Path, tmp_path: Path) -> None:
    fresh = {**NO_NETWORK, "CHOUCHA_DB": str(tmp_path / "fresh" / "c.sqlite3")}
    code, out, err = await choucha(fresh, "init", "--bot-username", "@first_county_bot")
    assert code == 0 and "https://t.me/first_county_bot?start=" in out, err
    # No flag, no network: the name given to init makes the links.
    code, out, err = await choucha(fresh, "invite", "--name", "王芳", "--role", "office")
    assert code == 0, err
    assert "https://t.me/first_county_bot?start=" in out

    db = county / "c.sqlite3"
    env = {**NO_NETWORK, "CHOUCHA_DB": str(db)}
    code, out, err = await choucha(env, "invite", "--cert", "YN533103100002",
                                   "--bot-username", "@other_county_bot")
    assert code == 0, err
    assert "https://t.me/other_county_bot?start=" in out
    code, out, err = await choucha(env, "invite", "--cert", "YN533103100001")
    assert code == 0 and "https://t.me/other_county_bot?start=" in out, err
    code, out, err = await choucha(env, "invite", "--cert", "YN533103100001",
                                   "--bot-username", "not a name")
    assert (code, out) == (2, "") and "--bot-username takes the bot's username" in err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT value FROM settings WHERE key = 'bot_username'"
                            ).fetchone() == ("other_county_bot",)


def _county(path: Path) -> None:
    """A county's database: people in it, made by `choucha init`, not by local mode."""
    import asyncio

    from bot.config import load_settings
    from bot.core import Core
    from bot.rules.models import Role
    from bot.services.access import SYSTEM
    from bot.services.onboarding import invite_person
    from storage import Database

    async def make() -> None:
        settings = load_settings({"CHOUCHA_DB": str(path)})
        async with Database(path) as db:
            await invite_person(Core(settings, db, "bot"), SYSTEM, "王芳", None, [Role.OFFICE])

    asyncio.run(make())


def test_local_mode_never_runs_on_a_countys_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The token is lost (a secret store hiccup) while CHOUCHA_DB still names the county:
    `choucha run` does not start the emulator on it, and `--local` does not either; a
    database local mode made is marked so, and runs (issue 29)."""
    from handlers import register

    county = tmp_path / "county.sqlite3"
    _county(county)
    before = _state(county)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    for args in (["run"], ["run", "--local"]):
        for key, value in {"CHOUCHA_LANG": "en", "CHOUCHA_DB": str(county)}.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setattr(cli, "setup_logging", lambda *_: None)
        cli_t.cache_clear()
        capsys.readouterr()
        code = cli.main(args, register=register)
        _, err = capsys.readouterr()
        cli_t.cache_clear()
        assert code == 2 and "Traceback" not in err, err
        assert ("--local" in err) if args == ["run"] else ("did not make" in err), err
        assert _state(county) == before  # not a byte changed
    from bot.config import load_settings
    fresh = load_settings({"CHOUCHA_DB": str(tmp_path / "mine.sqlite3")})
    assert local_problem(fresh, asked=True) is None  # made for local mode, marked
    _county(tmp_path / "mine.sqlite3")  # later holding people: still local mode's own
    assert local_problem(fresh, asked=True) is None
    # And the other way round: local mode's database never runs against Telegram (its
    # demo people are bound to made-up accounts a real one could match).
    mine = tmp_path / "mine.sqlite3"
    before = _state(mine)
    for key, value in {"CHOUCHA_DB": str(mine), "TELEGRAM_BOT_TOKEN": "123:real-token",
                       "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9"}.items():
        monkeypatch.setenv(key, value)
    cli_t.cache_clear()
    capsys.readouterr()
    code = cli.main(["run"], register=register)
    _, err = capsys.readouterr()
    cli_t.cache_clear()
    assert code == 2 and "was made by local mode" in err and "Traceback" not in err, err
    assert _state(mine) == before
