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

PRIVATE_FILE = 0o600  # the database, blobs, keys: only the owner reads them
PRIVATE_DIR = 0o700


def private_dir(path: Path, tighten: bool = False) -> Path:
    """Create the folder (and missing parents) only its owner can enter; `tighten` also
    narrows an existing one (only for folders that are Choucha's own)."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True)
        os.chmod(folder, PRIVATE_DIR)
    if tighten and path.is_dir():
        os.chmod(path, PRIVATE_DIR)
    return path


def write_private(path: Path, data: bytes, durable: bool = False) -> None:
    """Write a file created 0600 (never readable by others, even for a moment);
    `durable`: fsync before returning."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(path, PRIVATE_FILE)  # an existing file keeps its mode on O_TRUNC


def blob_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


def write_blob(root: Path, data: bytes) -> str:
    """Store bytes durably (write 0600, fsync, rename); return their SHA-256."""
    digest = hashlib.sha256(data).hexdigest()
    target = blob_path(root, digest)
    if not target.exists():
        private_dir(root, tighten=True)
        private_dir(target.parent, tighten=True)
        tmp = target.with_suffix(".tmp")
        write_private(tmp, data, durable=True)
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
