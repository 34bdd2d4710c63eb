"""After the visit (003 第二十七条): what a finding calls for, the kinds of 行政处罚 (行政处罚法
第九条), and the 7-working-day rule for recording a decision. Pure: no I/O."""

from __future__ import annotations

import enum
from datetime import date

from bot.i18n import N_
from bot.rules.workdays import Calendar

# Results that are violations to investigate: a penalty decision or a referral follows.
CALLS_FOR_DECISION = ("not_disclosed", "false_disclosure", "follow_up")

# 行政处罚法 第九条, in its order; keys are stored, the first wording is the legal one.
class Penalty(enum.StrEnum):
    WARNING = "warning"
    FINE = "fine"
    CONFISCATION = "confiscation"
    LICENCE = "licence"
    RESTRICTION = "restriction"
    OTHER = "other"


PENALTIES: dict[str, tuple[str, str]] = {
    Penalty.WARNING: ("警告、通报批评", N_("Warning or circulated criticism")),
    Penalty.FINE: ("罚款", N_("Fine")),
    Penalty.CONFISCATION: ("没收违法所得、没收非法财物",
                           N_("Confiscation of illegal gains or property")),
    Penalty.LICENCE: ("暂扣许可证件、降低资质等级、吊销许可证件",
                      N_("Licence suspended or revoked, qualification lowered")),
    Penalty.RESTRICTION: ("限制开展生产经营活动、责令停产停业、责令关闭、限制从业",
                          N_("Business restricted, suspended or closed")),
    Penalty.OTHER: ("法律、行政法规规定的其他行政处罚", N_("Other penalty provided by law")),
}

DECISION_WORKDAYS = 7  # 第二十七条: recorded within 7 working days of the decision


class DecisionKind(enum.StrEnum):
    PENALTY = "penalty"  # 行政处罚决定
    REFERRAL = "referral"  # 移送 to another authority or the judicial organs


def decision_due(cal: Calendar, decided_on: date) -> date:
    """The last day a decision of `decided_on` may be recorded on."""
    return cal.add(decided_on, DECISION_WORKDAYS)


def recorded_late(cal: Calendar, decided_on: date, recorded_on: date) -> bool:
    return recorded_on > decision_due(cal, decided_on)


def parse_amount(text: str) -> int | None:
    """A fine in yuan as typed (\"5000\", \"5,000.50\", \"5000元\") → fen; None if unreadable."""
    cleaned = text.strip().replace(",", "").replace("，", "").removesuffix("元").strip()
    if not cleaned or len(cleaned) > 15:
        return None
    whole, _, cents = cleaned.partition(".")
    if not whole.isdigit() or (cents and (not cents.isdigit() or len(cents) > 2)):
        return None
    return int(whole) * 100 + int((cents or "0").ljust(2, "0"))
