"""What a visit is, as the steps see it: its state loaded in one read, the conversation's
step and screen, and the helpers every step shares."""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from bot.clock import now as clock_now
from bot.core import Core
from bot.rules import methods
from bot.rules import visit as rules
from bot.rules.checklist import Checklist, Question
from bot.rules.evidence import MAX_FILES, PHOTO, Incoming
from bot.rules.methods import CheckMethod
from bot.rules.models import Conversation, Flow, Person
from bot.rules.records import (
    Checkin,
    Correction,
    Evidence,
    EvidenceKind,
    FollowUp,
    Material,
    Signature,
    Task,
    TeamMember,
    Visit,
    VisitAnswer,
    VisitItem,
    VisitStatus,
)
from bot.services.errors import Refusal, Refused
from storage import ReadTx, Tx
from storage.base import to_db_time

FLOW = Flow.VISIT


TOKEN_PREFIX = "s_"


TOKEN_MINUTES = 30


MAX_PHOTOS = MAX_FILES  # photos, documents or recordings answering one question


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
    SUBMIT_CONFIRM = "submit_confirm"
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

    def values(self, today: date) -> rules.FormValues | None:
        """The form's values (typed answers, calculations), to pass on to what follows."""
        return rules.form_values(self.checklist, self.answers, today) \
            if self.checklist else None

    def relevant(self, today: date, values: rules.FormValues | None = None) -> list[Question]:
        return rules.relevant_questions(self.checklist, self.answers, today, values) \
            if self.checklist else []

    def answerable(self, today: date, values: rules.FormValues | None = None
                   ) -> list[Question]:
        """The relevant questions not read-only now (those may be asked and changed)."""
        return rules.answerable(self.checklist, self.answers, today, values) \
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
    correction: Correction | None = None  # open: the team is correcting a submitted record
    materials: list[Material] = field(default_factory=list)  # the party's, for a desk check

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

    @property
    def acting(self) -> TeamMember | None:
        """Who acts for the team now (see `acting`)."""
        return rules.acting(self.members)

    def acts(self, person_id: int) -> bool:
        """Whether `person_id` acts for the team now (see `acting`)."""
        acting = self.acting
        return acting is not None and acting.person_id == person_id

    def name_of(self, person_id: int | None) -> str:
        member = self.member(person_id) if person_id is not None else None
        return str(member.name) if member else "—"

    @property
    def rows(self) -> list[VisitItem]:
        """The items as recorded (name, department, who answers, result, details)."""
        return [i.row for i in self.items]

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

    def _answers(self, item: Item) -> list[dict[str, Any]]:
        """An item's relevant answers as the record holds them, and its labelled
        calculations."""
        answers = []
        values = item.values(self.today)
        for question in item.relevant(self.today, values):
            answer = item.answers.get(question.name)
            if answer is None or question.more:  # "add another?" is not a finding
                continue
            meta = item.meta[question.name]
            sent = item.photos.get(question.name, [])
            files = question.type in _COUNTED and question.type != "image"
            answers.append({
                "question": question.name,
                "label": rules.label(question, "zh_CN", values),
                "type": question.type, "value": answer.value, "skipped": answer.skipped,
                # the record's font has no emoji: files are counted in words
                "display": _COUNTED[question.type].format(n=len(sent))
                if question.type in _COUNTED
                else rules.display(question, answer, "zh_CN", len(sent)),
                "by": meta.answered_by_name, "at": to_db_time(meta.answered_at),
                # a photo question's photos, shown in the PDF (as records always held
                # them); a document's or recording's, listed with its type and size
                "photos": [] if files else [p.sha256 for p in sent],
                **({"files": [_file(e) for e in sent]} if files else {}),
            })
        if item.checklist is not None:  # labelled calculations, as the form computes
            answers += [{"question": q.name, "label": rules.label(q, "zh_CN", values),
                         "type": "calculate", "value": value, "skipped": False,
                         "display": value, "by": "", "at": None, "photos": [],
                         "calculated": True}
                        for q, value in rules.calculated(item.checklist, item.answers,
                                                         self.today, values)]
        return answers

    def content(self) -> dict[str, Any]:
        """What the team and the party sign: everything found, nothing about signatures."""
        task = self.task
        items = []
        for item in self.items:
            answers = self._answers(item)
            follow = next((f for f in self.follow_ups if f.item_code == item.code), None)
            items.append({
                "code": item.code, "name": item.row.name,
                # (only where recorded: a visit begun before methods were, reads as it did)
                **({"method": str(item.row.method), "method_wording":
                    methods.wording(item.row.method)} if item.row.method else {}),
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
                          **({"flag": c.flag.code} if c.flag else {})}
                         for c in self.checkins],
            "items": items,
            # Only where they apply, so that a plain record reads as it always did.
            **({"materials": [{"name": m.name, "mime": m.mime, "size": m.size,
                               "sha256": m.sha256, "at": to_db_time(m.received_at)}
                              for m in self.materials]} if self.materials else {}),
            **({"started_late": True} if self.visit.started_late else {}),
            **({"correction": {"of_version": self.correction.version,
                               "of_record_hash": self.correction.record_hash,
                               "reason": self.correction.reason,
                               "opened_by": self.correction.opened_by_name}}
               if self.correction else {}),
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
    def desk_items(self) -> list[Item]:
        """The items checked on paper (书面检查): the party may send its documents by link."""
        return [i for i in self.items if i.row.method == CheckMethod.DOCUMENTS]

    @property
    def on_site(self) -> bool:
        """Whether the team checks one item at least on the party's premises (then each
        member checks in and the party signs)."""
        return methods.on_site(i.row.method for i in self.items)

    @property
    def party_needed(self) -> bool:
        """Nobody to sign where the registered premises cannot be reached (第二十一条), nor
        where nobody was on the party's premises (a desk or online check)."""
        return self.visit.shortcut != "unreachable" and self.on_site

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
                    if s.party_role else {}),
                 **({"png_sha256": s.png_sha256, "strokes_sha256": s.strokes_sha256}
                    if s.png_sha256 else {})}
                for s in self.signatures]

    def absent(self, person_id: int | None = None) -> list[TeamMember]:
        """Members (other than `person_id`) Choucha cannot reach."""
        return unreachable(self.members, person_id)


def unreachable(members: list[TeamMember], but: int | None = None) -> list[TeamMember]:
    """Members (other than `but`) Choucha cannot reach: not registered, or they blocked the
    bot."""
    return [m for m in members if m.person_id != but and not m.reachable]


# Files answering a question, as the record counts them.
_COUNTED = {"image": "照片 {n} 张", "file": "文件 {n} 个", "audio": "录音 {n} 段",
            "video": "视频 {n} 段"}


def _file(evidence: Evidence) -> dict[str, Any]:
    """A document or recording as the record lists it: what it is, and the SHA-256 of its
    bytes as kept (a recording is listed, never played, in the PDF)."""
    return {"sha256": evidence.sha256, "name": evidence.file_name,
            "mime": evidence.mime, "size": evidence.file_size}


def _stored(value: datetime | None) -> str | None:
    """A time as the record states it: the stored UTC text."""
    return None if value is None else to_db_time(value)


@dataclass(frozen=True)
class Note:
    """What a screen says beyond the visit's state: each field for the screens that read
    it (bot/views/visits.py), typed, instead of a dict of string keys."""

    nothing_mine: bool = False  # HOME: no item is this person's to answer
    selected: tuple[str, ...] = ()  # QUESTION: a multiple choice's picks so far
    search: str = ""  # QUESTION: what a long list is searched for
    count: int = 0  # PHOTO_SAVED, SHORTCUT_PHOTO: how many photos (or files) now
    again: bool = False  # PHOTO_SAVED: the same photo (or file) was sent before
    file: str = ""  # PHOTO_SAVED: the name of the document or recording just saved
    saved: bool = False  # REVIEW: an answer was just saved
    page: int = 0  # REVIEW: which page of the answers
    suggested: tuple[str, ...] = ()  # RESULT: the categories the answers suggest
    kind: str = ""  # a result's detail step, a shortcut: which category or kind
    due: str = ""  # FU_OWNER: the follow-up's due date, as shown
    result: str = ""  # PART_DONE: the category just recorded
    signed: bool = False  # SIGNATURES: the reader just signed
    refused: bool = False  # SIGNATURES: the party's refusal was recorded
    paper: bool = False  # SIGNATURES: the party's paper signature was recorded
    member_paper: str = ""  # SIGNATURES: whose paper signature was recorded
    webapp: str = ""  # SIGNATURES: the Mini App's address, when it is served
    link: str = ""  # PARTY_QR: the party's signing link
    minutes: int = 0  # PARTY_QR: how long the link works
    name: str = ""  # MEMBER_PAPER: whose paper signature is asked for
    record_hash: str = ""  # SUBMITTED


@dataclass(frozen=True)
class View:
    """What to show next; rendered by `visit_views` in the reader's language."""

    kind: Screen
    state: State
    item: Item | None = None
    question: Question | None = None
    note: Note = Note()


@dataclass(frozen=True)
class Absent:
    """Starting would leave teammates out: said before anything is recorded."""

    task: Task
    members: list[TeamMember]  # each with tg_user_id None (not registered) or blocked_at


@dataclass(frozen=True)
class PhotoIn:
    """A file sent as evidence, downloaded: a photo, or a document or recording answering a
    question of type file, audio or video (`sent`: what Telegram said of it)."""

    file_id: str
    file_unique_id: str
    data: bytes
    sent: Incoming = PHOTO


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
    checkins = await tx.visits.checkins(visit_id)
    items = []
    for row in rows:
        mine = [a for a in answers if a.item_code == row.item_code]
        photos: dict[str, list[Evidence]] = {}
        for e in evidence:
            if e.kind == EvidenceKind.ANSWER and e.item_code == row.item_code and e.question:
                photos.setdefault(e.question, []).append(e)
        given = {a.question: rules.Answer(a.value, a.skipped) for a in mine}
        items.append(Item(
            row=row,
            checklist=_as_asked(Checklist.from_json(row.form), row, given, checkins, today)
            if row.form else None,
            answers=given,
            meta={a.question: a for a in mine},
            photos=photos,
        ))
    state = State(task=task, visit=visit, members=await tx.tasks.members(visit.task_id),
                  items=items, checkins=checkins, evidence=evidence,
                  follow_ups=await tx.visits.follow_ups(visit_id), today=today, tz=tz,
                  correction=await tx.visits.correction(visit.task_id)
                  if visit.status == VisitStatus.OPEN else None,
                  materials=await tx.materials.of_visit(visit_id))
    if state.results_in:  # nobody signs before that: no hash to compute while answering
        state.signatures.extend(await tx.visits.signatures(visit_id, state.content_hash))
    return state


def _as_asked(form: Checklist, row: VisitItem, given: dict[str, rules.Answer],
              checkins: list[Checkin], today: date) -> Checklist:
    """The form as this visit asks it: its metadata filled for the inspector answering,
    and a repeat group's questions once per entry."""
    checkin = next((c for c in checkins if c.person_id == row.answerer
                    and c.latitude is not None and c.longitude is not None), None)
    place = (checkin.latitude, checkin.longitude) if checkin and checkin.latitude is not None \
        and checkin.longitude is not None else None
    filled = rules.with_metadata(form, row.answerer_name or "", f"choucha:{row.answerer}"
                                 if row.answerer else "", place)
    return rules.expand(filled, given, today)


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


async def _conversation(tx: Tx, tg_user_id: int) -> Conversation:
    conversation = await tx.conversations.get(tg_user_id)
    if conversation is None or conversation.flow != FLOW:
        raise Refused(Refusal.STALE)
    return conversation


def _require_leader(state: State, person: Person) -> None:
    if not state.acts(person.id):
        raise Refused(Refusal.LEADER_ONLY)
