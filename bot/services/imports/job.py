"""What each table's importer is given (`_Job`: the transaction, the report, the sheet and
its parsed rows), and the check of a natural key repeated in the file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.formats.sheets import HeaderMap, Sheet
from bot.i18n import N_
from bot.services.imports.report import ImportReport
from bot.services.personal import PhoneCipher
from storage import Tx


@dataclass
class _Job:
    tx: Tx
    report: ImportReport
    sheet: Sheet
    headers: list[str]
    mapping: HeaderMap
    rows: list[tuple[int, dict[str, Any]]]  # parsed by read_upload; bad rows reported
    now: datetime
    actor: str
    settings: Settings
    attached: dict[str, Path] = field(default_factory=dict)
    phones: PhoneCipher | None = None
    # Target codes staged in the same workbook but applied after the commit point (a
    # large directory): the recusals may name them.
    staged_codes: frozenset[str] = frozenset()

    def header(self, key: str) -> str:
        index = self.mapping.positions.get(key)
        return self.headers[index] if index is not None else self.sheet.column(key).header

    def parsed(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Typed rows without problems (read_upload reported the others)."""
        yield from self.rows


def _first_seen(job: _Job, seen: dict[Any, int], key: Any, number: int, column: str,
                value: str) -> bool:
    """Report a repeated natural key; True when this row is the first with it."""
    if key in seen:
        job.report.problem(number, job.header(column), value,
                           N_("appears twice in the file: first in row {first}"),
                           first=seen[key])
        return False
    seen[key] = number
    return True
