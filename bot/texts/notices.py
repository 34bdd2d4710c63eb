"""The keyboards of the notifications services queue through the outbox, as Bot API JSON
(the outbox stores them; each is built in the recipient's language)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.buttons.aftercare import FollowUpList
from bot.buttons.draws import DrawExport, DrawRun
from bot.buttons.office import PublishCorrections
from bot.buttons.people import PeopleInvite, PeopleInviteDraw
from bot.buttons.replacements import ReplacementApprove, ReplacementFor, ReplacementReject
from bot.buttons.tasks import TaskCard
from bot.buttons.visits import VisitSign, VisitSignatures, VisitStart
from bot.i18n import Translator
from bot.rules.records import Task

Keyboard = dict[str, Any]


def inline(rows: Iterable[list[dict[str, str]]]) -> Keyboard:
    return {"inline_keyboard": list(rows)}


# ---------------------------------------------------------------------------- tasks
def card_button(index: int, task: Task) -> dict[str, str]:
    """The button opening a task's card, numbered as in the list it is part of."""
    return TaskCard(task.id).markup(f"📋 {index}. {task.target_name[:30]}")


def task_cards(tasks: Iterable[Task]) -> Keyboard:
    return inline([card_button(i, task)] for i, task in enumerate(tasks, start=1))


def open_tasks(t: Translator, tasks: list[tuple[int, str]], count: int) -> Keyboard:
    """A reminder's buttons: one per task (task id, target), at most three."""
    return inline(
        [TaskCard(task_id).markup(t._("📋 Open the task") if count == 1 else f"📋 {target}")]
        for task_id, target in tasks[:3])


def invite_draw(t: Translator, draw_id: int) -> Keyboard:
    return inline([[PeopleInviteDraw(draw_id).markup(
        t._("📨 Their invite sheet (QR cards and links)"))]])


def invite_each(t: Translator, people: list[tuple[int, str]]) -> Keyboard:
    """An invite button for each of these people (person id, name), three at most."""
    return inline([PeopleInvite(person_id).markup(
        t._("📨 Invite {name}").format(name=name[:30]))] for person_id, name in people[:3])


def invite(t: Translator, person_id: int, name: str) -> Keyboard:
    return invite_each(t, [(person_id, name)])


# ---------------------------------------------------------------------------- draws
def run_draw(t: Translator, plan_id: int) -> Keyboard:
    """Under a draw's announcement: the office's next step, and the files to keep."""
    return inline([[DrawRun(plan_id).markup(t._("🎲 Run the draw")),
                    DrawExport(plan_id).markup(t._("📦 Export the announcement"))]])


# --------------------------------------------------------------------- replacements
def decide(t: Translator, request_id: int) -> Keyboard:
    """Approve / Reject, for whoever may decide the request."""
    return inline([[ReplacementApprove(request_id).markup(t._("✅ Approve")),
                    ReplacementReject(request_id).markup(t._("❌ Reject"))]])


def reject_only(request_id: int) -> Keyboard:
    return inline([[ReplacementReject(request_id).markup("❌")]])


def replace_member(t: Translator, task_id: int, person_id: int, name: str) -> Keyboard:
    return inline([[ReplacementFor(task_id, person_id).markup(
        t._("🔁 Replace {name}").format(name=name[:30]))]])


# ------------------------------------------------------------------------- aftercare
def follow_ups(t: Translator) -> Keyboard:
    return inline([[FollowUpList().markup(t._("📋 My follow-ups"))]])


# ------------------------------------------------------------------------ publication
def corrections_due(t: Translator) -> Keyboard:
    return inline([[PublishCorrections().markup(t._("📢 Publish the 更正"))]])


# --------------------------------------------------------------------------- visits
def my_part(t: Translator, task_id: int) -> Keyboard:
    return inline([[VisitStart(task_id).markup(t._("▶️ My part of the visit"))]])


def sign(t: Translator, visit_id: int, short: str) -> Keyboard:
    return inline([[VisitSign(visit_id, short).markup(t._("✍️ Sign"))]])


def signatures(t: Translator, visit_id: int) -> Keyboard:
    return inline([[VisitSignatures(visit_id).markup(t._("✍️ Signatures and submission"))]])
