"""Secrets kept outside the database, in files only their owner can read (0600)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from storage.files import private_dir, write_private

WEBHOOK_SECRET_FILE = "webhook-secret"


def read_or_create(path: Path, make: bytes) -> bytes:
    """The secret in `path`; `make` written there (0600) when there is none yet."""
    if path.is_file():
        return path.read_bytes().strip()
    private_dir(path.parent)  # an existing folder (the configuration's) is left as it is
    tmp = path.with_suffix(".tmp")
    write_private(tmp, make)
    os.replace(tmp, path)
    return make


def webhook_secret(key_dir: Path) -> str:
    """The webhook's secret token: generated once (256 bits, URL-safe) and kept."""
    return read_or_create(key_dir / WEBHOOK_SECRET_FILE,
                          secrets.token_urlsafe(32).encode()).decode()
