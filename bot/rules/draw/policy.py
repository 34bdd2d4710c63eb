"""What a plan may say about its strata: credit risk, ratios, the yearly cap (pure).

Sources (../shared/seeds):
- 000 二(四): at least 5% of the targets in scope; a higher ratio and frequency for
  targets with many complaints, on the abnormal list (异常名录) or with dishonest conduct
  (失信); lower for those in good standing.
- 001 (三), (七): ratios and frequencies differ by credit class; 失信和严重失信企业 are
  checked at a higher ratio, 守信企业 at a lower one.
- 003 第六条: key (重点) items have no upper bound on the ratio, general (一般) items an
  upper bound; 第十四条: the same target at most twice a year, 原则上 (as a rule);
  第十五条: for 投诉举报多、列入经营异常名录和严重失信企业名单、高风险 targets, a higher
  frequency and ratio.
- 004 (四), (七): key items have no upper bound on ratio or frequency; differentiated
  supervision by risk and credit.

The credit classes are read as risk rising from A (the best credit) to D (the worst),
as the directory's 信用分类 column is written; targets without a class are stratum `-`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bot.rules.draw.core import NO_CLASS, Stratum, overall_ratio, ratio_for
from bot.rules.records import PlanItemRule

CREDIT_CLASSES = ("A", "B", "C", "D")  # risk rising
HIGHEST_RISK = "D"
STRATA = (*CREDIT_CLASSES, NO_CLASS)
ELEVATED = frozenset({"C", "D"})  # may be checked more than twice a year (003 第十五条)
DEFAULT_YEAR_CAP = 2  # 003 第十四条
MIN_OVERALL_RATIO = Decimal("0.05")  # 000 二(四)


@dataclass(frozen=True)
class RiskRule:
    """Which signals put a target in the highest-risk stratum whatever its credit class
    (000 二(四), 003 第十五条); stated by the plan and published with its draw."""

    abnormal: bool = True  # on the 经营异常名录
    dishonest: bool = True  # flagged 严重违法失信
    complaints: int | None = 1  # at least this many complaints; None: complaints do not

    def raises(self, abnormal: bool, dishonest: bool, complaints: int) -> bool:
        return ((self.abnormal and abnormal) or (self.dishonest and dishonest)
                or (self.complaints is not None and complaints >= self.complaints))

    @property
    def raises_nothing(self) -> bool:
        return not self.abnormal and not self.dishonest and self.complaints is None

    def as_json(self) -> dict[str, Any]:
        return {"abnormal": self.abnormal, "dishonest": self.dishonest,
                "complaints": self.complaints, "stratum": HIGHEST_RISK}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RiskRule:
        complaints = data.get("complaints")
        if not isinstance(data.get("abnormal"), bool) or not isinstance(
                data.get("dishonest"), bool) or not (
                complaints is None or (isinstance(complaints, int) and complaints >= 1)):
            raise ValueError(f"not a risk rule: {dict(data)}")
        return cls(data["abnormal"], data["dishonest"], complaints)


def stratum_of(credit_class: str | None, abnormal: bool, dishonest: bool, complaints: int,
               rule: RiskRule) -> str:
    """A target's stratum: the highest-risk one when the plan's rule raises it, else its
    credit class (`-` without one)."""
    if rule.raises(abnormal, dishonest, complaints):
        return HIGHEST_RISK
    return credit_class or NO_CLASS


def year_caps(caps: Mapping[str, int]) -> dict[str, int | None]:
    """The cap of each stratum as a plan writes them (`{"*": 2}`, `{"A": 1, "D": 0}`; 0 =
    no cap, a stratum not named takes `*`, else 2): every stratum named, None = no cap."""
    resolved: dict[str, int | None] = {}
    for stratum in STRATA:
        cap = caps.get(stratum, caps.get("*", DEFAULT_YEAR_CAP))
        resolved[stratum] = None if cap == 0 else cap
    return resolved


@dataclass(frozen=True)
class PlanProblem:
    """Why a plan's strata are refused; `reason` is a Refusal value, `params` its words."""

    reason: str
    params: dict[str, str] = field(default_factory=dict)


def _effective(ratios: Mapping[str, str]) -> list[tuple[str, Decimal]]:
    found = []
    for stratum in CREDIT_CLASSES:
        ratio = ratio_for(ratios, stratum)
        if ratio is not None:
            found.append((stratum, Decimal(ratio)))
    return found


def ratio_problems(ratios: Mapping[str, str]) -> list[PlanProblem]:
    """Ratios that fall as risk rises (a better class drawn more often than a worse one)."""
    problems = []
    effective = _effective(ratios)
    for (lower, low), (higher, high) in itertools.pairwise(effective):
        if low > high:
            problems.append(PlanProblem("ratios_fall", {
                "lower": lower, "lower_ratio": format(low, "f"), "higher": higher,
                "higher_ratio": format(high, "f")}))
    return problems


def cap_problems(caps: Mapping[str, int], all_key: bool) -> list[PlanProblem]:
    """A cap above two a year (or none) for a stratum that is not of elevated risk, unless
    every item is key (003 第十四、十五条, 004); caps that fall as risk rises."""
    problems = []
    resolved = year_caps(caps)
    if not all_key:
        for stratum in STRATA:
            cap = resolved[stratum]
            if stratum not in ELEVATED and (cap is None or cap > DEFAULT_YEAR_CAP):
                problems.append(PlanProblem("cap_above_two", {
                    "stratum": stratum, "cap": "0" if cap is None else str(cap)}))
    ordered = [(s, resolved[s]) for s in CREDIT_CLASSES]
    for (lower, low), (higher, high) in itertools.pairwise(ordered):
        if high is not None and (low is None or low > high):
            problems.append(PlanProblem("caps_fall", {
                "lower": lower, "lower_cap": "0" if low is None else str(low),
                "higher": higher, "higher_cap": str(high)}))
    return problems


def item_problems(ratios: Mapping[str, str] | Sequence[Stratum],
                  items: Sequence[PlanItemRule]) -> list[PlanProblem]:
    """A ratio above a general item's maximum (003 第六条): for each ratio a plan states,
    or each stratum of a pool."""
    stated = ([(s.stratum, s.ratio) for s in ratios] if not isinstance(ratios, Mapping)
              else sorted(ratios.items()))
    problems = []
    for item in items:
        if item.kind != "general" or item.max_ratio is None:
            continue
        for stratum, ratio in stated:
            if Decimal(ratio) > Decimal(item.max_ratio):
                problems.append(PlanProblem("ratio_above_item_maximum", {
                    "item": item.code, "stratum": stratum, "ratio": ratio,
                    "maximum": item.max_ratio}))
    return problems


def pool_problems(strata: Sequence[Stratum], items: Sequence[PlanItemRule]
                  ) -> list[PlanProblem]:
    """What refuses a draw of these strata: no target, under 5% overall (000 二(四)), a
    general item's maximum exceeded (003 第六条). Checked at prepare and again at run."""
    if not strata or sum(s.size for s in strata) == 0:
        return [PlanProblem("empty_pool")]
    problems = []
    overall = overall_ratio(strata)
    if overall < MIN_OVERALL_RATIO:
        problems.append(PlanProblem("ratio_below_minimum", {
            "overall": f"{overall * 100:.2f}%"}))
    return problems + item_problems(strata, items)


def plan_problems(ratios: Mapping[str, str], caps: Mapping[str, int],
                  items: Sequence[PlanItemRule]) -> list[PlanProblem]:
    """What a plan may not state: ratios or caps falling as risk rises, a cap above two a
    year where neither the risk nor the items allow it, a general item's maximum."""
    all_key = bool(items) and all(item.kind == "key" for item in items)
    return ratio_problems(ratios) + cap_problems(caps, all_key) + item_problems(ratios, items)
