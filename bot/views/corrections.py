"""The correction journey's words: its refusals and the list of records to correct."""

from __future__ import annotations

import html
from datetime import tzinfo

from bot.buttons.corrections import CorrectionOpen
from bot.i18n import Translator
from bot.rules.records import Correctable
from bot.services.errors import Refusal, Refused
from bot.texts.notices import Keyboard, inline
from bot.views.refusals import worded


def refusal_text(t: Translator, exc: Refused) -> str:
    return worded(t, exc, {
        Refusal.CORRECTION_OPEN: t._("A correction of this record is open already: continue it"
                                     " from the task card. Nothing was changed."),
        Refusal.LEADER_ONLY: t._("Only the office or the one who acts for the team (the"
                                 " leader, or a member while the leader cannot be reached)"
                                 " corrects a record."),
    })


def correctable_text(t: Translator, found: list[Correctable], tz: tzinfo) -> str:
    if not found:
        return t._("There is no submitted record for you to correct: a record is corrected by"
                   " the leader of its team or by the office.")
    lines = [t._("✏️ Which record needs a correction? The submitted record stays as it was;"
                 " the correction becomes a new version that supersedes it."), ""]
    for number, item in enumerate(found, start=1):
        state = t._(" · correction under way") if item.correcting else ""
        lines.append(t._("{n}. {target} · {plan} · version {version} of {date}").format(
            n=number, target=html.escape(item.target), plan=html.escape(item.plan),
            version=item.version,
            date=item.submitted_at.astimezone(tz).date().isoformat()) + state)
    return "\n".join(lines)


def ask_reason(t: Translator) -> str:
    return t._("Why is the record corrected? (for example: the wrong result was chosen for an"
               " item). The reason is kept on both versions and in the 更正 publication."
               " /cancel stops here, nothing changed.")


def opened_for_team_text(t: Translator) -> str:
    """To the office, who opened a correction the team carries out."""
    return t._("Correction opened; the team was told and makes the changes. The record's new"
               " version comes to you when the leader submits it.")


def opened_text(t: Translator) -> str:
    return t._("Correction opened; your team was told. Change what needs changing below.")


def correctable_keyboard(found: list[Correctable]) -> Keyboard | None:
    """A button for each record that may be corrected (and is not being corrected)."""
    rows = [[CorrectionOpen(item.task_id).markup(f"✏️ {number}. {item.target[:30]}")]
            for number, item in enumerate(found, start=1) if not item.correcting]
    return inline(rows) if rows else None
