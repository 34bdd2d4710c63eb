"""Draws."""

from __future__ import annotations

from dataclasses import dataclass

from bot.buttons.base import Button


@dataclass(frozen=True)
class DrawPlan(Button, prefix="draw:p"):
    plan_id: int


@dataclass(frozen=True)
class DrawPrepare(Button, prefix="draw:prep"):
    plan_id: int


@dataclass(frozen=True)
class DrawRun(Button, prefix="draw:run"):
    plan_id: int


@dataclass(frozen=True)
class DrawExport(Button, prefix="draw:exp"):
    plan_id: int


@dataclass(frozen=True)
class DrawConfirm(Button, prefix="draw:ok"):
    """Run the draw with the entropy value just typed (kept in the conversation)."""

    plan_id: int


@dataclass(frozen=True)
class DrawCancel(Button, prefix="draw:no"):
    plan_id: int


@dataclass(frozen=True)
class DrawWithdraw(Button, prefix="draw:wd"):
    """Cancel a plan's preparation (before the draw date): the reason is asked next."""

    plan_id: int


# ---- a practice run: trying a checklist before attaching it (bot/services/practice.py).
# `index` is the question's place in the form as asked, checked against the one asked.
