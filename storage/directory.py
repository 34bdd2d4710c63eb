"""一单两库 and plans: items and their checklists, targets (with a change history),
inspectors, recusals, plans, and the import log."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime
from typing import Any

from storage.base import Repo, placeholders, to_db_time

TARGET_FIELDS = ("code_kind", "name", "entity_type", "authority", "legal_rep", "address",
                 "status", "established", "scope", "industry", "region", "credit_class",
                 "abnormal", "dishonest", "complaints", "kind", "active")
INTEGER_FIELDS = frozenset({"abnormal", "dishonest", "complaints", "active"})
ITEM_FIELDS = ("category", "name", "target_kind", "kind", "method", "department_id",
               "frequency", "content", "basis", "max_ratio", "expertise", "active")
INSPECTOR_FIELDS = ("cert_no", "id_hash", "id_last4", "gender", "phone", "unit", "level",
                    "cert_authority", "cert_valid_until", "expertise", "active")
PLAN_FIELDS = ("task_name", "type", "target_total", "scope", "ratios", "initiator_id",
               "draw_date", "window_start", "window_due", "year_caps", "fallbacks",
               "leader_may_approve", "risk_rule")


def _row_value(fields: Sequence[str], alias: str) -> str:
    return "(" + ", ".join(f"{alias}.{f}" for f in fields) + ")"


def _json_object(fields: Sequence[str], alias: str) -> str:
    return "json_object(" + ", ".join(f"'{f}', {alias}.{f}" for f in fields) + ")"


class DirectoryRepo(Repo):
    # --- departments -----------------------------------------------------------
    async def upsert_department(self, code: str, name: str, region: str | None, active: bool,
                                now: datetime) -> str:
        """'inserted', 'updated' or 'unchanged'."""
        row = await self.one("SELECT name, region, active FROM departments WHERE code = ?",
                             (code,))
        if row is None:
            await self.execute(
                "INSERT INTO departments (code, name, region, active, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (code, name, region, int(active), to_db_time(now), to_db_time(now)))
            return "inserted"
        if (row["name"], row["region"], bool(row["active"])) == (name, region, active):
            return "unchanged"
        await self.execute(
            "UPDATE departments SET name = ?, region = ?, active = ?, updated_at = ?"
            " WHERE code = ?", (name, region, int(active), to_db_time(now), code))
        return "updated"

    async def department_ids(self) -> dict[str, int]:
        """Department id by code and by name (an office writes either)."""
        rows = await self.all("SELECT id, code, name FROM departments")
        found: dict[str, int] = {}
        for row in rows:
            found[row["name"]] = row["id"]
        for row in rows:
            found[row["code"]] = row["id"]
        return found

    async def departments_export(self) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.all("SELECT * FROM departments ORDER BY code")]

    async def department_codes(self) -> dict[int, str]:
        return {r["id"]: r["code"] for r in await self.all("SELECT id, code FROM departments")}

    # --- items -----------------------------------------------------------------
    async def upsert_item(self, code: str, values: dict[str, Any], now: datetime) -> str:
        row = await self.one(f"SELECT {', '.join(ITEM_FIELDS)} FROM items WHERE code = ?",
                             (code,))
        new = tuple(values[f] for f in ITEM_FIELDS)
        if row is None:
            await self.execute(
                f"INSERT INTO items (code, {', '.join(ITEM_FIELDS)}, created_at, updated_at)"
                f" VALUES (?, {', '.join('?' * len(ITEM_FIELDS))}, ?, ?)",
                (code, *new, to_db_time(now), to_db_time(now)))
            return "inserted"
        if tuple(row) == new:
            return "unchanged"
        await self.execute(
            f"UPDATE items SET {', '.join(f + ' = ?' for f in ITEM_FIELDS)}, updated_at = ?"
            " WHERE code = ?", (*new, to_db_time(now), code))
        return "updated"

    async def item_ids(self) -> dict[str, int]:
        return {r["code"]: r["id"] for r in await self.all("SELECT id, code FROM items")}

    async def items_by_code(self) -> dict[str, dict[str, Any]]:
        rows = await self.all("SELECT * FROM items")
        return {r["code"]: dict(r) for r in rows}

    async def items_export(self) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.all(
            "SELECT i.*, d.code AS department_code FROM items i"
            " JOIN departments d ON d.id = i.department_id ORDER BY i.code")]

    async def add_checklist(self, item_id: int, title: str, form: str, sha256: str,
                            now: datetime) -> tuple[int, int, bool]:
        """(checklist id, version, new?): the same form loaded again is not a new version."""
        latest = await self.one(
            "SELECT id, version, sha256 FROM checklists WHERE item_id = ?"
            " ORDER BY version DESC LIMIT 1", (item_id,))
        if latest is not None and latest["sha256"] == sha256:
            return latest["id"], latest["version"], False
        version = (latest["version"] + 1) if latest else 1
        checklist_id = await self.insert(
            "INSERT INTO checklists (item_id, version, title, form, sha256, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)", (item_id, version, title, form, sha256,
                                           to_db_time(now)))
        await self.execute("UPDATE items SET checklist_id = ?, updated_at = ? WHERE id = ?",
                           (checklist_id, to_db_time(now), item_id))
        return checklist_id, version, True

    async def checklist_form(self, item_code: str) -> str | None:
        value = await self.scalar(
            "SELECT c.form FROM items i JOIN checklists c ON c.id = i.checklist_id"
            " WHERE i.code = ?", (item_code,))
        return None if value is None else str(value)

    # --- targets (bulk, through a staging table) ------------------------------------
    async def create_staging_view(self, aliases: Sequence[str]) -> None:
        """One view over the staging tables of the attached staging files."""
        await self.execute("DROP VIEW IF EXISTS temp.staging_targets")
        union = " UNION ALL ".join(f"SELECT * FROM {alias}.staging" for alias in aliases)
        await self.execute(f"CREATE TEMP VIEW staging_targets AS {union}")

    async def apply_staged_targets(self, import_id: int, now: datetime,
                                   present: set[str]) -> tuple[int, int, int]:
        """Upsert the staged rows, keeping the before/after of every changed target:
        (inserted, updated, unchanged).

        Columns the file did not have (`present` lacks them) keep their stored values.
        """
        counts = await self._apply_staged("temp.staging_targets", (), import_id, now,
                                          present)
        await self.execute("DROP VIEW temp.staging_targets")
        return counts

    async def apply_staged_range(self, alias: str, after: str, upto: str, import_id: int,
                                 now: datetime, present: set[str]) -> tuple[int, int, int]:
        """`apply_staged_targets` for the rows of the staging file attached as `alias`
        whose codes sort after `after` and up to `upto`: one chunk of a large import (a
        range of codes touches few pages of the targets' index, so a chunk's commit
        writes little)."""
        source = f"(SELECT * FROM {alias}.staging WHERE code > ? AND code <= ?)"
        return await self._apply_staged(source, (after, upto), import_id, now, present)

    async def _apply_staged(self, source: str, bounds: tuple[str, ...], import_id: int,
                            now: datetime, present: set[str]) -> tuple[int, int, int]:
        """Upsert the staged rows of `source` (a table, or a subquery taking `bounds`).
        Its codes are distinct (checked when staged), so that counting before writing
        is exact."""
        fields = [f for f in TARGET_FIELDS if f in present or f in ("code_kind", "active")]
        total = int(await self.scalar(f"SELECT COUNT(*) FROM {source}", bounds))
        inserted = int(await self.scalar(
            f"SELECT COUNT(*) FROM {source} s"
            " WHERE NOT EXISTS (SELECT 1 FROM targets t WHERE t.code = s.code)", bounds))
        updated = await self.execute(
            f"INSERT INTO target_changes (target_id, import_id, before, after)"
            f" SELECT t.id, ?, {_json_object(fields, 't')}, {_json_object(fields, 's')}"
            f" FROM {source} s JOIN targets t ON t.code = s.code"
            f" WHERE {_row_value(fields, 't')} IS NOT {_row_value(fields, 's')}",
            (import_id, *bounds))
        stamp = to_db_time(now)
        await self.execute(
            f"INSERT INTO targets (code, {', '.join(TARGET_FIELDS)}, created_at, updated_at)"
            f" SELECT code, {', '.join(TARGET_FIELDS)}, ?, ? FROM {source} WHERE 1"
            f" ON CONFLICT (code) DO UPDATE SET "
            + ", ".join(f"{f} = excluded.{f}" for f in fields)
            + f", updated_at = excluded.updated_at"
            f" WHERE {_row_value(fields, 'targets')} IS NOT {_row_value(fields, 'excluded')}",
            (stamp, stamp, *bounds))
        return inserted, updated, total - inserted - updated

    async def target_count(self) -> int:
        """About how many targets the directory holds (its largest id: no scan)."""
        return int(await self.scalar("SELECT COALESCE(MAX(id), 0) FROM targets"))

    async def target(self, code: str) -> dict[str, Any] | None:
        row = await self.one("SELECT * FROM targets WHERE code = ?", (code,))
        return dict(row) if row else None

    async def target_codes_exist(self, codes: Iterable[str]) -> set[str]:
        wanted = list(set(codes))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            rows = await self.all(
                f"SELECT code FROM targets WHERE code IN ({placeholders(chunk)})",
                tuple(chunk))
            found.update(r["code"] for r in rows)
        return found

    async def target_changes(self, code: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        rows = await self.all(
            "SELECT c.before, c.after FROM target_changes c JOIN targets t"
            " ON t.id = c.target_id WHERE t.code = ? ORDER BY c.id", (code,))
        return [(json.loads(r["before"]), json.loads(r["after"])) for r in rows]

    async def targets_export(self, batch: int = 5000) -> AsyncIterator[dict[str, Any]]:
        last = ""
        while True:
            rows = await self.all("SELECT * FROM targets WHERE code > ? ORDER BY code LIMIT ?",
                                  (last, batch))
            if not rows:
                return
            for row in rows:
                yield dict(row)
            last = rows[-1]["code"]

    # --- inspectors ---------------------------------------------------------------
    async def inspector_by_keys(self, cert_no: str | None,
                                id_hash: str) -> dict[str, Any] | None:
        row = await self.one(
            "SELECT i.*, p.name, p.department_id, p.active AS person_active FROM inspectors i"
            " JOIN people p ON p.id = i.person_id WHERE i.id_hash = ?"
            " OR (? IS NOT NULL AND i.cert_no = ?) ORDER BY i.id_hash = ? DESC LIMIT 1",
            (id_hash, cert_no, cert_no, id_hash))
        return dict(row) if row else None

    async def cert_of(self, person_id: int) -> str | None:
        value = await self.scalar("SELECT cert_no FROM inspectors WHERE person_id = ?",
                                  (person_id,))
        return None if value is None else str(value)

    async def plain_phones(self, prefix: str) -> list[tuple[int, str]]:
        """Phones stored without encryption (not starting with `prefix`)."""
        return [(int(r[0]), str(r[1])) for r in await self.all(
            "SELECT person_id, phone FROM inspectors WHERE phone IS NOT NULL AND phone != ''"
            " AND substr(phone, 1, length(?)) != ?", (prefix, prefix))]

    async def plain_last4(self, prefix: str) -> list[tuple[int, str]]:
        """The last four characters of 身份证号 stored without encryption."""
        return [(int(r[0]), str(r[1])) for r in await self.all(
            "SELECT person_id, id_last4 FROM inspectors WHERE id_last4 IS NOT NULL"
            " AND id_last4 != '' AND substr(id_last4, 1, length(?)) != ?", (prefix, prefix))]

    async def set_last4(self, person_id: int, value: str | None) -> None:
        await self.execute("UPDATE inspectors SET id_last4 = ? WHERE person_id = ?",
                           (value, person_id))

    async def sealed_phones(self, prefix: str) -> bool:
        return bool(await self.scalar(
            "SELECT EXISTS (SELECT 1 FROM inspectors WHERE substr(phone, 1, length(?)) = ?"
            " OR substr(id_last4, 1, length(?)) = ?)", (prefix, prefix, prefix, prefix)))

    async def set_phone(self, person_id: int, phone: str | None) -> None:
        await self.execute("UPDATE inspectors SET phone = ? WHERE person_id = ?",
                           (phone, person_id))

    async def id_hashes(self) -> list[tuple[int, str]]:
        return [(int(r[0]), str(r[1])) for r in await self.all(
            "SELECT person_id, id_hash FROM inspectors ORDER BY person_id")]

    async def set_id_hash(self, person_id: int, id_hash: str) -> None:
        await self.execute("UPDATE inspectors SET id_hash = ? WHERE person_id = ?",
                           (id_hash, person_id))

    async def inspector_by_cert(self, cert_no: str) -> dict[str, Any] | None:
        row = await self.one("SELECT * FROM inspectors WHERE cert_no = ?", (cert_no,))
        return dict(row) if row else None

    async def upsert_inspector(self, person_id: int, values: dict[str, Any],
                               now: datetime) -> bool:
        """Insert or update the profile; True when something changed."""
        new = tuple(values[f] for f in INSPECTOR_FIELDS)
        row = await self.one(f"SELECT {', '.join(INSPECTOR_FIELDS)} FROM inspectors"
                             " WHERE person_id = ?", (person_id,))
        if row is not None and tuple(row) == new:
            return False
        await self.execute(
            f"INSERT INTO inspectors (person_id, {', '.join(INSPECTOR_FIELDS)}, updated_at)"
            f" VALUES (?, {', '.join('?' * len(INSPECTOR_FIELDS))}, ?)"
            f" ON CONFLICT (person_id) DO UPDATE SET "
            + ", ".join(f"{f} = excluded.{f}" for f in INSPECTOR_FIELDS)
            + ", updated_at = excluded.updated_at",
            (person_id, *new, to_db_time(now)))
        return True

    async def inspectors_export(self) -> list[dict[str, Any]]:
        rows = await self.all(
            "SELECT i.*, p.name, p.active AS person_active, d.code AS department_code,"
            " (SELECT GROUP_CONCAT(role) FROM person_roles r WHERE r.person_id = p.id"
            "  AND r.role IN ('inspector', 'supervisor', 'office')) AS roles"
            " FROM inspectors i JOIN people p ON p.id = i.person_id"
            " LEFT JOIN departments d ON d.id = p.department_id ORDER BY i.cert_no, i.id_hash")
        return [dict(r) for r in rows]

    async def update_person(self, person_id: int, name: str, department_id: int,
                            active: bool) -> bool:
        changed = await self.execute(
            "UPDATE people SET name = ?, department_id = ?, active = ? WHERE id = ?"
            " AND (name IS NOT ? OR department_id IS NOT ? OR active IS NOT ?)",
            (name, department_id, int(active), person_id, name, department_id, int(active)))
        return changed > 0

    async def sync_roles(self, person_id: int, roles: set[str], department_id: int,
                         now: datetime) -> bool:
        """Make the directory roles (inspector, supervisor, office) exactly `roles`."""
        rows = await self.all(
            "SELECT role, department_id FROM person_roles WHERE person_id = ?"
            " AND role IN ('inspector', 'supervisor', 'office')", (person_id,))
        current = {(r["role"], r["department_id"]) for r in rows}
        wanted = {(r, None if r == "office" else department_id) for r in roles}
        if current == wanted:
            return False
        for role, dept in current - wanted:
            await self.execute(
                "DELETE FROM person_roles WHERE person_id = ? AND role = ?"
                " AND department_id IS ?", (person_id, role, dept))
        for role, dept in wanted - current:
            await self.execute(
                "INSERT INTO person_roles (person_id, role, department_id, granted_at)"
                " VALUES (?, ?, ?, ?)", (person_id, role, dept, to_db_time(now)))
        return True

    # --- recusals -------------------------------------------------------------------
    async def upsert_recusal(self, cert_no: str, target_code: str, reason: str | None,
                             now: datetime) -> str:
        row = await self.one("SELECT reason FROM recusals WHERE cert_no = ? AND target_code = ?",
                             (cert_no, target_code))
        if row is None:
            await self.execute(
                "INSERT INTO recusals (cert_no, target_code, reason, created_at)"
                " VALUES (?, ?, ?, ?)", (cert_no, target_code, reason, to_db_time(now)))
            return "inserted"
        if row["reason"] == reason:
            return "unchanged"
        await self.execute("UPDATE recusals SET reason = ? WHERE cert_no = ? AND target_code = ?",
                           (reason, cert_no, target_code))
        return "updated"

    async def inspector_certs(self) -> set[str]:
        rows = await self.all("SELECT cert_no FROM inspectors WHERE cert_no IS NOT NULL")
        return {r["cert_no"] for r in rows}

    async def recusals_export(self) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.all(
            "SELECT * FROM recusals ORDER BY cert_no, target_code")]

    # --- plans ------------------------------------------------------------------------
    async def upsert_plan(self, name: str, values: dict[str, Any],
                          items: list[tuple[int, str | None]], joining_ids: list[int],
                          now: datetime) -> str:
        """`items`: (item id, the plan's 检查方式 for it or None: as the item list says)."""
        row = await self.one(f"SELECT id, {', '.join(PLAN_FIELDS)} FROM plans WHERE name = ?",
                             (name,))
        new = tuple(values[f] for f in PLAN_FIELDS)
        if row is None:
            plan_id = await self.insert(
                f"INSERT INTO plans (name, {', '.join(PLAN_FIELDS)}, created_at, updated_at)"
                f" VALUES (?, {', '.join('?' * len(PLAN_FIELDS))}, ?, ?)",
                (name, *new, to_db_time(now), to_db_time(now)))
            outcome = "inserted"
        else:
            plan_id = row["id"]
            current_items = [(r["item_id"], r["method"]) for r in await self.all(
                "SELECT item_id, method FROM plan_items WHERE plan_id = ? ORDER BY item_id",
                (plan_id,))]
            current_joining = [r["department_id"] for r in await self.all(
                "SELECT department_id FROM plan_departments WHERE plan_id = ?"
                " ORDER BY position", (plan_id,))]
            if (tuple(row)[1:] == new and current_items == sorted(items)
                    and current_joining == joining_ids):
                return "unchanged"
            await self.execute(
                f"UPDATE plans SET {', '.join(f + ' = ?' for f in PLAN_FIELDS)}, updated_at = ?"
                " WHERE id = ?", (*new, to_db_time(now), plan_id))
            await self.execute("DELETE FROM plan_items WHERE plan_id = ?", (plan_id,))
            await self.execute("DELETE FROM plan_departments WHERE plan_id = ?", (plan_id,))
            outcome = "updated"
        for item_id, method in sorted(items):
            await self.execute("INSERT INTO plan_items (plan_id, item_id, method)"
                               " VALUES (?, ?, ?)", (plan_id, item_id, method))
        for position, department_id in enumerate(joining_ids, start=1):
            await self.execute(
                "INSERT INTO plan_departments (plan_id, department_id, position)"
                " VALUES (?, ?, ?)", (plan_id, department_id, position))
        return outcome

    async def plans_export(self) -> list[dict[str, Any]]:
        plans = [dict(r) for r in await self.all(
            "SELECT p.*, d.code AS initiator_code FROM plans p"
            " JOIN departments d ON d.id = p.initiator_id ORDER BY p.name")]
        for plan in plans:
            rows = await self.all(
                "SELECT i.code, pi.method FROM plan_items pi JOIN items i ON i.id = pi.item_id"
                " WHERE pi.plan_id = ? ORDER BY i.code", (plan["id"],))
            plan["item_codes"] = [r["code"] for r in rows]
            plan["item_methods"] = {r["code"]: r["method"] for r in rows if r["method"]}
            plan["joining_codes"] = [r["code"] for r in await self.all(
                "SELECT d.code FROM plan_departments pd JOIN departments d"
                " ON d.id = pd.department_id WHERE pd.plan_id = ? ORDER BY pd.position",
                (plan["id"],))]
        return plans

    # --- the import log -----------------------------------------------------------------
    async def import_hashes(self, kinds: Iterable[str]) -> set[str]:
        """The SHA-256 of every file imported as one of `kinds`."""
        wanted = list(kinds)
        rows = await self.all(f"SELECT DISTINCT sha256 FROM imports WHERE kind IN"
                              f" ({placeholders(wanted)})", tuple(wanted))
        return {str(r[0]) for r in rows}

    async def log_import(self, kind: str, filename: str, sha256: str, rows: int,
                         counts: tuple[int, int, int], actor: str, now: datetime) -> int:
        return await self.insert(
            "INSERT INTO imports (kind, filename, sha256, rows, inserted, updated, unchanged,"
            " actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, filename, sha256, rows, *counts, actor, to_db_time(now)))

    async def record_import_counts(self, import_id: int,
                                   counts: tuple[int, int, int]) -> None:
        """The counts of an import whose log row was written first (to have its id)."""
        await self.execute("UPDATE imports SET inserted = ?, updated = ?, unchanged = ?"
                           " WHERE id = ?", (*counts, import_id))

    async def import_counts(self, import_id: int) -> tuple[int, int, int] | None:
        """(inserted, updated, unchanged) of a logged import."""
        row = await self.one("SELECT inserted, updated, unchanged FROM imports WHERE id = ?",
                             (import_id,))
        return None if row is None else (int(row[0]), int(row[1]), int(row[2]))

