"""The draw journey's words: its refusals, with the next step."""

from __future__ import annotations

import html

from bot.i18n import Translator
from bot.services.draws import ReadyToRun
from bot.services.errors import Refusal, Refused
from bot.views.refusals import stale_text


def _draw_refusal(t: Translator, exc: Refused) -> str:
    """What the draw's rules refused, with the next step."""
    p = {"stratum": "", "department": "", "target": "", "code": "", "plan": "",
         "plans": "", "expertise": "", "total": "0", "valid": "0", "skilled": "0"}
    p.update(exc.params)
    p = {k: html.escape(v) for k, v in p.items()}
    nothing = t._("Nothing was written.")
    if exc.reason == Refusal.NOBODY_DRAWABLE:
        if p["total"] == "0":
            why = t._("the department has no inspector in the directory")
        elif p["valid"] == "0":
            why = t._("none of its {total} inspectors holds a 执法证 valid on the draw date"
                      ).format(**p)
        elif p["expertise"] and p["skilled"] == "0":
            why = t._("none of its {valid} inspectors with a valid 执法证 has the expertise"
                      " {expertise}").format(**p)
        else:
            why = t._("its {skilled} drawable inspectors are all recused from this firm or"
                      " already on its team").format(**p)
        return t._("Refused: nobody of {department} can be drawn for {target} ({code}):"
                   " {why}. {nothing} Add inspectors to the directory or name a fallback"
                   " department in the plan, then run the draw again.").format(
            why=why, nothing=nothing, **{k: v for k, v in p.items() if k != "why"})
    texts = {
        Refusal.UNKNOWN_PLAN: t._("There is no plan named “{plan}”. The plans are:\n{plans}"),
        Refusal.ALREADY_PREPARED: t._("This plan's draw was prepared already; it cannot be prepared"
                                      " twice."),
        Refusal.NOT_PREPARED: t._("Prepare the draw first: its pool and commitment must be"
                                  " published"
                                  " before the draw."),
        Refusal.ALREADY_RUN: t._("This plan was drawn already."),
        Refusal.BEFORE_DRAW_DATE: t._("The draw date has not come yet: the public entropy is not"
                                      " known before it."),
        Refusal.EMPTY_POOL: t._("No target is eligible for this plan (scope, status, twice a year)."
                                " Nothing was written."),
        Refusal.RATIO_BELOW_MINIMUM: t._("Refused: the plan would check less than 5% of the targets"
                                         " in scope. Nothing was written."),
        Refusal.RATIO_ABOVE_ITEM_MAXIMUM: t._("Refused: a ratio is above a general item's maximum."
                                              " Nothing was written."),
        Refusal.NO_RATIO: t._("Refused: the plan has no ratio for credit class {stratum}. Nothing"
                              " was written."),
        Refusal.YEAR_CAP_NEEDS_KEY_ITEMS: t._("Only a plan of key (重点) items may change the limit"
                                              " of"
                                              " two checks a year."),
        Refusal.TEAM_TOO_SMALL: t._("Refused: a team of two cannot be formed for {target} ({code})."
                                    " Nothing was written."),
        Refusal.BAD_ENTROPY_SOURCE: t._("Please describe the public entropy source in 3 to 300"
                                        " characters."),
        Refusal.BAD_ENTROPY: t._("Please send the public entropy value (1 to 300 characters)."),
        Refusal.NOT_RUN: t._("This plan has not been drawn yet."),
        Refusal.WORK_MEMORY: t._("The draw needed more memory than it is allowed and was stopped."
                                 " Nothing was written; tell the administrator."),
        Refusal.WORK_TIME: t._("The draw took longer than it is allowed and was stopped. Nothing"
                               " was written; tell the administrator."),
        Refusal.WORK_CRASHED: t._("The process computing the draw stopped unexpectedly. Nothing was"
                                  " written; run the draw again."),
    }
    text = texts.get(exc.reason, t._("Refused: {reason}").format(reason=exc.reason))
    return text.format(**p)


def confirm_run_text(t: Translator, ready: ReadyToRun) -> str:
    """Before a draw runs: what it draws from, the entropy as typed, and that it is final."""
    return "\n".join([
        t._("🎲 <b>Run the draw of {plan}?</b>").format(plan=html.escape(ready.plan)),
        t._("Draw date: {date}").format(date=ready.draw_date.isoformat()),
        t._("Targets in the frozen pool: {n}").format(n=ready.pool_size),
        t._("Entropy source (announced): {source}").format(
            source=html.escape(ready.entropy_source)),
        t._("Entropy value (as you typed it): <code>{value}</code>").format(
            value=html.escape(ready.entropy)),
        "",
        t._("This cannot be undone: the targets and teams drawn are final, the tasks are sent"
            " to the inspectors at once and the record is published for anyone to verify."
            " Check the value against the source before you confirm."),
    ])


def not_office_text(t: Translator) -> str:
    return t._("Only the office runs draws.")


def refusal_text(t: Translator, exc: Refused) -> str:
    """Why a draw was refused, in the reader's language (HTML), with the next step."""
    if exc.reason == Refusal.NOT_OFFICE:
        return not_office_text(t)
    if exc.reason == Refusal.NO_PLAN:
        return t._("There is no such plan any more.")
    if exc.reason == Refusal.STALE:
        return stale_text(t)
    return _draw_refusal(t, exc)
