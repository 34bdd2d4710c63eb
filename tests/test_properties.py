"""Properties of the small pure pieces, over many inputs."""

from __future__ import annotations

import asyncio
import enum
import sqlite3
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import buttons
from bot.clock import now
from bot.logs import redact
from bot.rules.models import AuditAction
from storage import Database

PART = st.from_regex(r"[A-Za-z0-9_.-]{1,12}", fullmatch=True).filter(lambda p: p != "none")


def _values(kind: type[buttons.Button]) -> st.SearchStrategy[buttons.Button]:
    """Any instance of a button kind, its fields drawn by their declared types."""
    strategies: dict[str, st.SearchStrategy[object]] = {}
    for f in kind._fields():
        base: st.SearchStrategy[object]
        if f.kind is int:
            base = st.integers(0, buttons.INT_MAX)
        elif f.kind is date:
            base = st.dates(date(1900, 1, 1))
        elif issubclass(f.kind, enum.Enum):
            base = st.sampled_from(list(f.kind))
        else:
            base = PART
        strategies[f.name] = st.none() | base if f.optional else base
    return st.builds(kind, **strategies)


ANY_BUTTON = st.sampled_from(sorted(buttons.KINDS.values(), key=lambda k: k.prefix)).flatmap(
    _values)


@given(ANY_BUTTON)
def test_every_button_kind_round_trips(button: buttons.Button) -> None:
    """Packing then parsing gives the same button, for every kind; data that would be over
    Telegram's 64 bytes is refused when the button is made, never sent."""
    try:
        data = button.pack()
    except ValueError:
        return
    assert len(data.encode()) <= 64
    assert type(button).parse(data) == button
    assert buttons.parse_any(data) == button
    assert all(other.matches(data) == (other is type(button))
               for other in buttons.KINDS.values())


@given(st.text(max_size=80) | st.builds(lambda parts: "v1:" + ":".join(parts),
                                        st.lists(PART | st.integers().map(str), max_size=5)))
def test_any_callback_data_is_refused_or_understood(data: str) -> None:
    try:
        button = buttons.parse_any(data)
    except buttons.BadCallback:
        return
    assert buttons.parse_any(button.pack()) == button


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
                        await tx.audit.append("cli", AuditAction.PERSON_LANGUAGE, f"s:{i}",
                                              {"i": i}, now())

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
