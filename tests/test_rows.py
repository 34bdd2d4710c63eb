"""storage/rows.py: the one place a database row becomes a typed record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.rules.records import SignatureKind, TaskStatus
from storage.base import to_db_time
from storage.rows import to_record


@dataclass(frozen=True)
class Sample:
    id: int
    status: TaskStatus
    due: date
    at: datetime
    done_at: datetime | None
    leader: bool
    kind: SignatureKind | None
    detail: dict[str, Any]
    tags: list[str]
    note: str | None
    extra: int = 7


def row(**changes: Any) -> dict[str, Any]:
    base = {"id": 3, "status": "in_progress", "due": "2026-12-31",
            "at": "2026-12-01T02:03:04.000005Z", "done_at": None, "leader": 1,
            "kind": "party_paper", "detail": '{"kind":"abstain"}', "tags": '["a","b"]',
            "note": None, "unrelated": "ignored"}
    return {**base, **changes}


def test_each_field_is_converted_by_its_type() -> None:
    found = to_record(Sample, row())
    assert found == Sample(3, TaskStatus.IN_PROGRESS, date(2026, 12, 31),
                           datetime(2026, 12, 1, 2, 3, 4, 5, tzinfo=UTC), None, True,
                           SignatureKind.PARTY_PAPER, {"kind": "abstain"}, ["a", "b"], None)
    assert found.extra == 7  # the query has no such column: the field's default
    assert to_db_time(found.at) == "2026-12-01T02:03:04.000005Z"  # the stored text again


def test_null_json_reads_as_empty_and_optional_times_are_parsed() -> None:
    found = to_record(Sample, row(detail=None, tags=None, done_at="2026-12-02T00:00:00.000000Z",
                                  leader=0, kind=None))
    assert found.detail == {} and found.tags == []
    assert found.done_at == datetime(2026, 12, 2, tzinfo=UTC)
    assert found.leader is False and found.kind is None


def test_a_missing_column_or_an_unknown_status_fails_loudly() -> None:
    incomplete = row()
    del incomplete["due"]
    with pytest.raises(KeyError, match=r"Sample\.due"):
        to_record(Sample, incomplete)
    with pytest.raises(ValueError):
        to_record(Sample, row(status="archived"))

