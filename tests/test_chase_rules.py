"""The chase's ladder, rule by rule (bot/rules/chase.py), on a calendar of plain weeks.

2030 is "loaded" with no holidays, so Monday to Friday are the working days. 7 January
2030 is a Monday. Times are Beijing time; what the database holds is UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.rules import chase as rules
from bot.rules.chase import (
    Chase,
    LateFollowUp,
    OpenTask,
    Owed,
    Reminder,
    Roles,
    Rule,
    Seat,
    Step,
    Unaccepted,
    Unpublished,
    WaitingRequest,
    Why,
)
from bot.rules.workdays import Calendar

TZ = ZoneInfo("Asia/Shanghai")
CAL = Calendar({}, frozenset({2030}))
CHASE = Chase()
ROLES = Roles(supervisors={10: (7, 3), 20: (8,)}, office=(1, 2))
MEMBER, OTHER, LEADER = 100, 101, 102


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A local time in January 2030."""
    return datetime(2030, 1, day, hour, minute, tzinfo=TZ)


def utc(day: int, hour: int = 10) -> datetime:
    return at(day, hour).astimezone(UTC)


def told(dues: list[rules.Due]) -> list[tuple[int, str]]:
    return [(d.person_id, d.key) for d in dues]


# ------------------------------------------------------------------------ accept
def _unaccepted(leader: int | None = LEADER, person: int = MEMBER) -> Unaccepted:
    return Unaccepted(task_id=5, target="A店", created_at=utc(7), person_id=person,
                      name="张三", department_id=10, leader=leader)


def test_accept_nothing_on_the_day_of_the_draw() -> None:
    assert rules.accept(_unaccepted(), CAL, CHASE, at(7, 17), ROLES) == []


def test_accept_reminds_the_member_after_one_working_day() -> None:
    dues = rules.accept(_unaccepted(), CAL, CHASE, at(8), ROLES)
    assert told(dues) == [(MEMBER, "remind")]
    assert dues[0].reason.stored() == {"rule": "accept", "target": "A店", "name": "张三",
                                       "days": 1, "since": "2030-01-07"}
    assert dues[0].subject == f"task:5:{MEMBER}" and dues[0].task_id == 5


def test_accept_escalates_to_the_leader_and_the_members_supervisors_after_two() -> None:
    dues = rules.accept(_unaccepted(), CAL, CHASE, at(9), ROLES)
    assert told(dues) == [(MEMBER, "remind"), (3, "escalate"), (7, "escalate"),
                          (LEADER, "escalate")]


def test_accept_counts_working_days_so_a_weekend_does_not_escalate() -> None:
    friday = Unaccepted(5, "A店", utc(11), MEMBER, "张三", 10, LEADER)
    assert told(rules.accept(friday, CAL, CHASE, at(14), ROLES)) == [(MEMBER, "remind")]


def test_accept_never_escalates_to_the_member_themselves() -> None:
    leader_waits = _unaccepted(leader=MEMBER)
    assert told(rules.accept(leader_waits, CAL, CHASE, at(9), ROLES)) == [
        (MEMBER, "remind"), (3, "escalate"), (7, "escalate")]
    no_leader = _unaccepted(leader=None, person=7)  # a supervisor drawn as a member
    assert told(rules.accept(no_leader, CAL, CHASE, at(9), ROLES)) == [
        (7, "remind"), (3, "escalate")]


def test_accept_reads_the_draw_day_in_local_time() -> None:
    # Drawn on Monday 04:00 in Beijing, which is Sunday 20:00 UTC.
    early = Unaccepted(5, "A店", at(7, 4).astimezone(UTC), MEMBER, "张三", 10, LEADER)
    assert early.created_at.date() == date(2030, 1, 6)
    dues = rules.accept(early, CAL, CHASE, at(8), ROLES)
    assert dues[0].reason.since == date(2030, 1, 7) and dues[0].reason.days == 1


# ------------------------------------------------------------------------ window
TEAM = (Seat(LEADER, 10, True), Seat(MEMBER, 20, False))


def _task(due: date = date(2030, 1, 11)) -> OpenTask:
    return OpenTask(task_id=6, target="B厂", window_due=due, team=TEAM)


def test_window_reminds_the_team_three_and_one_working_days_before() -> None:
    three = rules.window(_task(), CAL, CHASE, at(8), ROLES)  # Tuesday → Friday
    assert told(three) == [(LEADER, "due-3"), (MEMBER, "due-3")]
    assert three[0].reason == Why(Rule.DUE, "B厂", due=date(2030, 1, 11), days=3)
    assert rules.window(_task(), CAL, CHASE, at(9), ROLES) == []
    assert told(rules.window(_task(), CAL, CHASE, at(10), ROLES)) == [
        (LEADER, "due-1"), (MEMBER, "due-1")]
    assert rules.window(_task(), CAL, CHASE, at(11), ROLES) == []  # the due day itself


def test_window_overdue_goes_to_leader_supervisors_and_office_not_the_members() -> None:
    dues = rules.window(_task(), CAL, CHASE, at(14), ROLES)  # the Monday after
    assert told(dues) == [(1, "overdue"), (2, "overdue"), (3, "overdue"), (7, "overdue"),
                          (8, "overdue"), (LEADER, "overdue")]
    assert dues[0].reason.stored() == {"rule": "overdue", "target": "B厂",
                                       "due": "2030-01-11", "days": 1}
    assert {d.subject for d in dues} == {"task:6"}


# ------------------------------------------------------------------- replacement
def _request(hour: int = 9) -> WaitingRequest:
    return WaitingRequest(id=9, task_id=6, target="B厂", name="张三", department_id=10,
                          created_at=utc(7, hour))


def test_replacement_waits_four_working_hours_for_the_supervisors() -> None:
    assert rules.replacement(_request(), CAL, CHASE, at(7, 12), ROLES) == []
    dues = rules.replacement(_request(), CAL, CHASE, at(7, 13, 30), ROLES)
    assert told(dues) == [(3, "remind"), (7, "remind")]
    assert dues[0].reason.stored() == {"rule": "replacement", "target": "B厂", "name": "张三",
                              "hours": 4.5, "days": 0}
    assert dues[0].subject == "replacement:9"


def test_replacement_hours_outside_office_hours_do_not_count() -> None:
    # Asked at 17:00; office closes at 18:00 and opens at 08:30: 1 + 1.5 hours by 10:00.
    evening = rules.replacement(_request(17), CAL, CHASE, at(8, 10), ROLES)
    assert [d.step for d in evening] == ["escalate", "escalate"]  # a day on: the office
    assert evening[0].reason.stored()["hours"] == 2.5


def test_replacement_escalates_to_the_office_after_a_working_day() -> None:
    dues = rules.replacement(_request(), CAL, CHASE, at(8, 9), ROLES)
    assert told(dues) == [(3, "remind"), (7, "remind"), (1, "escalate"), (2, "escalate")]


# ------------------------------------------------------------------- publication
def test_publish_warns_five_working_days_before_and_every_day_once_late() -> None:
    finished = Unpublished(task_id=6, target="B厂", finished_at=utc(7))
    due = CAL.add(date(2030, 1, 7), 20)
    assert due == date(2030, 2, 4)
    assert rules.publish(finished, CAL, CHASE, at(7), ROLES) == []
    assert rules.publish(finished, CAL, CHASE, at(25), ROLES) == []  # 6 working days left
    soon = rules.publish(finished, CAL, CHASE, datetime(2030, 1, 28, 10, tzinfo=TZ), ROLES)
    assert told(soon) == [(1, "soon"), (2, "soon")]
    assert soon[0].reason.stored() == {"rule": "publish", "target": "B厂", "due": "2030-02-04",
                              "days": 5}
    late = rules.publish(finished, CAL, CHASE, datetime(2030, 2, 5, 10, tzinfo=TZ), ROLES)
    assert told(late) == [(1, "late"), (2, "late")]
    assert late[0].reason.stored()["rule"] == "publish_late"


# --------------------------------------------------------------------- follow-up
def test_follow_up_tells_its_owner_and_the_office_once_each() -> None:
    late = LateFollowUp(id=4, task_id=6, target="B厂", item_code="SC-01",
                        due_date=date(2030, 1, 7), owner=2)
    dues = rules.follow_up(late, ROLES)
    assert told(dues) == [(1, "overdue"), (2, "overdue")]
    assert dues[0].reason.stored() == {"rule": "follow_up", "target": "B厂", "item": "SC-01",
                              "due": "2030-01-07"}
    assert dues[0].subject == "follow_up:4"


def test_roles_name_nobody_for_a_department_without_supervisors() -> None:
    assert Roles().supervisors_of(10, 20) == set()
    assert ROLES.supervisors_of(10, 20) == {3, 7, 8}


# ----------------------------------------------------------------- decisions (第二十七条)

def test_a_decision_is_late_after_seven_working_days_across_a_holiday() -> None:
    from bot.rules.aftercare import decision_due, recorded_late

    cal = Calendar({}, frozenset())  # the package's arrangements: 2026's National Day
    decided = date(2026, 9, 29)
    due = decision_due(cal, decided)
    assert due > date(2026, 10, 8)  # the holiday week does not count
    assert not recorded_late(cal, decided, due)
    assert recorded_late(cal, decided, due + timedelta(days=1))


@pytest.mark.parametrize(("typed", "fen"), [("5000", 500000), ("5,000.50", 500050),
                                            ("5000元", 500000), ("0.5", 50), ("12.345", None),
                                            ("five", None), ("-3", None), ("", None)])
def test_a_fine_is_read_in_fen(typed: str, fen: int | None) -> None:
    from bot.rules.aftercare import parse_amount

    assert parse_amount(typed) == fen


# ------------------------------------------------------------------ kept and read back
def test_a_kept_reminder_reads_back_as_the_reminders_it_grouped() -> None:
    """What the reminders table keeps (JSON) types back to the same reminders, the window's
    `due-<n>` step included, so /reminders words them as they were sent."""
    dues = rules.window(_task(), CAL, CHASE, at(8), ROLES) + rules.publish(
        Unpublished(6, "B厂", utc(7)), CAL, CHASE, at(29), ROLES)
    owed = Owed(LEADER, rules.Group.WINDOW, len(dues), dues)
    kept = Reminder(1, LEADER, "window", "all", "all", date(2030, 1, 8), owed.reason(), utc(8))
    back = kept.owed()
    assert [(d.kind, d.step, d.key, d.reason, d.task_id) for d in back.items] == [
        (d.kind, d.step, d.key, d.reason, d.task_id) for d in dues]
    assert back.items[0].step is Step.CLOSING and back.items[0].key == "due-3"
    single = Reminder(2, MEMBER, "accept", "task:5", "remind", date(2030, 1, 8),
                      {"rule": "accept", "target": "A店", "name": "张三", "days": 1,
                       "since": "2030-01-07"}, utc(8)).owed()
    assert single.count == 1 and single.items[0].reason == Why(
        Rule.ACCEPT, "A店", name="张三", days=1, since=date(2030, 1, 7))


# ------------------------------------------------------------------- the year's plan
def test_the_years_plan_is_reminded_before_its_date_and_every_day_once_late() -> None:
    """By 30 March (003 第十一条): the office from ten working days before (Friday 15 March
    2030 is the tenth), then every working day after it, until a plan is published."""
    waiting = rules.PlanYear(2030, published=False)
    mar = (lambda day: datetime(2030, 3, day, 10, tzinfo=TZ))  # noqa: E731
    assert rules.annual_plan(waiting, CAL, CHASE, mar(14), ROLES) == []
    soon = rules.annual_plan(waiting, CAL, CHASE, mar(18), ROLES)
    assert told(soon) == [(1, "soon"), (2, "soon")]
    assert soon[0].reason == Why(Rule.PLAN, "2030", due=date(2030, 3, 30), days=9)
    assert soon[0].subject == "plan:2030" and rules.group_of(soon[0]) == rules.Group.PLAN
    late = rules.annual_plan(waiting, CAL, CHASE, datetime(2030, 4, 2, 10, tzinfo=TZ), ROLES)
    assert told(late) == [(1, "late"), (2, "late")]
    # 30 March 2030 is a Saturday: late by Monday 1 and Tuesday 2 April
    assert late[0].reason.rule == Rule.PLAN_LATE and late[0].reason.days == 2
    published = rules.PlanYear(2030, published=True)
    assert rules.annual_plan(published, CAL, CHASE, datetime(2030, 4, 2, 10, tzinfo=TZ),
                             ROLES) == []
    # An office that has loaded no plan yet (it has just begun) is not told of the date.
    beginning = rules.PlanYear(2030, published=False, planning=False)
    assert rules.annual_plan(beginning, CAL, CHASE, datetime(2030, 12, 2, 10, tzinfo=TZ),
                             ROLES) == []
    february = rules.Chase(plan_by=(2, 10), plan_warn=0)  # 002: early February
    assert told(rules.annual_plan(waiting, CAL, february, mar(1), ROLES)) == [
        (1, "late"), (2, "late")]
