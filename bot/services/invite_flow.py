"""The /invite flow: name, department, roles, then the card. Its state is a database row."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import now as clock_now
from bot.core import Core
from bot.models import Department, Person, Role
from bot.services.errors import Refused
from bot.services.onboarding import (
    MAX_NAME,
    IssuedInvite,
    create_invite_in,
    may_grant,
)

FLOW = "invite"


@dataclass(frozen=True)
class InviteDraft:
    step: str  # name, department, roles
    name: str | None
    department: Department | None
    roles: frozenset[Role]
    departments: tuple[Department, ...]
    grantable: tuple[Role, ...]


def grantable_roles(actor: Person) -> tuple[Role, ...]:
    order = (Role.INSPECTOR, Role.SUPERVISOR, Role.OFFICE, Role.ADMIN)
    return tuple(r for r in order if may_grant(actor, [r]))


def _check(actor: Person | None) -> Person:
    if actor is None or not (actor.has_role(Role.ADMIN) or actor.has_role(Role.OFFICE)):
        raise Refused("not_allowed")
    return actor


async def _draft(core: Core, actor: Person, tg_user_id: int) -> InviteDraft:
    async with core.db.read() as rtx:
        conversation = await rtx.conversations.get(tg_user_id)
        departments = tuple(await rtx.people.departments())
    if conversation is None or conversation.flow != FLOW:
        raise Refused("no_flow")
    data = conversation.data
    department = next((d for d in departments if d.id == data.get("department_id")), None)
    return InviteDraft(conversation.step, data.get("name"), department,
                       frozenset(Role(r) for r in data.get("roles", [])), departments,
                       grantable_roles(actor))


async def begin(core: Core, actor: Person | None, tg_user_id: int) -> InviteDraft:
    actor = _check(actor)
    async with core.db.transaction() as tx:
        await tx.conversations.put(tg_user_id, FLOW, "name", {}, clock_now())
    return await _draft(core, actor, tg_user_id)


async def set_name(core: Core, actor: Person | None, tg_user_id: int, text: str) -> InviteDraft:
    actor = _check(actor)
    name = " ".join(text.split())
    if not 1 <= len(name) <= MAX_NAME or name.startswith("/"):
        raise Refused("bad_name")
    async with core.db.transaction() as tx:
        conversation = await tx.conversations.get(tg_user_id)
        if conversation is None or conversation.flow != FLOW or conversation.step != "name":
            raise Refused("no_flow")
        await tx.conversations.put(tg_user_id, FLOW, "department", {"name": name}, clock_now())
    return await _draft(core, actor, tg_user_id)


async def set_department(core: Core, actor: Person | None, tg_user_id: int,
                         department_id: int | None) -> InviteDraft:
    actor = _check(actor)
    async with core.db.transaction() as tx:
        conversation = await tx.conversations.get(tg_user_id)
        if conversation is None or conversation.flow != FLOW or conversation.step != "department":
            raise Refused("no_flow")
        if department_id is not None and await tx.people.department(department_id) is None:
            raise Refused("unknown_department")
        data = {**conversation.data, "department_id": department_id, "roles": []}
        await tx.conversations.put(tg_user_id, FLOW, "roles", data, clock_now())
    return await _draft(core, actor, tg_user_id)


async def toggle_role(core: Core, actor: Person | None, tg_user_id: int,
                      role: Role) -> InviteDraft:
    actor = _check(actor)
    if role not in grantable_roles(actor):
        raise Refused("not_allowed")
    async with core.db.transaction() as tx:
        conversation = await tx.conversations.get(tg_user_id)
        if conversation is None or conversation.flow != FLOW or conversation.step != "roles":
            raise Refused("no_flow")
        roles = set(conversation.data.get("roles", []))
        roles ^= {role.value}
        if role in (Role.INSPECTOR, Role.SUPERVISOR) and conversation.data.get(
            "department_id"
        ) is None:
            raise Refused("department_required")
        data = {**conversation.data, "roles": sorted(roles)}
        await tx.conversations.put(tg_user_id, FLOW, "roles", data, clock_now())
    return await _draft(core, actor, tg_user_id)


async def finish(core: Core, actor: Person | None, tg_user_id: int) -> IssuedInvite:
    """Create the person and the invite and end the flow, in one transaction."""
    actor = _check(actor)
    now = clock_now()
    async with core.db.transaction() as tx:
        conversation = await tx.conversations.get(tg_user_id)
        if conversation is None or conversation.flow != FLOW or conversation.step != "roles":
            raise Refused("no_flow")
        data = conversation.data
        department = (await tx.people.department(data["department_id"])
                      if data.get("department_id") else None)
        issued = await create_invite_in(tx, core, actor, data["name"], department,
                                        [Role(r) for r in data.get("roles", [])], now)
        await tx.conversations.clear(tg_user_id)
    return issued

