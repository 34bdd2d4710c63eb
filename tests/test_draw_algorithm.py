"""The draw's mechanics (both versions) and choucha-draw-v1 records: properties,
statistics, verification."""

from __future__ import annotations

import copy
import json
import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules import draw as algo

SEED = algo.seed_v1("plan", "0" * 64, "372", "ab" * 32)


def pool_of(n: int, classes: str = "ABCD") -> list[tuple[str, str]]:
    return [(f"T{i:06d}", classes[i % len(classes)]) for i in range(n)]


def rules(per_department: int = 6, departments: tuple[str, ...] = ("SC", "WS"),
          recusals: set[tuple[str, str]] | None = None,
          fallbacks: dict[str, list[str]] | None = None) -> algo.TeamRules:
    inspectors = [algo.Inspector(f"{d}{k:03d}", d) for d in departments
                  for k in range(per_department)]
    return algo.TeamRules(departments[0], list(departments[1:]), fallbacks or {}, inspectors,
                          recusals or set())


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 400),
       ratios=st.fixed_dictionaries({c: st.sampled_from(["0.03", "0.05", "0.1", "0.2", "1"])
                                     for c in "ABCD"}),
       entropy=st.text(min_size=1, max_size=10))
def test_counts_orders_and_determinism(size: int, ratios: dict[str, str], entropy: str) -> None:
    pool = pool_of(size)
    seed = algo.seed_v1("p", algo.h(algo.pool_tsv(pool)), entropy, "n")
    strata, selected = algo.select(pool, ratios, seed)
    for s in strata:
        assert s.count == min(s.size, math.ceil(s.size * float(s.ratio) - 1e-9))
        assert sum(1 for x in selected if x.stratum == s.stratum) == s.count
    assert [x.order for x in selected] == list(range(1, len(selected) + 1))
    assert [x.key for x in selected] == sorted(x.key for x in selected)
    assert algo.select(pool, ratios, seed) == (strata, selected)


def test_exact_decimal_counts() -> None:
    assert algo.stratum_count(20, "0.05") == 1  # 1.0 exactly, not 1.0000000001
    assert algo.stratum_count(21, "0.05") == 2
    assert algo.stratum_count(3, "1") == 3 and algo.stratum_count(1, "0.01") == 1


@given(st.sampled_from(["plan", "digest", "entropy", "nonce"]), st.integers(0, 5))
def test_any_changed_input_byte_changes_the_seed(which: str, position: int) -> None:
    inputs = {"plan": "2026年度计划", "digest": "ab" * 32, "entropy": "372915",
              "nonce": "cd" * 32}
    base = algo.seed_v1(inputs["plan"], inputs["digest"], inputs["entropy"], inputs["nonce"])
    value = inputs[which]
    index = position % len(value)
    inputs[which] = value[:index] + chr(ord(value[index]) ^ 1) + value[index + 1:]
    assert algo.seed_v1(inputs["plan"], inputs["digest"], inputs["entropy"],
                        inputs["nonce"]) != base


@settings(max_examples=40, deadline=None)
@given(targets=st.integers(1, 60), per_department=st.integers(1, 5),
       joint=st.booleans(), recused=st.integers(0, 20))
def test_teams_respect_size_leader_and_recusal(targets: int, per_department: int, joint: bool,
                                               recused: int) -> None:
    pool = pool_of(targets)
    departments = ("SC", "WS") if joint else ("SC",)
    if not joint and per_department < 2:
        per_department = 2
    recusals = {(f"SC{k % per_department:03d}", f"T{k:06d}") for k in range(recused)}
    team_rules = rules(per_department, departments, recusals)
    try:
        outcome = algo.compute("p", pool, {"*": "1"}, SEED, team_rules)
    except algo.DrawRefused as exc:
        # Only when recusals leave a department with nobody for some target.
        assert exc.reason in ("nobody_drawable", "team_too_small") and recused
        return
    for target, members in outcome.teams:
        certs = [m.inspector for m in members]
        assert len(members) >= 2 and len(set(certs)) == len(certs)
        assert members[0].leader and members[0].department == "SC"
        assert sum(m.leader for m in members) == 1
        assert not any((c, target) in recusals for c in certs)
        assert {m.department for m in members} >= set(departments)


def test_fallback_department_and_refusal_naming() -> None:
    team_rules = rules(3, ("SC", "WS"), fallbacks={"WS": ["ZF"]})
    team_rules.inspectors = [i for i in team_rules.inspectors if i.department == "SC"]
    team_rules.inspectors.append(algo.Inspector("ZF001", "ZF"))
    team_rules.__post_init__()
    outcome = algo.compute("p", pool_of(5), {"*": "1"}, SEED, team_rules)
    assert all(members[1].department == "ZF" for _, members in outcome.teams)
    lonely = rules(3, ("SC", "WS"))
    lonely.inspectors = [i for i in lonely.inspectors if i.department == "SC"]
    lonely.__post_init__()
    try:
        algo.compute("p", pool_of(5), {"*": "1"}, SEED, lonely)
    except algo.DrawRefused as exc:
        assert exc.reason == "nobody_drawable" and exc.params["department"] == "WS"
        assert exc.params["target"].startswith("T")
    else:
        raise AssertionError("a department with nobody drawable must refuse the draw")


def test_selection_is_uniform_within_a_stratum() -> None:
    """Chi-square over 400 seeds: each of 50 targets is drawn about as often."""
    pool = [(f"T{i:03d}", "A") for i in range(50)]
    hits: Counter[str] = Counter()
    for n in range(400):
        seed = algo.seed_v1("p", "d", str(n), "nonce")
        _, selected = algo.select(pool, {"A": "0.1"}, seed)  # 5 of 50
        hits.update(s.target for s in selected)
    expected = 400 * 5 / 50
    chi2 = sum((hits[c] - expected) ** 2 / expected for c, _ in pool)
    # 49 degrees of freedom: P(chi2 > 85.4) is 0.001.
    assert chi2 < 85.4, chi2


def test_load_spread_within_a_department_is_at_most_one() -> None:
    for n in range(20):
        seed = algo.seed_v1("p", "d", str(n), "nonce")
        team_rules = rules(7, ("SC", "WS"))
        outcome = algo.compute("p", pool_of(53), {"*": "1"}, seed, team_rules)
        for department in ("SC", "WS"):
            loads = [outcome.loads.get(f"{department}{k:03d}", 0) for k in range(7)]
            assert max(loads) - min(loads) <= 1, loads


def _published() -> tuple[dict[str, object], bytes, bytes, bytes]:
    pool = pool_of(200)
    data = algo.pool_tsv(pool)
    nonce = "ef" * 32
    seed = algo.seed_v1("plan", algo.h(data), "372", nonce)
    team_rules = rules(5, ("SC", "WS"), {("SC000", "T000003")})
    outcome = algo.compute("plan", pool, {"*": "0.1"}, seed, team_rules)
    record = {
        "algorithm": algo.ALGORITHM_V1, "plan": "plan", "draw_date": "2026-04-15",
        "entropy_source": "lottery", "entropy": "372", "nonce": nonce,
        "nonce_commitment": algo.h(nonce), "pool_digest": algo.h(data), "pool_size": 200,
        "year_cap": 2, "seed": seed, "initiating": "SC", "joining": ["WS"], "fallbacks": {},
        "inspectors_digest": algo.h(algo.inspectors_tsv(team_rules.inspectors)),
        "recusals_digest": algo.h(algo.recusals_tsv({("SC000", "T000003")})),
        "strata": [s.__dict__ for s in outcome.strata],
        "selected": [s.__dict__ for s in outcome.selected],
        "teams": [{"target": t, "members": [m.as_json() for m in ms]}
                  for t, ms in outcome.teams],
        "replacements": [],
    }
    return (record, data, algo.inspectors_tsv(team_rules.inspectors),
            algo.recusals_tsv({("SC000", "T000003")}))


def test_verify_accepts_the_truth_and_names_each_tampering() -> None:
    record, pool, inspectors, recusals = _published()
    assert algo.verify_v1(record, pool, inspectors, recusals) == []
    edited = copy.deepcopy(record)
    edited["selected"][3]["target"] = "T999999"
    assert any("selected[3]" in p for p in algo.verify_v1(edited, pool, inspectors, recusals))
    lines = pool.decode().splitlines(keepends=True)
    reordered = "".join([lines[1], lines[0], *lines[2:]]).encode()
    found = algo.verify_v1(record, reordered, inspectors, recusals)
    assert any("pool_digest" in p for p in found) and any("sorted" in p for p in found)
    wrong = copy.deepcopy(record)
    wrong["nonce"] = "00" * 32
    assert any("commitment" in p for p in algo.verify_v1(wrong, pool, inspectors, recusals))
    fewer = b"".join(inspectors.splitlines(keepends=True)[1:])
    assert any("teams[" in p for p in algo.verify_v1(record, pool, fewer, recusals))
    assert any("recusals.tsv" in p for p in algo.verify_v1(record, pool, inspectors, b""))
    assert json.loads(algo.record_json(record)) == record


def test_replacement_is_deterministic_and_verified() -> None:
    record, pool, inspectors, recusals = _published()
    team_rules = algo.TeamRules("SC", ["WS"], {}, algo.parse_inspectors(inspectors),
                                algo.parse_recusals(recusals))
    outcome = algo.compute("plan", algo.parse_pool(pool), {"*": "0.1"}, record["seed"],
                           team_rules)
    target, team = outcome.teams[0]
    out = team[1].inspector
    joined, _ = algo.replace_member(team_rules, record["seed"], target, team, out, 1)
    assert joined.inspector not in {m.inspector for m in team}
    assert joined.department == team[1].department
    record["replacements"] = [{"target": target, "n": 1, "out": out, "in": joined.inspector,
                               "reason": "health", "approved_by": "p:1"}]
    assert algo.verify_v1(record, pool, inspectors, recusals) == []
    record["replacements"][0]["n"] = 2  # n is counted, never chosen (it decides the hash)
    assert any("replacement number 1" in p
               for p in algo.verify_v1(record, pool, inspectors, recusals))
    record["replacements"][0]["n"] = 1
    record["replacements"][0]["in"] = "WS999"
    assert any("replacements[0]" in p for p in algo.verify_v1(record, pool, inspectors, recusals))


def test_a_withdrawn_inspector_is_never_drawn_and_verify_replays_withdrawals() -> None:
    record, pool, inspectors, recusals = _published()
    seed = record["seed"]

    def fresh() -> tuple[algo.TeamRules, list[tuple[str, list[algo.Member]]]]:
        team_rules = algo.TeamRules("SC", ["WS"], {}, algo.parse_inspectors(inspectors),
                                    algo.parse_recusals(recusals))
        return team_rules, algo.compute("plan", algo.parse_pool(pool), {"*": "0.1"}, seed,
                                        team_rules).teams

    team_rules, teams = fresh()
    target, team = teams[0]
    out = team[1].inspector
    # Without a withdrawal, the replacement would draw `chosen`; withdraw them first.
    chosen = algo.replace_member(team_rules, seed, target, team, out, 1)[0].inspector
    team_rules, teams = fresh()
    team_rules.withdraw(chosen)
    joined, _ = algo.replace_member(team_rules, seed, target, teams[0][1], out, 1)
    assert joined.inspector not in (chosen, out)
    record["withdrawals"] = [{"inspector": chosen, "from": "2026-05-01", "reason": "left",
                              "before": 0}]
    record["replacements"] = [{"target": target, "n": 1, "out": out, "in": joined.inspector,
                               "reason": "absent", "approved_by": "p:1"}]
    assert algo.verify_v1(record, pool, inspectors, recusals) == []
    # Dropping the withdrawal (or moving it after the replacement) is found.
    record["withdrawals"][0]["before"] = 1
    assert any("replacements[0]" in p for p in algo.verify_v1(record, pool, inspectors, recusals))
    del record["withdrawals"]
    assert any("replacements[0]" in p for p in algo.verify_v1(record, pool, inspectors, recusals))


@settings(max_examples=80, deadline=None)
@given(entropy=st.text(min_size=1, max_size=8), unreachable=st.sets(st.integers(0, 11)))
def test_a_replacement_passes_over_only_whom_it_lands_on(entropy: str,
                                                         unreachable: set[int]) -> None:
    """Who cannot be reached does not change the draw unless the draw lands on them: the
    draw is made as if everyone were reachable, and each one it lands on who is not is
    passed over (listed in order, replayed exactly); so nobody steers the pick by making
    someone else unreachable."""
    seed = algo.h(f"seed {entropy}")
    team = [algo.Member("SC000", "SC", True), algo.Member("WS000", "WS", False)]
    cannot = {f"WS{k:03d}" for k in unreachable}
    plain, none_passed = algo.replace_member(rules(12), seed, "T1", team, "WS000", 1)
    assert none_passed == ()
    try:
        joined, passed = algo.replace_member(rules(12), seed, "T1", team, "WS000", 1,
                                             reachable=lambda c: c not in cannot)
    except algo.DrawRefused as exc:  # nobody reachable left in the department
        assert exc.reason == "nobody_drawable" and cannot >= {f"WS{k:03d}" for k in
                                                              range(1, 12)}
        return
    assert joined.inspector not in cannot and set(passed) <= cannot
    if plain.inspector not in cannot:  # the plain pick is kept: nobody else matters
        assert (joined, passed) == (plain, ())
    else:
        assert passed[0] == plain.inspector
    # Replayed from the list, the same member; a list that differs is refused.
    again, _ = algo.replace_member(rules(12), seed, "T1", team, "WS000", 1, list(passed))
    assert again == joined
    if passed:
        with pytest.raises(algo.DrawRefused):
            algo.replace_member(rules(12), seed, "T1", team, "WS000", 1,
                                [*passed[1:], joined.inspector])
