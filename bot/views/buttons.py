"""Every button of the bot, declared once: its prefix and its typed fields.

A button kind is a frozen dataclass that subclasses `Button` with a prefix:

    @dataclass(frozen=True)
    class TaskCard(Button, prefix="task:c"):
        task_id: int

It gives its packing (`TaskCard(7).pack() == "v1:task:c:7"`, at most 64 bytes), its
parsing (`TaskCard.parse(data)`, which checks every field's type and range) and its
handler pattern (`TaskCard.matches`, a callable pattern for PTB's CallbackQueryHandler),
as aiogram's CallbackData factories do. Handlers dispatch through a table from kind to
function (handlers/common.py `Buttons`); `parse_any` reads any button of ours.

A button only names what was pressed; the handler re-checks from the database that this
person may do this to this record now. Field types: `int` (0 … 2⁶³−1, SQLite's integers),
`str` (a token of letters, digits and `_.-`, at most 40), a `StrEnum` (one of its values),
`date` (packed YYYYMMDD) and `X | None` (packed `none`; a missing last field reads None,
so that the buttons of messages sent before a field was added keep working).
"""

from __future__ import annotations

import enum
import re
import types
import typing
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, ClassVar, Self

from bot.rules.aftercare import DecisionKind
from bot.rules.models import InviteScope, Role

VERSION = "v1"
MAX_BYTES = 64
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
_INT_RE = re.compile(r"^[0-9]{1,19}$")
INT_MAX = 2**63 - 1
NONE = "none"


class BadCallback(ValueError):
    """Not a button this version of the bot made."""


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    kind: type
    optional: bool

    def pack(self, value: object) -> str:
        if value is None:
            if not self.optional:
                raise ValueError(f"{self.name} may not be None")
            return NONE
        if self.kind is int:
            if not isinstance(value, int) or isinstance(value, bool) or not (
                    0 <= value <= INT_MAX):
                raise ValueError(f"{self.name}: {value!r} is not an id")
            return str(value)
        if self.kind is date:
            if not isinstance(value, date):
                raise ValueError(f"{self.name}: {value!r} is not a date")
            return value.strftime("%Y%m%d")
        if issubclass(self.kind, enum.Enum):
            return str(self.kind(value).value)
        text = str(value)
        if not _TOKEN_RE.match(text) or text == NONE:
            raise ValueError(f"{self.name}: {text!r} cannot be packed")
        return text

    def parse(self, part: str) -> object:
        if part == NONE and self.optional:
            return None
        if self.kind is int:
            if not _INT_RE.match(part) or int(part) > INT_MAX:
                raise BadCallback(part)
            return int(part)
        if self.kind is date:
            try:
                if len(part) != 8:
                    raise ValueError(part)
                return datetime.strptime(part, "%Y%m%d").date()
            except ValueError:
                raise BadCallback(part) from None
        if issubclass(self.kind, enum.Enum):
            try:
                return self.kind(part)
            except ValueError:
                raise BadCallback(part) from None
        if not _TOKEN_RE.match(part):
            raise BadCallback(part)
        return part


def _field_of(name: str, hint: object) -> _Field:
    optional = False
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(members) != 1:
            raise TypeError(f"button field {name}: one type, or one type | None")
        hint, optional = members[0], True
    if not isinstance(hint, type) or not (hint in (int, str, date)
                                          or issubclass(hint, enum.Enum)):
        raise TypeError(f"button field {name}: {hint!r} is not int, str, date or an enum")
    return _Field(name, hint, optional)


# Every kind by its prefix (filled as the classes below are declared).
KINDS: dict[tuple[str, ...], type[Button]] = {}


class Button:
    """The base of every button kind (see the module's docstring)."""

    prefix: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, prefix: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not prefix:
            return  # an abstract kind (such as VisitButton), with no prefix of its own
        cls.prefix = tuple(prefix.split(":"))
        if cls.prefix in KINDS or not all(_TOKEN_RE.match(p) for p in cls.prefix):
            raise TypeError(f"button prefix {prefix!r} is taken or malformed")
        KINDS[cls.prefix] = cls

    @classmethod
    def _fields(cls) -> tuple[_Field, ...]:
        cached: tuple[_Field, ...] | None = cls.__dict__.get("_field_cache")
        if cached is None:
            hints = typing.get_type_hints(cls)
            cached = tuple(_field_of(f.name, hints[f.name]) for f in fields(cls))  # type: ignore[arg-type]
            cls._field_cache = cached  # type: ignore[attr-defined]
        return cached

    def pack(self) -> str:
        """The callback data: `v1:<prefix>:<field>…`, at most 64 bytes."""
        parts = [VERSION, *self.prefix,
                 *(f.pack(getattr(self, f.name)) for f in self._fields())]
        data = ":".join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data}")
        return data

    def markup(self, text: str) -> dict[str, str]:
        """An inline keyboard button (Bot API JSON) with this data."""
        return {"text": text, "callback_data": self.pack()}

    @classmethod
    def parse(cls, data: object) -> Self:
        """The button `data` packs; BadCallback when it is not one of this kind."""
        parts = _split(data)
        n = len(cls.prefix)
        if tuple(parts[:n]) != cls.prefix:
            raise BadCallback(data)
        values = parts[n:]
        declared = cls._fields()
        if len(values) > len(declared):
            raise BadCallback(data)
        parsed: dict[str, object] = {}
        for i, f in enumerate(declared):
            if i < len(values):
                parsed[f.name] = f.parse(values[i])
            elif f.optional:
                parsed[f.name] = None
            else:
                raise BadCallback(data)
        return cls(**parsed)

    @classmethod
    def matches(cls, data: object) -> bool:
        """The handler pattern: true for a well-formed button of this kind."""
        try:
            cls.parse(data)
        except BadCallback:
            return False
        return True


def _split(data: object) -> list[str]:
    if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
        raise BadCallback(data)
    version, _, rest = data.partition(":")
    if version != VERSION or not rest:
        raise BadCallback(data)
    return rest.split(":")


def parse_any(data: object) -> Button:
    """Any button of ours; BadCallback for anything else (stale or forged)."""
    parts = _split(data)
    for n in range(len(parts), 0, -1):
        kind = KINDS.get(tuple(parts[:n]))
        if kind is not None:
            return kind.parse(data)
    raise BadCallback(data)


# ------------------------------------------------------------------ onboarding and people

@dataclass(frozen=True)
class Language(Button, prefix="lang"):
    lang: str


@dataclass(frozen=True)
class InviteCancel(Button, prefix="inv:x"):
    pass


@dataclass(frozen=True)
class InviteDone(Button, prefix="inv:ok"):
    pass


@dataclass(frozen=True)
class InviteNew(Button, prefix="inv:new"):
    """Not one of the directory's people found: a new person."""


@dataclass(frozen=True)
class InviteExisting(Button, prefix="inv:p"):
    person_id: int


@dataclass(frozen=True)
class InviteDepartment(Button, prefix="inv:d"):
    department_id: int | None


@dataclass(frozen=True)
class InviteRole(Button, prefix="inv:r"):
    role: Role


@dataclass(frozen=True)
class PeopleOverview(Button, prefix="ppl:o"):
    pass


@dataclass(frozen=True)
class PeoplePage(Button, prefix="ppl:d"):
    department_id: int
    page: int


@dataclass(frozen=True)
class PeopleInvite(Button, prefix="ppl:i"):
    person_id: int


@dataclass(frozen=True)
class PeopleInviteDepartment(Button, prefix="ppl:id"):
    department_id: int


@dataclass(frozen=True)
class PeopleInviteAll(Button, prefix="ppl:ia"):
    pass


@dataclass(frozen=True)
class PeopleInviteDraw(Button, prefix="ppl:dr"):
    draw_id: int


@dataclass(frozen=True)
class PeopleInviteSure(Button, prefix="ppl:ok"):
    """Make the invites a confirmation listed (of `scope`; `ref` is the department or
    draw id, 0 for everyone; `shown` the fingerprint of whom it listed, so that a second
    press, or one after anything changed, is stale)."""

    scope: InviteScope
    ref: int
    shown: str


@dataclass(frozen=True)
class PeopleInviteNo(Button, prefix="ppl:no"):
    pass


@dataclass(frozen=True)
class UnbindAsk(Button, prefix="ub:a"):
    """One of several people of the name /unbind was given: ask about this one."""

    person_id: int


@dataclass(frozen=True)
class UnbindSure(Button, prefix="ub:ok"):
    """Unlink the account shown (`tg_user_id`: another one linked since is not)."""

    person_id: int
    tg_user_id: int


@dataclass(frozen=True)
class UnbindNo(Button, prefix="ub:no"):
    person_id: int


@dataclass(frozen=True)
class WithdrawPerson(Button, prefix="wd:p"):
    person_id: int


@dataclass(frozen=True)
class WithdrawReason(Button, prefix="wd:r"):
    person_id: int
    reason: str


@dataclass(frozen=True)
class WithdrawFrom(Button, prefix="wd:d"):
    person_id: int
    reason: str
    day: date


@dataclass(frozen=True)
class WithdrawConfirm(Button, prefix="wd:ok"):
    """Record the withdrawal the confirmation summed up."""

    person_id: int
    reason: str
    day: date


@dataclass(frozen=True)
class WithdrawNo(Button, prefix="wd:no"):
    pass


# ------------------------------------------------------------------------ draws, digest

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

@dataclass(frozen=True)
class PracticeChoose(Button, prefix="prc:c"):
    index: int
    choice: int


@dataclass(frozen=True)
class PracticeToggle(Button, prefix="prc:t"):
    index: int
    choice: int


@dataclass(frozen=True)
class PracticeDone(Button, prefix="prc:d"):
    index: int


@dataclass(frozen=True)
class PracticeSkip(Button, prefix="prc:s"):
    index: int


@dataclass(frozen=True)
class PracticeBack(Button, prefix="prc:b"):
    index: int


@dataclass(frozen=True)
class PracticeDefault(Button, prefix="prc:df"):
    index: int


@dataclass(frozen=True)
class PracticeStop(Button, prefix="prc:x"):
    pass


@dataclass(frozen=True)
class PracticeAgain(Button, prefix="prc:a"):
    pass


@dataclass(frozen=True)
class PracticeAttach(Button, prefix="prc:at"):
    pass


@dataclass(frozen=True)
class ExportTable(Button, prefix="imp:exp"):
    """/export: a template filled with what is loaded, for one table."""

    kind: str


@dataclass(frozen=True)
class DigestPlan(Button, prefix="dig:p"):
    plan_id: int


@dataclass(frozen=True)
class PublishExport(Button, prefix="pub:x"):
    pass


@dataclass(frozen=True)
class PublishAll(Button, prefix="pub:all"):
    pass


@dataclass(frozen=True)
class PublishOne(Button, prefix="pub:one"):
    task_id: int


@dataclass(frozen=True)
class PublishWithhold(Button, prefix="pub:wh"):
    task_id: int


@dataclass(frozen=True)
class PublishConfirm(Button, prefix="pub:ok"):
    """Publish what the preview showed: results, a 更正 or a released result (what, and
    which tasks, is kept in the conversation)."""


@dataclass(frozen=True)
class PublishCancel(Button, prefix="pub:no"):
    pass


@dataclass(frozen=True)
class PublishCorrections(Button, prefix="pub:cl"):
    """/publish correct: the published results whose record was corrected since."""


@dataclass(frozen=True)
class PublishCorrect(Button, prefix="pub:co"):
    """Preview the 更正 publication of one task (Publish or Cancel comes next)."""

    task_id: int


@dataclass(frozen=True)
class PublishWithheldList(Button, prefix="pub:whl"):
    """The results kept out of publication, with their reasons."""


@dataclass(frozen=True)
class PublishRelease(Button, prefix="pub:rel"):
    """Preview the publication of a withheld result (Publish or Cancel comes next)."""

    task_id: int


# ------------------------------------------------------------------------------ aftercare

@dataclass(frozen=True)
class FollowUpList(Button, prefix="fu:l"):
    """/followups: the follow-ups of the person (and of their departments)."""


@dataclass(frozen=True)
class FollowUpClose(Button, prefix="fu:c"):
    """Record a follow-up's outcome: its text, its day and its evidence come next."""

    follow_up_id: int


@dataclass(frozen=True)
class FollowUpToday(Button, prefix="fu:t"):
    """The outcome's day is today."""

    follow_up_id: int


@dataclass(frozen=True)
class FollowUpNoFile(Button, prefix="fu:nf"):
    """Close without a file: the outcome's text is the evidence."""

    follow_up_id: int


@dataclass(frozen=True)
class FollowUpHandOver(Button, prefix="fu:h"):
    """Hand a follow-up over: whom to, then why."""

    follow_up_id: int


@dataclass(frozen=True)
class FollowUpTo(Button, prefix="fu:to"):
    follow_up_id: int
    person_id: int


@dataclass(frozen=True)
class DecisionPick(Button, prefix="dec:p"):
    """Record the decision of an item found in violation (by the visit's item position)."""

    task_id: int
    position: int


@dataclass(frozen=True)
class DecisionKindPick(Button, prefix="dec:k"):
    task_id: int
    position: int
    kind: DecisionKind


@dataclass(frozen=True)
class DecisionPenalty(Button, prefix="dec:pen"):
    """The kind of penalty (bot/rules/aftercare.py PENALTIES), by its key."""

    penalty: str


@dataclass(frozen=True)
class DecisionToday(Button, prefix="dec:t"):
    """The decision was made today."""


# ---------------------------------------------------------------------------- corrections

@dataclass(frozen=True)
class CorrectionOpen(Button, prefix="cor:o"):
    """Correct a submitted record: the reason comes next, as text."""

    task_id: int


# -------------------------------------------------------------------------------- tasks

@dataclass(frozen=True)
class TaskPage(Button, prefix="task:pg"):
    page: int


@dataclass(frozen=True)
class TaskCard(Button, prefix="task:c"):
    task_id: int


@dataclass(frozen=True)
class TaskAccept(Button, prefix="task:a"):
    task_id: int


@dataclass(frozen=True)
class TaskDetails(Button, prefix="task:d"):
    task_id: int


@dataclass(frozen=True)
class TaskRecord(Button, prefix="task:r"):
    task_id: int


# ------------------------------------------------------------------------- replacements

@dataclass(frozen=True)
class ReplacementAsk(Button, prefix="rep:ask"):
    """A member asks to be replaced: the reasons come next."""

    task_id: int


@dataclass(frozen=True)
class ReplacementReason(Button, prefix="rep:why"):
    task_id: int
    reason: str


@dataclass(frozen=True)
class ReplacementSend(Button, prefix="rep:send"):
    """Send the member's own request without a note."""

    task_id: int


@dataclass(frozen=True)
class ReplacementAbsent(Button, prefix="rep:ab"):
    """A leader tells the approvers that a member is absent."""

    task_id: int
    person_id: int


@dataclass(frozen=True)
class ReplacementForList(Button, prefix="rep:obl"):
    """An approver replaces a member: whom?"""

    task_id: int


@dataclass(frozen=True)
class ReplacementFor(Button, prefix="rep:ob"):
    task_id: int
    person_id: int


@dataclass(frozen=True)
class ReplacementForReason(Button, prefix="rep:obr"):
    task_id: int
    person_id: int
    reason: str


@dataclass(frozen=True)
class ReplacementForSend(Button, prefix="rep:obs"):
    task_id: int
    person_id: int


@dataclass(frozen=True)
class ReplacementApprove(Button, prefix="rep:ok"):
    request_id: int


@dataclass(frozen=True)
class ReplacementReject(Button, prefix="rep:no"):
    request_id: int


# ------------------------------------------------------------------------------- visits

@dataclass(frozen=True)
class VisitStart(Button, prefix="vis:st"):
    task_id: int


@dataclass(frozen=True)
class VisitStartAnyway(Button, prefix="vis:sa"):
    """Start although some members cannot be reached."""

    task_id: int


@dataclass(frozen=True)
class VisitNotNow(Button, prefix="vis:nn"):
    task_id: int


@dataclass(frozen=True)
class VisitPartyConfirm(Button, prefix="vis:pc"):
    """The party confirms the record they read (bound to its hash)."""

    token_id: int
    short: str


@dataclass(frozen=True)
class VisitButton(Button):
    """A button on one visit's screens (the visit a question message belongs to)."""

    visit_id: int


@dataclass(frozen=True)
class VisitHome(VisitButton, prefix="vis:hm"):
    pass


@dataclass(frozen=True)
class VisitGo(VisitButton, prefix="vis:go"):
    pass


@dataclass(frozen=True)
class VisitDraft(VisitButton, prefix="vis:dr"):
    pass


@dataclass(frozen=True)
class VisitPause(VisitButton, prefix="vis:pz"):
    pass


@dataclass(frozen=True)
class VisitReview(VisitButton, prefix="vis:rv"):
    page: int | None = None  # which edit buttons (a long checklist has several pages)


@dataclass(frozen=True)
class VisitMemberPaper(VisitButton, prefix="vis:mp"):
    member_id: int


@dataclass(frozen=True)
class VisitChoose(VisitButton, prefix="vis:c"):
    position: int
    index: int
    choice: int


@dataclass(frozen=True)
class VisitToggle(VisitButton, prefix="vis:m"):
    position: int
    index: int
    choice: int


@dataclass(frozen=True)
class VisitDone(VisitButton, prefix="vis:dn"):
    position: int
    index: int


@dataclass(frozen=True)
class VisitClearPhotos(VisitButton, prefix="vis:cl"):
    position: int
    index: int


@dataclass(frozen=True)
class VisitSkip(VisitButton, prefix="vis:sk"):
    position: int
    index: int


@dataclass(frozen=True)
class VisitDefault(VisitButton, prefix="vis:df"):
    """Answer with the form's default (the author's suggested value)."""

    position: int
    index: int


@dataclass(frozen=True)
class VisitBack(VisitButton, prefix="vis:bk"):
    position: int
    index: int


@dataclass(frozen=True)
class VisitEdit(VisitButton, prefix="vis:ed"):
    position: int
    index: int


@dataclass(frozen=True)
class VisitResults(VisitButton, prefix="vis:rs"):
    position: int | None = None


@dataclass(frozen=True)
class VisitResult(VisitButton, prefix="vis:r"):
    position: int
    index: int


@dataclass(frozen=True)
class VisitNoncooperation(VisitButton, prefix="vis:nk"):
    position: int
    index: int


@dataclass(frozen=True)
class VisitFollowUpKind(VisitButton, prefix="vis:fk"):
    position: int
    index: int


@dataclass(frozen=True)
class VisitFollowUpDue(VisitButton, prefix="vis:fd"):
    position: int
    days: int


@dataclass(frozen=True)
class VisitFollowUpOwner(VisitButton, prefix="vis:fo"):
    position: int
    owner_id: int


@dataclass(frozen=True)
class VisitShortcut(VisitButton, prefix="vis:sc"):
    kind: str


@dataclass(frozen=True)
class VisitShortcutDone(VisitButton, prefix="vis:sd"):
    pass


@dataclass(frozen=True)
class VisitSignatures(VisitButton, prefix="vis:sig"):
    pass


@dataclass(frozen=True)
class VisitSign(VisitButton, prefix="vis:sg"):
    short: str


@dataclass(frozen=True)
class VisitPartyQr(VisitButton, prefix="vis:pq"):
    pass


@dataclass(frozen=True)
class VisitPartyPaper(VisitButton, prefix="vis:pp"):
    pass


@dataclass(frozen=True)
class VisitPartyRefuses(VisitButton, prefix="vis:pr"):
    pass


@dataclass(frozen=True)
class VisitWitnessWithoutPhoto(VisitButton, prefix="vis:ws"):
    pass


@dataclass(frozen=True)
class VisitSubmit(VisitButton, prefix="vis:sb"):
    """Asks to submit: answered with what will be locked, and a confirmation."""


@dataclass(frozen=True)
class VisitSubmitConfirm(VisitButton, prefix="vis:sbc"):
    """Submits the version of the record the confirmation showed (its content hash)."""

    short: str


@dataclass(frozen=True)
class PartyRole(Button, prefix="pty:r"):
    role: str


@dataclass(frozen=True)
class PartySkipId(Button, prefix="pty:id:skip"):
    pass


@dataclass(frozen=True)
class PartyOpinion(Button, prefix="pty:o"):
    opinion: str


def visit_of(data: object) -> int | None:
    """The visit a message belongs to, read from one of its buttons."""
    try:
        button = parse_any(data)
    except BadCallback:
        return None
    return button.visit_id if isinstance(button, VisitButton) else None
