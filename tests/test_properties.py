"""Properties of the small pure pieces, over many inputs."""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import callbacks
from bot.clock import now
from bot.logs import redact
from storage import Database

PART = st.from_regex(r"[A-Za-z0-9_.-]{1,12}", fullmatch=True)


@given(st.lists(PART, min_size=1, max_size=4))
def test_callback_round_trip(parts: list[str]) -> None:
    data = callbacks.encode(parts[0], *parts[1:])
    assert len(data.encode()) <= 64
    assert callbacks.decode(data) == (parts[0], parts[1:])


@given(st.text(max_size=80))
def test_any_callback_data_is_refused_or_understood(data: str) -> None:
    try:
        action, args = callbacks.decode(data)
    except callbacks.BadCallback:
        return
    assert callbacks.encode(action, *args) == data


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.text(max_size=20))
def test_phone_numbers_never_survive_redaction(phone: str, noise: str) -> None:
    assert phone not in redact(f"{noise} {phone} {noise}")


@settings(max_examples=25, deadline=None)
@given(row=st.integers(1, 6), column=st.sampled_from(["at", "actor", "action", "subject",
                                                      "payload"]),
       value=st.text(min_size=1, max_size=10))
def test_any_edit_of_any_row_is_caught(row: int, column: str, value: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.sqlite3"

        async def build() -> None:
            async with Database(path) as db:
                for i in range(6):
                    async with db.transaction() as tx:
                        await tx.audit.append("cli", "step", f"s:{i}", {"i": i}, now())

        async def check() -> tuple[int, str | None]:
            async with Database(path) as db, db.read() as rtx:
                _, problem = await rtx.audit.verify()
            return (problem.row_id, problem.reason) if problem else (0, None)

        asyncio.run(build())
        with sqlite3.connect(path) as conn:
            old = conn.execute(f"SELECT {column} FROM audit_log WHERE id = ?", (row,)).fetchone()[0]
            if old == value:
                return
            conn.execute("DROP TRIGGER audit_log_no_update")
            conn.execute(f"UPDATE audit_log SET {column} = ? WHERE id = ?", (value, row))
            conn.execute("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
                         " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")
        row_id, reason = asyncio.run(check())
        assert row_id == row and reason is not None and "edited" in reason
