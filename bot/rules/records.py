"""The work's records as repositories return them: tasks and their teams, visits and what
was found on site, replacement requests, draws and publications.

Each is a frozen dataclass whose fields are the columns of one query, typed: times are
aware `datetime`s (UTC), calendar days are `date`s, flags are `bool`s, statuses are the
enums below and JSON columns arrive decoded. `storage/rows.py` is the one place a row
becomes a record."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.rules.methods import CheckMethod, item_method
from bot.rules.models import Opinion, PartyRole


class TaskStatus(enum.StrEnum):
    ASSIGNED = "assigned"  # drawn, nobody has started the visit
    IN_PROGRESS = "in_progress"  # the visit is open
    SUBMITTED = "submitted"  # the record is submitted

    @classmethod
    def open(cls) -> tuple[TaskStatus, ...]:
        """A task still owed by its team."""
        return (cls.ASSIGNED, cls.IN_PROGRESS)


class VisitStatus(enum.StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"


class RequestStatus(enum.StrEnum):
    """A replacement request."""

    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"


class FollowUpStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"


class DrawStatus(enum.StrEnum):
    PREPARED = "prepared"  # the nonce is committed, the inputs frozen and announced
    CANCELLED = "cancelled"  # a preparation cancelled before the draw date, kept
    WRITING = "writing"  # drawn: its tasks are being written (seen by nobody yet)
    RUN = "run"


class SignatureKind(enum.StrEnum):
    MEMBER = "member"  # a member confirmed in their own chat
    MEMBER_PAPER = "member_paper"  # a member's signature on the paper record, photographed
    PARTY = "party"  # the party signed through the QR link
    PARTY_PAPER = "party_paper"  # the party signed the paper record, photographed
    PARTY_REFUSED = "party_refused"  # the party refused, with a witness

    @property
    def of_member(self) -> bool:
        return self in (SignatureKind.MEMBER, SignatureKind.MEMBER_PAPER)


class EvidenceKind(enum.StrEnum):
    ANSWER = "answer"  # a photo, document or recording answering a checklist question
    SHORTCUT = "shortcut"  # a photo of closed or unreachable premises
    PARTY_PAPER = "party_paper"
    MEMBER_PAPER = "member_paper"
    WITNESS = "witness"


# --------------------------------------------------------------------------- tasks

@dataclass(frozen=True)
class Task:
    """A drawn target with its plan and the target's directory details."""

    id: int
    status: TaskStatus
    window_start: date
    window_due: date
    batch_order: int
    target_code: str
    plan: str
    plan_id: int
    draw_id: int
    target_name: str
    address: str | None
    credit_class: str | None
    abnormal: bool
    dishonest: bool
    complaints: int
    registration_status: str
    legal_rep: str | None
    entity_type: str | None
    established: str | None
    scope: str | None
    industry: str | None
    region: str | None


@dataclass(frozen=True)
class PersonTask(Task):
    """A task as one member sees it in their list."""

    leader: bool = False
    my_waiting_items: int = 0  # their items of a visit under way still without a result


class Unreachable(enum.StrEnum):
    """Why Choucha cannot reach a team member."""

    UNREGISTERED = "unregistered"  # no Telegram account bound to them
    BLOCKED = "blocked"  # they blocked the bot (or it has no chat with them)
    LEFT = "left"  # no longer active in the directory


@dataclass(frozen=True)
class TeamMember:
    """An active member of a task's team."""

    person_id: int
    name: str
    leader: bool
    position: int
    cert_no: str
    department_id: int
    department: str
    department_code: str
    accepted_at: datetime | None
    phone: str | None
    tg_user_id: int | None  # None: not registered in Choucha
    blocked_at: datetime | None  # they blocked the bot
    reachable: bool  # a message reaches them now (storage.base.REACHABLE)
    active: bool = True  # still in the directory

    @property
    def unreachable(self) -> Unreachable | None:
        """Why a message does not reach them (None when it does)."""
        if self.reachable:
            return None
        if not self.active:
            return Unreachable.LEFT
        if self.tg_user_id is None:
            return Unreachable.UNREGISTERED
        return Unreachable.BLOCKED


@dataclass(frozen=True)
class PlanItem:
    """An item of a plan, with its department and current checklist."""

    code: str
    name: str
    basis: str
    department_id: int
    department: str
    checklist_id: int | None
    method_text: str = ""  # 检查方式 as the item list writes it
    planned: CheckMethod | None = None  # as the plan sets it, if it does

    @property
    def method(self) -> CheckMethod:
        """How it is checked in this plan (bot/rules/methods.py)."""
        return item_method(self.method_text, self.planned)


@dataclass(frozen=True)
class DepartmentTasks:
    """Counts of the tasks with a member of some departments, by where they stand."""

    overdue: int  # owed, the window ended
    assigned: int
    in_progress: int
    submitted: int


@dataclass(frozen=True)
class OverdueTask:
    id: int
    target: str
    window_due: date
    leader: str | None


@dataclass(frozen=True)
class EarlierTask:
    """Another check of the same target (shown on a task's preview)."""

    id: int
    status: TaskStatus
    window_due: date
    plan: str


# -------------------------------------------------------------------------- visits

@dataclass(frozen=True)
class Visit:
    id: int
    task_id: int
    status: VisitStatus
    shortcut: str | None  # 'unreachable' or 'no_activity' (rules.visit.SHORTCUTS)
    started_by: int
    started_at: datetime
    submitted_by: int | None
    submitted_at: datetime | None
    started_late: bool  # begun after the window ended (said on the record)


@dataclass(frozen=True)
class VisitItem:
    """An item of the visit: who answers it, its checklist, and its result once given."""

    visit_id: int
    item_code: str
    position: int
    department_id: int
    department: str
    name: str
    basis: str
    answerer: int | None
    answerer_name: str | None
    checklist_id: int | None
    form: str | None  # the checklist's JSON
    checklist_version: int | None
    checklist_sha256: str | None
    result: str | None  # a key of rules.visit.RESULTS
    detail: dict[str, Any]
    result_by: int | None
    result_at: datetime | None
    method: CheckMethod | None = None  # fixed at the start (None: begun before, on site)


@dataclass(frozen=True)
class Checkin:
    id: int
    visit_id: int
    person_id: int
    name: str
    at: datetime
    latitude: float | None
    longitude: float | None
    skip_reason: str | None
    flag: CheckinFlag | None


@dataclass(frozen=True)
class VisitAnswer:
    visit_id: int
    item_code: str
    question: str
    value: str
    skipped: bool
    answered_by: int
    answered_by_name: str
    answered_at: datetime


@dataclass(frozen=True)
class Evidence:
    id: int
    visit_id: int
    kind: EvidenceKind
    item_code: str | None
    question: str | None
    file_id: str
    file_unique_id: str
    sha256: str
    taken_by: int
    taken_by_name: str
    taken_at: datetime
    removed_at: datetime | None
    # As the file came (migration 0021); NULL for a photo taken before: image/jpeg, no name.
    mime_type: str | None
    file_name: str | None
    file_size: int | None

    @property
    def mime(self) -> str:
        return self.mime_type or "image/jpeg"


@dataclass(frozen=True)
class FollowUp:
    id: int
    visit_id: int
    item_code: str
    kind: str  # rectification, referral or judicial
    due_date: date
    owner: int
    owner_name: str
    status: FollowUpStatus
    created_by: int
    created_at: datetime
    closed_at: datetime | None
    outcome: str | None
    outcome_date: date | None
    evidence_sha256: str | None
    evidence_name: str | None
    closed_by: int | None


@dataclass(frozen=True)
class FollowUpLine:
    """A follow-up as its owner, the supervisors and the office see it: with its task,
    item, department and outcome."""

    id: int
    task_id: int
    target: str
    item_code: str
    item: str
    department_id: int
    department: str
    kind: str  # rectification, referral or judicial
    due_date: date
    owner: int
    owner_name: str
    status: FollowUpStatus
    outcome: str | None
    outcome_date: date | None
    evidence_sha256: str | None
    evidence_name: str | None
    closed_at: datetime | None

    def overdue(self, today: date) -> bool:
        return self.status == FollowUpStatus.OPEN and self.due_date < today


@dataclass(frozen=True)
class Handover:
    from_name: str
    to_name: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class DecisionOwed:
    """An item found in violation (rules.aftercare.CALLS_FOR_DECISION) of a submitted
    record: its 行政处罚决定 or referral is recorded, or still owed."""

    task_id: int
    target: str
    target_code: str
    item_code: str
    position: int
    answerer: int | None
    item: str
    department_id: int
    department: str
    result: str
    finished_at: datetime
    decision_id: int | None
    kind: str | None  # DecisionKind
    doc_no: str | None
    decided_on: date | None
    penalty: str | None
    amount_fen: int | None
    authority: str | None
    recorded_at: datetime | None
    late: bool | None


@dataclass(frozen=True)
class Signature:
    id: int
    visit_id: int
    kind: SignatureKind
    person_id: int | None
    tg_user_id: int | None
    name: str
    content_hash: str
    signed_at: datetime
    evidence_sha256: str | None
    reason: str | None
    witness: str | None
    witness_sha256: str | None
    recorded_by: int | None
    recorded_by_name: str | None
    party_role: PartyRole | None
    id_last4: str | None
    opinion: Opinion | None
    opinion_text: str | None
    png_sha256: str | None = None  # a handwritten signature (the Mini App): its image
    strokes_sha256: str | None = None  # and its strokes, points with times (JSON)


class TokenKind(enum.StrEnum):
    QR = "qr"  # the party opens a link in their own Telegram
    WEBAPP = "webapp"  # the Mini App on the leader's phone


@dataclass(frozen=True)
class SignToken:
    """A single-use token for the party to sign: a QR link, or a Mini App session."""

    id: int
    visit_id: int
    code_sha256: str
    content_hash: str
    created_by: int
    created_at: datetime
    expires_at: datetime
    opened_by: int | None
    used_at: datetime | None
    kind: TokenKind = TokenKind.QR


@dataclass(frozen=True)
class Record:
    """A submitted record, frozen: its content, hashes and version."""

    id: int
    visit_id: int
    task_id: int
    version: int
    content: dict[str, Any]
    content_hash: str
    record_hash: str
    pdf_sha256: str | None
    created_by: int
    created_at: datetime
    supersedes: int | None


@dataclass(frozen=True)
class Correctable:
    """A task with a submitted record, as the list of what may be corrected shows it."""

    task_id: int
    target: str
    plan: str
    version: int
    submitted_at: datetime
    correcting: bool


@dataclass(frozen=True)
class Correction:
    """A correction of a submitted record: open while its team changes the visit, closed
    by the new version's submission."""

    id: int
    task_id: int
    visit_id: int
    record_id: int
    version: int  # of the record corrected
    record_hash: str  # of the record corrected
    reason: str
    opened_by: int
    opened_by_name: str
    opened_at: datetime
    new_record_id: int | None
    closed_at: datetime | None


# -------------------------------------------------------------------- replacements

@dataclass(frozen=True)
class ReplacementRequest:
    id: int
    task_id: int
    person_id: int
    person_name: str
    department_id: int
    reason: str  # a key of bot/rules/approval.py ON_BEHALF_REASONS
    note: str | None
    status: RequestStatus
    created_at: datetime
    filed_by: int | None  # None: the member asked themselves
    decided_by: int | None
    decided_by_name: str | None
    decided_at: datetime | None
    reject_reason: str | None
    replacement: int | None


@dataclass(frozen=True)
class Withdrawal:
    """An inspector withdrawn from drawing from a date on."""

    id: int
    person_id: int
    cert_no: str
    from_date: date
    reason: str
    note: str | None
    recorded_by: int | None
    recorded_at: datetime


# --------------------------------------------------------------------------- draws

@dataclass(frozen=True)
class Draw:
    """A plan's draw: prepared (its inputs frozen and announced), cancelled, being
    written, or run. The big documents live in the file store, named by SHA-256."""

    id: int
    plan_id: int
    algorithm: str  # choucha-draw-v1 or -v2
    status: DrawStatus
    draw_date: date
    entropy_source: str
    entropy: str | None
    nonce: str
    nonce_commitment: str
    pool_digest: str
    pool_size: int
    announcement_sha256: str | None  # v2: frozen at prepare
    inspectors_sha256: str | None  # v2: frozen at prepare (v1: at run)
    recusals_sha256: str | None
    people: dict[str, int]  # v2: each frozen 执法证号's person, as prepare found them
    seed: str | None
    record_sha256: str | None  # v2: the record as drawn (v1 keeps it in the row)
    written: int  # tasks written so far while the status is writing
    prepared_by: str
    prepared_at: datetime
    run_by: str | None
    run_at: datetime | None
    cancelled_by: str | None
    cancelled_at: datetime | None
    cancel_reason: str | None


@dataclass(frozen=True)
class DrawEvents:
    """What happened to a run draw's teams after it: replacements and withdrawals, in the
    order they were made (docs/draw.md), as the record publishes them."""

    replacements: list[dict[str, Any]]
    withdrawals: list[dict[str, Any]]
    before_run: list[dict[str, Any]]  # v2: those left out of every team at the run


@dataclass(frozen=True)
class PlanItemRule:
    """An item of a plan as the draw reads it."""

    code: str
    kind: str  # 'key' (重点) or 'general'
    max_ratio: str | None
    expertise: str | None
    department_code: str


@dataclass(frozen=True)
class PlanForDraw:
    """A plan with what its draw needs: scope, ratios, departments, items."""

    id: int
    name: str
    draw_date: date
    window_start: date
    window_due: date
    year_caps: dict[str, int]  # per stratum as the plan writes them ({"*": 2}; 0 = no cap)
    risk_rule: dict[str, Any]  # bot.rules.draw.RiskRule as JSON
    scope: dict[str, list[str]]
    ratios: dict[str, str]
    fallbacks: dict[str, list[str]]
    initiator_code: str
    joining_codes: tuple[str, ...] = ()
    items: tuple[PlanItemRule, ...] = ()


@dataclass(frozen=True)
class PlanLine:
    """A plan in the office's list, with its draw's status when it has one."""

    id: int
    name: str
    draw_date: date
    draw_status: DrawStatus | None


@dataclass(frozen=True)
class DrawableInspector:
    cert_no: str
    department: str  # the department's code
    expertise: list[str]
    person_id: int


@dataclass(frozen=True)
class DrawnSeat:
    """A member of a drawn team, as the office's spreadsheet of a draw lists them."""

    task_id: int
    batch_order: int
    target_code: str
    target_name: str
    credit_class: str | None
    name: str
    department: str
    leader: bool


@dataclass(frozen=True)
class DepartmentInspector:
    """Any active inspector of a department (to explain why nobody could be drawn)."""

    cert_no: str | None
    cert_valid_until: date | None
    expertise: list[str]


# -------------------------------------------------------------------- publications

class ListingKind(enum.StrEnum):
    """What a listing publishes: the item list, or a plan."""

    ITEMS = "items"
    PLAN = "plan"


@dataclass(frozen=True)
class Listing:
    """The item list or a plan as published (bot/rules/listing.py), kept unchanged."""

    id: int
    kind: ListingKind
    plan_id: int | None
    doc_no: str | None
    content: dict[str, Any]
    digest: str
    published_by: str
    published_at: datetime


class PublicationKind(enum.StrEnum):
    RESULT = "result"
    WITHHELD = "withheld"
    CORRECTION = "correction"


@dataclass(frozen=True)
class Publication:
    id: int
    task_id: int
    kind: PublicationKind
    content: dict[str, Any]
    reason: str | None
    supersedes: int | None
    created_by: str
    created_at: datetime
    target_code: str | None = None  # where the query joins the task


@dataclass(frozen=True)
class CorrectionDue:
    """A published result whose record was corrected since: a 更正 publication is owed."""

    task_id: int
    publication_id: int  # the one the 更正 supersedes
    target: str
    version: int  # of the corrected record
    reason: str  # of the record's correction


@dataclass(frozen=True)
class WithheldResult:
    task_id: int
    publication_id: int
    target: str
    reason: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class DuePublication:
    """A finished task whose result is neither published nor withheld yet."""

    id: int  # the task
    finished_at: datetime
    target: str
    target_code: str


# -------------------------------------------------------------------------- digest

@dataclass(frozen=True)
class OverdueGroup:
    """Open tasks past their window, counted per leader."""

    department: str  # the leader's
    leader: str
    tasks: int
    oldest: date  # the earliest window end among them


@dataclass(frozen=True)
class OpenRequest:
    """A replacement request nobody has decided, as the digest lists it."""

    created_at: datetime
    name: str  # the member to be replaced
    target: str


@dataclass(frozen=True)
class Noncooperation:
    """An item recorded as 不配合 in a submitted visit."""

    target: str
    detail: dict[str, Any]
    submitted_at: datetime


class FlagKind(enum.StrEnum):
    """Why a shared location is implausible."""

    ZERO = "zero"  # 0,0: no fix, or a forged one
    OUTSIDE_CHINA = "outside_china"
    FAR = "far"  # beyond the office's area


@dataclass(frozen=True)
class CheckinFlag:
    """An implausible check-in place (bot/rules/visit.py `checkin_flag`), stored and put
    in the record's content as its `code`: `zero`, `outside_china` or `far:<km>`."""

    kind: FlagKind
    km: int | None = None  # FAR: how far from the office's area's centre

    @property
    def code(self) -> str:
        return f"{self.kind.value}:{self.km}" if self.kind is FlagKind.FAR else self.kind.value

    @classmethod
    def from_db(cls, code: str) -> CheckinFlag:
        """The flag a stored code stands for (ValueError for anything else)."""
        kind, _, km = code.partition(":")
        if FlagKind(kind) is FlagKind.FAR:
            return cls(FlagKind.FAR, int(km))
        if km:
            raise ValueError(code)
        return cls(FlagKind(kind))


@dataclass(frozen=True)
class FlaggedCheckin:
    """A check-in whose place is implausible (rules.visit.checkin_flag)."""

    target: str
    person: str
    flag: CheckinFlag
    at: datetime


@dataclass(frozen=True)
class TaskLine:
    """A task as the office's spreadsheet lists it."""

    id: int
    plan: str
    target_code: str
    target: str
    status: TaskStatus
    window_start: date
    window_due: date
    finished_at: datetime | None
    published_at: datetime | None
    leader: str | None
    department: str | None


@dataclass(frozen=True)
class PlanTasks:
    """A plan with tasks, and how many."""

    id: int
    name: str
    tasks: int


@dataclass(frozen=True)
class ToPublish:
    """A finished result not yet published, with its deadline."""

    target: str
    due: date
    left: int  # working days from today to `due`


@dataclass
class Digest:
    """The office's digest of a day (or of one plan): what happened and what is open."""

    day: date  # the day reported on ("yesterday")
    drawn: int = 0
    draws: int = 0
    accepted: int = 0
    started: int = 0
    finished: int = 0
    published: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    results_day: dict[str, int] = field(default_factory=dict)
    results_all: dict[str, int] = field(default_factory=dict)
    overdue: list[OverdueGroup] = field(default_factory=list)
    replacements: list[OpenRequest] = field(default_factory=list)
    publish_soon: list[ToPublish] = field(default_factory=list)
    publish_late: list[ToPublish] = field(default_factory=list)
    noncooperation: list[Noncooperation] = field(default_factory=list)
    flagged_checkins: list[FlaggedCheckin] = field(default_factory=list)
    audit_head: tuple[int, str] = (0, "")
    plan: str | None = None
    so_far: bool = False  # asked for during the day: today so far, not yesterday

    @property
    def empty(self) -> bool:
        """Nothing happened and nothing is open: a county that has not drawn yet."""
        return not (self.drawn or self.draws or self.accepted or self.started or self.finished
                    or self.published or any(self.statuses.values()) or self.overdue
                    or self.replacements or self.publish_soon or self.publish_late
                    or self.noncooperation or self.flagged_checkins)


@dataclass(frozen=True)
class Card:
    """A task as its card shows it: the task, its team, its items, and after submission
    an open correction and the follow-ups."""

    task: Task
    members: list[TeamMember]
    items: list[PlanItem]
    correction: Correction | None = None  # open: the submitted record is being corrected
    follow_ups: list[FollowUpLine] = field(default_factory=list)  # of the submitted record

    def member(self, person_id: int) -> TeamMember | None:
        return next((m for m in self.members if m.person_id == person_id), None)

    @property
    def all_accepted(self) -> bool:
        return all(m.accepted_at for m in self.members)


@dataclass(frozen=True)
class SitePublication:
    """A publication as the public site reads it: with its plan (results are grouped by
    plan and by department)."""

    id: int
    task_id: int
    plan_id: int
    kind: PublicationKind
    content: dict[str, Any]
    reason: str | None
    supersedes: int | None
    created_at: datetime


@dataclass(frozen=True)
class SiteRecord:
    """A record version, for its verification page (no content: only what identifies it)."""

    task_id: int
    version: int
    record_hash: str
    created_at: datetime


@dataclass(frozen=True)
class DayHead:
    """The audit chain's last entry of a day (UTC): publishing it lets anyone who kept an
    earlier page catch a database rewritten since."""

    day: date
    last_id: int
    last_hash: str


@dataclass(frozen=True)
class MaterialRequest:
    """A link given to the inspected party for a desk check's materials (only its hash)."""

    id: int
    visit_id: int
    token_sha256: str
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True)
class Material:
    """A file the inspected party sent for a desk check, kept by content."""

    id: int
    visit_id: int
    request_id: int
    name: str
    mime: str
    size: int
    sha256: str
    received_at: datetime
