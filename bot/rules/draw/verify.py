"""Recomputing a published draw and naming every difference (pure), for both versions:
choucha-draw-v2 (the announcement made at prepare, checked against the record) and
choucha-draw-v1 (records drawn before it)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.rules.draw.announcement import ALGORITHM, Announcement, canonical_entropy, seed_of
from bot.rules.draw.core import (
    DrawRefused,
    Member,
    TeamRules,
    compute,
    form_teams,
    h,
    parse_inspectors,
    parse_pool,
    parse_recusals,
    pool_problem,
    replace_member,
    select_pool,
    strata_of,
    stratum_sizes,
)
from bot.rules.draw.policy import pool_problems, ratio_problems

ALGORITHM_V1 = "choucha-draw-v1"


def seed_v1(plan: str, pool_digest: str, entropy: str, nonce: str) -> str:
    return h(f"{ALGORITHM_V1}\n{plan}\n{pool_digest}\n{entropy}\n{nonce}")


def _first_difference(name: str, recomputed: Sequence[Any], recorded: Sequence[Any],
                      label: Any = None) -> list[str]:
    """The first entry of `recorded` that is not the one recomputed, and a count that
    differs; `label(entry)` names an entry."""
    problems = []
    for i, want in enumerate(recomputed):
        got = recorded[i] if i < len(recorded) else None
        if got != want:
            where = f" ({label(want)})" if label else ""
            problems.append(f"{name}[{i}]{where}: recomputed {want}, the record says {got}")
            break
    if len(recorded) != len(recomputed):
        problems.append(f"{name}: {len(recorded)} in the record, {len(recomputed)}"
                        f" recomputed")
    return problems


def _replay(record: Mapping[str, Any], rules: TeamRules, seed: str,
            teams: dict[str, list[Member]]) -> list[str]:
    """Replacements replayed on the teams as drawn, in order, each withdrawal made after
    the run taking effect before the replacement its `before` names (0 = the first)."""
    withdrawals = sorted(record.get("withdrawals", []), key=lambda w: w["before"])
    applied = 0
    for j, change in enumerate(record.get("replacements", [])):
        while applied < len(withdrawals) and withdrawals[applied]["before"] <= j:
            rules.withdraw(withdrawals[applied]["inspector"])
            applied += 1
        n = sum(1 for earlier in record["replacements"][:j]
                if earlier["target"] == change["target"]) + 1
        if change["n"] != n:  # n is counted, never chosen: it decides the hash
            return [f"replacements[{j}] ({change['target']}): n is {change['n']}, it is the"
                    f" replacement number {n} of this task"]
        team = teams.get(change["target"])
        if team is None or change["out"] not in {m.inspector for m in team}:
            return [f"replacements[{j}]: {change['out']} is not on the team of"
                    f" {change['target']}"]
        skipped = change.get("skipped", [])
        if not isinstance(skipped, list) or not all(isinstance(c, str) for c in skipped):
            return [f"replacements[{j}]: skipped is not a list of 执法证号"]
        try:
            joined, _ = replace_member(rules, seed, change["target"], team, change["out"],
                                       change["n"], skipped)
        except DrawRefused as exc:
            if exc.reason == "skipped_mismatch":
                return [f"replacements[{j}] ({change['target']}): skipped[{exc.params['step']}]"
                        f" is {exc.params['listed']}, but the draw landed on"
                        f" {exc.params['drawn']} there"]
            return [f"replacements[{j}]: nobody was drawable"]
        if joined.inspector != change["in"]:
            return [f"replacements[{j}] ({change['target']}): recomputed"
                    f" {joined.inspector}, the record says {change['in']}"]
        team[:] = [joined if m.inspector == change["out"] else m for m in team]
    return []


def _teams_json(teams: Sequence[tuple[str, list[Member]]]) -> list[dict[str, Any]]:
    return [{"target": target, "members": [m.as_json() for m in members]}
            for target, members in teams]


# --- choucha-draw-v2 -------------------------------------------------------------------------
def verify(record: Mapping[str, Any], announcement_data: bytes, pool_data: bytes,
           inspectors_data: bytes, recusals_data: bytes) -> list[str]:
    """Everything a choucha-draw-v2 record says, recomputed from the announcement and the
    three frozen files; each difference is one line ([] when all match)."""
    if record.get("algorithm") != ALGORITHM:
        return [f"record.json: algorithm is {record.get('algorithm')!r}, not {ALGORITHM}"]
    problems = _announcement_digest(record, announcement_data)
    try:
        a = Announcement.from_json(announcement_data)
    except ValueError as exc:
        return [*problems, str(exc)]
    problems += _announcement_problems(record, a, announcement_data)
    problems += _frozen_files(a, pool_data, inspectors_data, recusals_data)
    shape = pool_problem(pool_data)
    if shape:
        return [*problems, shape]
    problems += _commitments(record, a)
    seed = seed_of(record["announcement_digest"], record["entropy"], record["nonce"])
    if seed != record["seed"]:
        problems.append(f"seed: recomputed {seed}, the record says {record['seed']}")
    try:
        strata = strata_of(stratum_sizes(pool_data), a.ratios)
    except DrawRefused as exc:
        return [*problems, f"pool.tsv: stratum {exc.params.get('stratum')} has no ratio"
                           f" in the announcement"]
    if tuple(strata) != a.strata:
        problems.append(f"strata: recomputed {[s.as_json() for s in strata]}, the"
                        f" announcement says {[s.as_json() for s in a.strata]}")
    for problem in (pool_problems(strata, a.items) + ratio_problems(a.ratios)):
        problems.append(f"the announced plan breaks a rule: {problem.reason}"
                        f" {problem.params}")
    rules = TeamRules(a.initiating, list(a.joining), {k: list(v) for k, v in
                                                      a.fallbacks.items()},
                      parse_inspectors(inspectors_data), parse_recusals(recusals_data))
    problems += _withdrawals_before_run(record, rules)
    selected = select_pool(pool_data, strata, seed)
    problems += _first_difference("selected", [s.as_json() for s in selected],
                                  record["selected"], lambda s: s["target"])
    try:
        teams = form_teams(rules, seed, selected)
    except DrawRefused as exc:
        return [*problems, f"the teams cannot be recomputed: {exc.reason} {exc.params}"]
    problems += _first_difference("teams", _teams_json(teams), record["teams"],
                                  lambda t: t["target"])
    return problems + _replay(record, rules, seed, dict(teams))


def _announcement_digest(record: Mapping[str, Any], announcement_data: bytes) -> list[str]:
    """The announcement's SHA-256 against the digest the record was seeded with."""
    problems: list[str] = []
    digest = h(announcement_data)
    if digest != record["announcement_digest"]:
        problems.append(f"announcement.json: its SHA-256 {digest} is not the record's"
                        f" announcement_digest {record['announcement_digest']} (the"
                        f" announcement is not the one this draw was seeded with)")
    return problems


def _announcement_problems(record: Mapping[str, Any], a: Announcement,
                           announcement_data: bytes) -> list[str]:
    """The announcement in its canonical form, and naming the record's plan."""
    problems: list[str] = []
    if a.to_json() != announcement_data:
        problems.append("announcement.json: not in canonical form (field order, spacing)")
    if record["plan"] != a.plan:
        problems.append(f"plan: the record says {record['plan']!r}, the announcement"
                        f" {a.plan!r}")
    return problems


def _frozen_files(a: Announcement, pool_data: bytes, inspectors_data: bytes,
                  recusals_data: bytes) -> list[str]:
    """Each frozen file's SHA-256 and line count against the announcement's."""
    problems: list[str] = []
    for name, data, key, count_key in (
            ("pool.tsv", pool_data, "pool_digest", "pool_size"),
            ("inspectors.tsv", inspectors_data, "inspectors_digest", "inspectors"),
            ("recusals.tsv", recusals_data, "recusals_digest", "recusals")):
        announced = getattr(a, key)
        if h(data) != announced:
            problems.append(f"{name}: its SHA-256 {h(data)} is not the announcement's"
                            f" {key} {announced} (the file was changed after prepare)")
        lines = data.count(b"\n")
        if lines != getattr(a, count_key):
            problems.append(f"{name}: {lines} lines, the announcement says"
                            f" {getattr(a, count_key)}")
    return problems


def _commitments(record: Mapping[str, Any], a: Announcement) -> list[str]:
    """The nonce against its commitment, the cancelled preparations' nonces and dates, and
    the entropy in its one spelling."""
    problems: list[str] = []
    if h(record["nonce"]) != a.nonce_commitment:
        problems.append("nonce: its SHA-256 is not the commitment announced before the draw")
    for k, earlier in enumerate(a.previous):  # cancelled preparations, their nonces opened
        if h(earlier.nonce) != earlier.nonce_commitment:
            problems.append(f"previous[{k}]: its nonce is not the one it committed to")
        if earlier.cancelled_at[:10] >= earlier.draw_date:
            problems.append(f"previous[{k}]: cancelled on {earlier.cancelled_at[:10]}, not"
                            f" before its draw date {earlier.draw_date}")
    if canonical_entropy(record["entropy"]) != record["entropy"]:
        problems.append(f"entropy: {record['entropy']!r} is not in its canonical spelling"
                        f" ({canonical_entropy(record['entropy'])!r}): only one spelling of"
                        f" the public value may seed a draw")
    return problems


def _withdrawals_before_run(record: Mapping[str, Any], rules: TeamRules) -> list[str]:
    """Apply the withdrawals made before the run; name any inspector not in the list."""
    problems: list[str] = []
    certs = {i.cert for i in rules.inspectors}
    for before in record.get("withdrawals_before_run", []):
        if before["inspector"] not in certs:
            problems.append(f"withdrawals_before_run: {before['inspector']} is not in"
                            f" inspectors.tsv")
        rules.withdraw(before["inspector"])
    return problems


def compare_announcements(published: bytes, kept: bytes) -> list[str]:
    """Each field in which the announcement published before the lottery differs from
    the one beside the record ([] when they are the same document)."""
    if published == kept:
        return []
    try:
        before = json.loads(published.decode())
        after = json.loads(kept.decode())
    except ValueError:
        return ["the published announcement cannot be read as JSON"]
    if not isinstance(before, dict) or not isinstance(after, dict):
        return ["the published announcement is not a JSON object"]
    changed = [f"{key}: announced {before.get(key)!r}, the record's announcement says"
               f" {after.get(key)!r}" for key in dict.fromkeys([*before, *after])
               if before.get(key) != after.get(key)]
    return changed or ["the two announcements differ in their bytes (spacing or order)"]


# --- choucha-draw-v1 -------------------------------------------------------------------------
def verify_v1(record: Mapping[str, Any], pool_data: bytes, inspectors_data: bytes,
              recusals_data: bytes) -> list[str]:
    """Recompute a choucha-draw-v1 record from its three files; each difference is one
    line."""
    problems: list[str] = []
    if record.get("algorithm") != ALGORITHM_V1:
        return [f"algorithm is {record.get('algorithm')!r}, not {ALGORITHM_V1}"]
    digest = h(pool_data)
    if digest != record["pool_digest"]:
        problems.append(f"pool.tsv: its SHA-256 {digest} is not the record's pool_digest"
                        f" {record['pool_digest']} (the pool was changed)")
    for name, data, key in (("inspectors.tsv", inspectors_data, "inspectors_digest"),
                            ("recusals.tsv", recusals_data, "recusals_digest")):
        if key in record and h(data) != record[key]:
            problems.append(f"{name}: its SHA-256 {h(data)} is not the record's {key}"
                            f" {record[key]} (the file was changed)")
    pool = parse_pool(pool_data)
    if [c for c, _ in pool] != sorted(c for c, _ in pool):
        problems.append("pool.tsv: lines are not sorted by code")
    if len(pool) != record["pool_size"]:
        problems.append(f"pool.tsv has {len(pool)} targets, the record says {record['pool_size']}")
    if h(record["nonce"]) != record["nonce_commitment"]:
        problems.append("nonce: its SHA-256 is not the commitment published before the draw")
    seed = seed_v1(record["plan"], record["pool_digest"], record["entropy"], record["nonce"])
    if seed != record["seed"]:
        problems.append(f"seed: recomputed {seed}, the record says {record['seed']}")
    ratios = {s["stratum"]: s["ratio"] for s in record["strata"]}
    rules = TeamRules(record["initiating"], list(record["joining"]),
                      {k: list(v) for k, v in record.get("fallbacks", {}).items()},
                      parse_inspectors(inspectors_data), parse_recusals(recusals_data))
    try:
        outcome = compute(record["plan"], pool, ratios, seed, rules)
    except DrawRefused as exc:
        return [*problems, f"the draw cannot be recomputed: {exc.reason} {exc.params}"]
    expected_strata = [s.as_json() for s in outcome.strata]
    if expected_strata != record["strata"]:
        problems.append(f"strata: recomputed {expected_strata}, the record says"
                        f" {record['strata']}")
    problems += _first_difference("selected", [s.as_json() for s in outcome.selected],
                                  record["selected"])
    problems += _first_difference("teams", _teams_json(outcome.teams), record["teams"],
                                  lambda t: t["target"])
    return problems + _replay(record, rules, seed, dict(outcome.teams))
