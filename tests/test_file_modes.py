"""Files that hold personal data or secrets are only their owner's: the database and its
WAL, the stored files and their folders, the key files, the saved local chats, and what
the command line writes (invite links, cards, exports, reports)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.emulator import Emulator
from bot.keys import webhook_secret
from storage import Database
from storage.files import blob_path, write_blob
from tests.support.helpers import choucha
from tests.support.visits import jpeg


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_private_files_and_folders(tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with Database(data / "c.sqlite3") as db:
        async with db.transaction(record_update=False) as tx:
            await tx.settings.put("x", "y")
        assert mode(data) == 0o700
        for suffix in ("", "-wal", "-shm"):
            assert mode(Path(f"{data / 'c.sqlite3'}{suffix}")) == 0o600, suffix
    digest = write_blob(data / "files", b"a photo")
    assert mode(blob_path(data / "files", digest)) == 0o600
    assert mode(data / "files") == mode(data / "files" / digest[:2]) == 0o700
    webhook_secret(tmp_path / "keys")
    assert mode(tmp_path / "keys") == 0o700 and mode(tmp_path / "keys" / "webhook-secret") \
        == 0o600
    emulator = Emulator()
    user = emulator.add_user("张伟")
    await emulator.user_photo(user, jpeg((10, 20, 30)), None)
    emulator.save_state(tmp_path / "chat")
    assert mode(tmp_path / "chat" / "state.json") == 0o600
    assert all(mode(p) == 0o600 for p in (tmp_path / "chat" / "files").iterdir())


async def test_an_older_world_readable_database_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    async with Database(path):
        pass
    path.chmod(0o644)
    async with Database(path):
        assert mode(path) == 0o600


@pytest.mark.journey
async def test_what_the_command_line_writes_is_private(tmp_path: Path) -> None:
    env = {"CHOUCHA_DB": str(tmp_path / "d" / "c.sqlite3")}
    code, _, err = await choucha(env, "demo-data", "--out", str(tmp_path / "demo"),
                                 "--targets", "10", "--inspectors", "2", "--load")
    assert code == 0, err
    outputs = [tmp_path / n for n in ("links.csv", "cards.pdf", "inspectors.xlsx")]
    code, _, err = await choucha(env, "invite", "--unregistered", "--links", str(outputs[0]),
                                 "--out", str(outputs[1]), "--bot-username", "b_bot")
    assert code == 0, err
    code, _, err = await choucha(env, "export", "inspectors", str(outputs[2]))
    assert code == 0, err
    assert [mode(p) for p in outputs] == [0o600] * 3
