"""Keys kept outside the database are made once, exclusively, and only their owner reads
them (bot/keys.py, issue 29)."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.keys import read_or_create


def test_processes_starting_together_share_one_key(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "data.key"
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda i: read_or_create(path, f"key-{i}".encode()), range(32)))
    assert len(set(got)) == 1 and path.read_bytes() == got[0]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["data.key"]  # nothing left over


def test_a_key_file_others_may_read_is_narrowed(tmp_path: Path) -> None:
    path = tmp_path / "id-hash.keys"
    path.write_bytes(b"ab" * 32)
    os.chmod(path, 0o644)
    assert read_or_create(path, b"other") == b"ab" * 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
