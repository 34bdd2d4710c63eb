"""The draw journey's words: its refusals, with the next step."""

from __future__ import annotations

import html
from collections.abc import Sequence

from bot.buttons.base import Button
from bot.buttons.draws import (
    DrawCancel,
    DrawConfirm,
    DrawExport,
    DrawPlan,
    DrawPrepare,
    DrawRun,
    DrawWithdraw,
)
from bot.i18n import Translator
from bot.rules.models import BulkKind, BulkWrite
from bot.rules.records import DrawStatus, PlanLine
from bot.services.draws import ReadyToRun
from bot.services.errors import Refusal, Refused
from bot.texts.notices import Keyboard, inline
from bot.views.refusals import stale_text


def _draw_refusal(t: Translator, exc: Refused) -> str:
    """What the draw's rules refused, with the next step."""
    p = _escaped(exc)
    if exc.reason == Refusal.NOBODY_DRAWABLE:
        return _nobody_drawable(t, p)
    p["what"] = html.escape(_frozen_file(t, exc.params.get("file", "")))
    texts = {**_preparation_refusals(t), **_plan_rule_refusals(t),
             **_entropy_refusals(t), **_integrity_refusals(t)}
    text = texts.get(exc.reason)
    if text is None:
        return t._("Refused: {reason}").format(reason=html.escape(str(exc.reason)))
    return text.format(**p)


def _escaped(exc: Refused) -> dict[str, str]:
    """The refusal's parameters, each wording's missing ones empty (or 0), HTML-escaped."""
    p = {"stratum": "", "department": "", "target": "", "code": "", "plan": "",
         "plans": "", "expertise": "", "total": "0", "valid": "0", "skilled": "0",
         "date": "", "overall": "", "ratio": "", "maximum": "", "item": "", "lower": "",
         "higher": "", "lower_ratio": "", "higher_ratio": "", "lower_cap": "",
         "higher_cap": "", "source": "", "file": ""}
    p.update(exc.params)
    return {k: html.escape(v) for k, v in p.items()}


def _nobody_drawable(t: Translator, p: dict[str, str]) -> str:
    """Nobody of a department can be drawn for a firm: why, and what to do."""
    nothing = t._("Nothing was written.")
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
               " {why}. {nothing} The draw's inputs were frozen at prepare and cannot"
               " change now: add inspectors to the directory or name a fallback"
               " department, and load the plan again under a new name.").format(
        why=why, nothing=nothing, **{k: v for k, v in p.items() if k != "why"})


def _frozen_file(t: Translator, file: str) -> str:
    """A frozen file of the draw in words (its name when it is not one of them)."""
    frozen = {"pool.tsv": t._("the frozen pool (pool.tsv)"),
              "inspectors.tsv": t._("the frozen inspector list (inspectors.tsv)"),
              "recusals.tsv": t._("the frozen recusals (recusals.tsv)"),
              "announcement.json": t._("the announcement (announcement.json)"),
              "nonce": t._("the committed nonce")}
    return frozen.get(file, file)


def _preparation_refusals(t: Translator) -> dict[Refusal, str]:
    """Refusals about the plan named and the state of its draw."""
    return {
        Refusal.UNKNOWN_PLAN: t._("There is no plan named “{plan}”. The plans are:\n{plans}"),
        Refusal.ALREADY_PREPARED: t._("This plan's draw was prepared already (draw date {date}):"
                                      " it cannot be prepared twice. To prepare it again,"
                                      " cancel the preparation first (before the draw date)."),
        Refusal.NOT_PREPARED: t._("Prepare the draw first: its pool and commitment must be"
                                  " published before the draw."),
        Refusal.ALREADY_RUN: t._("This plan was drawn already: its tasks and record are final."),
        Refusal.DRAW_WRITING: t._("This plan's draw is being written now: the result comes to"
                                  " the office when it is done."),
        Refusal.BEFORE_DRAW_DATE: t._("The draw date ({date}) has not come yet: the public"
                                      " entropy is not known before it. Run the draw on or"
                                      " after that day."),
    }


def _plan_rule_refusals(t: Translator) -> dict[Refusal, str]:
    """Refusals of a plan that breaks a rule: its pool, ratios, caps and teams."""
    return {
        Refusal.EMPTY_POOL: t._("No target is eligible for this plan (scope, status, the yearly"
                                " cap). Nothing was written."),
        Refusal.RATIO_BELOW_MINIMUM: t._("Refused: the plan would check {overall} of the targets"
                                         " in scope, less than 5% (000 二(四)). Nothing was"
                                         " written."),
        Refusal.RATIO_ABOVE_ITEM_MAXIMUM: t._("Refused: the ratio {ratio} of stratum {stratum} is"
                                              " above the maximum {maximum} of general item"
                                              " {item}. Nothing was written."),
        Refusal.RATIOS_FALL: t._("Refused: the ratio of credit class {lower} ({lower_ratio}) is"
                                 " above that of {higher} ({higher_ratio}); a ratio may not fall"
                                 " as the risk rises. Correct the plan's file and load it"
                                 " again."),
        Refusal.CAP_ABOVE_TWO: t._("Refused: stratum {stratum} may be checked at most twice a"
                                   " year; only classes C and D, or a plan of key (重点) items"
                                   " only, may allow more. Correct the plan's file and load it"
                                   " again."),
        Refusal.CAPS_FALL: t._("Refused: the yearly cap of {lower} ({lower_cap}) is above that of"
                               " {higher} ({higher_cap}). Correct the plan's file and load it"
                               " again."),
        Refusal.NO_RATIO: t._("Refused: the plan has no ratio for credit class {stratum}. Nothing"
                              " was written."),
        Refusal.TEAM_TOO_SMALL: t._("Refused: a team of two cannot be formed for {target} ({code})."
                                    " Nothing was written. The draw's inputs were frozen at"
                                    " prepare: load the plan again under a new name with"
                                    " more inspectors or a fallback department."),
        Refusal.PLAN_CHANGED: t._("The plan {plan} was changed by an import while its draw"
                                  " was being prepared. Nothing was written: prepare it"
                                  " again."),
        Refusal.PLAN_NOT_PUBLISHED: t._("The plan {plan} is not published yet: the public"
                                        " reads a plan before its draw (一公开). Publish it"
                                        " first (/publish → 📅 Plans, or `choucha publish"
                                        " plan`), then prepare. Nothing was written."),
        Refusal.PLAN_CHANGED_SINCE_PUBLISHED: t._(
            "The plan {plan} was changed by an import since it was published on {date}:"
            " the draw must follow the plan the public read. Publish it again (/publish →"
            " 📅 Plans, or `choucha publish plan`), then prepare. Nothing was written."),
    }


def _entropy_refusals(t: Translator) -> dict[Refusal, str]:
    """Refusals of the entropy source and value, and of a cancellation."""
    return {
        Refusal.BAD_ENTROPY_SOURCE: t._("Please name the public entropy source in words, in 3"
                                        " to 300 characters: which lottery or index, and"
                                        " the day its value is published (for example"
                                        " China Welfare Lottery 3D, draw of {date})."),
        Refusal.ENTROPY_SOURCE_USED: t._("This entropy source was named by a cancelled"
                                         " preparation of this plan: “{source}”. Name another"
                                         " public source (a later lottery draw, for example)."),
        Refusal.BAD_ENTROPY: t._("Please send only the public value as the source published it:"
                                 " its digits (or a hash's letters and digits, a decimal"
                                 " point). Spaces and separators are ignored; a note or a"
                                 " label is not accepted, so that the value has one"
                                 " spelling only."),
        Refusal.BAD_CANCEL_REASON: t._("Please give the reason for cancelling in 3 to 300"
                                       " characters."),
        Refusal.CANCEL_TOO_LATE: t._("The preparation of {plan} can no longer be cancelled: its"
                                     " draw date {date} has come, and the public entropy may be"
                                     " known. Run the draw with the announced source; a change"
                                     " of plan is a new plan."),
        Refusal.UNSEALED_PREPARATION: t._("The draw of {plan} was prepared by an earlier version"
                                          " of Choucha, which did not freeze the inspectors and"
                                          " the plan's parameters. Cancel that preparation (any"
                                          " day: it was never sealed) and prepare it again with"
                                          " a new entropy source."),
    }


def _integrity_refusals(t: Translator) -> dict[Refusal, str]:
    """Refusals when the frozen inputs changed, or the draw's work could not finish."""
    return {
        Refusal.FROZEN_CHANGED: t._("Refused: {what} no longer matches what was announced at"
                                    " prepare. Nothing was drawn. The database or the file store"
                                    " was changed behind Choucha's back: tell the administrator,"
                                    " and check the audit chain (choucha audit verify)."),
        Refusal.BUSY: t._("Another large write (an import or a draw) is still under way. Try"
                          " again in a few minutes."),
        Refusal.NOT_RUN: t._("This plan has not been drawn yet."),
        Refusal.WORK_MEMORY: t._("The draw needed more memory than it is allowed and was stopped."
                                 " Nothing was written; tell the administrator."),
        Refusal.WORK_TIME: t._("The draw took longer than it is allowed and was stopped. Nothing"
                               " was written; tell the administrator."),
        Refusal.WORK_CRASHED: t._("The process computing the draw stopped unexpectedly. Nothing was"
                                  " written; run the draw again."),
    }


def confirm_run_text(t: Translator, ready: ReadyToRun) -> str:
    """Before a draw runs: what it draws from, the entropy as typed, and that it is final."""
    return "\n".join([
        t._("🎲 <b>Run the draw of {plan}?</b>").format(plan=html.escape(ready.plan)),
        t._("Draw date: {date}").format(date=ready.draw_date.isoformat()),
        t._("Targets in the frozen pool: {n}").format(n=ready.pool_size),
        t._("Entropy source (announced): {source}").format(
            source=html.escape(ready.entropy_source)),
        t._("Entropy value (in its one spelling): <code>{value}</code>").format(
            value=html.escape(ready.entropy)),
        t._("SHA-256 of the announcement drawn from: <code>{digest}</code> (compare it with"
            " the one published at prepare)").format(digest=ready.announcement_sha256),
        *(["", t._("⚠️ The announced source, {source}, publishes a value like {example};"
                     " “{value}” does not look like one. Check it before you confirm.").format(
            source=html.escape(ready.unlike.name), example=html.escape(ready.unlike.example),
            value=html.escape(ready.entropy))] if ready.unlike else []),
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


def state_label(t: Translator, status: DrawStatus | None) -> str:
    return {None: t._("not prepared"), DrawStatus.PREPARED: t._("prepared"),
            DrawStatus.CANCELLED: t._("not prepared"),
            DrawStatus.WRITING: t._("being written"), DrawStatus.RUN: t._("drawn")}[status]


def plan_text(t: Translator, plan: PlanLine) -> str:
    """A plan's screen: its draw date, where its draw stands, what comes next."""
    head = t._("<b>{plan}</b>\nDraw date: {date}").format(plan=html.escape(plan.name),
                                                         date=plan.draw_date.isoformat())
    nxt = {
        None: t._("Next: prepare the draw. Its pool, inspectors, recusals and parameters are"
                  " frozen and announced with a commitment, before the public entropy is"
                  " known."),
        DrawStatus.PREPARED: t._("Prepared: nothing that decides the draw can change now. On"
                                 " or after the draw date, run it with the public entropy"
                                 " value. Until the day before, the preparation can be"
                                 " cancelled with a reason (published)."),
        DrawStatus.WRITING: t._("Drawn: its tasks are being written now; the office is told"
                                " when they are all there."),
        DrawStatus.RUN: t._("Drawn: final. Export the record for anyone to verify."),
    }[plan.draw_status]
    return f"{head}\n{nxt}"


def ask_text(t: Translator, step: str, plan: PlanLine) -> str:
    """What a draw flow asks for next."""
    prompt = {
        "source": t._("Send the public entropy source you name in advance, for example"
                      " “中国福利彩票3D, draw of {date}”: a number that will be published"
                      " on the draw date, so that nobody knows it while the preparation can"
                      " still be cancelled."),
        "entropy": t._("Send the public entropy value now published by that source."),
        "cancel": t._("Why is the preparation of {plan} cancelled? Send the reason: it is"
                      " published with the commitment, and a new preparation will need"
                      " another entropy source."),
    }[step]
    return (prompt.format(date=plan.draw_date.isoformat(), plan=html.escape(plan.name))
            + "\n" + t._("Send /cancel to stop."))


def freezing_text(t: Translator, plan: str) -> str:
    return t._("⏳ Freezing the inputs of {plan}: the pool, the inspectors and the recusals."
               " The announcement comes here when it is done.").format(plan=html.escape(plan))


def waiting_text(t: Translator, current: BulkWrite) -> str:
    """Told once when a draw must wait for another large write to end."""
    if current.kind == BulkKind.IMPORT:
        return t._("⏳ A directory is being loaded ({done} of {total}); the draw goes on when"
                   " it is complete.").format(done=current.done, total=current.total)
    return t._("⏳ Another draw's tasks are being written ({done} of {total}); this goes on"
               " when it is complete.").format(done=current.done, total=current.total)


def exported_text(t: Translator, plan: PlanLine, names: list[str]) -> str:
    """After the files: what they are and what to do with them."""
    if "record.json" in names:
        return t._("The record of {plan} and the files it was drawn from. Anyone can check"
                   " it: `choucha draw verify FOLDER` with the five files, or the few lines"
                   " of docs/draw.md.").format(plan=html.escape(plan.name))
    return t._("The announcement of {plan} and its three frozen files, before the draw."
               " Publish them now: after the run, anyone holding them can tell whether"
               " anything moved.").format(plan=html.escape(plan.name))


def _inline(rows: list[list[tuple[str, Button]]]) -> Keyboard:
    return inline([button.markup(label) for label, button in row] for row in rows)


def no_plan_text(t: Translator) -> str:
    return t._("No plan is loaded yet: send the annual plan's file.")


def plans_screen(t: Translator, plans: Sequence[PlanLine]) -> tuple[str, Keyboard]:
    """/draw: the plans, each with where its draw stands."""
    return t._("Which plan?"), _inline(
        [[(f"{p.name[:40]} · {state_label(t, p.draw_status)}", DrawPlan(p.id))]
         for p in plans])


def plan_keyboard(t: Translator, plan: PlanLine) -> Keyboard | None:
    """A plan's next steps, by where its draw stands (none while it is written or after
    it was cancelled)."""
    plan_id = plan.id
    choices: dict[DrawStatus | None, list[tuple[str, Button]]] = {
        None: [(t._("Prepare the draw"), DrawPrepare(plan_id))],
        DrawStatus.PREPARED: [(t._("Run the draw"), DrawRun(plan_id)),
                              (t._("Export the announcement"), DrawExport(plan_id)),
                              (t._("Cancel the preparation"), DrawWithdraw(plan_id))],
        DrawStatus.WRITING: [],
        DrawStatus.RUN: [(t._("Export the record"), DrawExport(plan_id))],
        DrawStatus.CANCELLED: [],
    }
    steps = choices[plan.draw_status]
    return _inline([[step] for step in steps]) if steps else None


def office_only_text(t: Translator) -> str:
    return t._("Only the office runs draws.")


def confirm_run_keyboard(t: Translator, plan_id: int) -> Keyboard:
    return _inline([[(t._("✅ Run the draw now"), DrawConfirm(plan_id)),
                     (t._("✖ Cancel"), DrawCancel(plan_id))]])


def use_buttons_text(t: Translator) -> str:
    return t._("Please use the buttons above: run the draw, or cancel.")


def drawing_text(t: Translator, plan: str) -> str:
    return t._("⏳ Drawing {plan}: the targets are selected and the teams formed. The result"
               " comes here when it is done.").format(plan=html.escape(plan))


def sheet_caption(t: Translator, plan: str) -> str:
    return t._("{plan}: the drawn firms and their teams.").format(plan=html.escape(plan))


def run_cancelled_text(t: Translator) -> str:
    return t._("Cancelled: the draw was not run and nothing was changed. Run it again from"
               " /draw.")
