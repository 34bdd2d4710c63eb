"""choucha-draw-v1: the double-random draw, recomputable by anyone (pure).

The algorithm is part of the public contract and is documented in docs/draw.md
precisely enough to be reimplemented. All hashes are SHA-256, hex lowercase, over
UTF-8 text.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

ALGORITHM = "choucha-draw-v1"
MIN_OVERALL_RATIO = Decimal("0.05")  # 000 二(四): at least 5% of the targets in scope
NO_CLASS = "-"  # the stratum of a target without a credit class


def h(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


class DrawRefused(Exception):
    """The draw cannot go ahead; `reason` is a stable key, `params` fill its message."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(f"{reason}: {params}")
        self.reason = reason
        self.params = params

    def __reduce__(self) -> tuple[Any, ...]:  # crosses from a worker process intact
        return (_refused, (self.reason, self.params))


def _refused(reason: str, params: dict[str, Any]) -> DrawRefused:
    return DrawRefused(reason, **params)


# --- pool, seed, keys -----------------------------------------------------------------
def pool_tsv(pool: Iterable[tuple[str, str]]) -> bytes:
    """`CODE\\tSTRATUM\\n` per target, sorted by code (byte order of the UTF-8 text)."""
    return "".join(f"{code}\t{stratum}\n" for code, stratum in sorted(pool)).encode()


def parse_pool(data: bytes) -> list[tuple[str, str]]:
    rows = []
    for line in data.decode().split("\n"):
        if line:
            code, stratum = line.split("\t")
            rows.append((code, stratum))
    return rows


def seed_of(plan: str, pool_digest: str, entropy: str, nonce: str) -> str:
    return h(f"{ALGORITHM}\n{plan}\n{pool_digest}\n{entropy}\n{nonce}")


def target_key(seed: str, code: str) -> str:
    return hashlib.sha256(bytes.fromhex(seed) + code.encode()).hexdigest()


def stratum_count(size: int, ratio: str) -> int:
    """ceil(size × ratio), computed exactly, at most size."""
    exact = (Decimal(size) * Decimal(ratio)).to_integral_value(rounding=ROUND_CEILING)
    return min(size, int(exact))


def ratio_for(ratios: Mapping[str, str], stratum: str) -> str | None:
    return ratios.get(stratum) or ratios.get("*")


@dataclass(frozen=True)
class Stratum:
    stratum: str
    size: int
    ratio: str
    count: int


@dataclass(frozen=True)
class Selected:
    target: str
    stratum: str
    key: str
    order: int


def select(pool: Sequence[tuple[str, str]], ratios: Mapping[str, str],
           seed: str) -> tuple[list[Stratum], list[Selected]]:
    """Per stratum the `count` smallest keys; `order` is the rank among all selected."""
    by_stratum: dict[str, list[str]] = {}
    for code, stratum in pool:
        by_stratum.setdefault(stratum, []).append(code)
    strata: list[Stratum] = []
    chosen: list[tuple[str, str, str]] = []
    seed_bytes = bytes.fromhex(seed)
    sha = hashlib.sha256
    for stratum in sorted(by_stratum):
        codes = by_stratum[stratum]
        ratio = ratio_for(ratios, stratum)
        if ratio is None:
            raise DrawRefused("no_ratio", stratum=stratum)
        count = stratum_count(len(codes), ratio)
        strata.append(Stratum(stratum, len(codes), ratio, count))
        keyed = [(sha(seed_bytes + c.encode()).digest(), c) for c in codes]
        for key, code in heapq.nsmallest(count, keyed):
            chosen.append((key.hex(), code, stratum))
    chosen.sort()
    return strata, [Selected(code, stratum, key, rank)
                    for rank, (key, code, stratum) in enumerate(chosen, start=1)]


def overall_ratio(strata: Sequence[Stratum]) -> Decimal:
    size = sum(s.size for s in strata)
    return Decimal(sum(s.count for s in strata)) / Decimal(size) if size else Decimal(0)


# --- teams ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Inspector:
    cert: str
    department: str
    expertise: str = ""  # as written in inspectors.tsv (informational)


@dataclass
class Member:
    inspector: str
    department: str
    leader: bool

    def as_json(self) -> dict[str, Any]:
        return {"inspector": self.inspector, "department": self.department,
                "leader": self.leader}


@dataclass
class TeamRules:
    """Who may be drawn: the departments in order, fallbacks, the pool, the recusals."""

    initiating: str
    joining: list[str]
    fallbacks: dict[str, list[str]]
    inspectors: list[Inspector]
    recusals: set[tuple[str, str]]  # (cert, target code)
    loads: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.joining = sorted(self.joining)
        self._department_of = {i.cert: i.department for i in self.inspectors}
        # Per department, the inspectors grouped by load, each group sorted by 执法证号:
        # the lowest group without excluded or recused people is the tier.
        self._buckets: dict[str, dict[int, list[str]]] = {}
        for inspector in sorted(self.inspectors, key=lambda i: i.cert):
            load = self.loads.get(inspector.cert, 0)
            self._buckets.setdefault(inspector.department, {}).setdefault(load, []).append(
                inspector.cert)
        self._withdrawn: set[str] = set()
        self._recused: dict[str, set[str]] = {}
        for cert, target in self.recusals:
            self._recused.setdefault(target, set()).add(cert)

    @property
    def departments(self) -> list[str]:
        return [self.initiating, *self.joining]

    def set_load(self, cert: str, load: int) -> None:
        """Change an inspector's load, keeping the groups in order."""
        old = self.loads.get(cert, 0)
        buckets = self._buckets[self._department_of[cert]]
        buckets[old].remove(cert)
        if not buckets[old]:
            del buckets[old]
        bisect.insort(buckets.setdefault(load, []), cert)
        self.loads[cert] = load

    def withdraw(self, cert: str) -> None:
        """An inspector unavailable from now on (a withdrawal): never drawn again."""
        self._withdrawn.add(cert)

    def _tier(self, department: str, target: str, exclude: set[str]) -> list[str]:
        buckets = self._buckets.get(department)
        if not buckets:
            return []
        blocked = exclude | self._recused.get(target, set()) | self._withdrawn
        for load in sorted(buckets):
            certs = buckets[load]
            tier = [c for c in certs if c not in blocked] if blocked else certs
            if tier:
                return tier
        return []

    def pick(self, seed: str, target: str, department: str, exclude: set[str],
             counts: dict[str, int], label: str | None = None) -> tuple[str, str] | None:
        """One inspector for `department` (or its fallbacks): (cert, department drawn from).

        The hashed string is CODE|d|p with d the department drawn from and p the number
        of picks from d for this target so far, counting this one; a replacement passes
        `label` ("replace|n") instead of p.
        """
        for source in [department, *self.fallbacks.get(department, [])]:
            tier = self._tier(source, target, exclude)
            if not tier:
                continue
            counts[source] = counts.get(source, 0) + 1
            tail = label if label is not None else str(counts[source])
            digest = hashlib.sha256(bytes.fromhex(seed) + f"{target}|{source}|{tail}".encode())
            chosen = tier[int(digest.hexdigest(), 16) % len(tier)]
            self.set_load(chosen, self.loads.get(chosen, 0) + 1)
            return chosen, source
        return None


def form_team(rules: TeamRules, seed: str, target: str) -> list[Member]:
    """One inspector per department, then more until there are two; leader rule of 003 第十九条."""
    members: list[Member] = []
    counts: dict[str, int] = {}
    taken: set[str] = set()

    def add(department: str, required: bool) -> bool:
        picked = rules.pick(seed, target, department, taken, counts)
        if picked is None:
            if required:
                raise DrawRefused("nobody_drawable", department=department, target=target)
            return False
        cert, source = picked
        taken.add(cert)
        leader = department == rules.initiating and not any(m.leader for m in members)
        members.append(Member(cert, source, leader))
        return True

    for department in rules.departments:
        add(department, required=True)
    for department in rules.departments:
        while len(members) < 2 and add(department, required=False):
            pass
    if len(members) < 2:
        raise DrawRefused("team_too_small", department=rules.initiating, target=target)
    return members


def replace_member(rules: TeamRules, seed: str, target: str, team: list[Member],
                   out: str, n: int) -> Member:
    """The replacement rule: the replaced member's department, excluding the team and
    the replaced inspector, hashing CODE|d|replace|n; loads as they stand."""
    leaving = next(m for m in team if m.inspector == out)
    exclude = {m.inspector for m in team}
    if out in rules.loads:
        rules.set_load(out, max(0, rules.loads[out] - 1))
    picked = rules.pick(seed, target, leaving.department, exclude, {}, label=f"replace|{n}")
    if picked is None:
        if out in rules.loads:
            rules.set_load(out, rules.loads[out] + 1)
        raise DrawRefused("nobody_drawable", department=leaving.department, target=target)
    cert, source = picked
    return Member(cert, source, leaving.leader)


# --- the record ------------------------------------------------------------------------------
def inspectors_tsv(inspectors: Iterable[Inspector]) -> bytes:
    return "".join(f"{i.cert}\t{i.department}\t{i.expertise}\n"
                   for i in sorted(inspectors, key=lambda i: i.cert)).encode()


def parse_inspectors(data: bytes) -> list[Inspector]:
    found = []
    for line in data.decode().split("\n"):
        if line:
            cert, department, expertise = line.split("\t")
            found.append(Inspector(cert, department, expertise))
    return found


def recusals_tsv(recusals: Iterable[tuple[str, str]]) -> bytes:
    return "".join(f"{cert}\t{code}\n" for cert, code in sorted(recusals)).encode()


def parse_recusals(data: bytes) -> set[tuple[str, str]]:
    pairs = set()
    for line in data.decode().split("\n"):
        if line:
            cert, code = line.split("\t")
            pairs.add((cert, code))
    return pairs


def record_json(record: Mapping[str, Any]) -> bytes:
    """record.json as published: compact JSON in field order, UTF-8, one line."""
    return (json.dumps(record, ensure_ascii=False) + "\n").encode()


@dataclass
class Outcome:
    strata: list[Stratum]
    selected: list[Selected]
    teams: list[tuple[str, list[Member]]]
    loads: dict[str, int]


def compute(plan: str, pool: Sequence[tuple[str, str]], ratios: Mapping[str, str],
            seed: str, rules: TeamRules) -> Outcome:
    """Selection and teams: everything that follows from the inputs and the seed."""
    strata, selected = select(pool, ratios, seed)
    teams = [(s.target, form_team(rules, seed, s.target)) for s in selected]
    return Outcome(strata, selected, teams, rules.loads)


def verify(record: Mapping[str, Any], pool_data: bytes, inspectors_data: bytes,
           recusals_data: bytes) -> list[str]:
    """Recompute everything from the published files; each difference is one line."""
    problems: list[str] = []
    if record.get("algorithm") != ALGORITHM:
        return [f"algorithm is {record.get('algorithm')!r}, not {ALGORITHM}"]
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
    seed = seed_of(record["plan"], record["pool_digest"], record["entropy"], record["nonce"])
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
    expected_strata = [s.__dict__ for s in outcome.strata]
    if expected_strata != record["strata"]:
        problems.append(f"strata: recomputed {expected_strata}, the record says"
                        f" {record['strata']}")
    recorded = record["selected"]
    for i, expected in enumerate(outcome.selected):
        got = recorded[i] if i < len(recorded) else None
        if got != expected.__dict__:
            problems.append(f"selected[{i}]: recomputed {expected.__dict__}, the record says"
                            f" {got}")
            break
    if len(recorded) != len(outcome.selected):
        problems.append(f"selected: {len(recorded)} targets in the record,"
                        f" {len(outcome.selected)} recomputed")
    teams = {target: members for target, members in outcome.teams}
    recorded_teams = record["teams"]
    for i, (target, members) in enumerate(outcome.teams):
        got = recorded_teams[i] if i < len(recorded_teams) else None
        want = {"target": target, "members": [m.as_json() for m in members]}
        if got != want:
            problems.append(f"teams[{i}] ({target}): recomputed {want['members']},"
                            f" the record says {got['members'] if got else None}")
            break
    # The record keeps the teams as drawn; replacements are replayed on them in order, each
    # withdrawal taking effect before the replacement its `before` names (0 = the first).
    withdrawals = sorted(record.get("withdrawals", []), key=lambda w: w["before"])
    applied = 0
    for j, change in enumerate(record.get("replacements", [])):
        while applied < len(withdrawals) and withdrawals[applied]["before"] <= j:
            rules.withdraw(withdrawals[applied]["inspector"])
            applied += 1
        team = teams.get(change["target"])
        if team is None or change["out"] not in {m.inspector for m in team}:
            problems.append(f"replacements[{j}]: {change['out']} is not on the team of"
                            f" {change['target']}")
            break
        try:
            joined = replace_member(rules, seed, change["target"], team, change["out"],
                                    change["n"])
        except DrawRefused:
            problems.append(f"replacements[{j}]: nobody was drawable")
            break
        if joined.inspector != change["in"]:
            problems.append(f"replacements[{j}] ({change['target']}): recomputed"
                            f" {joined.inspector}, the record says {change['in']}")
            break
        team[:] = [joined if m.inspector == change["out"] else m for m in team]
    if len(recorded_teams) != len(outcome.teams):
        problems.append(f"teams: {len(recorded_teams)} in the record,"
                        f" {len(outcome.teams)} recomputed")
    return problems
