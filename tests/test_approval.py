"""Who files and who decides a replacement (bot/rules/approval.py), as a matrix."""

from __future__ import annotations

import pytest

from bot.rules.approval import approvers, may_decide, may_file_for
from bot.rules.models import Person, Role, RoleGrant

MARKET, HEALTH = 1, 2


def person(pid: int, department: int | None, *roles: tuple[Role, int | None]) -> Person:
    return Person(pid, f"p{pid}", department, None, True,
                  tuple(RoleGrant(role, dep) for role, dep in roles))


MEMBER = person(1, MARKET, (Role.INSPECTOR, MARKET))
LEADER_SAME = person(2, MARKET, (Role.INSPECTOR, MARKET))
LEADER_OTHER = person(3, HEALTH, (Role.INSPECTOR, HEALTH))
SUPERVISOR = person(4, MARKET, (Role.SUPERVISOR, MARKET))
SUPERVISOR_OTHER = person(5, HEALTH, (Role.SUPERVISOR, HEALTH))
OFFICE = person(6, None, (Role.OFFICE, None))
ADMIN = person(7, None, (Role.ADMIN, None))
# A supervisor who is also drawn as an inspector and asks for their own replacement.
SUPERVISOR_DRAWN = person(8, MARKET, (Role.SUPERVISOR, MARKET), (Role.INSPECTOR, MARKET))


@pytest.mark.parametrize(("filer", "allowed"), [
    (OFFICE, True), (ADMIN, True), (SUPERVISOR, True), (SUPERVISOR_OTHER, False),
    (LEADER_SAME, False), (MEMBER, False)])
def test_who_may_ask_on_a_members_behalf(filer: Person, allowed: bool) -> None:
    assert may_file_for(filer, MEMBER) is allowed


@pytest.mark.parametrize(("leader_may_approve", "leaders", "expected"), [
    (False, [LEADER_SAME, LEADER_OTHER], {SUPERVISOR.id}),
    (True, [LEADER_SAME, LEADER_OTHER], {SUPERVISOR.id, LEADER_SAME.id}),
    (True, [LEADER_OTHER], {SUPERVISOR.id}),
])
def test_the_deciders_are_the_departments_supervisors_and_maybe_its_leader(
        leader_may_approve: bool, leaders: list[Person], expected: set[int]) -> None:
    found = approvers(MEMBER, [SUPERVISOR, SUPERVISOR_OTHER], leaders, leader_may_approve)
    assert {p.id for p in found} == expected


def test_nobody_decides_their_own_request() -> None:
    found = approvers(SUPERVISOR_DRAWN, [SUPERVISOR, SUPERVISOR_DRAWN], [SUPERVISOR_DRAWN],
                      True)
    assert {p.id for p in found} == {SUPERVISOR.id}
    assert not may_decide(SUPERVISOR_DRAWN, SUPERVISOR_DRAWN, [SUPERVISOR_DRAWN], False)
    assert not may_decide(OFFICE, OFFICE, [], approved_before=True)


@pytest.mark.parametrize(("approver", "approved_before", "allowed"), [
    (SUPERVISOR, False, True), (SUPERVISOR_OTHER, False, False), (LEADER_SAME, False, False),
    (OFFICE, False, False), (OFFICE, True, True), (ADMIN, True, True),
    (SUPERVISOR_OTHER, True, False), (MEMBER, True, False)])
def test_who_may_decide(approver: Person, approved_before: bool, allowed: bool) -> None:
    deciders = approvers(MEMBER, [SUPERVISOR], [LEADER_SAME], False)
    assert may_decide(approver, MEMBER, deciders, approved_before) is allowed
