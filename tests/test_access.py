"""Roles are enforced in the services, not only in the handlers: every public service
entry point checks who acts, or says in its docstring (a line `Access: …`) why it needs
no check. A new service function without either fails here."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import bot.services
from bot.rules.models import Person, Role, RoleGrant
from bot.services.access import SYSTEM, require_office
from bot.services.errors import Refused

# Calls that check the actor (each raises Refused, or filters to what the actor may see).
GUARDS = ("require_office(", "require_person(", "may_grant(", "may_invite(",
          "may_withdraw(", "may_file_for(", "_check(", "_member_of(", "_open_state(",
          "_may_view(", "_may_decide(", "_require_leader(", "_party_step(", "_open_task(",
          "_approvers(", "tasks.card(", "_step(", "party_open(", "token_state(",
          "_pressed_question(", "_pressed_result(", "_detail_kind(", "_check_submittable(",
          # by delegation to a checked builder
          "reissue_in(", "create_invite_in(")


def public_services() -> list[tuple[str, object]]:
    found = []
    for info in pkgutil.walk_packages(bot.services.__path__, "bot.services."):
        module = importlib.import_module(info.name)
        for name, function in inspect.getmembers(module, inspect.iscoroutinefunction):
            if not name.startswith("_") and function.__module__ == module.__name__:
                found.append((f"{info.name.removeprefix('bot.services.')}.{name}", function))
    return found


def test_every_public_service_checks_who_acts_or_says_why_not() -> None:
    services = public_services()
    assert len(services) > 80
    unguarded = []
    for name, function in services:
        source = inspect.getsource(function)  # type: ignore[arg-type]
        doc = inspect.getdoc(function) or ""
        if not any(g in source for g in GUARDS) and "Access:" not in doc:
            unguarded.append(name)
    assert unguarded == [], f"no role check and no `Access:` reason: {unguarded}"


def test_the_office_check_refuses_others_and_needs_an_explicit_actor() -> None:
    inspector = Person(1, "张伟", 1, None, True, (RoleGrant(Role.INSPECTOR, 1),))
    office = Person(2, "王芳", None, None, True, (RoleGrant(Role.OFFICE),))
    require_office(office)
    require_office(SYSTEM)
    with pytest.raises(Refused):
        require_office(inspector)
    with pytest.raises(TypeError):
        require_office(None)  # type: ignore[arg-type]
