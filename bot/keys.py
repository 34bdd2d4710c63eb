"""Secrets kept outside the database, in files only their owner can read (0600)."""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from storage.files import PRIVATE_FILE, private_dir, stage_private, sync_dir

logger = logging.getLogger(__name__)

WEBHOOK_SECRET_FILE = "webhook-secret"


def read_or_create(path: Path, make: bytes) -> bytes:
    """The secret in `path`; `make` written there (0600) when there is none yet.

    Made exclusively: the secret is written whole to a file of its own, then linked to
    `path`, which fails when another process made it first; that one's is then used, so
    two processes starting together never hold different keys. A key file others may
    read (copied with a loose mode) is narrowed to 0600 and said so in the log."""
    if path.exists() and not path.is_file():
        raise OSError(f"{path} is not a file: a key is kept in a file of that name")
    if path.is_file():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, PRIVATE_FILE)
            logger.warning("%s could be read by others (mode %o): narrowed to 600", path,
                           mode)
        return path.read_bytes().strip()
    private_dir(path.parent)  # an existing folder (the configuration's) is left as it is
    staged = stage_private(path, make)
    try:
        os.link(staged, path)
    except FileExistsError:
        return path.read_bytes().strip()  # another process made it: theirs holds
    except OSError:  # a file system without hard links: create it exclusively instead
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        except FileExistsError:
            return path.read_bytes().strip()
        try:
            os.write(fd, make)
            os.fsync(fd)
        finally:
            os.close(fd)
    finally:
        staged.unlink(missing_ok=True)
    sync_dir(path.parent)  # the name survives a crash, as the rows sealed with it will
    return make


def webhook_secret(key_dir: Path) -> str:
    """The webhook's secret token: generated once (256 bits, URL-safe) and kept."""
    return read_or_create(key_dir / WEBHOOK_SECRET_FILE,
                          secrets.token_urlsafe(32).encode()).decode()
