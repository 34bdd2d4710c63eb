"""Domain dataclasses and enums. A leaf module: it imports nothing of ours."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


class Role(enum.StrEnum):
    """What a person may do; supervisor is scoped to a department."""

    INSPECTOR = "inspector"
    SUPERVISOR = "supervisor"
    OFFICE = "office"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Department:
    id: int
    code: str
    name: str
    region: str | None = None


@dataclass(frozen=True, slots=True)
class RoleGrant:
    role: Role
    department_id: int | None = None


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    department_id: int | None
    language: str | None
    active: bool
    roles: tuple[RoleGrant, ...] = ()
    tg_user_id: int | None = None
    department_name: str | None = None

    def has_role(self, role: Role, department_id: int | None = None) -> bool:
        """True when the person holds `role` (for that department, when one is given)."""
        return any(
            g.role == role and (department_id is None or g.department_id == department_id)
            for g in self.roles
        )

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(g.role for g in self.roles)

    @property
    def is_office(self) -> bool:
        """Office staff or an administrator: loads, draws, digests, publishes."""
        return self.has_role(Role.OFFICE) or self.has_role(Role.ADMIN)


@dataclass(frozen=True, slots=True)
class TelegramAccount:
    tg_user_id: int
    person_id: int | None
    chat_id: int | None
    username: str | None
    first_name: str | None
    language_code: str | None
    language: str | None
    blocked_at: datetime | None
    menu_sha: str | None = None  # the command menu last set in the chat (bot/tg/menus.py)


@dataclass(frozen=True, slots=True)
class Invite:
    id: int
    person_id: int
    created_by: int | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


class InviteProblem(enum.StrEnum):
    """Why a /start code did not bind an account."""

    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"
    ALREADY_BOUND = "already_bound"  # this Telegram account is bound to someone already
    PERSON_BOUND = "person_bound"  # the invited person is bound to another account
    INACTIVE = "inactive"


class RosterStatus(enum.StrEnum):
    """Where a person of the directory stands with Choucha."""

    REGISTERED = "registered"  # bound to a Telegram account
    INVITED = "invited"  # an invite is open (until `invited_until`)
    INVITE_EXPIRED = "invite_expired"  # invited before, nothing open now
    NOT_INVITED = "not_invited"


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One person as the office sees them in /people and `choucha people`."""

    person_id: int
    name: str
    department_id: int | None
    department_code: str | None
    department_name: str | None
    cert_no: str | None
    cert_valid_until: str | None  # ISO date, from the inspector directory
    roles: tuple[Role, ...]
    status: RosterStatus
    invited_until: datetime | None
    blocked: bool = False

    def cert_expired(self, today: date) -> bool:
        return bool(self.cert_valid_until) and str(self.cert_valid_until) < today.isoformat()

    @property
    def registered(self) -> bool:
        return self.status == RosterStatus.REGISTERED


class InviteScope(enum.StrEnum):
    """Whom one press of the office's "invite everyone" buttons invites: everyone not yet
    registered, those of one department, or those of one draw's teams."""

    ALL = "all"
    DEPARTMENT = "dep"
    DRAW = "draw"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    dedupe_key: str
    chat_id: int
    chat_kind: str
    method: str
    payload: dict[str, Any]
    status: OutboxStatus
    attempts: int
    not_before: datetime
    person_id: int | None = None
    # Handed to Telegram when the bot stopped, not known to have arrived: sent again.
    in_doubt: bool = False


@dataclass(frozen=True)
class NewMessage:
    """A message to queue in the outbox (many at once: `OutboxRepo.enqueue_many`)."""

    dedupe_key: str
    chat_id: int
    person_id: int | None
    method: str
    payload: dict[str, Any]


class Table(enum.StrEnum):
    """A table of the directory the office loads and exports, in the order they load (what
    a row refers to is loaded before it)."""

    DEPARTMENTS = "departments"
    ITEMS = "items"
    TARGETS = "targets"
    INSPECTORS = "inspectors"
    RECUSALS = "recusals"
    PLANS = "plans"


class BulkKind(enum.StrEnum):
    """What a bulk write (storage/migrations/0015_bulk_writes.sql) is writing."""

    DRAW = "draw"  # a draw's tasks and members, after its outcome was computed
    IMPORT = "import"  # a large directory of targets, after every row was checked


@dataclass(frozen=True, slots=True)
class BulkWrite:
    """The one bulk write under way: its lease (owner, heartbeat) and its progress."""

    kind: BulkKind
    ref: str  # the draw's id, or the import's token
    owner: str  # host:pid:token of the process writing it
    done: int  # chunks or rows written so far, as the kind counts them
    total: int
    state: dict[str, Any]  # what the kind needs to resume (JSON)
    started_by: str
    started_at: datetime
    heartbeat_at: datetime


class AuditAction(enum.StrEnum):
    """What an audit row records: every action the chain knows, named once."""

    ACCOUNT_BLOCKED_BOT = "account.blocked_bot"
    ACCOUNT_BOUND = "account.bound"
    ACCOUNT_UNBOUND = "account.unbound"
    CALENDAR_LOADED = "calendar.loaded"
    DECISION_RECORDED = "decision.recorded"
    DEPARTMENT_CREATED = "department.created"
    DRAW_CANCELLED = "draw.cancelled"
    DRAW_PREPARED = "draw.prepared"
    DRAW_RECORDED = "draw.recorded"
    DRAW_RUN = "draw.run"
    FOLLOW_UP_CLOSED = "follow_up.closed"
    FOLLOW_UP_HANDED_OVER = "follow_up.handed_over"
    IMPORT_CHECKLIST = "import.checklist"
    IMPORT_DEPARTMENTS = "import.departments"
    IMPORT_ITEMS = "import.items"
    IMPORT_TARGETS = "import.targets"
    IMPORT_INSPECTORS = "import.inspectors"
    IMPORT_RECUSALS = "import.recusals"
    IMPORT_PLANS = "import.plans"
    INSPECTOR_WITHDRAWN = "inspector.withdrawn"
    INVITE_CREATED = "invite.created"
    ITEMS_PUBLISHED = "items.published"
    PLAN_PUBLISHED = "plan.published"
    PERSON_CREATED = "person.created"
    PERSON_LANGUAGE = "person.language"
    PERSON_ROLES = "person.roles"
    PUBLICATION_CORRECTED = "publication.corrected"
    PUBLICATION_RELEASED = "publication.released"
    PUBLICATION_PUBLISHED = "publication.published"
    PUBLICATION_WITHHELD = "publication.withheld"
    RECORD_CORRECTION_OPENED = "record.correction_opened"
    REPLACEMENT_APPROVED = "replacement.approved"
    REPLACEMENT_REJECTED = "replacement.rejected"
    REPLACEMENT_REQUESTED = "replacement.requested"
    REPLACEMENT_SUGGESTED = "replacement.suggested"
    TASK_ACCEPTED = "task.accepted"
    UPDATE_GIVEN_UP = "update.given_up"
    VISIT_ANSWERED = "visit.answered"
    VISIT_CHECKED_IN = "visit.checked_in"
    VISIT_ENTRIES_REMOVED = "visit.entries_removed"
    VISIT_MEMBER_SIGNED_PAPER = "visit.member_signed_paper"
    VISIT_PARTY_LINK = "visit.party_link"
    VISIT_PARTY_LINK_REFUSED = "visit.party_link_refused"
    VISIT_PARTY_REFUSED = "visit.party_refused"
    VISIT_PARTY_SIGNED = "visit.party_signed"
    MATERIALS_ASKED = "visit.materials_asked"  # a link for the party's documents
    MATERIALS_RECEIVED = "visit.materials_received"
    VISIT_PARTY_SIGNED_PAPER = "visit.party_signed_paper"
    VISIT_HANDSIGN_OPENED = "visit.handsign_opened"
    VISIT_HANDSIGN_REFUSED = "visit.handsign_refused"
    VISIT_PHOTO = "visit.photo"
    VISIT_PHOTOS_REMOVED = "visit.photos_removed"
    VISIT_RESULT = "visit.result"
    VISIT_SHORTCUT = "visit.shortcut"
    VISIT_SIGNED = "visit.signed"
    VISIT_STARTED = "visit.started"
    VISIT_SUBMITTED = "visit.submitted"

    @classmethod
    def imported(cls, kind: str) -> AuditAction:
        """The import of one kind of directory sheet (bot/formats/sheets.py SHEETS)."""
        return cls(f"import.{kind}")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    subject: str
    payload: str
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class AuditProblem:
    row_id: int
    reason: str


class Flow(enum.StrEnum):
    """Every multi-step flow a person can be in (the conversation's `flow`, stored)."""

    VISIT = "visit"  # bot/services/visits
    PARTY = "party"  # the inspected party signs on their phone
    PRACTICE = "practice"  # the office tries a checklist
    INVITE = "invite"  # /invite
    DRAW = "draw"  # /draw: the entropy source or value, typed
    WITHDRAW = "withdraw"  # /withdraw
    CORRECTION = "correction"  # /correct: the reason
    REPLACE = "replace"  # a member asks to be replaced
    REPLACE_FOR = "replace_for"  # a supervisor or the office, on a member's behalf
    REJECT = "reject"  # the reason a replacement is rejected
    FOLLOW_UP = "followup"  # closing or handing over a follow-up
    DECISION = "decision"  # a penalty decision or referral
    WITHHOLD = "withhold"  # why a result is withheld from publication
    PUBLISH = "publish"  # the tasks a preview showed, until Publish or Cancel
    LISTING = "listing"  # the item list or a plan to publish: its 文号, then Publish


@dataclass(frozen=True, slots=True)
class Conversation:
    """Where a person is in a multi-step flow; held in the database, not in memory."""

    tg_user_id: int
    flow: Flow
    step: str
    data: dict[str, Any] = field(default_factory=dict)


class PartyRole(enum.StrEnum):
    """Who signs for the inspected party (003 第二十一条)."""

    LEGAL_REP = "legal_rep"  # 法定代表人
    PRINCIPAL = "principal"  # 负责人
    AGENT = "agent"  # 委托代理人
    OTHER = "other"  # 其他


class Opinion(enum.StrEnum):
    """当事人意见."""

    AGREE = "agree"  # 无异议
    OBJECT = "object"  # 有异议 (with text)


LAST4_RE = re.compile(r"^[0-9]{3}[0-9Xx]$")  # the last four characters of an ID card


class SignerProblem(enum.StrEnum):
    NAME = "name"  # 2 to 50 characters, not a command
    LAST4 = "last4"
    OPINION_TEXT = "opinion_text"  # an objection needs at least a few words


@dataclass(frozen=True, slots=True)
class PartySigner:
    """What the party states when signing on their phone."""

    name: str
    role: PartyRole
    id_last4: str | None
    opinion: Opinion
    opinion_text: str | None = None

    def problem(self) -> SignerProblem | None:
        """What is wrong with what the signer stated, if anything."""
        if not 2 <= len(self.name) <= 50 or self.name.startswith("/"):
            return SignerProblem.NAME
        if self.id_last4 is not None and not LAST4_RE.match(self.id_last4):
            return SignerProblem.LAST4
        if self.opinion == Opinion.OBJECT and len((self.opinion_text or "").strip()) < 2:
            return SignerProblem.OPINION_TEXT
        return None
