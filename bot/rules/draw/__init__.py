"""The double-random draw, recomputable by anyone (pure); docs/draw.md is the contract.

- `core`: keys, the selection per stratum, teams and replacements (both versions);
- `policy`: credit risk, ratios and the yearly cap a plan may state;
- `announcement`: choucha-draw-v2's announcement (made at prepare), seed and record;
- `verify`: recomputing a published draw of either version and naming each difference.
"""

from bot.rules.draw.announcement import (
    ALGORITHM,
    Announcement,
    BeforeRun,
    Cancelled,
    drawn_record,
    drawn_record_pieces,
    full_record,
    seed_of,
)
from bot.rules.draw.core import (
    KEY_MAX,
    NO_CLASS,
    Candidates,
    DrawRefused,
    Inspector,
    Member,
    Outcome,
    Selected,
    Stratum,
    TeamRules,
    candidates,
    choose,
    compute,
    form_team,
    form_teams,
    h,
    inspectors_tsv,
    key_bounds,
    line_parts,
    merge_candidates,
    overall_ratio,
    parse_inspectors,
    parse_pool,
    parse_recusals,
    pool_problem,
    pool_tsv,
    ratio_for,
    record_json,
    recusals_tsv,
    replace_member,
    select,
    select_pool,
    short_strata,
    strata_of,
    stratum_count,
    stratum_sizes,
    target_key,
    tsv_safe,
)
from bot.rules.draw.policy import (
    CREDIT_CLASSES,
    DEFAULT_YEAR_CAP,
    HIGHEST_RISK,
    MIN_OVERALL_RATIO,
    STRATA,
    PlanProblem,
    RiskRule,
    cap_problems,
    item_problems,
    plan_problems,
    pool_problems,
    ratio_problems,
    stratum_of,
    under_cap,
    year_caps,
)
from bot.rules.draw.verify import ALGORITHM_V1, compare_announcements, seed_v1, verify, verify_v1

__all__ = [
    "ALGORITHM", "ALGORITHM_V1", "CREDIT_CLASSES", "DEFAULT_YEAR_CAP", "HIGHEST_RISK",
    "KEY_MAX", "MIN_OVERALL_RATIO", "NO_CLASS", "STRATA", "Announcement", "BeforeRun",
    "Cancelled", "Candidates", "DrawRefused", "Inspector", "Member", "Outcome",
    "PlanProblem", "RiskRule", "Selected", "Stratum", "TeamRules", "candidates",
    "cap_problems", "choose", "compare_announcements", "compute", "drawn_record",
    "drawn_record_pieces",
    "form_team", "form_teams", "full_record", "h", "inspectors_tsv", "item_problems",
    "key_bounds", "line_parts", "merge_candidates", "overall_ratio", "parse_inspectors",
    "parse_pool", "parse_recusals", "plan_problems", "pool_problem", "pool_problems", "pool_tsv",
    "ratio_for", "ratio_problems", "record_json", "recusals_tsv", "replace_member",
    "seed_of", "seed_v1", "select", "select_pool", "short_strata", "strata_of",
    "stratum_count", "stratum_of", "stratum_sizes", "target_key", "tsv_safe", "under_cap",
    "verify", "verify_v1", "year_caps",
]
