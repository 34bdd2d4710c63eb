"""The hashes that signatures bind to."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any


def canonical(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def digest(data: Any) -> str:
    return hashlib.sha256(canonical(data)).hexdigest()


def all_results_in(results: Iterable[str | None]) -> bool:
    """Every item has a result (and there is at least one item)."""
    listed = list(results)
    return bool(listed) and all(listed)
