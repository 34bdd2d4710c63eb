"""A practice run: trying a checklist before attaching it (bot/services/practice.py).
`index` is the question's place in the form as asked, checked against the one asked."""

from __future__ import annotations

from dataclasses import dataclass

from bot.buttons.base import Button


@dataclass(frozen=True)
class PracticeChoose(Button, prefix="prc:c"):
    index: int
    choice: int


@dataclass(frozen=True)
class PracticeToggle(Button, prefix="prc:t"):
    index: int
    choice: int


@dataclass(frozen=True)
class PracticeDone(Button, prefix="prc:d"):
    index: int


@dataclass(frozen=True)
class PracticeSkip(Button, prefix="prc:s"):
    index: int


@dataclass(frozen=True)
class PracticeBack(Button, prefix="prc:b"):
    index: int


@dataclass(frozen=True)
class PracticeDefault(Button, prefix="prc:df"):
    index: int


@dataclass(frozen=True)
class PracticeStop(Button, prefix="prc:x"):
    pass


@dataclass(frozen=True)
class PracticeAgain(Button, prefix="prc:a"):
    pass


@dataclass(frozen=True)
class PracticeAttach(Button, prefix="prc:at"):
    pass
