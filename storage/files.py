"""Content-addressed files (evidence photos, generated cards and records).

The bytes live under `<data dir>/files/ab/abcdef…`; the table remembers each file's
SHA-256, size and type. Writing a file twice stores it once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
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


def stage_private(path: Path, data: bytes) -> Path:
    """Write `data` durably (0600, fsynced) to a new file beside `path`, in the same folder,
    so that `put_in_place` is one atomic rename; return that file. `path` itself (an
    earlier file of that name) is not touched."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    staged = Path(name)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        staged.unlink(missing_ok=True)
        raise
    os.close(fd)
    return staged


def put_in_place(staged: Path, path: Path) -> None:
    """Rename a staged file to its name (replacing an earlier file) and make that durable."""
    staged.replace(path)
    sync_dir(path.parent)


def replace_private(path: Path, data: bytes) -> None:
    """Write a private file whole or not at all: an earlier file of that name stays as it
    was until the new one is complete."""
    put_in_place(stage_private(path, data), path)


def may_write_in(folder: Path) -> bool:
    """Whether this process can create a file in `folder` (tried, not guessed from the
    mode bits: root, read-only mounts and ACLs all answer truly)."""
    try:
        fd, name = tempfile.mkstemp(prefix=".choucha-", suffix=".tmp", dir=folder)
    except OSError:
        return False
    os.close(fd)
    Path(name).unlink(missing_ok=True)
    return True


def blob_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


def sync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (the file's own fsync does not cover its name)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_blob(root: Path, data: bytes) -> str:
    """Store bytes durably (write 0600, fsync, rename, fsync the folder); return their
    SHA-256."""
    digest = hashlib.sha256(data).hexdigest()
    target = blob_path(root, digest)
    if not target.exists():
        private_dir(root, tighten=True)
        private_dir(target.parent, tighten=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        write_private(tmp, data, durable=True)
        tmp.replace(target)
        sync_dir(target.parent)
    return digest


def read_blob(root: Path, sha256: str) -> bytes:
    return blob_path(root, sha256).read_bytes()


def blob_matches(root: Path, sha256: str, chunk: int = 1 << 20) -> bool:
    """The stored file still has the SHA-256 it is named by (read piece by piece)."""
    digest = hashlib.sha256()
    try:
        with blob_path(root, sha256).open("rb") as fh:
            while piece := fh.read(chunk):
                digest.update(piece)
    except FileNotFoundError:
        return False
    return digest.hexdigest() == sha256


class BlobWriter:
    """Bytes written into the file store piece by piece (0600, fsync, rename), so that a
    large file is never held whole in memory; `close()` gives its SHA-256."""

    def __init__(self, root: Path) -> None:
        self.root = root
        private_dir(root, tighten=True)
        self._tmp = root / f".writing-{os.getpid()}-{os.urandom(6).hex()}"
        self._fd = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        self._sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._sha.update(data)
        self.size += len(data)
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view):]

    def close(self) -> str:
        os.fsync(self._fd)
        os.close(self._fd)
        digest = self._sha.hexdigest()
        target = blob_path(self.root, digest)
        if target.exists():
            self._tmp.unlink()
        else:
            private_dir(target.parent, tighten=True)
            self._tmp.replace(target)
            sync_dir(target.parent)
        return digest

    def abort(self) -> None:
        os.close(self._fd)
        self._tmp.unlink(missing_ok=True)


class FileRepo(Repo):
    async def remember(self, sha256: str, size: int, mime_type: str | None, now: datetime) -> None:
        await self.execute(
            "INSERT INTO files (sha256, size, mime_type, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (sha256) DO NOTHING",
            (sha256, size, mime_type, to_db_time(now)),
        )
