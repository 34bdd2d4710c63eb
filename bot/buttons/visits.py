"""A visit on site: check-in, checklist, results, signatures, the party."""

from __future__ import annotations

from dataclasses import dataclass

from bot.buttons.base import BadCallback, Button, parse_any
from bot.rules import models
from bot.rules.visit.vocabulary import Shortcut


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
class VisitMaterials(VisitButton, prefix="vis:mt"):
    """A link for the party's documents (a desk check)."""


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
    kind: Shortcut


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
    role: models.PartyRole


@dataclass(frozen=True)
class PartySkipId(Button, prefix="pty:id:skip"):
    pass


@dataclass(frozen=True)
class PartyOpinion(Button, prefix="pty:o"):
    opinion: models.Opinion


def visit_of(data: object) -> int | None:
    """The visit a message belongs to, read from one of its buttons."""
    try:
        button = parse_any(data)
    except BadCallback:
        return None
    return button.visit_id if isinstance(button, VisitButton) else None
