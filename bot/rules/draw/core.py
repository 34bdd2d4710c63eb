"""The draw's mechanics, the same in choucha-draw-v1 and v2 (pure): keys, selection, teams.

docs/draw.md is the contract, precise enough to be reimplemented; this module computes
exactly what it says, and fast: the selection keeps, per stratum, only the keys below a
bound that admits a few more than it needs (falling back to every key when too few
pass), and a pick finds its tier among the department's inspectors grouped by load
without scanning them. All hashes are SHA-256, hex lowercase, over UTF-8 text.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

from bot.rules.cells import safe_text

NO_CLASS = "-"  # the stratum of a target without a credit class
KEY_MAX = b"\xff" * 33  # above every 32-byte key: a bound that admits all
_POOL_LINE = re.compile(rb"(?:[^\t\n]+\t[^\t\n]\n)*")


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


# --- pool, keys, counts ---------------------------------------------------------------------
def pool_tsv(pool: Iterable[tuple[str, str]]) -> bytes:
    """`CODE\\tSTRATUM\\n` per target, sorted by code (byte order of the UTF-8 text)."""
    return "".join(f"{code}\t{stratum}\n" for code, stratum in sorted(pool)).encode()


def pool_problem(data: bytes) -> str | None:
    """What is wrong with the shape of a pool.tsv (None when every line is `CODE\\tS`,
    S one character, and the lines are sorted by code without repeats)."""
    if not _POOL_LINE.fullmatch(data):
        return "pool.tsv: every line must be CODE, a tab, a one-character stratum"
    codes = [line[:-2] for line in data.split(b"\n")[:-1]]
    if any(a >= b for a, b in itertools.pairwise(codes)):
        return "pool.tsv: lines are not sorted by code (or a code is repeated)"
    return None


def parse_pool(data: bytes) -> list[tuple[str, str]]:
    rows = []
    for line in data.decode().split("\n"):
        if line:
            code, stratum = line.split("\t")
            rows.append((code, stratum))
    return rows


def stratum_sizes(data: bytes) -> dict[str, int]:
    """How many targets each stratum of a pool.tsv holds (its lines well formed)."""
    sizes: dict[str, int] = {}
    for stratum in {line[-1:] for line in data.split(b"\n")[:-1]}:
        sizes[stratum.decode()] = data.count(b"\t" + stratum + b"\n")
    return sizes


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

    def as_json(self) -> dict[str, Any]:
        return {"stratum": self.stratum, "size": self.size, "ratio": self.ratio,
                "count": self.count}


@dataclass(frozen=True)
class Selected:
    target: str
    stratum: str
    key: str
    order: int

    def as_json(self) -> dict[str, Any]:
        return {"target": self.target, "stratum": self.stratum, "key": self.key,
                "order": self.order}


def strata_of(sizes: Mapping[str, int], ratios: Mapping[str, str]) -> list[Stratum]:
    """Each stratum with its size, ratio and count, sorted by name."""
    strata = []
    for stratum in sorted(sizes):
        ratio = ratio_for(ratios, stratum)
        if ratio is None:
            raise DrawRefused("no_ratio", stratum=stratum)
        size = sizes[stratum]
        strata.append(Stratum(stratum, size, ratio, stratum_count(size, ratio)))
    return strata


def overall_ratio(strata: Sequence[Stratum]) -> Decimal:
    size = sum(s.size for s in strata)
    return Decimal(sum(s.count for s in strata)) / Decimal(size) if size else Decimal(0)


def select(pool: Sequence[tuple[str, str]], ratios: Mapping[str, str],
           seed: str) -> tuple[list[Stratum], list[Selected]]:
    """Per stratum the `count` smallest keys; `order` is the rank among all selected.
    The reference form of the rule (docs/draw.md), used for small pools and in tests;
    `select_pool` computes the same from pool.tsv's bytes, faster."""
    sizes: dict[str, int] = {}
    for _, stratum in pool:
        sizes[stratum] = sizes.get(stratum, 0) + 1
    strata = strata_of(sizes, ratios)
    counts = {s.stratum: s.count for s in strata}
    seed_bytes = bytes.fromhex(seed)
    sha = hashlib.sha256
    keyed: dict[str, list[tuple[bytes, str]]] = {}
    for code, stratum in pool:
        keyed.setdefault(stratum, []).append((sha(seed_bytes + code.encode()).digest(), code))
    chosen = [(key, code, stratum) for stratum, found in keyed.items()
              for key, code in sorted(found)[:counts[stratum]]]
    return strata, _ranked(chosen)


def _ranked(chosen: list[tuple[bytes, str, str]]) -> list[Selected]:
    chosen.sort()
    return [Selected(code, stratum, key.hex(), rank)
            for rank, (key, code, stratum) in enumerate(chosen, start=1)]


# --- the same selection, streamed from pool.tsv -----------------------------------------------
Candidates = dict[str, list[tuple[bytes, str]]]


def key_bounds(strata: Sequence[Stratum]) -> dict[str, bytes]:
    """Per stratum, a key bound below which about `count` plus six standard deviations
    (and 64) of its keys fall: keys are uniform, so more than `count` pass but for a
    chance of about one in a billion (then `select_pool` looks at every key)."""
    bounds = {}
    for s in strata:
        if s.count == 0:
            bounds[s.stratum] = b""
            continue
        wanted = s.count + 6 * math.sqrt(s.count) + 64
        if wanted >= s.size:
            bounds[s.stratum] = KEY_MAX
        else:
            bounds[s.stratum] = (int(wanted * 2 ** 256) // s.size).to_bytes(32, "big")
    return bounds


def candidates(lines: bytes, seed: str, bounds: Mapping[str, bytes]) -> Candidates:
    """(key, code) of each well-formed pool line (`CODE\\tS\\n`, trusted: its digest was
    checked) whose key is below its stratum's bound, by stratum. A part of pool.tsv cut
    at line ends is enough, so that parts can be keyed in parallel."""
    limit: list[bytes | None] = [None] * 256
    for stratum, bound in bounds.items():
        limit[stratum.encode()[0]] = bound
    seed_bytes = bytes.fromhex(seed)
    sha = hashlib.sha256
    found: Candidates = {}
    rows = lines.split(b"\n")
    rows.pop()
    try:
        passed = [(key, row) for row in rows
                  if (key := sha(seed_bytes + row[:-2]).digest()) < limit[row[-1]]]  # type: ignore[operator]
    except TypeError:  # a stratum the bounds do not name
        raise DrawRefused("no_ratio", stratum="?") from None
    for key, row in passed:
        found.setdefault(chr(row[-1]), []).append((key, row[:-2].decode()))
    return found


def line_parts(data: bytes, parts: int) -> list[tuple[int, int]]:
    """(start, end) of `parts` slices of `data`, each ending at a line end."""
    bounds = [0]
    for k in range(1, parts):
        cut = data.find(b"\n", len(data) * k // parts)
        bounds.append(len(data) if cut < 0 else cut + 1)
    bounds.append(len(data))
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def merge_candidates(found: Iterable[Candidates]) -> Candidates:
    merged: Candidates = {}
    for part in found:
        for stratum, keyed in part.items():
            merged.setdefault(stratum, []).extend(keyed)
    return merged


def short_strata(strata: Sequence[Stratum], found: Candidates) -> list[str]:
    """Strata with fewer candidates than they draw (to be keyed again, every key)."""
    return [s.stratum for s in strata if len(found.get(s.stratum, [])) < s.count]


def choose(strata: Sequence[Stratum], found: Candidates) -> list[Selected]:
    """The `count` smallest keys of each stratum among its candidates, ranked."""
    chosen: list[tuple[bytes, str, str]] = []
    for s in strata:
        keyed = found.get(s.stratum, [])
        keyed.sort()
        chosen.extend((key, code, s.stratum) for key, code in keyed[:s.count])
    return _ranked(chosen)


def select_pool(data: bytes, strata: Sequence[Stratum], seed: str) -> list[Selected]:
    """`select` computed from pool.tsv's bytes (trusted) and its strata's counts."""
    bounds = key_bounds(strata)
    found = candidates(data, seed, bounds)
    short = short_strata(strata, found)
    if short:
        again = candidates(data, seed, {s.stratum: KEY_MAX if s.stratum in short else b""
                                        for s in strata})
        found.update({stratum: again.get(stratum, []) for stratum in short})
    return choose(strata, found)


# --- teams ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Inspector:
    cert: str
    department: str
    expertise: str = ""  # as written in inspectors.tsv (informational)


@dataclass(slots=True)
class Member:
    inspector: str
    department: str
    leader: bool

    def as_json(self) -> dict[str, Any]:
        return {"inspector": self.inspector, "department": self.department,
                "leader": self.leader}


@dataclass
class TeamRules:
    """Who may be drawn: the departments in order, fallbacks, the inspectors, recusals.

    Per department the inspectors are kept grouped by load (assignments in this draw so
    far), each group sorted by 执法证号, with the loads that have a group in order: the
    tier of a pick is the lowest group once the team, the recused and the withdrawn are
    left out, found and indexed without listing it."""

    initiating: str
    joining: list[str]
    fallbacks: dict[str, list[str]]
    inspectors: list[Inspector]
    recusals: set[tuple[str, str]]  # (cert, target code)
    loads: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.joining = sorted(self.joining)
        self._department_of = {i.cert: i.department for i in self.inspectors}
        self._groups: dict[str, dict[int, list[str]]] = {}
        self._levels: dict[str, list[int]] = {}
        for inspector in sorted(self.inspectors, key=lambda i: i.cert):
            self._enter(inspector.cert, self.loads.get(inspector.cert, 0))
        self._withdrawn: set[str] = set()
        self._recused: dict[str, set[str]] = {}
        for cert, target in self.recusals:
            self._recused.setdefault(target, set()).add(cert)
        self._seed = ("", b"")
        self._sources: dict[str, tuple[str, ...]] = {}

    @property
    def departments(self) -> list[str]:
        return [self.initiating, *self.joining]

    def _enter(self, cert: str, load: int) -> None:
        department = self._department_of[cert]
        groups = self._groups.setdefault(department, {})
        group = groups.get(load)
        if group is None:
            groups[load] = [cert]
            bisect.insort(self._levels.setdefault(department, []), load)
        else:
            bisect.insort(group, cert)

    def _leave(self, cert: str, load: int) -> None:
        department = self._department_of[cert]
        group = self._groups[department][load]
        del group[bisect.bisect_left(group, cert)]
        if not group:
            del self._groups[department][load]
            levels = self._levels[department]
            del levels[bisect.bisect_left(levels, load)]

    def set_load(self, cert: str, load: int) -> None:
        """Change an inspector's load, keeping the groups in order."""
        if cert not in self._withdrawn:
            self._leave(cert, self.loads.get(cert, 0))
            self._enter(cert, load)
        self.loads[cert] = load

    def withdraw(self, cert: str) -> None:
        """An inspector unavailable from now on (a withdrawal): never drawn again."""
        if cert in self._department_of and cert not in self._withdrawn:
            self._leave(cert, self.loads.get(cert, 0))
        self._withdrawn.add(cert)

    def _tier(self, department: str, target: str,
              exclude: set[str]) -> tuple[list[str], list[int], int] | None:
        """The lowest group with someone left once `exclude` and the recused are left
        out: (group, positions left out in it, in order, how many are left)."""
        levels = self._levels.get(department)
        if not levels:
            return None
        recused = self._recused.get(target)
        blocked = exclude | recused if recused else exclude
        groups = self._groups[department]
        department_of = self._department_of
        mine = [c for c in blocked if department_of.get(c) == department
                and c not in self._withdrawn] if blocked else []
        if not mine:  # nobody of this department is left out: the lowest group
            group = groups[levels[0]]
            return group, [], len(group)
        loads = self.loads
        for load in levels:
            group = groups[load]
            skip = sorted(bisect.bisect_left(group, c) for c in mine
                          if loads.get(c, 0) == load)
            left = len(group) - len(skip)
            if left > 0:
                return group, skip, left
        return None

    def pick(self, seed: str, target: str, department: str, exclude: set[str],
             counts: dict[str, int], label: str | None = None) -> tuple[str, str] | None:
        """One inspector for `department` (or its fallbacks): (cert, department drawn from).

        The hashed string is CODE|d|p with d the department drawn from and p the number
        of picks from d for this target so far, counting this one; a replacement passes
        `label` ("replace|n") instead of p.
        """
        if self._seed[0] != seed:
            self._seed = (seed, bytes.fromhex(seed))
        sources = self._sources.get(department)
        if sources is None:
            sources = self._sources[department] = (department,
                                                   *self.fallbacks.get(department, ()))
        for source in sources:
            found = self._tier(source, target, exclude)
            if found is None:
                continue
            group, skip, left = found
            counts[source] = counts.get(source, 0) + 1
            tail = label if label is not None else str(counts[source])
            digest = hashlib.sha256(self._seed[1] + f"{target}|{source}|{tail}".encode())
            index = int.from_bytes(digest.digest(), "big") % left
            for position in skip:  # the index-th of the group once `skip` is left out
                if position <= index:
                    index += 1
                else:
                    break
            chosen = group[index]
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


def form_teams(rules: TeamRules, seed: str,
               selected: Sequence[Selected]) -> list[tuple[str, list[Member]]]:
    """Every team, targets taken in the draw's order."""
    return [(s.target, form_team(rules, seed, s.target)) for s in selected]


def replace_member(rules: TeamRules, seed: str, target: str, team: list[Member], out: str,
                   n: int, skipped: Sequence[str] = (),
                   reachable: Callable[[str], bool] | None = None
                   ) -> tuple[Member, tuple[str, ...]]:
    """The replacement rule: the replaced member's department, excluding the team and the
    replaced inspector, hashing CODE|d|replace|n; loads as they stand.

    Nobody is drawn who cannot act, without letting anyone steer the draw by who is
    reachable: the draw is made as if everyone were; when it lands on someone who cannot
    be reached (`reachable`, live), that one is passed over and the draw made again,
    hashing CODE|d|replace|n|k for the k-th time. Only those it landed on are listed,
    in order (returned, and as `skipped` to replay a recorded replacement: each must be
    who the draw landed on at that step). Returns the member drawn and those passed over.
    """
    leaving = next(m for m in team if m.inspector == out)
    exclude = {m.inspector for m in team}
    if out in rules.loads:
        rules.set_load(out, max(0, rules.loads[out] - 1))
    passed: list[str] = []
    while True:
        k = len(passed)
        label = f"replace|{n}" if k == 0 else f"replace|{n}|{k}"
        picked = rules.pick(seed, target, leaving.department, exclude, {}, label=label)
        if picked is None:
            if out in rules.loads:
                rules.set_load(out, rules.loads[out] + 1)
            raise DrawRefused("nobody_drawable", department=leaving.department, target=target)
        cert, source = picked
        if k < len(skipped):
            if cert != skipped[k]:
                rules.set_load(cert, rules.loads[cert] - 1)
                if out in rules.loads:
                    rules.set_load(out, rules.loads[out] + 1)
                raise DrawRefused("skipped_mismatch", step=k, drawn=cert, listed=skipped[k])
        elif reachable is None or reachable(cert):
            return Member(cert, source, leaving.leader), tuple(passed)
        rules.set_load(cert, rules.loads[cert] - 1)  # passed over: not assigned after all
        passed.append(cert)
        exclude.add(cert)


# --- the published files ------------------------------------------------------------------------
def inspectors_tsv(inspectors: Iterable[Inspector]) -> bytes:
    """EXPERTISE, free text, is escaped as a spreadsheet cell (`safe_text`): it takes no
    part in the draw. CERT and DEPARTMENT do, and no import lets one look like a formula."""
    return "".join(f"{i.cert}\t{i.department}\t{safe_text(i.expertise)}\n"
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
    """A choucha-draw-v1 record.json as published: JSON in field order, UTF-8, one line."""
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
    return Outcome(strata, selected, form_teams(rules, seed, selected), rules.loads)
