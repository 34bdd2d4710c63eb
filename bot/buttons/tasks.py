"""Tasks: the list, the card, accepting."""

from __future__ import annotations

from dataclasses import dataclass

from bot.buttons.base import Button


@dataclass(frozen=True)
class TaskPage(Button, prefix="task:pg"):
    page: int


@dataclass(frozen=True)
class TaskCard(Button, prefix="task:c"):
    task_id: int


@dataclass(frozen=True)
class TaskAccept(Button, prefix="task:a"):
    task_id: int


@dataclass(frozen=True)
class TaskDetails(Button, prefix="task:d"):
    task_id: int


@dataclass(frozen=True)
class TaskRecord(Button, prefix="task:r"):
    task_id: int


# ------------------------------------------------------------------------- replacements
