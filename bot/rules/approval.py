"""Who may ask for a replacement on someone's behalf, and who decides it (003 第十八条:
a drawn inspector is replaced only with the approval of their department's supervisor;
DESIGN.md: where the office allows it for the plan, the team's 组长 of the same department
may approve too; nobody decides their own request)."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from bot.i18n import N_
from bot.rules.models import Person, Role


def may_file_for(filer: Person, member: Person) -> bool:
    """The office, or a supervisor of the member's own department."""
    return filer.is_office or (member.department_id is not None
                               and filer.has_role(Role.SUPERVISOR, member.department_id))


def approvers(requester: Person, supervisors: Iterable[Person], leaders: Iterable[Person],
              leader_may_approve: bool) -> list[Person]:
    """Who decides `requester`'s request: the supervisors of their department, and the
    team's leader of the same department where the plan allows it; never the requester.
    `supervisors` are those of the requester's department; `leaders` the task's leaders."""
    found = {p.id: p for p in supervisors if p.has_role(Role.SUPERVISOR,
                                                        requester.department_id)}
    if leader_may_approve:
        found.update((p.id, p) for p in leaders
                     if p.department_id == requester.department_id)
    found.pop(requester.id, None)
    return list(found.values())


def may_decide(approver: Person, requester: Person, deciders: Iterable[Person],
               approved_before: bool) -> bool:
    """An approver of the request; or, once a supervisor approved and nobody could be
    drawn, the office (which resolves it). Never the requester."""
    if approver.id == requester.id:
        return False
    if approved_before and approver.is_office:
        return True
    return any(p.id == approver.id for p in deciders)



class Reason(enum.StrEnum):
    """Why a member is to be replaced: the four of 003 第十八条, and two more a supervisor
    or the office may give on the member's behalf."""

    JOB_CHANGE = "job_change"  # 岗位调整
    WORK_CONFLICT = "work_conflict"  # 工作冲突
    HEALTH = "health"  # 健康状况
    RECUSAL = "recusal"  # 执法回避
    ABSENT = "absent"  # 未在岗 (on the member's behalf only)
    UNREGISTERED = "unregistered"  # 未注册 (on the member's behalf only)


REASONS: dict[Reason, str] = {
    Reason.JOB_CHANGE: N_("job change (岗位调整)"),
    Reason.WORK_CONFLICT: N_("work conflict (工作冲突)"),
    Reason.HEALTH: N_("health (健康状况)"),
    Reason.RECUSAL: N_("recusal (执法回避)"),
}
# A supervisor or the office may also ask on a member's behalf for these two.
ON_BEHALF_REASONS: dict[Reason, str] = {
    **REASONS,
    Reason.ABSENT: N_("not at post (未在岗)"),
    Reason.UNREGISTERED: N_("not registered in Choucha (未注册)"),
}
