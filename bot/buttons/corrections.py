"""Corrections of a submitted record (更正)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.buttons.base import Button


@dataclass(frozen=True)
class CorrectionOpen(Button, prefix="cor:o"):
    """Correct a submitted record: the reason comes next, as text."""

    task_id: int


# -------------------------------------------------------------------------------- tasks
