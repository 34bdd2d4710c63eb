"""The digest's words: its refusals."""

from __future__ import annotations

from collections.abc import Sequence

from bot.buttons.office import DigestPlan
from bot.i18n import Translator
from bot.rules.records import PlanTasks
from bot.services.errors import Refusal, Refused
from bot.texts.notices import Keyboard, inline
from bot.views.refusals import worded


def not_office_text(t: Translator) -> str:
    return t._("The digest is for the office.")


def refusal_text(t: Translator, exc: Refused) -> str:
    return worded(t, exc, {Refusal.NOT_OFFICE: not_office_text(t)})


def no_plan_text(t: Translator) -> str:
    return t._("No plan has tasks yet.")


def plans_screen(t: Translator, plans: Sequence[PlanTasks]) -> tuple[str, Keyboard]:
    """/digest plan: which plan's summary."""
    return t._("Which plan?"), inline([DigestPlan(p.id).markup(f"{p.name[:40]} ({p.tasks})")]
                                      for p in plans[:30])
