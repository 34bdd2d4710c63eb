"""One definition per button: every kind is handled exactly once, parsed by its fields."""

from __future__ import annotations

from datetime import date

import pytest
from telegram.ext import Application, CallbackQueryHandler

from bot import buttons
from bot.buttons.base import BadCallback
from bot.buttons.people import InviteDepartment, InviteRole
from bot.buttons.tasks import TaskCard
from bot.buttons.visits import PartySkipId, VisitResults, VisitSign, visit_of
from bot.buttons.withdrawals import WithdrawFrom
from bot.rules.models import Role
from handlers import register
from handlers.common import Dispatcher


def _handled_kinds() -> list[type[buttons.Button]]:
    """The kinds the registered Application dispatches: its one button handler's routes."""
    app = Application.builder().token("1:x").updater(None).build()
    register(app)
    dispatchers = [getattr(handler.callback, "__self__", None)
                   for group in app.handlers.values() for handler in group
                   if isinstance(handler, CallbackQueryHandler)]
    assert len(dispatchers) == 1 and isinstance(dispatchers[0], Dispatcher), dispatchers
    return list(dispatchers[0].routes)


def test_every_button_kind_has_exactly_one_handler() -> None:
    handled = _handled_kinds()
    assert sorted(k.__name__ for k in handled) == sorted(
        k.__name__ for k in buttons.KINDS.values())


def test_fields_are_typed_and_range_checked() -> None:
    assert TaskCard(7).pack() == "v1:task:c:7"
    assert WithdrawFrom(3, "long_leave", date(2026, 12, 1)).pack() == (  # type: ignore[arg-type]
        "v1:wd:d:3:long_leave:20261201")
    assert InviteRole.parse("v1:inv:r:office") == InviteRole(Role.OFFICE)
    assert InviteDepartment.parse("v1:inv:d:none") == InviteDepartment(None)
    assert PartySkipId.parse("v1:pty:id:skip") == PartySkipId()
    for forged in ("v1:task:c:-1", "v1:task:c:1.5", "v1:task:c:", "v1:task:c:1:2",
                   "v1:inv:r:emperor", "v1:wd:d:3:long_leave:20261332", "v2:task:c:7",
                   "v1:wd:d:3:sick:20261201", "v1:pty:r:emperor", "v1:rep:why:1:bored",
                   "v1:vis:sc:1:nap", "v1:dec:pen:caning", "v1:lang:fr", "v1:imp:exp:secrets",
                   "v1:task:c:" + "9" * 30, "v1:vis:sg:5:" + "a" * 41, "task:c:7"):
        with pytest.raises(BadCallback):
            buttons.parse_any(forged)
    with pytest.raises(ValueError):
        TaskCard(-1).pack()
    with pytest.raises(ValueError):
        VisitSign(1, "a b").pack()


def test_buttons_of_older_messages_still_read() -> None:
    """A last optional field added later reads None on the buttons already sent."""
    assert VisitResults.parse("v1:vis:rs:5") == VisitResults(5, None)
    assert VisitResults.parse("v1:vis:rs:5:2") == VisitResults(5, 2)


def test_the_visit_of_a_message_comes_from_its_buttons() -> None:
    assert visit_of(VisitSign(12, "abc").pack()) == 12
    assert visit_of(TaskCard(12).pack()) is None  # a task's id is not a visit's
    assert visit_of("v1:vis:st:12") is None
    assert visit_of("junk") is None


def test_a_prefix_is_declared_once() -> None:
    with pytest.raises(TypeError):
        class Again(buttons.Button, prefix="task:c"):
            pass
