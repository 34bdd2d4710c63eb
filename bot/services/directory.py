"""Departments (the full directories arrive with the imports)."""

from __future__ import annotations

import re

from bot.clock import now as clock_now
from bot.rules.models import AuditAction, Department
from bot.services.access import Actor, label, require_office
from bot.services.errors import Refusal, Refused, typed_line
from storage import Database

# Letters, digits, _ and -, never first a - (a department code is in a draw's inspectors.tsv,
# which a spreadsheet may open: "-A1" would be read as a formula).
CODE_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,31}$")


async def add_department(db: Database, actor: Actor, code: str, name: str,
                         region: str | None = None) -> Department:
    require_office(actor)
    code, name = code.strip(), typed_line(name)
    if not CODE_RE.match(code):
        raise Refused(Refusal.BAD_CODE)
    if not 1 <= len(name) <= 100:
        raise Refused(Refusal.BAD_NAME)
    now = clock_now()
    async with db.transaction() as tx:
        if await tx.people.department_by_code(code) is not None:
            raise Refused(Refusal.DUPLICATE)
        department = await tx.people.add_department(code, name, region, now)
        await tx.audit.append(label(actor), AuditAction.DEPARTMENT_CREATED,
                              f"department:{department.id}",
                              {"code": code, "name": name, "region": region}, now)
    return department
