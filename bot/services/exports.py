"""Writing the templates back (`choucha export`), so that an office can round-trip them.

ID numbers are kept only as a salted hash and the last four characters, so the
inspector export carries them masked (**************1234); importing that file
again keeps what is stored.
"""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bot.core import Core
from bot.formats.sheets import (
    ITEM_KIND_LABELS,
    PLAN_TYPE_LABELS,
    ROLE_LABELS,
    SCOPE_LABELS,
    SHEETS,
    TARGET_KIND_LABELS,
    caps_text,
    risk_rule_text,
)
from bot.rules.methods import CheckMethod, wording
from bot.rules.models import Table
from bot.services.access import Actor, require_office
from bot.services.personal import LAST4, PhoneCipher, phone_reader
from storage import Database
from storage.files import replace_private

EXPORTABLE: tuple[Table, ...] = tuple(Table)


def _yes(value: Any) -> str:
    return "是" if value else "否"


def _ratios(ratios: dict[str, str]) -> str:
    if set(ratios) == {"*"}:
        return ratios["*"]
    return ";".join(f"{k}:{v}" for k, v in sorted(ratios.items()))


def _scope(scope: dict[str, list[str]]) -> str:
    parts = []
    for key, values in scope.items():
        shown = [TARGET_KIND_LABELS.get(v, v) for v in values] if key == "kind" else values
        parts.append(f"{SCOPE_LABELS[key]}:{'、'.join(shown)}")
    return ";".join(parts)


async def _rows(db: Database, kind: str,
                phones: PhoneCipher | None = None) -> AsyncIterator[list[Any]]:
    async with db.read() as rtx:
        directory = rtx.directory
        if kind == "departments":
            for d in await directory.departments_export():
                yield [d["code"], d["name"], d["region"], _yes(d["active"])]
        elif kind == "items":
            for i in await directory.items_export():
                yield [i["code"], i["category"], i["name"], i["target_kind"],
                       ITEM_KIND_LABELS[i["kind"]], i["method"], i["department_code"],
                       i["frequency"], i["content"], i["basis"], i["max_ratio"], i["expertise"],
                       _yes(i["active"])]
        elif kind == "targets":
            async for t in directory.targets_export():
                yield [t["code"], t["name"], t["entity_type"], t["authority"], t["legal_rep"],
                       t["address"], t["status"], t["established"], t["scope"], t["industry"],
                       t["region"], t["credit_class"], _yes(t["abnormal"]), _yes(t["dishonest"]),
                       t["complaints"], TARGET_KIND_LABELS[t["kind"]]]
        elif kind == "inspectors":
            for p in await directory.inspectors_export():
                roles = sorted((p["roles"] or "").split(","))
                phone = phones.open(p["phone"]) if phones else p["phone"]
                last4 = phones.open(p["id_last4"], LAST4) if phones else p["id_last4"]
                yield ["*" * 14 + (last4 or ""), p["name"], p["gender"], phone, p["unit"],
                       p["department_code"], p["level"], p["cert_no"], p["cert_authority"],
                       p["cert_valid_until"], "、".join(json.loads(p["expertise"])),
                       "、".join(ROLE_LABELS[r] for r in roles if r), _yes(p["active"])]
        elif kind == "recusals":
            for r in await directory.recusals_export():
                yield [r["cert_no"], r["target_code"], r["reason"]]
        elif kind == "plans":
            for p in await directory.plans_export():
                fallbacks = json.loads(p["fallbacks"])
                yield [p["name"], p["task_name"], PLAN_TYPE_LABELS[p["type"]], p["target_total"],
                       _ratios(json.loads(p["ratios"])), "、".join(p["item_codes"]),
                       _scope(json.loads(p["scope"])), p["initiator_code"],
                       "、".join(p["joining_codes"]), p["draw_date"], p["window_start"],
                       p["window_due"], caps_text(json.loads(p["year_caps"])),
                       ";".join(f"{k}>{'、'.join(v)}" for k, v in fallbacks.items()),
                       _yes(p["leader_may_approve"]),
                       risk_rule_text(json.loads(p["risk_rule"])),
                       "；".join(f"{code}:{wording(CheckMethod(m))}"
                                for code, m in p["item_methods"].items())]
        else:
            raise ValueError(kind)


async def export(core: Core, actor: Actor, kind: Table, path: Path) -> int:
    """Write one template to .xlsx; return the number of rows."""
    require_office(actor)
    db = core.db
    phones = phone_reader(core.settings) if kind == "inspectors" else None
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    sheet = SHEETS[kind]
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet.title)
    worksheet.append([c.header for c in sheet.columns])

    def text_cell(value: Any) -> Any:
        """Text as an explicit string cell: a name such as =HYPERLINK(…) stays text."""
        if not isinstance(value, str):
            return value
        cell = WriteOnlyCell(worksheet, value=value)
        cell.data_type = "s"
        return cell

    count = 0
    async for row in _rows(db, kind, phones):
        worksheet.append([text_cell(v) for v in row])
        count += 1
    out = io.BytesIO()
    workbook.save(out)
    # The directories hold personal data: 0600; an earlier file stays whole until this
    # one is.
    replace_private(path, out.getvalue())
    return count



def templates_workbook() -> bytes:
    """One workbook with an empty sheet per template (headers only)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for kind in EXPORTABLE:
        sheet = SHEETS[kind]
        worksheet = workbook.create_sheet(sheet.title)
        worksheet.append([c.header for c in sheet.columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
