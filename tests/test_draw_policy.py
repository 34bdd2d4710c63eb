"""choucha-draw-v2 as pure functions: the plan's rules on strata, the announcement and the
record as canonical JSON, the streamed selection and the team picks against plain
reference forms of the rules in docs/draw.md."""

from __future__ import annotations

import hashlib
import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules import draw as algo
from bot.rules.records import PlanItemRule

GENERAL = PlanItemRule("SC-002", "general", "0.2", None, "SCJGJ")
KEY = PlanItemRule("SC-001", "key", None, "食品安全", "SCJGJ")


def reasons(problems: list[algo.PlanProblem]) -> list[str]:
    return [p.reason for p in problems]


def test_ratios_may_not_fall_as_risk_rises() -> None:
    assert algo.ratio_problems({"A": "0.03", "B": "0.05", "C": "0.1", "D": "0.2"}) == []
    assert algo.ratio_problems({"*": "0.05", "D": "0.2"}) == []  # A, B, C take *
    # A (0.2) above B (0.1 by *), and C (0.1 by *) above D (0.05): each pair named once.
    first, second = algo.ratio_problems({"A": "0.2", "D": "0.05", "*": "0.1"})
    assert first.params == {"lower": "A", "lower_ratio": "0.2", "higher": "B",
                            "higher_ratio": "0.1"}
    assert second.params == {"lower": "C", "lower_ratio": "0.1", "higher": "D",
                             "higher_ratio": "0.05"}
    assert reasons(algo.ratio_problems({"A": "0.3", "B": "0.2", "C": "0.1", "D": "0.05"})) \
        == ["ratios_fall"] * 3
    # A stratum without a class ("-") is not ordered by risk.
    assert algo.ratio_problems({"-": "0.5", "*": "0.05"}) == []


def test_yearly_caps_per_stratum() -> None:
    assert algo.year_caps({}) == {"-": 2, "A": 2, "B": 2, "C": 2, "D": 2}
    assert algo.year_caps({"A": 1, "B": 2, "C": 3, "D": 0}) == {
        "-": 2, "A": 1, "B": 2, "C": 3, "D": None}
    # 003 第十四、十五条: above two a year only for the higher-risk classes (or key items).
    assert algo.cap_problems({"A": 1, "B": 2, "C": 3, "D": 0}, all_key=False) == []
    assert reasons(algo.cap_problems({"B": 3}, all_key=False)) == ["cap_above_two",
                                                                    "caps_fall"]
    assert reasons(algo.cap_problems({"*": 0}, all_key=False)) == ["cap_above_two"] * 3
    assert algo.cap_problems({"*": 0}, all_key=True) == []
    assert reasons(algo.cap_problems({"*": 1, "D": 2}, all_key=False)) == []
    assert reasons(algo.cap_problems({"C": 1, "D": 2}, all_key=False)) == ["caps_fall"]
    assert reasons(algo.cap_problems({"D": 1}, all_key=False)) == ["caps_fall"]
    assert reasons(algo.cap_problems({"C": 0, "D": 3}, all_key=False)) == ["caps_fall"]


def test_item_ceilings_and_the_floor() -> None:
    assert reasons(algo.plan_problems({"*": "0.3"}, {}, [GENERAL])) == [
        "ratio_above_item_maximum"]
    assert algo.plan_problems({"*": "0.3"}, {}, [KEY]) == []
    low = [algo.Stratum("A", 1000, "0.01", 10), algo.Stratum("D", 10, "1", 10)]
    [floor] = algo.pool_problems(low, [KEY])
    assert floor.reason == "ratio_below_minimum" and floor.params == {"overall": "1.98%"}
    assert reasons(algo.pool_problems([], [KEY])) == ["empty_pool"]


def test_the_risk_rule_raises_flagged_targets_to_the_highest_stratum() -> None:
    rule = algo.RiskRule()
    assert algo.stratum_of("A", False, False, 0, rule) == "A"
    assert algo.stratum_of("A", True, False, 0, rule) == "D"
    assert algo.stratum_of(None, False, True, 0, rule) == "D"
    assert algo.stratum_of("B", False, False, 1, rule) == "D"
    assert algo.stratum_of(None, False, False, 0, rule) == "-"
    three = algo.RiskRule(abnormal=False, dishonest=True, complaints=3)
    assert algo.stratum_of("A", True, False, 2, three) == "A"
    assert algo.stratum_of("A", False, False, 3, three) == "D"
    none = algo.RiskRule(False, False, None)
    assert none.raises_nothing and algo.stratum_of("C", True, True, 9, none) == "C"
    assert algo.RiskRule.from_json(three.as_json()) == three


def _announcement(**changes: object) -> algo.Announcement:
    values: dict[str, object] = dict(
        plan="计划", draw_date="2026-04-15", entropy_source="上证指数收盘 2026-04-15",
        nonce_commitment=algo.h("n"), prepared_at="2026-04-01T02:00:00+00:00",
        scope={"region": ["芒市"]}, items=(KEY, GENERAL), initiating="SCJGJ",
        joining=("WSJKJ",), fallbacks={"WSJKJ": ["SCJGJ"]}, ratios={"*": "0.05", "D": "0.2"},
        risk_rule=algo.RiskRule(), year_caps=algo.year_caps({"D": 0}), pool_size=3,
        pool_digest=algo.h("p"), strata=(algo.Stratum("A", 2, "0.05", 1),
                                         algo.Stratum("D", 1, "0.2", 1)),
        inspectors=4, inspectors_digest=algo.h("i"), recusals=0, recusals_digest=algo.h(""),
        previous=(algo.Cancelled(algo.h("old"), "old", "source", "2026-04-10", "t0", "t1",
                                 "why"),))
    values.update(changes)
    return algo.Announcement(**values)  # type: ignore[arg-type]


def test_the_announcement_is_canonical_and_reads_back() -> None:
    a = _announcement()
    data = a.to_json()
    assert data.endswith(b"}\n") and b"\n" not in data[:-1] and b", " not in data
    assert list(json.loads(data)) == [
        "algorithm", "plan", "draw_date", "entropy_source", "nonce_commitment", "prepared_at",
        "scope", "items", "initiating", "joining", "fallbacks", "ratios", "risk_rule",
        "year_caps", "pool_size", "pool_digest", "strata", "inspectors", "inspectors_digest",
        "recusals", "recusals_digest", "previous"]
    assert "计划".encode() in data  # UTF-8 kept as it is
    assert algo.Announcement.from_json(data) == a
    assert algo.Announcement.from_json(data).digest == hashlib.sha256(data).hexdigest()
    # Any parameter changed changes the digest, hence the seed.
    for change in ({"ratios": {"*": "0.06", "D": "0.2"}}, {"joining": ()},
                   {"risk_rule": algo.RiskRule(complaints=2)}, {"draw_date": "2026-04-16"},
                   {"year_caps": algo.year_caps({})}, {"fallbacks": {}}):
        other = _announcement(**change)
        assert other.digest != a.digest
        assert algo.seed_of(other.digest, "372", "n") != algo.seed_of(a.digest, "372", "n")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.text("ABCDEFGHJ0123456789", min_size=3, max_size=18),
                          st.sampled_from("ABCD-")), max_size=120, unique_by=lambda r: r[0]),
       st.fixed_dictionaries({c: st.sampled_from(["0.01", "0.05", "0.3", "1"])
                              for c in "ABCD-"}),
       st.integers(0, 2 ** 32))
def test_the_streamed_selection_is_the_reference_selection(
        pool: list[tuple[str, str]], ratios: dict[str, str], n: int) -> None:
    data = algo.pool_tsv(pool)
    seed = algo.h(str(n))
    strata, selected = algo.select(pool, ratios, seed)
    assert algo.pool_problem(data) is None
    assert algo.strata_of(algo.stratum_sizes(data), ratios) == strata
    assert algo.select_pool(data, strata, seed) == selected
    # Keyed in parts (as two worker processes do), merged: the same.
    parts = [algo.candidates(data[a:b], seed, algo.key_bounds(strata))
             for a, b in algo.line_parts(data, 3)]
    found = algo.merge_candidates(parts)
    assert algo.short_strata(strata, found) == []  # the bounds admit enough
    assert algo.choose(strata, found) == selected


def test_too_few_candidates_fall_back_to_every_key() -> None:
    pool = [(f"T{i:04d}", "A") for i in range(400)]
    data = algo.pool_tsv(pool)
    seed = algo.h("x")
    strata, selected = algo.select(pool, {"A": "0.5"}, seed)
    tight = {"A": (1).to_bytes(32, "big")}  # admits (almost) nothing
    assert algo.short_strata(strata, algo.candidates(data, seed, tight)) == ["A"]
    assert algo.select_pool(data, strata, seed) == selected


def test_a_malformed_pool_is_named() -> None:
    assert algo.pool_problem(b"A1\tA\nA0\tB\n") is not None  # not sorted
    assert algo.pool_problem(b"A1\tAB\n") is not None  # a stratum of two characters
    assert algo.pool_problem(b"A1 A\n") is not None


class NaiveTeams:
    """The team rule of docs/draw.md written as plainly as it reads: the candidates are
    listed and filtered for every pick (quadratic, but obviously right)."""

    def __init__(self, rules: algo.TeamRules) -> None:
        self.r = rules
        self.loads: dict[str, int] = {}
        self.withdrawn: set[str] = set()

    def pick(self, seed: str, target: str, department: str, exclude: set[str],
             counts: dict[str, int], label: str | None = None) -> tuple[str, str] | None:
        for source in [department, *self.r.fallbacks.get(department, [])]:
            candidates = sorted(i.cert for i in self.r.inspectors
                                if i.department == source and i.cert not in exclude
                                and (i.cert, target) not in self.r.recusals
                                and i.cert not in self.withdrawn)
            if not candidates:
                continue
            low = min(self.loads.get(c, 0) for c in candidates)
            tier = [c for c in candidates if self.loads.get(c, 0) == low]
            counts[source] = counts.get(source, 0) + 1
            tail = label if label is not None else str(counts[source])
            digest = hashlib.sha256(bytes.fromhex(seed) + f"{target}|{source}|{tail}".encode())
            chosen = tier[int(digest.hexdigest(), 16) % len(tier)]
            self.loads[chosen] = self.loads.get(chosen, 0) + 1
            return chosen, source
        return None


def test_the_grouped_tiers_pick_exactly_as_the_plain_rule() -> None:
    """The O(1) pick (groups by load, positions left out) against the plain listing, with
    recusals, fallbacks, withdrawals and replacements, on 300 random counties."""
    rng = random.Random(26)
    for trial in range(300):
        departments = ["SC", "WS", "HJ"][:rng.randint(1, 3)]
        per = rng.randint(1, 6)
        inspectors = [algo.Inspector(f"{d}{k:03d}", d) for d in departments
                      for k in range(per)]
        targets = [f"T{i:04d}" for i in range(rng.randint(1, 60))]
        recusals = {(rng.choice(inspectors).cert, rng.choice(targets))
                    for _ in range(rng.randint(0, 25))}
        fallbacks = {departments[-1]: [departments[0]]} if rng.random() < 0.5 else {}
        seed = algo.h(str(trial))
        fast = algo.TeamRules(departments[0], departments[1:], fallbacks, inspectors,
                              set(recusals))
        plain = NaiveTeams(algo.TeamRules(departments[0], departments[1:], fallbacks,
                                          inspectors, set(recusals)))
        for cert in rng.sample([i.cert for i in inspectors], k=min(2, len(inspectors))) \
                if rng.random() < 0.3 else []:
            fast.withdraw(cert)
            plain.withdrawn.add(cert)
        for target in targets:
            exclude: set[str] = set()
            for department in [*fast.departments, *fast.departments]:
                c1: dict[str, int] = {}
                c2: dict[str, int] = {}
                got = fast.pick(seed, target, department, set(exclude), c1)
                want = plain.pick(seed, target, department, set(exclude), c2)
                assert got == want, (trial, target, department)
                if got:
                    exclude.add(got[0])
            if exclude and rng.random() < 0.3:  # a replacement: the leaver's load falls
                out = rng.choice(sorted(exclude))
                fast.set_load(out, fast.loads[out] - 1)
                plain.loads[out] -= 1
                label = f"replace|{rng.randint(1, 3)}"
                department = fast._department_of[out]
                assert fast.pick(seed, target, department, set(exclude), {}, label) == \
                    plain.pick(seed, target, department, set(exclude), {}, label)
        assert {c: n for c, n in fast.loads.items() if n} == {
            c: n for c, n in plain.loads.items() if n}


def test_the_record_is_canonical_json_built_piece_by_piece() -> None:
    pool = [(f"T{i:03d}", "AD"[i % 2]) for i in range(40)]
    seed = algo.h("s")
    _, selected = algo.select(pool, {"*": "0.5"}, seed)
    rules = algo.TeamRules("SC", ["WS"], {}, [algo.Inspector(f"{d}{k}", d) for d in ("SC", "WS")
                                              for k in range(3)], set())
    teams = algo.form_teams(rules, seed, selected)
    before = [algo.BeforeRun("WS9", "2026-04-15", "left")]
    drawn = algo.drawn_record("计划", algo.h("a"), "372", "n", seed, before, selected, teams)
    expected = {"algorithm": algo.ALGORITHM, "plan": "计划", "announcement_digest": algo.h("a"),
                "entropy": "372", "nonce": "n", "seed": seed,
                "withdrawals_before_run": [b.as_json() for b in before],
                "selected": [s.as_json() for s in selected],
                "teams": [{"target": t, "members": [m.as_json() for m in ms]}
                          for t, ms in teams]}
    assert drawn == (algo.announcement.dump(expected) + "\n").encode()
    replacements = [{"target": "T001", "n": 1, "out": "WS1", "in": "WS2", "reason": "health",
                     "approved_by": "person:1"}]
    withdrawals = [{"inspector": "WS1", "from": "2026-05-01", "reason": "left", "before": 1}]
    full = algo.full_record(drawn, replacements, withdrawals)
    assert full == (algo.announcement.dump(
        {**expected, "replacements": replacements, "withdrawals": withdrawals}) + "\n").encode()
    assert json.loads(algo.full_record(drawn, [], [])) == {**expected, "replacements": []}


@given(st.integers(0, 25), st.integers(1, 6))
def test_the_record_in_pieces_is_the_record_whatever_the_batch(n: int, batch: int) -> None:
    """Whole batches (n a multiple of `batch`) included: the pieces join into the same
    canonical JSON as one dump."""
    selected = [algo.Selected(f"T{i:02d}", "AD"[i % 2], "ab" * 32, i + 1) for i in range(n)]
    teams = [[algo.Member("C1", "SC", True), algo.Member(f"C{i + 2}", "WS", False)]
             for i in range(n)]
    data = b"".join(algo.drawn_record_pieces("计划", "d" * 64, "372", "n", "s" * 64, [],
                                             lambda: list(zip(selected, teams, strict=True)),
                                             batch))
    expected = {"algorithm": algo.ALGORITHM, "plan": "计划", "announcement_digest": "d" * 64,
                "entropy": "372", "nonce": "n", "seed": "s" * 64, "withdrawals_before_run": [],
                "selected": [s.as_json() for s in selected],
                "teams": [{"target": s.target, "members": [m.as_json() for m in team]}
                          for s, team in zip(selected, teams, strict=True)]}
    assert data == (algo.announcement.dump(expected) + "\n").encode()


def test_the_public_value_has_one_spelling() -> None:
    for typed in ("358", "3 5 8", "３５８", "3,5,8", " 358\n", "3-5-8"):
        assert algo.canonical_entropy(typed) == "358", typed
    assert algo.canonical_entropy("035") == "035"  # a leading zero is the value's own
    assert algo.canonical_entropy("00AB1F") == "00ab1f"
    assert algo.canonical_entropy("3245.67") == "3245.67"
    for noted in ("358（福彩3D）", "第2026098期 358", "358!", "", "一二三"):
        assert algo.canonical_entropy(noted) is None, noted
