"""Withdrawals: an inspector unavailable from a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.buttons.base import Button
from bot.rules.withdrawals import Reason


@dataclass(frozen=True)
class WithdrawPerson(Button, prefix="wd:p"):
    person_id: int


@dataclass(frozen=True)
class WithdrawReason(Button, prefix="wd:r"):
    person_id: int
    reason: Reason


@dataclass(frozen=True)
class WithdrawFrom(Button, prefix="wd:d"):
    person_id: int
    reason: Reason
    day: date


@dataclass(frozen=True)
class WithdrawConfirm(Button, prefix="wd:ok"):
    """Record the withdrawal the confirmation summed up."""

    person_id: int
    reason: Reason
    day: date


@dataclass(frozen=True)
class WithdrawNo(Button, prefix="wd:no"):
    pass


# ------------------------------------------------------------------------ draws, digest
