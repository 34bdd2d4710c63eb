"""The /invite flow: name, department, roles, then the card. Its state is a database row."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import now as clock_now
from bot.core import Core
from bot.rules.models import Conversation, Department, Flow, Person, Role, RosterEntry
from bot.services.errors import Refusal, Refused, typed_line
from bot.services.onboarding import (
    MAX_NAME,
    IssuedInvite,
    create_invite_in,
    may_grant,
    reissue_in,
)
from storage import Tx

FLOW = Flow.INVITE


@dataclass(frozen=True)
class InviteDraft:
    step: str  # name, match, department, roles
    name: str | None
    department: Department | None
    roles: frozenset[Role]
    departments: tuple[Department, ...]
    grantable: tuple[Role, ...]
    matches: tuple[RosterEntry, ...] = ()  # people already in Choucha with that name


def grantable_roles(actor: Person) -> tuple[Role, ...]:
    order = (Role.INSPECTOR, Role.SUPERVISOR, Role.OFFICE, Role.ADMIN)
    return tuple(r for r in order if may_grant(actor, [r]))


NO_DEPARTMENT_ROLES = (Role.OFFICE, Role.ADMIN)  # the roles of people without a department


def office_roles(grantable: tuple[Role, ...]) -> bool:
    """Whether an inviter who may grant these roles may invite someone without a
    department (office staff): only if they may grant an office role."""
    return any(r in NO_DEPARTMENT_ROLES for r in grantable)


def _check(actor: Person | None) -> Person:
    """Only the office and administrators invite, in the bot (the system uses the CLI)."""
    if actor is None or not actor.is_office:
        raise Refused(Refusal.NOT_ALLOWED)
    return actor


async def _at_step(tx: Tx, tg_user_id: int, step: str) -> Conversation:
    """The inviter's flow, at the step this action belongs to (else a stale button)."""
    conversation = await tx.conversations.get(tg_user_id)
    if conversation is None or conversation.flow != FLOW or conversation.step != step:
        raise Refused(Refusal.NO_FLOW)
    return conversation


async def _draft(core: Core, actor: Person, tg_user_id: int) -> InviteDraft:
    async with core.db.read() as rtx:
        conversation = await rtx.conversations.get(tg_user_id)
        departments = tuple(await rtx.people.departments())
    if conversation is None or conversation.flow != FLOW:
        raise Refused(Refusal.NO_FLOW)
    data = conversation.data
    department = next((d for d in departments if d.id == data.get("department_id")), None)
    matches: tuple[RosterEntry, ...] = ()
    if conversation.step == "match":
        async with core.db.read() as rtx:
            matches = tuple(await rtx.people.people_named(data["name"], clock_now()))
    return InviteDraft(conversation.step, data.get("name"), department,
                       frozenset(Role(r) for r in data.get("roles", [])), departments,
                       grantable_roles(actor), matches)


async def begin(core: Core, actor: Person | None, tg_user_id: int) -> InviteDraft:
    actor = _check(actor)
    async with core.db.transaction() as tx:
        await tx.conversations.put(tg_user_id, FLOW, "name", {}, clock_now())
    return await _draft(core, actor, tg_user_id)


async def set_name(core: Core, actor: Person | None, tg_user_id: int, text: str) -> InviteDraft:
    actor = _check(actor)
    name = typed_line(text)
    if not 1 <= len(name) <= MAX_NAME or name.startswith("/"):
        raise Refused(Refusal.BAD_NAME)
    now = clock_now()
    async with core.db.transaction() as tx:
        await _at_step(tx, tg_user_id, "name")
        # The directory first: an imported inspector is invited as that person.
        found = await tx.people.people_named(name, now)
        await tx.conversations.put(tg_user_id, FLOW, "match" if found else "department",
                                   {"name": name}, now)
    return await _draft(core, actor, tg_user_id)


async def choose_existing(core: Core, actor: Person | None, tg_user_id: int,
                          person_id: int) -> IssuedInvite:
    """Invite one of the people found by name (replacing any earlier invite of theirs)."""
    actor = _check(actor)
    now = clock_now()
    async with core.db.transaction() as tx:
        conversation = await _at_step(tx, tg_user_id, "match")
        found = await tx.people.people_named(conversation.data["name"], now)
        if person_id not in {e.person_id for e in found}:
            raise Refused(Refusal.NO_FLOW)
        person = await tx.people.person(person_id)
        assert person is not None
        issued = await reissue_in(tx, core, actor, person, now)
        await tx.conversations.clear(tg_user_id)
    return issued


async def confirm_new(core: Core, actor: Person | None, tg_user_id: int) -> InviteDraft:
    """The inviter confirms that none of the people found is the one: a new person."""
    actor = _check(actor)
    async with core.db.transaction() as tx:
        conversation = await _at_step(tx, tg_user_id, "match")
        await tx.conversations.put(tg_user_id, FLOW, "department",
                                   {"name": conversation.data["name"], "new": True},
                                   clock_now())
    return await _draft(core, actor, tg_user_id)


async def set_department(core: Core, actor: Person | None, tg_user_id: int,
                         department_id: int | None) -> InviteDraft:
    actor = _check(actor)
    if department_id is None and not office_roles(grantable_roles(actor)):
        # Without a department only the office roles are left, and this inviter grants
        # none of them (the office invites field roles): a step with nothing to choose.
        raise Refused(Refusal.DEPARTMENT_REQUIRED)
    async with core.db.transaction() as tx:
        conversation = await _at_step(tx, tg_user_id, "department")
        if department_id is not None and await tx.people.department(department_id) is None:
            raise Refused(Refusal.UNKNOWN_DEPARTMENT)
        data = {**conversation.data, "department_id": department_id, "roles": []}
        await tx.conversations.put(tg_user_id, FLOW, "roles", data, clock_now())
    return await _draft(core, actor, tg_user_id)


async def toggle_role(core: Core, actor: Person | None, tg_user_id: int,
                      role: Role) -> InviteDraft:
    actor = _check(actor)
    if role not in grantable_roles(actor):
        raise Refused(Refusal.NOT_ALLOWED)
    async with core.db.transaction() as tx:
        conversation = await _at_step(tx, tg_user_id, "roles")
        roles = set(conversation.data.get("roles", []))
        roles ^= {role.value}
        if role in (Role.INSPECTOR, Role.SUPERVISOR) and conversation.data.get(
            "department_id"
        ) is None:
            raise Refused(Refusal.DEPARTMENT_REQUIRED)
        data = {**conversation.data, "roles": sorted(roles)}
        await tx.conversations.put(tg_user_id, FLOW, "roles", data, clock_now())
    return await _draft(core, actor, tg_user_id)


async def finish(core: Core, actor: Person | None, tg_user_id: int) -> IssuedInvite:
    """Create the person and the invite and end the flow, in one transaction."""
    actor = _check(actor)
    now = clock_now()
    async with core.db.transaction() as tx:
        conversation = await _at_step(tx, tg_user_id, "roles")
        data = conversation.data
        department = (await tx.people.department(data["department_id"])
                      if data.get("department_id") else None)
        issued = await create_invite_in(tx, core, actor, data["name"], department,
                                        [Role(r) for r in data.get("roles", [])], now,
                                        allow_same_name=bool(data.get("new")))
        await tx.conversations.clear(tg_user_id)
    return issued

