"""The inspectors: their 身份证号 kept only as a keyed hash and its last four characters,
their phones sealed, their roles granted as /invite grants them (the office role by an
administrator only), each one a person of the bot."""

from __future__ import annotations

from typing import Any

from bot.i18n import N_
from bot.rules.models import AuditAction, Role, RoleGrant
from bot.services.errors import Refused
from bot.services.imports.job import _first_seen, _Job
from bot.services.imports.report import _count
from bot.services.onboarding import may_grant
from bot.services.personal import LAST4, data_cipher, id_hasher, seal_plain_phones
from storage.base import dumps

ID_KEY_PROBLEMS = {
    "id_key_missing": N_("the key that protects 身份证号 is missing (the key folder's"
                         " id-hash.keys, or CHOUCHA_ID_KEY): restore it from your backup."
                         " Nothing was loaded."),
    "id_key_wrong": N_("the key that protects 身份证号 is not the one these records were made"
                       " with: restore the right id-hash.keys. Nothing was loaded."),
    "data_key_missing": N_("the key that protects phone numbers is missing (data.key in the"
                           " key folder): restore it from your backup. Nothing was loaded."),
    "data_key_wrong": N_("the key that protects phone numbers is not the one they were stored"
                         " with: restore the right data.key. Nothing was loaded."),
    "id_key_bad": N_("the key that protects 身份证号 cannot be read: hex keys of 32 or more"
                     " characters, one a line (or comma-separated). Nothing was loaded."),
}


async def _inspectors(job: _Job) -> None:
    tx, report = job.tx, job.report
    departments = await tx.directory.department_ids()
    try:
        id_hash = await id_hasher(tx, job.settings)
        job.phones = await data_cipher(tx, job.settings)
        await seal_plain_phones(tx, job.settings, job.phones)
    except Refused as exc:
        report.problem(0, "", exc.params.get("source", ""), ID_KEY_PROBLEMS[exc.reason])
        return
    today = job.now.date().isoformat()
    rows: list[tuple[int, dict[str, Any]]] = []
    seen_ids: dict[Any, int] = {}
    seen_certs: dict[Any, int] = {}
    grants_office = await _grants_office(job)
    for number, values in job.parsed():
        department_id = departments.get(values["department"])
        if department_id is None:
            report.problem(number, job.header("department"), values["department"],
                           N_("no department with this code or name"))
            continue
        cert = values["cert_no"]
        if cert and not _first_seen(job, seen_certs, cert, number, "cert_no", cert):
            continue
        number_text = values["id_number"]
        if number_text.startswith("*"):
            existing = await tx.directory.inspector_by_cert(cert) if cert else None
            known = job.phones.open(existing["id_last4"], LAST4) if existing and job.phones \
                else existing["id_last4"] if existing else None
            if existing is None or known != number_text[-4:]:
                report.problem(number, job.header("id_number"), number_text,
                               N_("a masked 身份证号 is only accepted for a known 执法证号 with"
                                  " the same last four characters"))
                continue
            hashed = existing["id_hash"]
        else:
            hashed = id_hash(number_text)
        if not _first_seen(job, seen_ids, hashed, number, "id_number",
                           "*" * 14 + number_text[-4:]):
            continue
        if not await _may_set_roles(job, set(values["roles"] or ["inspector"]), cert,
                                    hashed, grants_office, values["active"] is not False
                                    and values["active"] != 0):
            report.problem(number, job.header("roles"), ",".join(values["roles"] or []),
                           N_("only an administrator may grant the office role or take it"
                              " away (or mark an office member as no longer in service):"
                              " this row was not loaded"))
            continue
        if not cert:
            report.warn(number, job.header("cert_no"), "",
                        N_("no 执法证号: loaded, but never drawn for inspections"))
        elif values["cert_valid_until"] and values["cert_valid_until"] < today:
            report.warn(number, job.header("cert_valid_until"), values["cert_valid_until"],
                        N_("the 执法证 has expired: loaded, but never drawn for inspections"))
        rows.append((number, {**values, "department_id": department_id, "id_hash": hashed,
                              "id_last4": number_text[-4:]}))
    if not report.ok:
        return
    for _, values in rows:
        await _apply_inspector(job, values)


async def _grants_office(job: _Job) -> bool:
    """Whether whoever imports may grant the office role (an administrator, or the command
    line), as /invite decides it (onboarding.may_grant)."""
    if not job.actor.startswith("person:"):
        return True  # the command line: whoever holds the server
    person = await job.tx.people.person(int(job.actor.removeprefix("person:")))
    return person is not None and may_grant(person, [Role.OFFICE])


async def _may_set_roles(job: _Job, roles: set[str], cert: str | None, hashed: str,
                         grants_office: bool, active: bool) -> bool:
    """A row may give these roles: the office role is granted, and taken from someone who
    has it, only by an administrator (the same rule as /invite, issue 29); nor may
    anyone else mark an office member or an administrator as no longer in service (that
    ends their access)."""
    if grants_office:
        return True
    existing = await job.tx.directory.inspector_by_keys(cert, hashed)
    person = await job.tx.people.person(existing["person_id"]) if existing else None
    staff = person is not None and (person.has_role(Role.OFFICE)
                                    or person.has_role(Role.ADMIN))
    if staff and not active:
        return False
    if "office" in roles:
        return person is not None and person.has_role(Role.OFFICE)  # kept, not granted
    return person is None or not person.has_role(Role.OFFICE)


async def _apply_inspector(job: _Job, values: dict[str, Any]) -> None:
    tx = job.tx
    active = True if values["active"] is None else bool(values["active"])
    roles = set(values["roles"] or ["inspector"])
    existing = await tx.directory.inspector_by_keys(values["cert_no"], values["id_hash"])
    changed = False
    if existing is None:
        grants = [RoleGrant(Role(r), None if r == "office" else values["department_id"])
                  for r in sorted(roles)]
        person = await tx.people.add_person(values["name"], values["department_id"], grants,
                                            job.now)
        person_id = person.id
        if not active:
            await tx.directory.update_person(person_id, values["name"],
                                             values["department_id"], active)
    else:
        person_id = existing["person_id"]
        changed |= await tx.directory.update_person(person_id, values["name"],
                                                    values["department_id"], active)
        if await tx.directory.sync_roles(person_id, roles, values["department_id"], job.now):
            changed = True
            # Granting and withdrawing roles is traced person by person.
            await tx.audit.append(job.actor, AuditAction.PERSON_ROLES, f"person:{person_id}",
                                  {"roles": sorted(roles), "active": active}, job.now)
    profile = {
        "cert_no": values["cert_no"], "id_hash": values["id_hash"],
        "id_last4": job.phones.seal(values["id_last4"], LAST4) if job.phones
        else values["id_last4"], "gender": values["gender"],
        "phone": job.phones.seal(values["phone"]) if job.phones else values["phone"],
        "unit": values["unit"], "level": values["level"],
        "cert_authority": values["cert_authority"],
        "cert_valid_until": values["cert_valid_until"],
        "expertise": dumps(values["expertise"] or []), "active": int(active),
    }
    changed |= await tx.directory.upsert_inspector(person_id, profile, job.now)
    _count(job.report, "inserted" if existing is None else "updated" if changed
           else "unchanged")
