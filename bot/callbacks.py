"""Callback data: short versioned strings such as `v1:lang:en`, at most 64 bytes.

A button only names what was pressed; the handler re-checks from the database that
this person may do this to this record now.
"""

from __future__ import annotations

import re

VERSION = "v1"
_PART_RE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
_INT_RE = re.compile(r"^-?[0-9]+$")
INT_MIN, INT_MAX = -(2**63), 2**63 - 1


class BadCallback(ValueError):
    """Not a button this version of the bot made."""


def encode(action: str, *args: str | int) -> str:
    parts = [VERSION, action, *(str(a) for a in args)]
    for part in parts[1:]:
        if not _PART_RE.match(part):
            raise ValueError(f"bad callback part {part!r}")
    data = ":".join(parts)
    if len(data.encode()) > 64:
        raise ValueError(f"callback data over 64 bytes: {data}")
    return data


def decode(data: str | None) -> tuple[str, list[str]]:
    """(action, args) of a button made by `encode`; BadCallback for anything else."""
    if not data or len(data.encode()) > 64:
        raise BadCallback(data)
    parts = data.split(":")
    if len(parts) < 2 or parts[0] != VERSION or not all(_PART_RE.match(p) for p in parts[1:]):
        raise BadCallback(data)
    if any(_INT_RE.match(p) and not INT_MIN <= int(p) <= INT_MAX for p in parts[2:]):
        raise BadCallback(data)  # no id of ours is that large (SQLite's integers are 64-bit)
    return parts[1], parts[2:]
