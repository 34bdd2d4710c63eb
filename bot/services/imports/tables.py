"""The directory's tables loaded by natural key alone: the departments (by code), the items
(by code, each of a department) and the recusals (an inspector's 执法证号 and a target's
code, the target in the directory or staged with it)."""

from __future__ import annotations

from typing import Any

from bot.i18n import N_
from bot.services.imports.job import _first_seen, _Job
from bot.services.imports.report import _count


# --- departments ----------------------------------------------------------------------
async def _departments(job: _Job) -> None:
    rows: list[Any] = []
    seen: dict[Any, int] = {}
    for number, values in job.parsed():
        if _first_seen(job, seen, values["code"], number, "code", values["code"]):
            rows.append(values)
    if not job.report.ok:
        return
    for values in rows:
        active = True if values["active"] is None else values["active"]
        _count(job.report, await job.tx.directory.upsert_department(
            values["code"], values["name"], values["region"], active, job.now))


# --- items ----------------------------------------------------------------------------
async def _items(job: _Job) -> None:
    departments = await job.tx.directory.department_ids()
    rows: list[Any] = []
    seen: dict[Any, int] = {}
    for number, values in job.parsed():
        if not _first_seen(job, seen, values["code"], number, "code", values["code"]):
            continue
        department_id = departments.get(values["department"])
        if department_id is None:
            job.report.problem(number, job.header("department"), values["department"],
                               N_("no department with this code or name"))
            continue
        if values["kind"] == "general" and values["max_ratio"] is None:
            job.report.problem(number, job.header("max_ratio"), "",
                               N_("a general (一般) item needs a maximum ratio"))
            continue
        rows.append({
            **values, "department_id": department_id,
            "max_ratio": values["max_ratio"] if values["kind"] == "general" else None,
            "active": 1 if values["active"] is None else int(values["active"]),
        })
    if not job.report.ok:
        return
    for values in rows:
        _count(job.report, await job.tx.directory.upsert_item(values["code"], values, job.now))


# --- recusals ---------------------------------------------------------------------------
async def _recusals(job: _Job) -> None:
    certs = await job.tx.directory.inspector_certs()
    rows: list[Any] = []
    seen: dict[Any, int] = {}
    for number, values in job.parsed():
        code = values["target"][0]
        if not _first_seen(job, seen, (values["cert_no"], code), number, "target", code):
            continue
        if values["cert_no"] not in certs:
            job.report.problem(number, job.header("cert_no"), values["cert_no"],
                               N_("no inspector with this 执法证号"))
            continue
        rows.append((number, values["cert_no"], code, values["reason"]))
    known = job.staged_codes | await job.tx.directory.target_codes_exist(
        code for _, _, code, _ in rows)
    for number, _, code, _ in rows:
        if code not in known:
            job.report.problem(number, job.header("target"), code,
                               N_("no target with this code in the directory"))
    if not job.report.ok:
        return
    for _, cert, code, reason in rows:
        _count(job.report, await job.tx.directory.upsert_recusal(cert, code, reason, job.now))
