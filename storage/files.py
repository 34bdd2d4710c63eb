"""Content-addressed files (evidence photos, generated cards and records).

The bytes live under `<data dir>/files/ab/abcdef…`; the table remembers each file's
SHA-256, size and type. Writing a file twice stores it once.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path

from storage.base import Repo, to_db_time


def blob_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


def write_blob(root: Path, data: bytes) -> str:
    """Store bytes durably (write, fsync, rename); return their SHA-256."""
    digest = hashlib.sha256(data).hexdigest()
    target = blob_path(root, digest)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(target)
    return digest


def read_blob(root: Path, sha256: str) -> bytes:
    return blob_path(root, sha256).read_bytes()


class FileRepo(Repo):
    async def remember(self, sha256: str, size: int, mime_type: str | None, now: datetime) -> None:
        await self.execute(
            "INSERT INTO files (sha256, size, mime_type, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (sha256) DO NOTHING",
            (sha256, size, mime_type, to_db_time(now)),
        )
