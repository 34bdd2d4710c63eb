"""Replacements: asking, approving, choosing."""

from __future__ import annotations

from dataclasses import dataclass

from bot.buttons.base import Button
from bot.rules.approval import Reason


@dataclass(frozen=True)
class ReplacementAsk(Button, prefix="rep:ask"):
    """A member asks to be replaced: the reasons come next."""

    task_id: int


@dataclass(frozen=True)
class ReplacementReason(Button, prefix="rep:why"):
    task_id: int
    reason: Reason


@dataclass(frozen=True)
class ReplacementSend(Button, prefix="rep:send"):
    """Send the member's own request without a note."""

    task_id: int


@dataclass(frozen=True)
class ReplacementAbsent(Button, prefix="rep:ab"):
    """A leader tells the approvers that a member is absent."""

    task_id: int
    person_id: int


@dataclass(frozen=True)
class ReplacementForList(Button, prefix="rep:obl"):
    """An approver replaces a member: whom?"""

    task_id: int


@dataclass(frozen=True)
class ReplacementFor(Button, prefix="rep:ob"):
    task_id: int
    person_id: int


@dataclass(frozen=True)
class ReplacementForReason(Button, prefix="rep:obr"):
    task_id: int
    person_id: int
    reason: Reason


@dataclass(frozen=True)
class ReplacementForSend(Button, prefix="rep:obs"):
    task_id: int
    person_id: int


@dataclass(frozen=True)
class ReplacementApprove(Button, prefix="rep:ok"):
    request_id: int


@dataclass(frozen=True)
class ReplacementReject(Button, prefix="rep:no"):
    request_id: int


# ------------------------------------------------------------------------------- visits
