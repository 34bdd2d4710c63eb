"""Onboarding, invites, /people and /unbind."""

from __future__ import annotations

from dataclasses import dataclass

from bot.buttons.base import Button
from bot.i18n import Lang
from bot.rules.models import InviteScope, Role


@dataclass(frozen=True)
class Language(Button, prefix="lang"):
    lang: Lang


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
