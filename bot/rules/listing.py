"""What is published of the item list (抽查事项清单) and of a plan (抽查计划), and when a plan
is published as it stands (issue 31; 000 二(六), 001 (五), 003 第七、二十五条).

Pure. A publication keeps its content as canonical JSON with its SHA-256, so the same
content always has the same digest. A plan's *terms* are what decides its draw and its
inspection window; a plan whose terms changed since it was last published must be
published again before its draw is prepared (the public sees the plan that is drawn)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from bot.rules.records import PlanForDraw

# A plan's terms that decide its draw (the import refuses to change them once prepared).
DRAW_FIELDS = ("ratios", "items", "scope", "initiator", "joining", "draw_date", "year_caps",
               "fallbacks", "risk_rule")
DOC_NO_MAX = 60  # characters of a 文号 such as 腾市监〔2026〕12号


def canonical(content: Mapping[str, Any]) -> bytes:
    """UTF-8 JSON with sorted keys and no spaces: one spelling per content."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def digest(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def draw_terms(plan: PlanForDraw) -> dict[str, Any]:
    """What decides a plan's draw, in the form imports compare and publications keep."""
    return {"ratios": plan.ratios, "items": sorted(i.code for i in plan.items),
            "scope": {k: sorted(v) for k, v in plan.scope.items() if v},
            "initiator": plan.initiator_code, "joining": sorted(plan.joining_codes),
            "draw_date": plan.draw_date.isoformat(), "year_caps": plan.year_caps,
            "fallbacks": plan.fallbacks, "risk_rule": plan.risk_rule}


def plan_terms(plan: PlanForDraw) -> dict[str, Any]:
    """The draw's terms and the inspection window: a change of any needs a new publication."""
    return {**draw_terms(plan), "window_start": plan.window_start.isoformat(),
            "window_due": plan.window_due.isoformat()}


@dataclass(frozen=True)
class PublicItem:
    """An item of the list as the public reads it."""

    code: str
    name: str
    category: str
    kind: str  # key (重点) or general
    target_kind: str
    method: str  # 检查方式
    department: str  # its name
    department_code: str
    frequency: str
    content: str
    basis: str
    max_ratio: str | None


def items_content(items: Sequence[PublicItem]) -> dict[str, Any]:
    """The item list's publication: every active item, by code."""
    return {"items": [asdict(i) for i in sorted(items, key=lambda i: i.code)]}


@dataclass(frozen=True)
class PlanNames:
    """The names the public reads beside a plan's codes."""

    task_name: str
    type: str  # department or joint
    target_total: int | None
    departments: Mapping[str, str]  # code → name
    items: Mapping[str, str]  # code → name


def plan_content(plan: PlanForDraw, names: PlanNames) -> dict[str, Any]:
    """A plan's publication: its name and task, its terms, and the names of its departments
    and items (for the reader; only the terms decide whether it is published as it
    stands)."""
    return {"plan": plan.name, "task_name": names.task_name, "type": names.type,
            "target_total": names.target_total, "terms": plan_terms(plan),
            "departments": dict(sorted(names.departments.items())),
            "items": dict(sorted(names.items.items()))}


def as_published(plan: PlanForDraw, published: Mapping[str, Any] | None) -> bool:
    """Whether the plan's terms are those of its last publication."""
    return published is not None and published.get("terms") == plan_terms(plan)


def plan_deadline(year: int, month_day: tuple[int, int]) -> date:
    """The day by which the year's plan is published (003: 3月30日; a setting)."""
    return date(year, *month_day)
