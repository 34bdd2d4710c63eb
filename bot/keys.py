"""Secrets kept outside the database, in files only their owner can read (0600)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

WEBHOOK_SECRET_FILE = "webhook-secret"


def private_dir(path: Path) -> Path:
    """Create a folder only its owner can enter (0700); an existing one is left as it is
    (it may be the configuration's folder, shared with other things)."""
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        os.chmod(path, 0o700)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write a file created 0600 (never readable by others, even for a moment)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(path, 0o600)


def read_or_create(path: Path, make: bytes) -> bytes:
    """The secret in `path`; `make` written there (0600) when there is none yet."""
    if path.is_file():
        return path.read_bytes().strip()
    private_dir(path.parent)
    tmp = path.with_suffix(".tmp")
    write_private(tmp, make)
    os.replace(tmp, path)
    return make


def webhook_secret(key_dir: Path) -> str:
    """The webhook's secret token: generated once (256 bits, URL-safe) and kept."""
    return read_or_create(key_dir / WEBHOOK_SECRET_FILE,
                          secrets.token_urlsafe(32).encode()).decode()
