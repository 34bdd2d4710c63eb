"""Invites and binding a Telegram account to a person."""

from __future__ import annotations

import functools
import hashlib
import html
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import now as clock_now
from bot.core import Core
from bot.i18n import normalize_language
from bot.rules.models import (
    AuditAction,
    Department,
    Invite,
    InviteProblem,
    InviteScope,
    Person,
    Role,
    RoleGrant,
    RosterEntry,
)
from bot.services import replacements
from bot.services.access import SYSTEM, Actor, label, require_office
from bot.services.accounts import TgUser
from bot.services.errors import Refusal, Refused, typed_line
from bot.services.notify import enqueue_text
from bot.texts import onboarding as onboarding_words
from storage import ReadTx, Tx

ADMIN_NAME = "管理员"
MAX_NAME = 64


def new_code() -> str:
    """A single-use code for a /start deep link: 22 URL-safe characters, 128 bits."""
    return secrets.token_urlsafe(16)


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def may_grant(actor: Actor, roles: Iterable[Role]) -> bool:
    """The system and admins grant anything; the office grants field roles."""
    if not actor or actor.has_role(Role.ADMIN):
        return True
    if actor.has_role(Role.OFFICE):
        return all(r in (Role.INSPECTOR, Role.SUPERVISOR) for r in roles)
    return False


def may_invite(actor: Actor, person: Person) -> bool:
    """Who may invite someone already in Choucha (the directory put them there): the command
    line and admins anyone, the office anyone but an administrator."""
    return _may_invite(actor, person.has_role(Role.ADMIN))


def _may_invite(actor: Actor, of_admin: bool) -> bool:
    if not actor or actor.has_role(Role.ADMIN):
        return True
    return actor.is_office and not of_admin


@dataclass(frozen=True)
class IssuedInvite:
    person: Person
    invite: Invite
    code: str
    link: str
    department: Department | None
    cert_no: str | None = None


def _grants(roles: Iterable[Role], department_id: int | None) -> list[RoleGrant]:
    grants = []
    for role in roles:
        scoped = role in (Role.INSPECTOR, Role.SUPERVISOR)
        if scoped and department_id is None:
            raise Refused(Refusal.DEPARTMENT_REQUIRED)
        grants.append(RoleGrant(role, department_id if scoped else None))
    return grants


async def create_invite_in(
    tx: Tx,
    core: Core,
    actor: Actor,
    name: str,
    department: Department | None,
    roles: list[Role],
    now: datetime,
    allow_same_name: bool = False,
) -> IssuedInvite:
    """Create a person with their roles and an invite inside the caller's transaction.
    Someone of the same name in the same department is refused (`name_exists`: invite that
    person instead) unless the inviter confirmed that this is somebody else."""
    name = typed_line(name)
    if not 1 <= len(name) <= MAX_NAME:
        raise Refused(Refusal.BAD_NAME)
    if not roles:
        raise Refused(Refusal.NO_ROLE)
    if not may_grant(actor, roles):
        raise Refused(Refusal.NOT_ALLOWED)
    if not allow_same_name:
        for namesake in await tx.people.people_named(name, now,
                                                     department.id if department else None):
            if namesake.name == name and namesake.department_id == (
                    department.id if department else None):
                raise Refused(Refusal.NAME_EXISTS, name=name, cert=namesake.cert_no or "")
    code = new_code()
    grants = _grants(roles, department.id if department else None)
    person = await tx.people.add_person(name, department.id if department else None, grants, now)
    expires = now + timedelta(days=core.settings.invite_ttl_days)
    invite = await tx.invites.add(hash_code(code), person.id, actor.id if actor else None, now,
                                  expires)
    actor_label = label(actor)
    await tx.audit.append(actor_label, AuditAction.PERSON_CREATED, f"person:{person.id}",
                          {"name": name, "department": department.code if department else None,
                           "roles": [r.value for r in roles]}, now)
    await tx.audit.append(actor_label, AuditAction.INVITE_CREATED, f"invite:{invite.id}",
                          {"person": person.id, "expires_at": expires.isoformat()}, now)
    return IssuedInvite(person, invite, code, core.deep_link(code), department)


async def invite_person(
    core: Core,
    actor: Actor,
    name: str,
    department_code: str | None,
    roles: list[Role],
    now: datetime | None = None,
) -> IssuedInvite:
    """Create a person with their roles and a fresh invite, in one transaction."""
    now = now or clock_now()
    async with core.db.transaction() as tx:
        department = None
        if department_code:
            department = await tx.people.department_by_code(department_code)
            if department is None:
                raise Refused(Refusal.UNKNOWN_DEPARTMENT, code=department_code)
        return await create_invite_in(tx, core, actor, name, department, roles, now)


def _check_reissue(actor: Actor, person: Person) -> None:
    """Whether `actor` may give `person` a new code now (refused otherwise)."""
    if not may_invite(actor, person):
        raise Refused(Refusal.NOT_ALLOWED)
    if not person.active:
        raise Refused(Refusal.INACTIVE, name=person.name)
    if person.tg_user_id is not None:
        raise Refused(Refusal.ALREADY_BOUND, name=person.name)


async def reissue_in(tx: Tx, core: Core, actor: Actor, person: Person,
                     now: datetime, code: str | None = None) -> IssuedInvite:
    """A new code for someone not yet bound; their earlier open codes are revoked. `code`:
    the one planned for them (`plan_unregistered`), else a fresh one."""
    _check_reissue(actor, person)
    code = code or new_code()
    revoked = await tx.invites.revoke_open_for_person(person.id, now)
    expires = now + timedelta(days=core.settings.invite_ttl_days)
    invite = await tx.invites.add(hash_code(code), person.id, actor.id if actor else None, now,
                                  expires)
    department = (await tx.people.department(person.department_id)
                  if person.department_id else None)
    cert_no = await tx.directory.cert_of(person.id)
    await tx.audit.append(label(actor), AuditAction.INVITE_CREATED,
                          f"invite:{invite.id}",
                          {"person": person.id, "expires_at": expires.isoformat(),
                           "revoked": revoked}, now)
    return IssuedInvite(person, invite, code, core.deep_link(code), department,
                        cert_no)


async def _planned(rtx: ReadTx, core: Core, actor: Actor, person: Person,
                   now: datetime) -> IssuedInvite:
    """The invite `reissue_in` would make for `person` at `now`, with its code, stored
    nowhere (its id is 0): what a sheet prints before any earlier invite is replaced."""
    _check_reissue(actor, person)
    code = new_code()
    invite = Invite(id=0, person_id=person.id, created_by=actor.id if actor else None,
                    created_at=now, expires_at=now + timedelta(days=core.settings.invite_ttl_days),
                    used_at=None, revoked_at=None)
    department = (await rtx.people.department(person.department_id)
                  if person.department_id else None)
    return IssuedInvite(person, invite, code, core.deep_link(code), department,
                        await rtx.directory.cert_of(person.id))


async def plan_unregistered(core: Core, actor: Actor, department_code: str | None = None,
                            now: datetime | None = None,
                            person_ids: list[int] | None = None) -> list[IssuedInvite]:
    """The invites for everyone active not yet registered (of that department, or of those
    listed), changing nothing: the caller writes them down (the links file, the cards) and
    then stores them with `store_planned`, so that a failure before that leaves everyone's
    earlier invite working."""
    now = now or clock_now()
    require_office(actor)
    async with core.db.read() as rtx:
        department_id = await _department_id(rtx, department_code)
        entries = await rtx.people.roster(now, department_id, unregistered=True,
                                          person_ids=person_ids)
        planned = []
        for entry in entries:
            person = await rtx.people.person(entry.person_id)
            assert person is not None
            if may_invite(actor, person) and person.active and person.tg_user_id is None:
                planned.append(await _planned(rtx, core, actor, person, now))
    return planned


async def plan_by_cert(core: Core, actor: Actor, cert_no: str,
                       now: datetime | None = None) -> IssuedInvite:
    """The invite for the directory person holding that 执法证号 (replacing any earlier
    invite of theirs once stored), changing nothing yet (see `plan_unregistered`)."""
    now = now or clock_now()
    require_office(actor)
    cert_no = cert_no.strip()
    async with core.db.read() as rtx:
        person = await rtx.people.person_by_cert(cert_no)
        if person is None:
            raise Refused(Refusal.UNKNOWN_CERT, cert=cert_no)
        return await _planned(rtx, core, actor, person, now)


async def store_planned(core: Core, actor: Actor,
                        planned: list[IssuedInvite]) -> list[IssuedInvite]:
    """Make the planned invites, each replacing its person's open ones, in one transaction.
    A person who registered, left the directory or was invited by someone else meanwhile
    refuses the whole (nothing is stored: plan again); so two presses at once never leave
    the first one's printed links dead."""
    require_office(actor)
    async with core.db.transaction() as tx:
        issued = []
        for plan in planned:
            person = await tx.people.person(plan.person.id)
            if person is None:
                raise Refused(Refusal.UNKNOWN_PERSON)
            made = plan.invite.created_at
            if any(i.created_at >= made for i in await tx.invites.open_for_person(person.id,
                                                                                   made)):
                raise Refused(Refusal.UNKNOWN_PERSON)  # invited since this was planned
            issued.append(await reissue_in(tx, core, actor, person, plan.invite.created_at,
                                           code=plan.code))
    return issued


async def reissue_invite(core: Core, actor: Actor, person_id: int,
                         now: datetime | None = None) -> IssuedInvite:
    """A new code for someone not yet bound; earlier open codes for them are revoked."""
    now = now or clock_now()
    async with core.db.transaction() as tx:
        person = await tx.people.person(person_id)
        if person is None:
            raise Refused(Refusal.UNKNOWN_PERSON)
        return await reissue_in(tx, core, actor, person, now)


async def _department_id(tx: ReadTx | Tx, code: str | None) -> int | None:
    """The id of the department with that code (None for no code); refused when unknown."""
    if not code:
        return None
    department = await tx.people.department_by_code(code)
    if department is None:
        raise Refused(Refusal.UNKNOWN_DEPARTMENT, code=code)
    return int(department.id)


async def roster(core: Core, actor: Actor, department_code: str | None = None,
                 unregistered: bool = False) -> list[RosterEntry]:
    """Who is registered, invited (until when) or never invited, for the office."""
    require_office(actor)
    async with core.db.read() as rtx:
        department_id = await _department_id(rtx, department_code)
        return await rtx.people.roster(clock_now(), department_id, unregistered)


async def unregistered_in(core: Core, actor: Actor, scope: InviteScope,
                          ref: int = 0) -> list[RosterEntry]:
    """Who one "invite everyone" press concerns: not registered, whom `actor` may invite,
    and of the whole directory, of department `ref` (0: office staff without one) or of
    draw `ref`'s teams."""
    require_office(actor)
    async with core.db.read() as rtx:
        entries = [e for e in await rtx.people.roster(clock_now(), None, True)
                   if _may_invite(actor, Role.ADMIN in e.roles)]
        if scope is InviteScope.DEPARTMENT:
            return [e for e in entries if (e.department_id or 0) == ref]
        if scope is InviteScope.DRAW:
            drawn = set(await rtx.tasks.unregistered_members(ref))
            return [e for e in entries if e.person_id in drawn]
    return entries


def invites_fingerprint(entries: list[RosterEntry]) -> str:
    """What a confirmation of many invites showed: whom, and until when each one's working
    link runs. A press whose fingerprint no longer matches is stale (someone registered,
    was added, or was invited meanwhile, by this confirmation itself among others)."""
    shown = ";".join(f"{e.person_id}:{e.invited_until.isoformat() if e.invited_until else ''}"
                     for e in sorted(entries, key=lambda e: e.person_id))
    return hashlib.sha256(shown.encode()).hexdigest()[:16]


async def init_admin(core: Core, force: bool = False) -> IssuedInvite | None:
    """The first administrator's invite; None when an administrator is bound already.
    Access: the command line only (`choucha init`), as the system."""
    async with core.db.read() as rtx:
        admins = await rtx.people.with_role(Role.ADMIN)
    bound = [a for a in admins if a.tg_user_id is not None]
    if bound and not force:
        return None
    waiting = [a for a in admins if a.tg_user_id is None]
    if waiting:
        return await reissue_invite(core, SYSTEM, waiting[0].id)
    return await invite_person(core, SYSTEM, ADMIN_NAME, None, [Role.ADMIN, Role.OFFICE])


@dataclass(frozen=True)
class Redeemed:
    person: Person | None
    problem: InviteProblem | None


async def redeem(core: Core, code: str, user: TgUser, now: datetime | None = None) -> Redeemed:
    """Bind the account to the invited person, once; anything wrong changes nothing.
    Access: whoever holds the single-use code (that is what an invite is)."""
    now = now or clock_now()
    async with core.db.transaction() as tx:
        current = await tx.people.person_by_tg(user.id)
        invite = await tx.invites.by_hash(hash_code(code))
        if invite is None:
            return Redeemed(current, InviteProblem.UNKNOWN)
        if current is not None:
            return Redeemed(current, InviteProblem.ALREADY_BOUND)
        if invite.revoked_at is not None:
            return Redeemed(None, InviteProblem.REVOKED)
        if invite.used_at is not None:
            return Redeemed(None, InviteProblem.USED)
        if invite.expires_at <= now:
            return Redeemed(None, InviteProblem.EXPIRED)
        person = await tx.people.person(invite.person_id)
        if person is None or await tx.people.out_of_service(person.id, core.today()):
            return Redeemed(None, InviteProblem.INACTIVE)  # not in service, or withdrawn
        if person.tg_user_id is not None:
            return Redeemed(None, InviteProblem.PERSON_BOUND)
        if not await tx.invites.mark_used(invite.id, user.id, now):
            return Redeemed(None, InviteProblem.USED)
        await tx.people.upsert_account(user.id, user.chat_id, user.username, user.first_name,
                                       user.language_code, now)
        await tx.people.bind(user.id, person.id, now)
        if person.language is None:
            account = await tx.people.account(user.id)
            chosen = account.language if account and account.language else None
            await tx.people.set_person_language(
                person.id, chosen or normalize_language(user.language_code)
            )
        await tx.audit.append(f"tg:{user.id}", AuditAction.ACCOUNT_BOUND, f"person:{person.id}",
                              {"invite": invite.id, "tg_user_id": user.id}, now)
        bound = await tx.people.person(person.id)
        assert bound is not None
        await replacements.ask_new_approver(tx, bound, now)  # requests waiting for them
        if invite.created_by is not None and invite.created_by != person.id:
            inviter = await tx.people.person(invite.created_by)
            if inviter is not None:
                name = html.escape(bound.name)

                await enqueue_text(tx, inviter, f"joined:{person.id}", functools.partial(
                    onboarding_words.joined_text, name=name), now)
    return Redeemed(bound, None)
