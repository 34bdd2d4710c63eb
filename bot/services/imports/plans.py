"""The plans: each row checked against the directory, the draw's rules and what a prepared
or drawn draw froze; a drawn plan's moved window moves its tasks and tells their teams."""

from __future__ import annotations

import functools
import html
from typing import Any

from bot.formats.sheets import DEFAULT_RISK_RULE
from bot.i18n import N_
from bot.rules import draw as algo
from bot.rules.listing import DRAW_FIELDS, draw_terms
from bot.rules.methods import method_named
from bot.rules.records import DrawStatus, PlanItemRule
from bot.services.imports.job import _first_seen, _Job
from bot.services.imports.report import _count
from bot.services.notify import enqueue_text
from bot.texts import imports as words
from storage.base import dumps

PLAN_PROBLEMS = {
    "ratios_fall": N_("the ratio of credit class {lower} ({lower_ratio}) is above that of"
                      " {higher} ({higher_ratio}): a ratio may not fall as the risk rises"
                      " (000 二(四), 003 第十五条)"),
    "cap_above_two": N_("stratum {stratum} may be checked at most twice a year (003 第十四条):"
                        " only the higher-risk classes C and D, or a plan of key (重点) items"
                        " only, may allow more (0 = no cap)"),
    "caps_fall": N_("the yearly cap of {lower} ({lower_cap}) is above that of {higher}"
                    " ({higher_cap}): a higher-risk class may not be checked less often"
                    " (0 = no cap)"),
    "ratio_above_item_maximum": N_("above the maximum ratio {maximum} of general item {item}"),
}
# What decides a plan's draw (its announcement, docs/draw.md): frozen once it is prepared.
async def _frozen_plan(job: _Job, number: int, name: str, given: dict[str, Any]) -> None:
    """A prepared or drawn plan keeps what decides its draw: a row changing it is refused,
    naming the plan, the day it was prepared and what to do."""
    plan = await job.tx.draws.plan(name)
    row = await job.tx.draws.draw(plan.id) if plan else None
    if plan is None or row is None:
        return
    stored = draw_terms(plan)
    changed = [job.header(key) for key in DRAW_FIELDS if stored[key] != given[key]]
    if not changed:
        return
    when = row.prepared_at.astimezone(job.settings.tz).date().isoformat()
    if row.status == DrawStatus.PREPARED:
        job.report.problem(number, job.header("name"), name, N_(
            "plan “{plan}” was prepared for its draw on {date}: what decides the draw is"
            " frozen and announced, and this row changes {fields}. Cancel the preparation"
            " (/draw, before the draw date {draw_date}), then load the file again; or load"
            " the change as a new plan"), plan=name, date=when, fields="、".join(changed),
            draw_date=row.draw_date.isoformat())
    else:
        job.report.problem(number, job.header("name"), name, N_(
            "plan “{plan}” was drawn (prepared on {date}): what decided its draw cannot"
            " change, and this row changes {fields}. Load the change as a new plan"),
            plan=name, date=when, fields="、".join(changed))


async def _plans(job: _Job) -> None:
    """Each plan's row checked against the directory, the draw's rules and what a prepared
    draw froze; all of them stored when no row has a problem."""
    tx, report = job.tx, job.report
    departments = await tx.directory.department_ids()
    codes_by_id = await tx.directory.department_codes()
    items = await tx.directory.items_by_code()
    rows: list[Any] = []
    seen: dict[Any, int] = {}
    for number, values in job.parsed():
        if not _first_seen(job, seen, values["name"], number, "name", values["name"]):
            continue
        before = report.problem_count
        initiator, joining = _plan_departments(job, number, values, departments)
        rules = _plan_items(job, number, values, items, codes_by_id, {initiator, *joining})
        caps = values["year_caps"] or {}
        _plan_ratios_and_caps(job, number, values, caps, rules)
        _plan_dates_and_fallbacks(job, number, values, departments)
        methods = _plan_methods(job, number, values)
        if report.problem_count == before:
            assert initiator is not None  # else a problem was reported above
            fallbacks, risk = await _plan_unfrozen(job, number, values, initiator, joining,
                                                   caps, departments, codes_by_id)
            if report.problem_count == before:
                rows.append((number, values, initiator, joining,
                             [(items[c]["id"], methods.get(c)) for c in values["items"]],
                             fallbacks, caps, risk))
    if not report.ok:
        return
    await _store_plans(job, rows)


def _plan_departments(job: _Job, number: int, values: dict[str, Any],
                      departments: dict[str, int]) -> tuple[int | None, list[int]]:
    """The plan's initiating department and the joining ones (ids), as its type wants."""
    report = job.report
    initiator = departments.get(values["initiator"])
    if initiator is None:
        report.problem(number, job.header("initiator"), values["initiator"],
                       N_("no department with this code or name"))
    joining: list[int] = []
    for name in values["joining"] or []:
        if name not in departments:
            report.problem(number, job.header("joining"), name,
                           N_("no department with this code or name"))
        elif departments[name] != initiator and departments[name] not in joining:
            joining.append(departments[name])
    if values["type"] == "joint" and not joining:
        report.problem(number, job.header("joining"), "",
                       N_("a joint plan needs at least one joining department"))
    if values["type"] == "department" and joining:
        report.problem(number, job.header("joining"), ", ".join(values["joining"]),
                       N_("a department plan has no joining departments"))
    return initiator, joining


def _plan_items(job: _Job, number: int, values: dict[str, Any],
                items: dict[str, dict[str, Any]], codes_by_id: dict[int, str],
                taking_part: set[int | None]) -> list[PlanItemRule]:
    """The plan's items as the draw reads them; each must exist and belong to a
    department taking part."""
    rules: list[PlanItemRule] = []
    for code in values["items"]:
        item = items.get(code)
        if item is None:
            job.report.problem(number, job.header("items"), code, N_("no item with this code"))
            continue
        if item["department_id"] not in taking_part:
            job.report.problem(number, job.header("items"), code,
                               N_("the item's department does not take part in this plan"))
        rules.append(PlanItemRule(code, item["kind"], item["max_ratio"], item["expertise"],
                                  codes_by_id.get(item["department_id"], "")))
    return rules


def _plan_methods(job: _Job, number: int, values: dict[str, Any]) -> dict[str, str]:
    """The plan's 检查方式 by item code ('*': every item), each naming one method; the codes
    must be the plan's items."""
    written: dict[str, str] = values.get("methods") or {}
    found: dict[str, str] = {}
    for code, text in written.items():
        method = method_named(text)
        if method is None:
            job.report.problem(number, job.header("methods"), text, N_(
                "name one 检查方式 per item: 实地核查, 书面检查, 网络监测 or 委托专业机构 (as"
                " “书面检查” for every item, or “SC-001:书面检查；WS-001:实地核查”)"))
        elif code != "*" and code not in values["items"]:
            job.report.problem(number, job.header("methods"), code,
                               N_("not one of this plan's items"))
        else:
            found[code] = str(method)
    every = found.pop("*", None)
    chosen = {code: found.get(code, every) for code in values["items"]}
    return {code: method for code, method in chosen.items() if method is not None}


def _plan_ratios_and_caps(job: _Job, number: int, values: dict[str, Any], caps: dict[str, int],
                          rules: list[PlanItemRule]) -> None:
    """Report what the plan's ratios and yearly caps break of the draw's rules."""
    for problem in algo.plan_problems(values["ratios"], caps, rules):
        column = "year_caps" if problem.reason in ("cap_above_two", "caps_fall") \
            else "ratios"
        shown = {"year_caps": _caps_text(caps), "ratios": _ratios_text(values["ratios"])}
        job.report.problem(number, job.header(column), shown[column],
                           PLAN_PROBLEMS[problem.reason], **problem.params)


def _plan_dates_and_fallbacks(job: _Job, number: int, values: dict[str, Any],
                              departments: dict[str, int]) -> None:
    """Report dates out of order and fallback departments not in the directory."""
    if not values["draw_date"] <= values["window_start"] <= values["window_due"]:
        job.report.problem(number, job.header("window_due"), values["window_due"],
                           N_("the draw date, the start and the due date must be in order"))
    for department, others in (values["fallbacks"] or {}).items():
        for code in (department, *others):
            if code not in departments:
                job.report.problem(number, job.header("fallbacks"), code,
                                   N_("no department with this code or name"))


async def _plan_unfrozen(job: _Job, number: int, values: dict[str, Any], initiator: int,
                         joining: list[int], caps: dict[str, int], departments: dict[str, int],
                         codes_by_id: dict[int, str]) -> tuple[dict[str, list[str]], Any]:
    """The plan's fallbacks (by code) and risk rule, after reporting a change to what a
    prepared or drawn draw froze."""
    fallbacks = {
        codes_by_id[departments[k]]: [codes_by_id[departments[o]] for o in v]
        for k, v in (values["fallbacks"] or {}).items()
    }
    risk = values["risk_rule"] if values["risk_rule"] is not None else DEFAULT_RISK_RULE
    await _frozen_plan(job, number, values["name"], {
        "ratios": values["ratios"], "items": sorted(values["items"]),
        "scope": {k: sorted(v) for k, v in (values["scope"] or {}).items() if v},
        "initiator": codes_by_id[initiator],
        "joining": sorted(codes_by_id[j] for j in joining),
        "draw_date": values["draw_date"], "year_caps": caps,
        "fallbacks": fallbacks, "risk_rule": risk})
    return fallbacks, risk


async def _store_plans(job: _Job, rows: list[Any]) -> None:
    """Write the checked plans, and move the windows of drawn ones' tasks."""
    for number, values, initiator, joining, item_ids, fallbacks, caps, risk in rows:
        plan = {
            "task_name": values["task_name"], "type": values["type"],
            "target_total": values["target_total"], "scope": dumps(values["scope"] or {}),
            "ratios": dumps(values["ratios"]), "initiator_id": initiator,
            "draw_date": values["draw_date"], "window_start": values["window_start"],
            "window_due": values["window_due"], "year_caps": dumps(caps),
            "fallbacks": dumps(fallbacks),
            "leader_may_approve": int(bool(values["leader_may_approve"])),
            "risk_rule": dumps(risk),
        }
        _count(job.report, await job.tx.directory.upsert_plan(values["name"], plan, item_ids,
                                                              joining, job.now))
        await _window_moved(job, number, values["name"], values["window_start"],
                            values["window_due"])


async def _window_moved(job: _Job, number: int, name: str, start: str, due: str) -> None:
    """A drawn plan's window changed: its tasks not finished yet follow it (the window
    does not decide the draw), and everyone on their teams is told."""
    plan = await job.tx.draws.plan(name)
    if plan is None:
        return
    moved = await job.tx.tasks.move_window(plan.id, start, due)
    if not moved:
        return
    tasks = len({target for targets in moved.values() for target in targets})
    job.report.warn(number, job.header("window_start"), f"{start} – {due}", N_(
        "the inspection window of the {n} tasks of plan “{plan}” not begun yet is now"
        " {start} – {due} (a visit under way keeps its window); their teams are told in"
        " Choucha"), n=tasks, plan=name,
        start=start, due=due)
    for person_id, targets in moved.items():
        person = await job.tx.people.person(person_id)
        if person is None:
            continue
        listed = "、".join(html.escape(t) for t in targets[:10]) + (
            "…" if len(targets) > 10 else "")
        await enqueue_text(job.tx, person, f"window:{plan.id}:{job.now.isoformat()}:{person_id}",
                           functools.partial(words.window_text, plan=html.escape(name),
                                             start=start, due=due,
                                             listed=listed, n=len(targets)), job.now)


def _ratios_text(ratios: dict[str, str]) -> str:
    return ";".join(f"{k}:{v}" for k, v in sorted(ratios.items()))


def _caps_text(caps: dict[str, int]) -> str:
    return ";".join(f"{k}:{v}" for k, v in sorted(caps.items()))
