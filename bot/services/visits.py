"""The visit on site: check-in, the checklist one question at a time, evidence, results,
signatures and submission. Every step commits before anything is shown; where the person
is lives in the `conversations` row, so a restart or a second device resumes in place.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import hashlib
import html
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from bot.clock import now as clock_now
from bot.core import Core
from bot.i18n import Translator
from bot.rules import visit as rules
from bot.rules.checklist import Checklist, Question
from bot.rules.models import AuditAction, Conversation, PartySigner, Person, Role
from bot.rules.records import (
    Checkin,
    Evidence,
    EvidenceKind,
    FollowUp,
    Record,
    Signature,
    SignatureKind,
    SignToken,
    Task,
    TaskStatus,
    TeamMember,
    Visit,
    VisitAnswer,
    VisitItem,
    VisitStatus,
)
from bot.services.errors import Refusal, Refused
from bot.services.notify import enqueue_document, enqueue_text
from bot.views.buttons import VisitSign, VisitSignatures, VisitStart
from bot.workers import DOCUMENT
from storage import ReadTx, Tx
from storage.base import to_db_time
from storage.files import read_blob, write_blob

FLOW = "visit"
TOKEN_PREFIX = "s_"
TOKEN_MINUTES = 30
MAX_PHOTOS = 20



class VisitStep(enum.StrEnum):
    """Where a member is in a visit: the conversation's step (what their next text,
    photo or location answers)."""

    CHECKIN = "checkin"
    CHECKIN_REASON = "checkin_reason"
    HOME = "home"
    REVIEW = "review"
    Q = "q"
    RESULT = "result"
    NC_KIND = "nc_kind"
    NC_TEXT = "nc_text"
    ORDER_TEXT = "order_text"
    FU_KIND = "fu_kind"
    FU_DUE = "fu_due"
    FU_OWNER = "fu_owner"
    SIGNATURES = "signatures"
    SHORTCUT = "shortcut"
    PAPER = "paper"
    MEMBER_PAPER = "member_paper"
    REFUSE_REASON = "refuse_reason"
    WITNESS = "witness"
    WITNESS_PHOTO = "witness_photo"


class Screen(enum.StrEnum):
    """What a visit shows next (a `View`'s kind); bot/views/visits.py renders each."""

    CHECKIN = "checkin"
    CHECKIN_REASON = "checkin_reason"
    HOME = "home"
    QUESTION = "question"
    PHOTO_SAVED = "photo_saved"
    PAUSED = "paused"
    REVIEW = "review"
    RESULT = "result"
    NC_KIND = "nc_kind"
    NC_TEXT = "nc_text"
    ORDER_TEXT = "order_text"
    FU_KIND = "fu_kind"
    FU_DUE = "fu_due"
    FU_OWNER = "fu_owner"
    PART_DONE = "part_done"
    SHORTCUT = "shortcut"
    SHORTCUT_PHOTO = "shortcut_photo"
    SIGNATURES = "signatures"
    PARTY_QR = "party_qr"
    PAPER = "paper"
    MEMBER_PAPER = "member_paper"
    REFUSE_REASON = "refuse_reason"
    WITNESS = "witness"
    WITNESS_PHOTO = "witness_photo"
    SUBMITTED = "submitted"


TEXT_STEPS = (VisitStep.CHECKIN, VisitStep.CHECKIN_REASON, VisitStep.Q, VisitStep.NC_TEXT,
              VisitStep.ORDER_TEXT, VisitStep.FU_DUE, VisitStep.REFUSE_REASON, VisitStep.WITNESS)
PHOTO_STEPS = (VisitStep.Q, VisitStep.SHORTCUT, VisitStep.PAPER, VisitStep.WITNESS_PHOTO,
               VisitStep.MEMBER_PAPER)


@dataclass(frozen=True)
class Item:
    row: VisitItem
    checklist: Checklist | None
    answers: dict[str, rules.Answer]
    meta: dict[str, VisitAnswer]
    photos: dict[str, list[Evidence]]

    @property
    def code(self) -> str:
        return self.row.item_code

    @property
    def position(self) -> int:
        return self.row.position

    @property
    def result(self) -> str | None:
        return self.row.result

    @property
    def detail(self) -> dict[str, Any]:
        return self.row.detail

    def relevant(self, today: date) -> list[Question]:
        return rules.relevant_questions(self.checklist, self.answers, today) \
            if self.checklist else []

    def progress(self, today: date) -> tuple[int, int]:
        relevant = self.relevant(today)
        return sum(1 for q in relevant if q.name in self.answers), len(relevant)

    def question_index(self, name: str) -> int:
        assert self.checklist is not None
        return next(i for i, q in enumerate(self.checklist.questions) if q.name == name)


@dataclass(frozen=True)
class State:
    task: Task
    visit: Visit
    members: list[TeamMember]
    items: list[Item]
    checkins: list[Checkin]
    evidence: list[Evidence]
    follow_ups: list[FollowUp]
    today: date
    tz: tzinfo = UTC
    signatures: list[Signature] = field(default_factory=list)

    @property
    def id(self) -> int:
        return int(self.visit.id)

    def local(self, value: datetime | None) -> str:
        """A time as the office's local time, for people to read."""
        if value is None:
            return "—"
        return value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")

    @property
    def open(self) -> bool:
        return self.visit.status == VisitStatus.OPEN

    def member(self, person_id: int) -> TeamMember | None:
        return next((m for m in self.members if m.person_id == person_id), None)

    @property
    def leader(self) -> TeamMember | None:
        return next((m for m in self.members if m.leader), None)

    def is_leader(self, person_id: int) -> bool:
        return bool(self.leader and self.leader.person_id == person_id)

    def name_of(self, person_id: int | None) -> str:
        member = self.member(person_id) if person_id is not None else None
        return str(member.name) if member else "—"

    def item(self, position: int) -> Item:
        found = next((i for i in self.items if i.position == position), None)
        if found is None:
            raise Refused(Refusal.STALE)
        return found

    def mine(self, person_id: int) -> list[Item]:
        return [i for i in self.items if i.row.answerer == person_id]

    @property
    def results_in(self) -> bool:
        return rules.all_results_in(i.result for i in self.items)

    @property
    def started(self) -> bool:
        return any(i.answers or i.result for i in self.items)

    def content(self) -> dict[str, Any]:
        """What the team and the party sign: everything found, nothing about signatures."""
        task = self.task
        items = []
        for item in self.items:
            answers = []
            for question in item.relevant(self.today):
                answer = item.answers.get(question.name)
                if answer is None:
                    continue
                meta = item.meta[question.name]
                photos = [p.sha256 for p in item.photos.get(question.name, [])]
                answers.append({
                    "question": question.name, "label": rules.label(question, "zh_CN"),
                    "type": question.type, "value": answer.value, "skipped": answer.skipped,
                    # the record's font has no emoji: photos are counted in words
                    "display": f"照片 {len(photos)} 张" if question.type == "image"
                    else rules.display(question, answer, "zh_CN", len(photos)),
                    "by": meta.answered_by_name, "at": to_db_time(meta.answered_at),
                    "photos": photos,
                })
            follow = next((f for f in self.follow_ups if f.item_code == item.code), None)
            items.append({
                "code": item.code, "name": item.row.name,
                "department": item.row.department, "basis": item.row.basis,
                "checklist_version": item.row.checklist_version,
                "checklist_sha256": item.row.checklist_sha256,
                "answerer": item.row.answerer_name, "answers": answers,
                "result": item.result,
                "result_wording": rules.RESULTS[item.result][0] if item.result else None,
                "detail": item.detail, "result_by": self.name_of(item.row.result_by),
                "result_at": _stored(item.row.result_at),
                "follow_up": {"kind": follow.kind, "due": follow.due_date.isoformat(),
                              "owner": follow.owner_name} if follow else None,
            })
        return {
            "kind": "choucha-record-v1",
            "task": {"id": task.id, "plan": task.plan, "target_code": task.target_code,
                     "target_name": task.target_name, "address": task.address,
                     "window": [task.window_start.isoformat(),
                                task.window_due.isoformat()]},
            "team": [{"name": m.name, "department": m.department,
                      "cert_no": m.cert_no, "leader": bool(m.leader)}
                     for m in self.members],
            "started_at": to_db_time(self.visit.started_at),
            "shortcut": self.visit.shortcut,
            "shortcut_photos": [e.sha256 for e in self.evidence if e.kind == EvidenceKind.SHORTCUT],
            "checkins": [{"name": c.name, "at": to_db_time(c.at), "latitude": c.latitude,
                          "longitude": c.longitude, "skip_reason": c.skip_reason,
                          **({"flag": c.flag} if c.flag else {})}
                         for c in self.checkins],
            "items": items,
        }

    @functools.cached_property
    def content_hash(self) -> str:
        return rules.digest(self.content())

    def signed(self, person_id: int) -> bool:
        return any(s.kind.of_member and s.person_id == person_id for s in self.signatures)

    @property
    def party_signature(self) -> Signature | None:
        return next((s for s in self.signatures if not s.kind.of_member), None)

    @property
    def party_needed(self) -> bool:
        """Nobody to sign where the registered premises cannot be reached (第二十一条)."""
        return self.visit.shortcut != "unreachable"

    @property
    def unsigned(self) -> list[TeamMember]:
        return [m for m in self.members if not self.signed(m.person_id)]

    @property
    def complete(self) -> bool:
        return self.results_in and not self.unsigned and (
            self.party_signature is not None or not self.party_needed)

    def signature_records(self) -> list[dict[str, Any]]:
        return [{"kind": s.kind, "name": s.name, "at": to_db_time(s.signed_at),
                 "tg_user_id": s.tg_user_id, "content_hash": s.content_hash,
                 "evidence_sha256": s.evidence_sha256, "reason": s.reason,
                 "witness": s.witness, "witness_sha256": s.witness_sha256,
                 **({"recorded_by": s.recorded_by_name} if s.recorded_by else {}),
                 **({"role": s.party_role, "id_last4": s.id_last4,
                     "opinion": s.opinion, "opinion_text": s.opinion_text}
                    if s.party_role else {})}
                for s in self.signatures]

    def absent(self, person_id: int | None = None) -> list[TeamMember]:
        """Members (other than `person_id`) Choucha cannot reach."""
        return unreachable(self.members, person_id)


def unreachable(members: list[TeamMember], but: int | None = None) -> list[TeamMember]:
    """Members (other than `but`) Choucha cannot reach: not registered, or they blocked the
    bot."""
    return [m for m in members if m.person_id != but and not m.reachable]


def _stored(value: datetime | None) -> str | None:
    """A time as the record states it: the stored UTC text."""
    return None if value is None else to_db_time(value)


@dataclass(frozen=True)
class View:
    """What to show next; rendered by `visit_views` in the reader's language."""

    kind: Screen
    state: State
    item: Item | None = None
    question: Question | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Absent:
    """Starting would leave teammates out: said before anything is recorded."""

    task: Task
    members: list[TeamMember]  # each with tg_user_id None (not registered) or blocked_at


@dataclass(frozen=True)
class PhotoIn:
    file_id: str
    file_unique_id: str
    data: bytes


async def load(tx: ReadTx | Tx, visit_id: int, today: date, tz: tzinfo = UTC) -> State:
    """Access: a building block of the checked steps; reads in the caller's transaction."""
    visit = await tx.visits.get(visit_id)
    if visit is None:
        raise Refused(Refusal.STALE)
    task = await tx.tasks.task(visit.task_id)
    if task is None:
        raise Refused(Refusal.STALE)
    rows = await tx.visits.items(visit_id)
    answers = await tx.visits.answers(visit_id)
    evidence = await tx.visits.evidence(visit_id)
    items = []
    for row in rows:
        mine = [a for a in answers if a.item_code == row.item_code]
        photos: dict[str, list[Evidence]] = {}
        for e in evidence:
            if e.kind == EvidenceKind.ANSWER and e.item_code == row.item_code and e.question:
                photos.setdefault(e.question, []).append(e)
        items.append(Item(
            row=row,
            checklist=Checklist.from_json(row.form) if row.form else None,
            answers={a.question: rules.Answer(a.value, a.skipped) for a in mine},
            meta={a.question: a for a in mine},
            photos=photos,
        ))
    state = State(task=task, visit=visit, members=await tx.tasks.members(visit.task_id),
                  items=items, checkins=await tx.visits.checkins(visit_id), evidence=evidence,
                  follow_ups=await tx.visits.follow_ups(visit_id), today=today, tz=tz)
    if state.results_in:  # nobody signs before that: no hash to compute while answering
        state.signatures.extend(await tx.visits.signatures(visit_id, state.content_hash))
    return state


# ------------------------------------------------------------------ conversation state

async def _put(tx: Tx, tg_user_id: int, step: VisitStep, data: dict[str, Any]) -> None:
    await tx.conversations.put(tg_user_id, FLOW, step, data, clock_now())


async def _at(tx: Tx, tg_user_id: int, state: State, step: VisitStep, **data: Any) -> None:
    await _put(tx, tg_user_id, step, {"visit": state.id, **data})


def _member_of(state: State, person: Person) -> TeamMember:
    member = state.member(person.id)
    if member is None:
        raise Refused(Refusal.NOT_MEMBER)
    if not state.open:
        raise Refused(Refusal.SUBMITTED)
    return member


async def _open_state(tx: Tx, core: Core, person: Person, visit_id: int) -> State:
    state = await load(tx, visit_id, core.today(), core.settings.tz)
    _member_of(state, person)
    return state


# ------------------------------------------------------------------------- starting

async def start(core: Core, person: Person, tg_user_id: int, task_id: int,
                anyway: bool = False) -> View | Absent:
    """Open (or join) the visit of a task from its card; ask for the check-in first.
    Where a teammate cannot be reached in Choucha, say so first (`Absent`) and open the
    visit only when the person starts `anyway`.
    Access: members of the team (checked below: `not_member`)."""
    now = clock_now()
    today = core.today()
    async with core.db.transaction() as tx:
        task = await tx.tasks.task(task_id)
        if task is None:
            raise Refused(Refusal.UNKNOWN_TASK)
        members = await tx.tasks.members(task_id)
        member = next((m for m in members if m.person_id == person.id), None)
        if member is None:
            raise Refused(Refusal.NOT_MEMBER)
        visit = await tx.visits.of_task(task_id)
        if visit is not None and visit.status == VisitStatus.SUBMITTED:
            raise Refused(Refusal.SUBMITTED)
        if task.status not in TaskStatus.open():
            raise Refused(Refusal.TASK_CLOSED)
        if today < task.window_start:
            raise Refused(Refusal.NOT_YET, start=task.window_start.isoformat())
        if not member.accepted_at:
            await tx.tasks.accept(task_id, person.id, now)
            await tx.audit.append(f"person:{person.id}", AuditAction.TASK_ACCEPTED,
                                  f"task:{task_id}",
                                  {"by": "visit"}, now)
        absent = unreachable(members, person.id)
        if visit is None and absent and not anyway:
            return Absent(task, absent)
        if visit is None:
            visit_id = await tx.visits.open(task_id, person.id, now)
            await tx.tasks.begin(task_id)
            # Who answers an item: the member of its department (第二十四条); where that
            # member cannot be reached in Choucha, or the team has none of it, the leader
            # (or whoever starts, when the leader is the one absent).
            reachable = [m for m in members if m not in absent]
            leader = next((m for m in members if m.leader), members[0])
            fallback = leader if leader in reachable else member
            for position, item in enumerate(await tx.tasks.items(task.plan_id),
                                            start=1):
                answerer = next((m.person_id for m in reachable
                                 if m.department_id == item.department_id),
                                fallback.person_id)
                await tx.visits.add_item(visit_id, item.code, position,
                                         item.department_id, answerer,
                                         item.checklist_id)
            await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_STARTED,
                                  f"task:{task_id}",
                                  {"visit": visit_id,
                                   "absent": [m.person_id for m in absent]}, now)
            await _tell_team_started(tx, await load(tx, visit_id, today, core.settings.tz),
                                     person, now)
        else:
            visit_id = visit.id
        state = await load(tx, visit_id, today, core.settings.tz)
        if not any(c.person_id == person.id for c in state.checkins):
            await _at(tx, tg_user_id, state, VisitStep.CHECKIN)
            return View(Screen.CHECKIN, state)
        await _at(tx, tg_user_id, state, VisitStep.HOME)
        return View(Screen.HOME, state)


async def _tell_team_started(tx: Tx, state: State, starter: Person, now: datetime) -> None:
    """Every other member learns the visit began: their items and a button to their part."""
    target = html.escape(state.task.target_name)
    for member in state.members:
        if member.person_id == starter.id:
            continue
        other = await tx.people.person(member.person_id)
        if other is None:
            continue
        items = [html.escape(i.row.name) for i in state.mine(member.person_id)]

        def render(t: Translator, items: list[str] = items) -> str:
            lines = [t._("🟢 {name} has started the visit of <b>{target}</b>.").format(
                name=html.escape(starter.name), target=target)]
            if items:
                lines.append(t._("Your part: {items}.").format(items="、".join(items)))
            else:
                lines.append(t._("No item is yours to answer; you sign the summary at the"
                                 " end."))
            return "\n".join(lines)

        await enqueue_text(tx, other, f"visit-started:{state.id}:{other.id}", render, now,
                           reply_markup=lambda t: {"inline_keyboard": [[
                               VisitStart(state.task.id).markup(
                                   t._("▶️ My part of the visit"))]]})


async def checkin(core: Core, person: Person, tg_user_id: int, conversation: Conversation,
                  latitude: float | None, longitude: float | None,
                  reason: str | None) -> View:
    now = clock_now()
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, int(conversation.data["visit"]))
        if reason is not None:
            reason = " ".join(reason.split())[:300]
            if not reason:
                raise Refused(Refusal.REASON_REQUIRED)
        flag = (rules.checkin_flag(latitude, longitude, core.settings.area)
                if latitude is not None and longitude is not None else None)
        if await tx.visits.checkin(state.id, person.id, now, latitude, longitude, reason,
                                   flag):
            await tx.audit.append(
                f"person:{person.id}", AuditAction.VISIT_CHECKED_IN, f"visit:{state.id}",
                {"latitude": latitude, "longitude": longitude, "skip_reason": reason,
                 "flag": flag}, now)
        state = await load(tx, state.id, state.today, state.tz)
        await _at(tx, tg_user_id, state, VisitStep.HOME)
        return View(Screen.HOME, state)


async def ask_checkin_reason(core: Core, person: Person, tg_user_id: int,
                             conversation: Conversation) -> View:
    """No location to share: ask why (第二十条 wants the place recorded, or why not)."""
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, int(conversation.data["visit"]))
        await _put(tx, tg_user_id, VisitStep.CHECKIN_REASON, dict(conversation.data))
        return View(Screen.CHECKIN_REASON, state)


async def home(core: Core, person: Person, tg_user_id: int, visit_id: int) -> View:
    """Access: members of the team (checked below: `not_member`)."""
    async with core.db.transaction() as tx:
        state = await load(tx, visit_id, core.today(), core.settings.tz)
        if state.member(person.id) is None:
            raise Refused(Refusal.NOT_MEMBER)
        if state.open:
            await _at(tx, tg_user_id, state, VisitStep.HOME)
        return View(Screen.HOME, state)


# ------------------------------------------------------------------------ questions

def _first_open(state: State, person_id: int, after: tuple[int, str] | None = None
                ) -> tuple[Item, Question] | None:
    """The next question of this person still without an answer."""
    mine = state.mine(person_id)
    if after is not None:
        position, name = after
        ordered = [i for i in mine if i.position >= position] + \
            [i for i in mine if i.position < position]
    else:
        ordered, name = mine, ""
    for index, item in enumerate(ordered):
        if item.checklist is None:
            continue
        since = name if (after is not None and index == 0) else None
        found = rules.next_open(item.checklist, item.answers, state.today, since)
        if found is not None:
            return item, found
    return None


async def _next(tx: Tx, tg_user_id: int, state: State, person: Person,
                after: tuple[int, str] | None, editing: bool) -> View:
    """After an answer: the next open question, else the review."""
    found = _first_open(state, person.id, after)
    if found is not None:
        item, question = found
        return await _ask(tx, tg_user_id, state, item, question, editing=editing)
    await _at(tx, tg_user_id, state, VisitStep.REVIEW)
    return View(Screen.REVIEW, state)


async def _ask(tx: Tx, tg_user_id: int, state: State, item: Item, question: Question,
               editing: bool = False) -> View:
    selected = item.answers[question.name].value.split() \
        if question.type == "select_multiple" and question.name in item.answers else []
    await _at(tx, tg_user_id, state, VisitStep.Q, item=item.position, q=question.name,
              sel=selected, edit=editing)
    return View(Screen.QUESTION, state, item, question, {"selected": selected,
                                                     "editing": editing})


async def go(core: Core, person: Person, tg_user_id: int, visit_id: int) -> View:
    """Continue this person's part: the open question, the review or the results."""
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, visit_id)
        if not state.mine(person.id):
            await _at(tx, tg_user_id, state, VisitStep.HOME)
            return View(Screen.HOME, state, data={"nothing_mine": True})
        if all(i.result for i in state.mine(person.id)):
            await _at(tx, tg_user_id, state, VisitStep.REVIEW)
            return View(Screen.REVIEW, state)
        return await _next(tx, tg_user_id, state, person, None, False)


def _current(state: State, conversation: Conversation) -> tuple[Item, Question]:
    if conversation.step != VisitStep.Q:
        raise Refused(Refusal.STALE)
    item = state.item(int(conversation.data["item"]))
    question = rules.question(item.checklist, str(conversation.data["q"])) \
        if item.checklist else None
    if question is None:
        raise Refused(Refusal.STALE)
    return item, question


async def _conversation(tx: Tx, tg_user_id: int) -> Conversation:
    conversation = await tx.conversations.get(tg_user_id)
    if conversation is None or conversation.flow != FLOW:
        raise Refused(Refusal.STALE)
    return conversation


async def _pressed_question(tx: Tx, core: Core, person: Person, tg_user_id: int,
                            visit_id: int, position: int, index: int
                            ) -> tuple[State, Conversation, Item, Question]:
    """The question a button belongs to, which must be the one the person is at."""
    state = await _open_state(tx, core, person, visit_id)
    conversation = await _conversation(tx, tg_user_id)
    if int(conversation.data.get("visit", 0)) != visit_id:
        raise Refused(Refusal.STALE)
    item, question = _current(state, conversation)
    if item.position != position or item.question_index(question.name) != index:
        raise Refused(Refusal.NOT_CURRENT)
    if item.row.answerer != person.id:
        raise Refused(Refusal.NOT_YOURS)
    return state, conversation, item, question


async def _store(tx: Tx, state: State, item: Item, question: Question, value: str,
                 person: Person, skipped: bool = False) -> State:
    now = clock_now()
    await tx.visits.answer(state.id, item.code, question.name, value, skipped, person.id, now)
    await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_ANSWERED, f"visit:{state.id}",
                          {"item": item.code, "question": question.name, "value": value,
                           "skipped": skipped}, now)
    return await load(tx, state.id, state.today, state.tz)


async def _after_answer(tx: Tx, tg_user_id: int, state: State, person: Person, item: Item,
                        question: Question, editing: bool) -> View:
    fresh = state.item(item.position)
    if editing:
        found = _first_open(state, person.id, (fresh.position, question.name))
        if found is None:
            await _at(tx, tg_user_id, state, VisitStep.REVIEW)
            await _results_changed(tx, state)
            return View(Screen.REVIEW, state, data={"saved": True})
    return await _next(tx, tg_user_id, state, person, (fresh.position, question.name), editing)


async def choose(core: Core, person: Person, tg_user_id: int, visit_id: int, position: int,
                 index: int, choice: int) -> View:
    async with core.db.transaction() as tx:
        state, conversation, item, question = await _pressed_question(
            tx, core, person, tg_user_id, visit_id, position, index)
        if question.type != "select_one" or not 0 <= choice < len(question.choices):
            raise Refused(Refusal.STALE)
        state = await _store(tx, state, item, question, question.choices[choice].name, person)
        return await _after_answer(tx, tg_user_id, state, person, item, question,
                                   bool(conversation.data.get("edit")))


async def toggle(core: Core, person: Person, tg_user_id: int, visit_id: int, position: int,
                 index: int, choice: int) -> View:
    async with core.db.transaction() as tx:
        state, conversation, item, question = await _pressed_question(
            tx, core, person, tg_user_id, visit_id, position, index)
        if question.type != "select_multiple" or not 0 <= choice < len(question.choices):
            raise Refused(Refusal.STALE)
        selected = list(conversation.data.get("sel", []))
        name = question.choices[choice].name
        selected = [s for s in selected if s != name] if name in selected else [*selected, name]
        order = [c.name for c in question.choices]
        selected.sort(key=order.index)
        await _put(tx, tg_user_id, VisitStep.Q, {**conversation.data, "sel": selected})
        return View(Screen.QUESTION, state, item, question,
                    {"selected": selected, "editing": bool(conversation.data.get("edit"))})


async def done(core: Core, person: Person, tg_user_id: int, visit_id: int, position: int,
               index: int) -> View:
    """Done with a multiple choice (commits the selection) or with the photos of a question."""
    async with core.db.transaction() as tx:
        state, conversation, item, question = await _pressed_question(
            tx, core, person, tg_user_id, visit_id, position, index)
        editing = bool(conversation.data.get("edit"))
        if question.type == "select_multiple":
            selected = list(conversation.data.get("sel", []))
            if not selected:
                raise Refused(Refusal.CHOOSE_ONE)
            state = await _store(tx, state, item, question, " ".join(selected), person)
        elif question.type == "image":
            if not item.photos.get(question.name):
                raise Refused(Refusal.PHOTO_NEEDED)
        else:
            raise Refused(Refusal.STALE)
        return await _after_answer(tx, tg_user_id, state, person, item, question, editing)


async def clear_photos(core: Core, person: Person, tg_user_id: int, visit_id: int,
                       position: int, index: int) -> View:
    """Retake: the question's photos are set aside (kept, marked removed, audited)."""
    now = clock_now()
    async with core.db.transaction() as tx:
        state, conversation, item, question = await _pressed_question(
            tx, core, person, tg_user_id, visit_id, position, index)
        if question.type != "image":
            raise Refused(Refusal.STALE)
        removed = await tx.visits.remove_evidence(state.id, item.code, question.name, now)
        await tx.visits.unanswer(state.id, item.code, question.name)
        await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_PHOTOS_REMOVED,
                              f"visit:{state.id}", {"item": item.code,
                                                    "question": question.name,
                                                    "count": removed}, now)
        state = await load(tx, state.id, state.today, state.tz)
        return View(Screen.QUESTION, state, state.item(position), question,
                    {"editing": bool(conversation.data.get("edit"))})


async def skip(core: Core, person: Person, tg_user_id: int, visit_id: int, position: int,
               index: int) -> View:
    async with core.db.transaction() as tx:
        state, conversation, item, question = await _pressed_question(
            tx, core, person, tg_user_id, visit_id, position, index)
        if question.required:
            raise Refused(Refusal.REQUIRED)
        state = await _store(tx, state, item, question, "", person, skipped=True)
        return await _after_answer(tx, tg_user_id, state, person, item, question,
                                   bool(conversation.data.get("edit")))


async def back(core: Core, person: Person, tg_user_id: int, visit_id: int, position: int,
               index: int) -> View:
    async with core.db.transaction() as tx:
        state, _, item, question = await _pressed_question(
            tx, core, person, tg_user_id, visit_id, position, index)
        assert item.checklist is not None
        earlier = rules.previous(item.checklist, item.answers, state.today, question.name)
        if earlier is not None:
            return await _ask(tx, tg_user_id, state, item, earlier)
        mine = [i for i in state.mine(person.id) if i.position < item.position and i.checklist]
        for before in reversed(mine):
            assert before.checklist is not None
            relevant = before.relevant(state.today)
            if relevant:
                return await _ask(tx, tg_user_id, state, before, relevant[-1])
        await _at(tx, tg_user_id, state, VisitStep.HOME)
        return View(Screen.HOME, state)


async def typed(core: Core, person: Person, tg_user_id: int, conversation: Conversation,
                text: str, language: str) -> View:
    """A typed answer to the current question."""
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, int(conversation.data["visit"]))
        item, question = _current(state, conversation)
        if question.type in ("select_one", "select_multiple"):
            raise Refused(Refusal.USE_BUTTONS)
        if question.type == "image":
            raise Refused(Refusal.PHOTO_NEEDED)
        if question.type == "geopoint":
            raise Refused(Refusal.LOCATION_NEEDED)
        value = rules.parse_typed(question, text)
        rules.check_constraint(question, value, rules.values_of(item.answers), state.today,
                               language)
        state = await _store(tx, state, item, question, value, person)
        return await _after_answer(tx, tg_user_id, state, person, item, question,
                                   bool(conversation.data.get("edit")))


async def located(core: Core, person: Person, tg_user_id: int, conversation: Conversation,
                  latitude: float, longitude: float) -> View:
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, int(conversation.data["visit"]))
        item, question = _current(state, conversation)
        if question.type != "geopoint":
            raise Refused(Refusal.NOT_LOCATION)
        state = await _store(tx, state, item, question, f"{latitude:.6f} {longitude:.6f}",
                             person)
        return await _after_answer(tx, tg_user_id, state, person, item, question,
                                   bool(conversation.data.get("edit")))


def photo_expected(conversation: Conversation | None,
                   visit_of_reply: int | None) -> Refusal | None:
    """None when a photo is welcome now; otherwise why not (checked before downloading)."""
    if conversation is None or conversation.flow != FLOW:
        return Refusal.NO_VISIT
    if visit_of_reply is not None and visit_of_reply != conversation.data.get("visit"):
        return Refusal.WRONG_TASK
    if conversation.step not in PHOTO_STEPS:
        return Refusal.NO_PHOTO_HERE
    return None


async def photo(core: Core, person: Person, tg_user_id: int, conversation: Conversation,
                photo_in: PhotoIn) -> View:
    """A photo, stored by content and committed with who and when before anything else."""
    now = clock_now()
    sha256 = await asyncio.to_thread(write_blob, core.files_root, photo_in.data)
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, int(conversation.data["visit"]))
        conversation = await _conversation(tx, tg_user_id)
        step = conversation.step
        await tx.files.remember(sha256, len(photo_in.data), "image/jpeg", now)
        if step == VisitStep.Q:
            item, question = _current(state, conversation)
            if question.type != "image":
                raise Refused(Refusal.NO_PHOTO_HERE)
            if item.row.answerer != person.id:
                raise Refused(Refusal.NOT_YOURS)
            taken = item.photos.get(question.name, [])
            if any(p.file_unique_id == photo_in.file_unique_id for p in taken):
                return View(Screen.PHOTO_SAVED, state, item, question, {"count": len(taken),
                                                                    "sha256": sha256,
                                                                    "again": True})
            if len(taken) >= MAX_PHOTOS:
                raise Refused(Refusal.TOO_MANY_PHOTOS)
            await _evidence(tx, state, EvidenceKind.ANSWER, item.code, question.name, photo_in,
                            sha256, person, now)
            state = await _store(tx, state, item, question, str(len(taken) + 1), person)
            return View(Screen.PHOTO_SAVED, state, state.item(item.position), question,
                        {"count": len(taken) + 1, "sha256": sha256})
        if step == VisitStep.SHORTCUT:
            await _evidence(tx, state, EvidenceKind.SHORTCUT, None, None, photo_in, sha256,
                            person, now)
            count = sum(1 for e in state.evidence if e.kind == EvidenceKind.SHORTCUT) + 1
            return View(Screen.SHORTCUT_PHOTO, state, data={"count": count, "sha256": sha256,
                                                        "kind": conversation.data["kind"]})
        if step == VisitStep.PAPER:
            _require_leader(state, person)
            await _evidence(tx, state, EvidenceKind.PARTY_PAPER, None, None, photo_in, sha256,
                            person, now)
            await tx.visits.sign(state.id, SignatureKind.PARTY_PAPER, state.task.target_name,
                                 state.content_hash, now, person_id=person.id,
                                 evidence_sha256=sha256)
            await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_PARTY_SIGNED_PAPER,
                                  f"visit:{state.id}", {"sha256": sha256,
                                                        "content_hash": state.content_hash},
                                  now)
            state = await load(tx, state.id, state.today, state.tz)
            await _at(tx, tg_user_id, state, VisitStep.SIGNATURES)
            return View(Screen.SIGNATURES, state, data={"paper": sha256})
        if step == VisitStep.MEMBER_PAPER:
            _require_leader(state, person)
            member = state.member(int(conversation.data["member"]))
            if member is None or state.signed(member.person_id) or not state.results_in:
                raise Refused(Refusal.STALE)
            await _evidence(tx, state, EvidenceKind.MEMBER_PAPER, None, None, photo_in, sha256,
                            person,
                            now)
            await tx.visits.sign(state.id, SignatureKind.MEMBER_PAPER, member.name,
                                 state.content_hash,
                                 now, person_id=member.person_id, evidence_sha256=sha256,
                                 recorded_by=person.id)
            await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_MEMBER_SIGNED_PAPER,
                                  f"visit:{state.id}", {"member": member.person_id,
                                                        "sha256": sha256,
                                                        "content_hash": state.content_hash},
                                  now)
            state = await load(tx, state.id, state.today, state.tz)
            await _at(tx, tg_user_id, state, VisitStep.SIGNATURES)
            return View(Screen.SIGNATURES, state, data={"member_paper": member.name})
        if step == VisitStep.WITNESS_PHOTO:
            _require_leader(state, person)
            await _evidence(tx, state, EvidenceKind.WITNESS, None, None, photo_in, sha256, person,
                            now)
            return await _refused(tx, tg_user_id, state, person, conversation, sha256)
        raise Refused(Refusal.NO_PHOTO_HERE)


async def _evidence(tx: Tx, state: State, kind: EvidenceKind, item: str | None,
                    question: str | None,
                    photo_in: PhotoIn, sha256: str, person: Person, now: datetime) -> None:
    await tx.visits.add_evidence(state.id, kind, item, question, photo_in.file_id,
                                 photo_in.file_unique_id, sha256, person.id, now)
    await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_PHOTO, f"visit:{state.id}",
                          {"kind": kind, "item": item, "question": question,
                           "sha256": sha256, "file_unique_id": photo_in.file_unique_id}, now)


async def pause(core: Core, person: Person, tg_user_id: int, visit_id: int) -> View:
    """Access: members of the team (checked below: `not_member`)."""
    async with core.db.transaction() as tx:
        state = await load(tx, visit_id, core.today(), core.settings.tz)
        if state.member(person.id) is None:
            raise Refused(Refusal.NOT_MEMBER)
        await tx.conversations.clear(tg_user_id)
        return View(Screen.PAUSED, state)


# --------------------------------------------------------------------------- review

async def review(core: Core, person: Person, tg_user_id: int, visit_id: int) -> View:
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, visit_id)
        if _first_open(state, person.id) is not None:
            return await _next(tx, tg_user_id, state, person, None, False)
        await _at(tx, tg_user_id, state, VisitStep.REVIEW)
        return View(Screen.REVIEW, state)


async def edit(core: Core, person: Person, tg_user_id: int, visit_id: int, position: int,
               index: int) -> View:
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, visit_id)
        item = state.item(position)
        if item.row.answerer != person.id or item.checklist is None:
            raise Refused(Refusal.NOT_YOURS)
        if not 0 <= index < len(item.checklist.questions):
            raise Refused(Refusal.STALE)
        question = item.checklist.questions[index]
        if question not in item.relevant(state.today):
            raise Refused(Refusal.STALE)
        return await _ask(tx, tg_user_id, state, item, question, editing=True)


# -------------------------------------------------------------------------- results

async def results(core: Core, person: Person, tg_user_id: int, visit_id: int,
                  position: int | None = None) -> View:
    """The result choice for the given item, or the first of this person's without one."""
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, visit_id)
        if _first_open(state, person.id) is not None:
            return await _next(tx, tg_user_id, state, person, None, False)
        return await _result_view(tx, tg_user_id, state, person, position)


async def _result_view(tx: Tx, tg_user_id: int, state: State, person: Person,
                       position: int | None) -> View:
    mine = state.mine(person.id)
    if position is not None:
        item = state.item(position)
        if item not in mine:
            raise Refused(Refusal.NOT_YOURS)
    else:
        pending = [i for i in mine if not i.result]
        if not pending:
            await _at(tx, tg_user_id, state, VisitStep.REVIEW)
            return View(Screen.REVIEW, state)
        item = pending[0]
    suggested = rules.suggest(item.checklist, item.answers, state.today) \
        if item.checklist else []
    await _at(tx, tg_user_id, state, VisitStep.RESULT, item=item.position)
    return View(Screen.RESULT, state, item, data={"suggested": suggested})


async def _pressed_result(tx: Tx, core: Core, person: Person, tg_user_id: int, visit_id: int,
                          position: int, steps: tuple[VisitStep, ...]
                          ) -> tuple[State, Conversation, Item]:
    state = await _open_state(tx, core, person, visit_id)
    conversation = await _conversation(tx, tg_user_id)
    if (conversation.step not in steps or int(conversation.data.get("visit", 0)) != visit_id
            or int(conversation.data.get("item", 0)) != position):
        raise Refused(Refusal.NOT_CURRENT)
    item = state.item(position)
    if item.row.answerer != person.id:
        raise Refused(Refusal.NOT_YOURS)
    return state, conversation, item


async def choose_result(core: Core, person: Person, tg_user_id: int, visit_id: int,
                        position: int, index: int) -> View:
    keys = list(rules.RESULTS)
    if not 0 <= index < len(keys):
        raise Refused(Refusal.STALE)
    key = keys[index]
    async with core.db.transaction() as tx:
        state, _, item = await _pressed_result(tx, core, person, tg_user_id, visit_id,
                                               position, (VisitStep.RESULT,))
        data = {"visit": state.id, "item": position, "result": key}
        if key == "noncooperation":
            await _put(tx, tg_user_id, VisitStep.NC_KIND, data)
            return View(Screen.NC_KIND, state, item)
        if key == "corrected":
            await _put(tx, tg_user_id, VisitStep.ORDER_TEXT, data)
            return View(Screen.ORDER_TEXT, state, item)
        if key == "follow_up":
            await _put(tx, tg_user_id, VisitStep.FU_KIND, data)
            return View(Screen.FU_KIND, state, item)
        return await _set_result(tx, tg_user_id, state, person, item, key, {})


async def _detail_kind(core: Core, person: Person, tg_user_id: int, visit_id: int,
                       position: int, index: int, table: dict[str, tuple[str, str]],
                       step: VisitStep, next_step: VisitStep) -> View:
    """A kind chosen for a result's detail (non-cooperation, follow-up); then the next step."""
    kinds = list(table)
    if not 0 <= index < len(kinds):
        raise Refused(Refusal.STALE)
    async with core.db.transaction() as tx:
        state, conversation, item = await _pressed_result(tx, core, person, tg_user_id,
                                                          visit_id, position, (step,))
        await _put(tx, tg_user_id, next_step, {**conversation.data, "kind": kinds[index]})
        return View(Screen(next_step), state, item, data={"kind": kinds[index]})


async def noncooperation_kind(core: Core, person: Person, tg_user_id: int, visit_id: int,
                              position: int, index: int) -> View:
    """One of the four kinds of 第二十六条; the circumstances come next."""
    return await _detail_kind(core, person, tg_user_id, visit_id, position, index,
                              rules.NONCOOPERATION, VisitStep.NC_KIND, VisitStep.NC_TEXT)


async def follow_up_kind(core: Core, person: Person, tg_user_id: int, visit_id: int,
                         position: int, index: int) -> View:
    """Rectification, referral or transfer; the due date comes next."""
    return await _detail_kind(core, person, tg_user_id, visit_id, position, index,
                              rules.FOLLOW_UPS, VisitStep.FU_KIND, VisitStep.FU_DUE)


async def follow_up_due(core: Core, person: Person, tg_user_id: int, visit_id: int,
                        position: int, days: int) -> View:
    if not 1 <= days <= 365:
        raise Refused(Refusal.STALE)
    async with core.db.transaction() as tx:
        state, conversation, item = await _pressed_result(tx, core, person, tg_user_id,
                                                          visit_id, position, (VisitStep.FU_DUE,))
        due = (state.today + timedelta(days=days)).isoformat()
        await _put(tx, tg_user_id, VisitStep.FU_OWNER, {**conversation.data, "due": due})
        return View(Screen.FU_OWNER, state, item, data={"due": due})


async def follow_up_owner(core: Core, person: Person, tg_user_id: int, visit_id: int,
                          position: int, owner: int) -> View:
    now = clock_now()
    async with core.db.transaction() as tx:
        state, conversation, item = await _pressed_result(tx, core, person, tg_user_id,
                                                          visit_id, position, (VisitStep.FU_OWNER,))
        if state.member(owner) is None:
            raise Refused(Refusal.STALE)
        kind, due = str(conversation.data["kind"]), str(conversation.data["due"])
        await tx.visits.add_follow_up(state.id, item.code, kind, due, owner, person.id, now)
        return await _set_result(tx, tg_user_id, state, person, item, "follow_up",
                                 {"follow_up": kind, "due": due,
                                  "owner": state.name_of(owner)})


async def result_text(core: Core, person: Person, tg_user_id: int, conversation: Conversation,
                      text: str) -> View:
    """The circumstances of non-cooperation, the correction ordered, or a follow-up's date."""
    step = VisitStep(conversation.step)
    async with core.db.transaction() as tx:
        state, conversation, item = await _pressed_result(
            tx, core, person, tg_user_id, int(conversation.data["visit"]),
            int(conversation.data["item"]), (step,))
        clean = " ".join(text.split())
        if step == VisitStep.FU_DUE:
            question = Question(name="due", type="date", label={})
            due = rules.parse_typed(question, clean)
            if due <= state.today.isoformat():
                raise Refused(Refusal.DUE_IN_PAST)
            await _put(tx, tg_user_id, VisitStep.FU_OWNER, {**conversation.data, "due": due})
            return View(Screen.FU_OWNER, state, item, data={"due": due})
        if len(clean) < 4:
            raise Refused(Refusal.TOO_SHORT)
        if step == VisitStep.NC_TEXT:
            return await _set_result(tx, tg_user_id, state, person, item, "noncooperation",
                                     {"kind": conversation.data["kind"],
                                      "circumstances": clean[:1000]})
        return await _set_result(tx, tg_user_id, state, person, item, "corrected",
                                 {"order": clean[:1000]})


async def _set_result(tx: Tx, tg_user_id: int, state: State, person: Person, item: Item,
                      key: str, detail: dict[str, Any]) -> View:
    now = clock_now()
    if key != "follow_up":
        await tx.visits.drop_follow_up(state.id, item.code)
    await tx.visits.set_result(state.id, item.code, key, detail, person.id, now)
    await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_RESULT, f"visit:{state.id}",
                          {"item": item.code, "result": key, "detail": detail}, now)
    state = await load(tx, state.id, state.today, state.tz)
    pending = [i for i in state.mine(person.id) if not i.result]
    if pending:
        return await _result_view(tx, tg_user_id, state, person, pending[0].position)
    await _results_changed(tx, state)
    await _at(tx, tg_user_id, state, VisitStep.SIGNATURES)
    return View(Screen.PART_DONE, state, data={"result": key})


async def _results_changed(tx: Tx, state: State) -> None:
    """Once every item has a result, each member is asked to sign this version."""
    if not state.results_in:
        return
    now = clock_now()
    short = state.content_hash[:16]
    for member in state.members:
        if state.signed(member.person_id):
            continue
        other = await tx.people.person(member.person_id)
        if other is None:
            continue
        await enqueue_text(tx, other, f"sign:{state.id}:{short}:{other.id}",
                           functools.partial(sign_request_text, state=state), now,
                           reply_markup=functools.partial(_sign_markup, state.id, short))


def _sign_markup(visit_id: int, short: str, t: Translator) -> dict[str, Any]:
    return {"inline_keyboard": [[VisitSign(visit_id, short).markup(t._("✍️ Sign"))]]}


def summary_lines(t: Translator, state: State) -> list[str]:
    """The result summary (抽查结果汇总): each item, who answered, its result."""
    lines = []
    for item in state.items:
        result = rules.legal(rules.RESULTS, item.result, t) if item.result else "—"
        lines.append(f"• {html.escape(item.row.name)} ({html.escape(item.row.department)},"
                     f" {html.escape(item.row.answerer_name or '—')}): <b>{result}</b>")
        detail = item.detail
        if detail.get("kind"):
            lines.append("  " + rules.legal(rules.NONCOOPERATION, detail["kind"], t))
        if detail.get("circumstances"):
            lines.append("  " + html.escape(detail["circumstances"]))
        if detail.get("order"):
            lines.append("  " + t._("Order given: {order}").format(
                order=html.escape(detail["order"])))
        if detail.get("follow_up"):
            lines.append("  " + t._("Follow-up: {kind}, due {due}, owner {owner}").format(
                kind=rules.legal(rules.FOLLOW_UPS, detail["follow_up"], t), due=detail["due"],
                owner=html.escape(detail["owner"])))
    return lines


def sign_request_text(t: Translator, state: State) -> str:
    lines = [t._("✍️ Please sign the result summary of <b>{target}</b> (003 第二十二条).").format(
        target=html.escape(state.task.target_name)), ""]
    lines += summary_lines(t, state)
    lines += ["", t._("Record hash: <code>{hash}</code>").format(hash=state.content_hash[:16]),
              t._("Signing stores your Telegram identity, the time and this hash.")]
    return "\n".join(lines)


# ------------------------------------------------------------------------ shortcuts

async def shortcut(core: Core, person: Person, tg_user_id: int, visit_id: int,
                   kind: str) -> View:
    if kind not in rules.SHORTCUTS:
        raise Refused(Refusal.STALE)
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, visit_id)
        if state.started or state.visit.shortcut:
            raise Refused(Refusal.ALREADY_STARTED)
        await _at(tx, tg_user_id, state, VisitStep.SHORTCUT, kind=kind)
        return View(Screen.SHORTCUT, state, data={"kind": kind})


async def shortcut_done(core: Core, person: Person, tg_user_id: int, visit_id: int) -> View:
    now = clock_now()
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, visit_id)
        conversation = await _conversation(tx, tg_user_id)
        if conversation.step != VisitStep.SHORTCUT or conversation.data.get("visit") != visit_id:
            raise Refused(Refusal.NOT_CURRENT)
        if state.started or state.visit.shortcut:
            raise Refused(Refusal.ALREADY_STARTED)
        if not any(e.kind == "shortcut" for e in state.evidence):
            raise Refused(Refusal.PHOTO_NEEDED)
        kind = str(conversation.data["kind"])
        await tx.visits.set_shortcut(state.id, kind)
        for item in state.items:
            await tx.visits.set_result(state.id, item.code, kind, {"shortcut": True},
                                       person.id, now)
        await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_SHORTCUT,
                              f"visit:{state.id}",
                              {"result": kind}, now)
        state = await load(tx, state.id, state.today, state.tz)
        await _results_changed(tx, state)
        await _at(tx, tg_user_id, state, VisitStep.SIGNATURES)
        return View(Screen.PART_DONE, state, data={"result": kind})


# ----------------------------------------------------------------------- signatures

async def signatures(core: Core, person: Person, tg_user_id: int, visit_id: int) -> View:
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, visit_id)
        await _at(tx, tg_user_id, state, VisitStep.SIGNATURES)
        return View(Screen.SIGNATURES, state)


async def sign(core: Core, person: Person, tg_user_id: int, visit_id: int, short: str) -> View:
    """A member signs the summary in their own chat; bound to the version they read."""
    now = clock_now()
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, visit_id)
        if not state.results_in:
            raise Refused(Refusal.RESULTS_MISSING)
        if state.content_hash[:16] != short:
            await _results_changed(tx, state)
            raise Refused(Refusal.CHANGED)
        if state.signed(person.id):
            raise Refused(Refusal.ALREADY_SIGNED)
        await tx.visits.sign(state.id, SignatureKind.MEMBER, person.name, state.content_hash, now,
                             person_id=person.id, tg_user_id=tg_user_id)
        await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_SIGNED, f"visit:{state.id}",
                              {"content_hash": state.content_hash}, now)
        state = await load(tx, state.id, state.today, state.tz)
        if state.is_leader(person.id):
            await _at(tx, tg_user_id, state, VisitStep.SIGNATURES)
        return View(Screen.SIGNATURES, state, data={"signed": True})


def _require_leader(state: State, person: Person) -> None:
    if not state.is_leader(person.id):
        raise Refused(Refusal.LEADER_ONLY)


async def _party_step(tx: Tx, core: Core, person: Person, tg_user_id: int, visit_id: int,
                      step: VisitStep) -> State:
    state = await _open_state(tx, core, person, visit_id)
    _require_leader(state, person)
    if not state.results_in:
        raise Refused(Refusal.RESULTS_MISSING)
    if state.party_signature is not None:
        raise Refused(Refusal.PARTY_SIGNED)
    await _at(tx, tg_user_id, state, step)
    return state


async def party_qr(core: Core, person: Person, tg_user_id: int, visit_id: int) -> View:
    """A single-use link, bound to this version of the record, for the party's own phone."""
    now = clock_now()
    code = secrets.token_urlsafe(15)
    async with core.db.transaction() as tx:
        state = await _party_step(tx, core, person, tg_user_id, visit_id, VisitStep.SIGNATURES)
        expires = now + timedelta(minutes=TOKEN_MINUTES)
        await tx.visits.add_token(state.id, hashlib.sha256(code.encode()).hexdigest(),
                                  state.content_hash, person.id, now, expires)
        await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_PARTY_LINK,
                              f"visit:{state.id}",
                              {"content_hash": state.content_hash,
                               "expires": to_db_time(expires)}, now)
        link = core.deep_link(TOKEN_PREFIX + code)
        return View(Screen.PARTY_QR, state, data={"link": link, "minutes": TOKEN_MINUTES})


async def member_paper(core: Core, person: Person, tg_user_id: int, visit_id: int,
                       member_id: int) -> View:
    """The leader records that a member signed the paper record (they cannot in Choucha):
    the next photo is of that signed page."""
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, visit_id)
        _require_leader(state, person)
        if not state.results_in:
            raise Refused(Refusal.RESULTS_MISSING)
        member = state.member(member_id)
        if member is None or member_id == person.id:
            raise Refused(Refusal.STALE)
        if state.signed(member_id):
            raise Refused(Refusal.ALREADY_SIGNED)
        await _at(tx, tg_user_id, state, VisitStep.MEMBER_PAPER, member=member_id)
        return View(Screen.MEMBER_PAPER, state, data={"name": member.name})


async def draft(core: Core, person: Person, visit_id: int) -> tuple[bytes, State]:
    """The record as it stands, marked 草稿/待签 with its content hash, to print and sign."""
    from bot.formats.rendering.record_pdf import record_pdf

    async with core.db.read() as rtx:
        state = await load(rtx, visit_id, core.today(), core.settings.tz)
    _member_of(state, person)
    pdf = await core.workers.run(
        DOCUMENT, record_pdf, state.content(), state.signature_records(),
        {"by": "", "at": None}, state.content_hash,
        functools.partial(read_blob, core.files_root), core.settings.tz, True)
    return pdf, state


async def party_paper(core: Core, person: Person, tg_user_id: int, visit_id: int) -> View:
    async with core.db.transaction() as tx:
        state = await _party_step(tx, core, person, tg_user_id, visit_id, VisitStep.PAPER)
        return View(Screen.PAPER, state)


async def party_refuses(core: Core, person: Person, tg_user_id: int, visit_id: int) -> View:
    async with core.db.transaction() as tx:
        state = await _party_step(tx, core, person, tg_user_id, visit_id, VisitStep.REFUSE_REASON)
        return View(Screen.REFUSE_REASON, state)


async def refusal_text(core: Core, person: Person, tg_user_id: int,
                       conversation: Conversation, text: str) -> View:
    clean = " ".join(text.split())[:300]
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, int(conversation.data["visit"]))
        _require_leader(state, person)
        if conversation.step == VisitStep.REFUSE_REASON:
            if len(clean) < 2:
                raise Refused(Refusal.REASON_REQUIRED)
            await _at(tx, tg_user_id, state, VisitStep.WITNESS, reason=clean)
            return View(Screen.WITNESS, state)
        if len(clean) < 2:
            raise Refused(Refusal.WITNESS_REQUIRED)
        await _at(tx, tg_user_id, state, VisitStep.WITNESS_PHOTO,
                  reason=conversation.data["reason"], witness=clean)
        return View(Screen.WITNESS_PHOTO, state)


async def witness_without_photo(core: Core, person: Person, tg_user_id: int,
                                visit_id: int) -> View:
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, visit_id)
        _require_leader(state, person)
        conversation = await _conversation(tx, tg_user_id)
        if (conversation.step != VisitStep.WITNESS_PHOTO
                or conversation.data.get("visit") != visit_id):
            raise Refused(Refusal.NOT_CURRENT)
        return await _refused(tx, tg_user_id, state, person, conversation, None)


async def _refused(tx: Tx, tg_user_id: int, state: State, person: Person,
                   conversation: Conversation, witness_sha256: str | None) -> View:
    now = clock_now()
    if state.party_signature is not None:
        raise Refused(Refusal.PARTY_SIGNED)
    reason, witness = str(conversation.data["reason"]), str(conversation.data["witness"])
    await tx.visits.sign(state.id, SignatureKind.PARTY_REFUSED, state.task.target_name,
                         state.content_hash, now, person_id=person.id, reason=reason,
                         witness=witness, witness_sha256=witness_sha256)
    await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_PARTY_REFUSED,
                          f"visit:{state.id}",
                          {"reason": reason, "witness": witness,
                           "witness_sha256": witness_sha256,
                           "content_hash": state.content_hash}, now)
    state = await load(tx, state.id, state.today, state.tz)
    await _at(tx, tg_user_id, state, VisitStep.SIGNATURES)
    return View(Screen.SIGNATURES, state, data={"refused": True})


@dataclass(frozen=True)
class PartyView:
    token_id: int
    state: State


async def _token(tx: ReadTx | Tx, core: Core, token: SignToken | None) -> State:
    if token is None:
        raise Refused(Refusal.TOKEN_UNKNOWN)
    if token.used_at:
        raise Refused(Refusal.TOKEN_USED)
    if clock_now() > token.expires_at:
        raise Refused(Refusal.TOKEN_EXPIRED)
    state = await load(tx, token.visit_id, core.today(), core.settings.tz)
    if not state.open:
        raise Refused(Refusal.TOKEN_USED)
    if state.content_hash != token.content_hash:
        raise Refused(Refusal.TOKEN_CHANGED)
    if state.party_signature is not None:
        raise Refused(Refusal.TOKEN_USED)
    return state


async def party_open(core: Core, tg_user_id: int, code: str) -> PartyView:
    """The party opened the QR link in their own Telegram: the summary and Confirm. An
    account bound to anyone registered in Choucha (an inspector, the leader himself) cannot
    sign as the party: refused, and the attempt audited."""
    async with core.db.read() as rtx:
        registered = await rtx.people.person_by_tg(tg_user_id)
        token = await rtx.visits.token_by_code(hashlib.sha256(code.encode()).hexdigest())
    if registered is not None and token is not None:
        async with core.db.transaction() as tx:
            await tx.audit.append(f"tg:{tg_user_id}", AuditAction.VISIT_PARTY_LINK_REFUSED,
                                  f"visit:{token.visit_id}",
                                  {"person": registered.id, "token": token.id,
                                   "reason": "registered"}, clock_now())
        raise Refused(Refusal.PARTY_IS_REGISTERED)
    async with core.db.transaction() as tx:
        token = await tx.visits.token_by_code(hashlib.sha256(code.encode()).hexdigest())
        state = await _token(tx, core, token)
        assert token is not None
        if not await tx.visits.open_token(token.id, tg_user_id):
            raise Refused(Refusal.TOKEN_TAKEN)
        return PartyView(token.id, state)


async def token_state(core: Core, token_id: int, tg_user_id: int) -> State:
    """The state behind a party's token, while it is still theirs to sign."""
    async with core.db.read() as rtx:
        token = await rtx.visits.token(token_id)
        state = await _token(rtx, core, token)
    assert token is not None
    if token.opened_by != tg_user_id:
        raise Refused(Refusal.TOKEN_TAKEN)
    return state


async def party_confirm(core: Core, tg_user_id: int, signer: PartySigner, token_id: int,
                        short: str) -> State:
    """Access: only the account that opened the party's link (the token is bound to it)."""
    now = clock_now()
    async with core.db.transaction() as tx:
        token = await tx.visits.token(token_id)
        state = await _token(tx, core, token)
        assert token is not None
        if token.opened_by != tg_user_id or state.content_hash[:16] != short:
            raise Refused(Refusal.TOKEN_TAKEN)
        if not await tx.visits.use_token(token_id, tg_user_id, now):
            raise Refused(Refusal.TOKEN_USED)
        name = signer.name
        await tx.visits.sign(state.id, SignatureKind.PARTY, name[:100], state.content_hash, now,
                             tg_user_id=tg_user_id, party=signer)
        await tx.audit.append(f"tg:{tg_user_id}", AuditAction.VISIT_PARTY_SIGNED,
                              f"visit:{state.id}",
                              {"content_hash": state.content_hash, "token": token_id,
                               "name": signer.name, "role": signer.role.value,
                               "opinion": signer.opinion.value}, now)
        state = await load(tx, state.id, state.today, state.tz)
        leader = state.leader
        person = await tx.people.person(leader.person_id) if leader else None
        if person is not None:
            target = html.escape(state.task.target_name)
            await enqueue_text(
                tx, person, f"party-signed:{state.id}:{token_id}",
                lambda t: t._("✅ The party signed the record of {target} on their phone"
                              " ({name}). You can submit once the team has signed.").format(
                    target=target, name=html.escape(name)), now,
                reply_markup=lambda t: {"inline_keyboard": [[VisitSignatures(state.id).markup(
                    t._("✍️ Signatures and submission"))]]})
        return state


# ------------------------------------------------------------------------ submitting

async def submit(core: Core, person: Person, tg_user_id: int, visit_id: int) -> View:
    """The leader submits: the record is frozen, its PDF goes to the team and the office."""
    from bot.formats.rendering.record_pdf import record_pdf

    today = core.today()
    async with core.db.read() as rtx:
        state = await load(rtx, visit_id, today, core.settings.tz)
    _check_submittable(state, person)
    now = clock_now()
    submitted = {"by": person.name, "at": to_db_time(now)}
    content = state.content()
    signed = state.signature_records()
    record_hash = rules.digest({"content": content, "signatures": signed,
                                "submitted": submitted})
    pdf = await core.workers.run(
        DOCUMENT, record_pdf, content, signed, submitted, record_hash,
        functools.partial(read_blob, core.files_root), core.settings.tz)
    pdf_sha = await asyncio.to_thread(write_blob, core.files_root, pdf)
    async with core.db.transaction() as tx:
        fresh = await load(tx, visit_id, today, core.settings.tz)
        _check_submittable(fresh, person)
        if fresh.content_hash != state.content_hash or \
                fresh.signature_records() != signed:
            raise Refused(Refusal.CHANGED)
        if not await tx.visits.submit(visit_id, person.id, now):
            raise Refused(Refusal.SUBMITTED)
        await tx.tasks.finish(state.task.id, now)
        await tx.files.remember(pdf_sha, len(pdf), "application/pdf", now)
        record_id = await tx.visits.add_record(visit_id, state.task.id,
                                               {"content": content, "signatures": signed,
                                                "submitted": submitted},
                                               state.content_hash, record_hash, pdf_sha,
                                               person.id, now)
        await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_SUBMITTED,
                              f"task:{state.task.id}",
                              {"record": record_id, "record_hash": record_hash,
                               "pdf_sha256": pdf_sha}, now)
        await tx.conversations.clear_flow(FLOW, "visit", visit_id)  # the whole team's
        filename = f"record-{state.task.id}-{state.task.target_code}.pdf"
        recipients = {m.person_id for m in state.members}
        recipients |= {p.id for p in await tx.people.with_role(Role.OFFICE)}
        target = html.escape(state.task.target_name)
        for person_id in sorted(recipients):
            await enqueue_document(
                tx, person_id, f"record:{record_id}:{person_id}", pdf_sha, filename,
                lambda t: t._("📄 Check record of <b>{target}</b>, submitted by {name}.\n"
                              "Record hash: <code>{hash}</code>").format(
                    target=target, name=html.escape(person.name), hash=record_hash[:16]),
                now)
        fresh = await load(tx, visit_id, today, core.settings.tz)
    return View(Screen.SUBMITTED, fresh, data={"record_hash": record_hash, "pdf": pdf_sha})


def _check_submittable(state: State, person: Person) -> None:
    if state.member(person.id) is None:
        raise Refused(Refusal.NOT_MEMBER)
    if not state.open:
        raise Refused(Refusal.SUBMITTED)
    _require_leader(state, person)
    if not state.results_in:
        raise Refused(Refusal.RESULTS_MISSING)
    if state.unsigned:
        raise Refused(Refusal.MEMBERS_UNSIGNED,
                      names="、".join(m.name for m in state.unsigned))
    if state.party_needed and state.party_signature is None:
        raise Refused(Refusal.PARTY_UNSIGNED)


async def record_of(core: Core, person: Person, task_id: int) -> Record:
    """The latest record of a task, for its team and the office.
    Access: the team and the office (checked below)."""
    async with core.db.read() as rtx:
        record = await rtx.visits.latest_record(task_id)
        members = await rtx.tasks.members(task_id)
    if record is None:
        raise Refused(Refusal.NO_RECORD)
    if not any(m.person_id == person.id for m in members) and not person.is_office:
        raise Refused(Refusal.NOT_MEMBER)
    return record


def record_file(core: Core, record: Record) -> bytes:
    if record.pdf_sha256 is None:
        raise Refused(Refusal.NO_RECORD)
    return read_blob(core.files_root, record.pdf_sha256)


def skip_texts() -> set[str]:
    """The reply-keyboard "skip check-in" label in every language."""
    from bot.i18n import LANGUAGES, translator

    return {skip_label(translator(lang)) for lang in LANGUAGES}


def skip_label(t: Translator) -> str:
    return t._("⏭ Skip check-in")


