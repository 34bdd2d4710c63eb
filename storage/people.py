"""Departments, people, their roles and their Telegram accounts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import aiosqlite

from bot.rules.models import (
    Department,
    Person,
    Role,
    RoleGrant,
    RosterEntry,
    RosterStatus,
    TelegramAccount,
)
from storage.base import REACHABLE, Repo, from_db_time, placeholders, to_db_time


def _department(row: aiosqlite.Row) -> Department:
    return Department(id=row["id"], code=row["code"], name=row["name"], region=row["region"])


def _account(row: aiosqlite.Row) -> TelegramAccount:
    return TelegramAccount(
        tg_user_id=row["tg_user_id"],
        person_id=row["person_id"],
        chat_id=row["chat_id"],
        username=row["username"],
        first_name=row["first_name"],
        language_code=row["language_code"],
        language=row["language"],
        blocked_at=from_db_time(row["blocked_at"]),
        menu_sha=row["menu_sha"],
    )


# Withdrawn for leaving from a date that has come (the parameter: today), and not office
# staff, who leave through the directory or `choucha unbind` (`out_of_service`).
_LEFT = ("EXISTS (SELECT 1 FROM withdrawals w WHERE w.person_id = p.id AND w.reason = 'left'"
         " AND w.from_date <= ?) AND NOT EXISTS (SELECT 1 FROM person_roles r WHERE"
         " r.person_id = p.id AND r.role IN ('office', 'admin'))")
# Why a person (p) may not act today, or NULL: a withdrawal for leaving ends an inspector's
# access; other reasons (leave, a lapsed 执法证, a transfer) only keep them from being
# drawn. The office and administrators leave through the directory or an unbind, never
# through a withdrawal a supervisor records. One parameter: today.
_WHY = (f"CASE WHEN p.active = 0 THEN 'inactive' WHEN ({_LEFT}) THEN 'withdrawn:left' END")


_PERSON_SELECT = (
    "SELECT p.id, p.name, p.department_id, p.language, p.active, d.name AS department_name,"
    " a.tg_user_id FROM people p"
    " LEFT JOIN departments d ON d.id = p.department_id"
    " LEFT JOIN telegram_accounts a ON a.person_id = p.id"
)


_ROSTER_SELECT = (
    "SELECT p.id, p.name, p.department_id, d.code AS department_code,"
    " d.name AS department_name, i.cert_no, i.cert_valid_until, a.tg_user_id, a.blocked_at,"
    " (SELECT MAX(v.expires_at) FROM invites v WHERE v.person_id = p.id"
    "  AND v.used_at IS NULL AND v.revoked_at IS NULL AND v.expires_at > ?) AS open_until,"
    " EXISTS (SELECT 1 FROM invites v WHERE v.person_id = p.id) AS ever_invited,"
    " (SELECT GROUP_CONCAT(r.role) FROM person_roles r WHERE r.person_id = p.id) AS roles"
    " FROM people p LEFT JOIN departments d ON d.id = p.department_id"
    " LEFT JOIN inspectors i ON i.person_id = p.id"
    " LEFT JOIN telegram_accounts a ON a.person_id = p.id"
)
_ROLE_ORDER = (Role.ADMIN, Role.OFFICE, Role.SUPERVISOR, Role.INSPECTOR)


def _roster_entry(row: aiosqlite.Row) -> RosterEntry:
    if row["tg_user_id"] is not None:
        status = RosterStatus.REGISTERED
    elif row["open_until"] is not None:
        status = RosterStatus.INVITED
    elif row["ever_invited"]:
        status = RosterStatus.INVITE_EXPIRED
    else:
        status = RosterStatus.NOT_INVITED
    held = set((row["roles"] or "").split(","))
    return RosterEntry(
        person_id=row["id"], name=row["name"], department_id=row["department_id"],
        department_code=row["department_code"], department_name=row["department_name"],
        cert_no=row["cert_no"], cert_valid_until=row["cert_valid_until"],
        roles=tuple(r for r in _ROLE_ORDER if r.value in held), status=status,
        invited_until=from_db_time(row["open_until"]), blocked=row["blocked_at"] is not None)


class PeopleRepo(Repo):
    # --- departments -------------------------------------------------------
    async def add_department(
        self, code: str, name: str, region: str | None, now: datetime
    ) -> Department:
        new_id = await self.insert(
            "INSERT INTO departments (code, name, region, created_at) VALUES (?, ?, ?, ?)",
            (code, name, region, to_db_time(now)),
        )
        return Department(id=new_id, code=code, name=name, region=region)

    async def department(self, department_id: int) -> Department | None:
        row = await self.one("SELECT * FROM departments WHERE id = ?", (department_id,))
        return _department(row) if row else None

    async def department_by_code(self, code: str) -> Department | None:
        row = await self.one("SELECT * FROM departments WHERE code = ?", (code,))
        return _department(row) if row else None

    async def departments(self) -> list[Department]:
        return [_department(r) for r in await self.all("SELECT * FROM departments ORDER BY code")]

    # --- people ------------------------------------------------------------
    async def add_person(
        self,
        name: str,
        department_id: int | None,
        roles: Iterable[RoleGrant],
        now: datetime,
        language: str | None = None,
    ) -> Person:
        person_id = await self.insert(
            "INSERT INTO people (name, department_id, language, created_at) VALUES (?, ?, ?, ?)",
            (name, department_id, language, to_db_time(now)),
        )
        for grant in roles:
            await self.grant(person_id, grant, now)
        person = await self.person(person_id)
        assert person is not None
        return person

    async def grant(self, person_id: int, grant: RoleGrant, now: datetime) -> None:
        await self.execute(
            "INSERT INTO person_roles (person_id, role, department_id, granted_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (person_id, grant.role.value, grant.department_id, to_db_time(now)),
        )

    async def _roles(self, person_ids: list[int]) -> dict[int, tuple[RoleGrant, ...]]:
        if not person_ids:
            return {}
        marks = placeholders(person_ids)
        rows = await self.all(
            f"SELECT person_id, role, department_id FROM person_roles"
            f" WHERE person_id IN ({marks}) ORDER BY role, department_id",
            tuple(person_ids),
        )
        grants: dict[int, list[RoleGrant]] = {pid: [] for pid in person_ids}
        for row in rows:
            grants[row["person_id"]].append(RoleGrant(Role(row["role"]), row["department_id"]))
        return {pid: tuple(g) for pid, g in grants.items()}

    async def _people(self, where: str, params: tuple[object, ...]) -> list[Person]:
        rows = await self.all(f"{_PERSON_SELECT} {where}", params)
        roles = await self._roles([r["id"] for r in rows])
        return [
            Person(
                id=r["id"],
                name=r["name"],
                department_id=r["department_id"],
                language=r["language"],
                active=bool(r["active"]),
                roles=roles[r["id"]],
                tg_user_id=r["tg_user_id"],
                department_name=r["department_name"],
            )
            for r in rows
        ]

    async def person(self, person_id: int) -> Person | None:
        found = await self._people("WHERE p.id = ?", (person_id,))
        return found[0] if found else None

    async def people(self, ids: list[int]) -> list[Person]:
        """These people (those that exist), by id."""
        found: list[Person] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            found += await self._people(f"WHERE p.id IN ({','.join('?' * len(chunk))})",
                                        tuple(chunk))
        return sorted(found, key=lambda p: p.id)

    async def person_by_tg(self, tg_user_id: int) -> Person | None:
        found = await self._people("WHERE a.tg_user_id = ?", (tg_user_id,))
        return found[0] if found else None

    async def with_role(self, role: Role, department_id: int | None = None) -> list[Person]:
        """Active people holding `role` (for that department, when one is given)."""
        if department_id is None:
            return await self._people(
                "WHERE p.active = 1 AND p.id IN (SELECT person_id FROM person_roles"
                " WHERE role = ?) ORDER BY p.id",
                (role.value,),
            )
        return await self._people(
            "WHERE p.active = 1 AND p.id IN (SELECT person_id FROM person_roles"
            " WHERE role = ? AND department_id = ?) ORDER BY p.id",
            (role.value, department_id),
        )

    async def person_id_by_name(self, name: str) -> int | None:
        """The first active person of that name who is not yet bound to an account."""
        value = await self.scalar(
            "SELECT p.id FROM people p LEFT JOIN telegram_accounts a ON a.person_id = p.id"
            " WHERE p.name = ? AND p.active = 1 AND a.tg_user_id IS NULL ORDER BY p.id LIMIT 1",
            (name,))
        return None if value is None else int(value)

    async def roster(self, now: datetime, department_id: int | None = None,
                     unregistered: bool = False,
                     person_ids: Iterable[int] | None = None,
                     inactive: bool = False) -> list[RosterEntry]:
        """Active people (`inactive`: and those no longer in service) with where they
        stand, by department code then name."""
        where = ["1 = 1" if inactive else "p.active = 1"]
        params: list[object] = [to_db_time(now)]
        if department_id is not None:
            where.append("p.department_id = ?")
            params.append(department_id)
        if unregistered:
            where.append("a.tg_user_id IS NULL")
        if person_ids is not None:
            ids = list(person_ids)
            if not ids:
                return []
            where.append(f"p.id IN ({placeholders(ids)})")
            params.extend(ids)
        rows = await self.all(
            f"{_ROSTER_SELECT} WHERE {' AND '.join(where)}"
            " ORDER BY d.code IS NULL, d.code, p.name, p.id", tuple(params))
        return [_roster_entry(r) for r in rows]

    async def person_by_cert(self, cert_no: str) -> Person | None:
        """The person of the inspector directory holding that 执法证号."""
        found = await self._people(
            "WHERE p.id = (SELECT person_id FROM inspectors WHERE cert_no = ?)", (cert_no,))
        return found[0] if found else None

    async def people_named(self, name: str, now: datetime, department_id: int | None = None,
                           limit: int = 10) -> list[RosterEntry]:
        """Active people whose name is `name` or contains it, exact matches first."""
        department = " AND p.department_id = ?" if department_id is not None else ""
        params: tuple[object, ...] = (name,) + ((department_id,) if department else ())
        rows = await self.all(
            f"{_ROSTER_SELECT} WHERE p.active = 1 AND instr(p.name, ?) > 0{department}"
            " ORDER BY p.name != ?, d.code IS NULL, d.code, p.name, p.id LIMIT ?",
            (to_db_time(now), *params, name, limit))
        return [_roster_entry(r) for r in rows]

    async def bound_out_of_service(self, today: date) -> list[tuple[Person, str]]:
        """People whose account is bound though they are out of service, with why (the
        reasons of `out_of_service`)."""
        rows = await self.all(
            f"SELECT person_id, why FROM (SELECT a.person_id, {_WHY} AS why"
            f" FROM telegram_accounts a JOIN people p ON p.id = a.person_id)"
            f" WHERE why IS NOT NULL", (today.isoformat(),))
        why = {int(r[0]): str(r[1]) for r in rows}
        if not why:
            return []
        people = await self._people(f"WHERE p.id IN ({placeholders(list(why))}) ORDER BY p.id",
                                    tuple(why))
        return [(person, why[person.id]) for person in people]

    async def bound_named(self, name: str) -> list[Person]:
        """The people of exactly that name whose Telegram account is bound."""
        return await self._people("WHERE p.name = ? AND a.tg_user_id IS NOT NULL ORDER BY p.id",
                                  (name,))

    async def count_people(self) -> int:
        return int(await self.scalar("SELECT COUNT(*) FROM people"))

    async def set_person_language(self, person_id: int, language: str) -> None:
        await self.execute("UPDATE people SET language = ? WHERE id = ?", (language, person_id))

    # --- Telegram accounts -------------------------------------------------
    async def account(self, tg_user_id: int) -> TelegramAccount | None:
        row = await self.one("SELECT * FROM telegram_accounts WHERE tg_user_id = ?", (tg_user_id,))
        return _account(row) if row else None

    async def bound_accounts(self) -> list[TelegramAccount]:
        """Every Telegram account bound to a person, who has not blocked the bot."""
        return [_account(r) for r in await self.all(
            "SELECT * FROM telegram_accounts WHERE person_id IS NOT NULL AND blocked_at IS NULL"
            " ORDER BY tg_user_id")]

    async def reachable(self, person_id: int) -> bool:
        """Whether a message to the person reaches them now (storage.base.REACHABLE)."""
        return bool(await self.scalar(
            "SELECT 1 FROM people p JOIN telegram_accounts a ON a.person_id = p.id"
            f" WHERE p.id = ? AND {REACHABLE}", (person_id,)))

    async def set_menu_sha(self, tg_user_id: int, sha: str) -> None:
        await self.execute("UPDATE telegram_accounts SET menu_sha = ? WHERE tg_user_id = ?",
                           (sha, tg_user_id))

    async def account_of_person(self, person_id: int) -> TelegramAccount | None:
        row = await self.one("SELECT * FROM telegram_accounts WHERE person_id = ?", (person_id,))
        return _account(row) if row else None

    async def upsert_account(
        self,
        tg_user_id: int,
        chat_id: int | None,
        username: str | None,
        first_name: str | None,
        language_code: str | None,
        now: datetime,
    ) -> None:
        """Remember a Telegram user; a message from them also lifts a block mark."""
        await self.execute(
            "INSERT INTO telegram_accounts (tg_user_id, chat_id, username, first_name,"
            " language_code, first_seen_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (tg_user_id) DO UPDATE SET"
            " chat_id = COALESCE(excluded.chat_id, telegram_accounts.chat_id),"
            " username = excluded.username, first_name = excluded.first_name,"
            " language_code = excluded.language_code, blocked_at = NULL",
            (tg_user_id, chat_id, username, first_name, language_code, to_db_time(now)),
        )

    async def unbind(self, person_id: int) -> int | None:
        """The person's Telegram account no longer stands for them (they left, or the
        office unbound it); the account keeps the language they chose. The account's
        Telegram id, or None when none was bound."""
        row = await self.one(
            "UPDATE telegram_accounts SET former_person_id = person_id, person_id = NULL,"
            " bound_at = NULL, menu_sha = NULL, language = COALESCE(language,"
            " (SELECT p.language FROM people p WHERE p.id = telegram_accounts.person_id))"
            " WHERE person_id = ? RETURNING tg_user_id", (person_id,))
        return int(row[0]) if row else None

    async def former_in_service(self, tg_user_id: int, today: date) -> int | None:
        """The person this account stood for until it was unlinked, while they are still
        in service (a lost phone, an account the office unlinked); else None."""
        row = await self.one(
            f"SELECT p.id FROM telegram_accounts a JOIN people p ON p.id = a.former_person_id"
            f" WHERE a.tg_user_id = ? AND a.person_id IS NULL AND ({_WHY}) IS NULL",
            (tg_user_id, today.isoformat()))
        return int(row[0]) if row else None

    async def out_of_service(self, person_id: int, today: date) -> str | None:
        """Why this person may not act in Choucha today (not in service in the directory,
        or withdrawn for leaving from a date that has come), or None."""
        row = await self.one(f"SELECT {_WHY} FROM people p WHERE p.id = ?",
                             (today.isoformat(), person_id))
        return "unknown" if row is None else row[0]

    async def bind(self, tg_user_id: int, person_id: int, now: datetime) -> None:
        await self.execute(
            "UPDATE telegram_accounts SET person_id = ?, bound_at = ? WHERE tg_user_id = ?",
            (person_id, to_db_time(now), tg_user_id),
        )

    async def set_account_language(self, tg_user_id: int, language: str) -> None:
        await self.execute(
            "UPDATE telegram_accounts SET language = ? WHERE tg_user_id = ?",
            (language, tg_user_id),
        )

    async def mark_blocked(self, chat_id: int, now: datetime) -> bool:
        """Mark the account whose private chat this is as having blocked the bot."""
        changed = await self.execute(
            "UPDATE telegram_accounts SET blocked_at = ? WHERE chat_id = ? AND blocked_at IS NULL",
            (to_db_time(now), chat_id),
        )
        return changed > 0
