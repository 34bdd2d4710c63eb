"""Every button of the bot, declared once: its prefix and its typed fields.

A button kind is a frozen dataclass that subclasses `Button` with a prefix:

    @dataclass(frozen=True)
    class TaskCard(Button, prefix="task:c"):
        task_id: int

It gives its packing (`TaskCard(7).pack() == "v1:task:c:7"`, at most 64 bytes), its
parsing (`TaskCard.parse(data)`, which checks every field's type and range) and a check
(`TaskCard.matches`), as aiogram's CallbackData factories do. `parse_any` reads any button
of ours; the one button handler (handlers/common.py `Dispatcher`) parses each press with
it and dispatches through the journeys' tables from kind to function.

A button only names what was pressed; the handler re-checks from the database that this
person may do this to this record now. Field types: `int` (0 … 2⁶³−1, SQLite's integers),
`str` (a token of letters, digits and `_.-`, at most 40), a `StrEnum` (one of its values),
`date` (packed YYYYMMDD) and `X | None` (packed `none`; a missing last field reads None,
so that the buttons of messages sent before a field was added keep working).
"""

from __future__ import annotations

# Every journey's kinds, registered as their modules are imported (`parse_any` knows
# them all once this package is imported); import a kind from its journey's module.
from bot.buttons import (  # noqa: F401
    aftercare,
    corrections,
    draws,
    office,
    people,
    practice,
    replacements,
    tasks,
    visits,
    withdrawals,
)
from bot.buttons.base import INT_MAX, KINDS, MAX_BYTES, VERSION, BadCallback, Button, parse_any

__all__ = ["INT_MAX", "KINDS", "MAX_BYTES", "VERSION", "BadCallback", "Button", "parse_any"]
