"""After the visit: follow-ups and decisions."""

from __future__ import annotations

from dataclasses import dataclass

from bot.buttons.base import Button
from bot.rules.aftercare import DecisionKind, Penalty


@dataclass(frozen=True)
class FollowUpList(Button, prefix="fu:l"):
    """/followups: the follow-ups of the person (and of their departments)."""


@dataclass(frozen=True)
class FollowUpClose(Button, prefix="fu:c"):
    """Record a follow-up's outcome: its text, its day and its evidence come next."""

    follow_up_id: int


@dataclass(frozen=True)
class FollowUpToday(Button, prefix="fu:t"):
    """The outcome's day is today."""

    follow_up_id: int


@dataclass(frozen=True)
class FollowUpNoFile(Button, prefix="fu:nf"):
    """Close without a file: the outcome's text is the evidence."""

    follow_up_id: int


@dataclass(frozen=True)
class FollowUpHandOver(Button, prefix="fu:h"):
    """Hand a follow-up over: whom to, then why."""

    follow_up_id: int


@dataclass(frozen=True)
class FollowUpTo(Button, prefix="fu:to"):
    follow_up_id: int
    person_id: int


@dataclass(frozen=True)
class DecisionPick(Button, prefix="dec:p"):
    """Record the decision of an item found in violation (by the visit's item position)."""

    task_id: int
    position: int


@dataclass(frozen=True)
class DecisionKindPick(Button, prefix="dec:k"):
    task_id: int
    position: int
    kind: DecisionKind


@dataclass(frozen=True)
class DecisionPenalty(Button, prefix="dec:pen"):
    """The kind of penalty (bot/rules/aftercare.py PENALTIES), by its key."""

    penalty: Penalty


@dataclass(frozen=True)
class DecisionToday(Button, prefix="dec:t"):
    """The decision was made today."""


# ---------------------------------------------------------------------------- corrections
