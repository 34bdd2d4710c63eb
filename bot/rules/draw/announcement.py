"""choucha-draw-v2's published documents (pure): the announcement made at prepare, the
seed it fixes, and the record written at run. docs/draw.md is the contract.

Both are canonical JSON: UTF-8 kept as it is, no spaces, the top-level fields in the
documented order, nested maps sorted by key, one line ending in a newline; so the same
content always has the same SHA-256."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.rules.draw.core import Member, Selected, Stratum, h
from bot.rules.draw.policy import STRATA, RiskRule
from bot.rules.records import PlanItemRule

ALGORITHM = "choucha-draw-v2"
_HEX64 = frozenset("0123456789abcdef")


def dump(value: Any) -> str:
    """Canonical JSON of a value (nested maps as given: build them sorted)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _sorted_map(value: Mapping[str, Any]) -> dict[str, Any]:
    return {k: value[k] for k in sorted(value)}


@dataclass(frozen=True)
class Cancelled:
    """A preparation of the same plan that was cancelled, its nonce revealed. Times are
    the office's local time with its offset (a cancellation's date is its local date)."""

    nonce_commitment: str
    nonce: str
    entropy_source: str
    draw_date: str
    prepared_at: str
    cancelled_at: str
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"nonce_commitment": self.nonce_commitment, "nonce": self.nonce,
                "entropy_source": self.entropy_source, "draw_date": self.draw_date,
                "prepared_at": self.prepared_at, "cancelled_at": self.cancelled_at,
                "reason": self.reason}


@dataclass(frozen=True)
class Announcement:
    """Everything that decides a draw, fixed and published before the public entropy is
    known: the plan's parameters, the frozen files' digests, the nonce's commitment."""

    plan: str
    draw_date: str  # YYYY-MM-DD
    entropy_source: str
    nonce_commitment: str
    prepared_at: str  # UTC, ISO 8601
    scope: dict[str, list[str]]
    items: tuple[PlanItemRule, ...]
    initiating: str
    joining: tuple[str, ...]
    fallbacks: dict[str, list[str]]
    ratios: dict[str, str]
    risk_rule: RiskRule
    year_caps: dict[str, int | None]
    pool_size: int
    pool_digest: str
    strata: tuple[Stratum, ...]
    inspectors: int
    inspectors_digest: str
    recusals: int
    recusals_digest: str
    previous: tuple[Cancelled, ...] = ()
    algorithm: str = field(default=ALGORITHM)

    def as_json(self) -> dict[str, Any]:
        return {
            "algorithm": self.algorithm, "plan": self.plan, "draw_date": self.draw_date,
            "entropy_source": self.entropy_source, "nonce_commitment": self.nonce_commitment,
            "prepared_at": self.prepared_at,
            "scope": {k: sorted(v) for k, v in sorted(self.scope.items()) if v},
            "items": [{"code": i.code, "kind": i.kind, "max_ratio": i.max_ratio,
                       "department": i.department_code, "expertise": i.expertise}
                      for i in sorted(self.items, key=lambda i: i.code)],
            "initiating": self.initiating, "joining": sorted(self.joining),
            "fallbacks": {k: list(v) for k, v in sorted(self.fallbacks.items())},
            "ratios": _sorted_map(self.ratios),
            "risk_rule": self.risk_rule.as_json(),
            "year_caps": _sorted_map(self.year_caps),
            "pool_size": self.pool_size, "pool_digest": self.pool_digest,
            "strata": [s.as_json() for s in sorted(self.strata, key=lambda s: s.stratum)],
            "inspectors": self.inspectors, "inspectors_digest": self.inspectors_digest,
            "recusals": self.recusals, "recusals_digest": self.recusals_digest,
            "previous": [p.as_json() for p in self.previous],
        }

    def to_json(self) -> bytes:
        return (dump(self.as_json()) + "\n").encode()

    @property
    def digest(self) -> str:
        return h(self.to_json())

    @classmethod
    def from_json(cls, data: bytes) -> Announcement:
        """Read an announcement.json; ValueError names what is wrong."""
        raw = json.loads(data.decode())
        if not isinstance(raw, dict) or raw.get("algorithm") != ALGORITHM:
            raise ValueError(f"announcement.json: not a {ALGORITHM} announcement")
        try:
            announcement = cls(
                plan=_text(raw, "plan"), draw_date=_text(raw, "draw_date"),
                entropy_source=_text(raw, "entropy_source"),
                nonce_commitment=_hex(raw, "nonce_commitment"),
                prepared_at=_text(raw, "prepared_at"),
                scope={str(k): [str(x) for x in v] for k, v in raw["scope"].items()},
                items=tuple(PlanItemRule(str(i["code"]), str(i["kind"]),
                                         None if i["max_ratio"] is None else str(i["max_ratio"]),
                                         None if i["expertise"] is None else str(i["expertise"]),
                                         str(i["department"])) for i in raw["items"]),
                initiating=_text(raw, "initiating"),
                joining=tuple(str(x) for x in raw["joining"]),
                fallbacks={str(k): [str(x) for x in v] for k, v in raw["fallbacks"].items()},
                ratios={str(k): str(v) for k, v in raw["ratios"].items()},
                risk_rule=RiskRule.from_json(raw["risk_rule"]),
                year_caps={str(k): None if v is None else int(v)
                           for k, v in raw["year_caps"].items()},
                pool_size=int(raw["pool_size"]), pool_digest=_hex(raw, "pool_digest"),
                strata=tuple(Stratum(str(s["stratum"]), int(s["size"]), str(s["ratio"]),
                                     int(s["count"])) for s in raw["strata"]),
                inspectors=int(raw["inspectors"]),
                inspectors_digest=_hex(raw, "inspectors_digest"),
                recusals=int(raw["recusals"]), recusals_digest=_hex(raw, "recusals_digest"),
                previous=tuple(Cancelled(**{k: str(p[k]) for k in (
                    "nonce_commitment", "nonce", "entropy_source", "draw_date",
                    "prepared_at", "cancelled_at", "reason")}) for p in raw["previous"]),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"announcement.json: a field is missing or malformed ({exc})"
                             ) from None
        if set(announcement.year_caps) != set(STRATA):
            raise ValueError("announcement.json: year_caps must name every stratum")
        return announcement


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw[key]
    if not isinstance(value, str):
        raise TypeError(key)
    return value


def _hex(raw: Mapping[str, Any], key: str) -> str:
    value = _text(raw, key)
    if len(value) != 64 or not set(value) <= _HEX64:
        raise TypeError(key)
    return value


_ENTROPY_NOISE = re.compile(r"[\s,，、;；:：_/\\|'\"`-]+")
_ENTROPY = re.compile(r"[0-9a-z.]{1,128}")


def canonical_entropy(value: str) -> str | None:
    """The public value in its one canonical spelling: Unicode NFKC (full-width digits
    become digits), spaces and separators removed, letters lower-cased; then only digits,
    the letters of a hash and dots may remain. None when something else does (a note, a
    label): so that nobody who knows the nonce can choose among spellings of the same
    value the one that draws what they like."""
    text = _ENTROPY_NOISE.sub("", unicodedata.normalize("NFKC", value)).lower()
    return text if _ENTROPY.fullmatch(text) else None


@dataclass(frozen=True)
class EntropyFormat:
    """What a known public source publishes: its canonical value matches `value`."""

    name: str
    value: re.Pattern[str]
    example: str


# Sources whose published value has a known shape, found by their name in the announced
# source (NFKC, spaces removed, lower-cased). The value is checked against it at run, so
# that a slip (a note, a wrong number of digits) is caught before the irreversible step.
ENTROPY_FORMATS = (
    (re.compile(r"福彩3d|福利彩票3d|^3d"), EntropyFormat("福彩3D", re.compile(r"\d{3}"), "271")),
    (re.compile(r"排列三|排列3"), EntropyFormat("排列三", re.compile(r"\d{3}"), "408")),
    (re.compile(r"排列五|排列5"), EntropyFormat("排列五", re.compile(r"\d{5}"), "40852")),
    (re.compile(r"七星彩"), EntropyFormat("七星彩", re.compile(r"\d{7}"), "4085213")),
)


def entropy_format(source: str) -> EntropyFormat | None:
    """The shape of the value the announced source publishes, where it is known."""
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", source)).lower()
    return next((f for pattern, f in ENTROPY_FORMATS if pattern.search(key)), None)


def source_is_named(source: str) -> bool:
    """A source is named in words (at least two letters or CJK characters), not only
    symbols or digits: so that everyone can tell which published value it means."""
    return sum(1 for c in unicodedata.normalize("NFKC", source) if c.isalpha()) >= 2


def seed_of(announcement_digest: str, entropy: str, nonce: str) -> str:
    """The seed fixes everything the draw picks: the announcement (and through its
    digests the frozen files), the public entropy, the secret nonce."""
    return h(f"{ALGORITHM}\n{announcement_digest}\n{entropy}\n{nonce}")


@dataclass(frozen=True)
class BeforeRun:
    """An inspector of inspectors.tsv who became unavailable between prepare and run
    (a withdrawal): left out of every team."""

    inspector: str
    from_date: str
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"inspector": self.inspector, "from": self.from_date, "reason": self.reason}


def drawn_record(plan: str, announcement_digest: str, entropy: str, nonce: str, seed: str,
                 before_run: Sequence[BeforeRun], selected: Sequence[Selected],
                 teams: Sequence[tuple[str, Sequence[Member]]]) -> bytes:
    """record.json as drawn, before any replacement (canonical JSON). `full_record` adds
    the events."""
    entries = list(zip(selected, (members for _, members in teams), strict=True))
    return b"".join(drawn_record_pieces(plan, announcement_digest, entropy, nonce, seed,
                                        before_run, lambda: entries))


def drawn_record_pieces(plan: str, announcement_digest: str, entropy: str, nonce: str,
                        seed: str, before_run: Sequence[BeforeRun],
                        entries: Callable[[], Iterable[tuple[Selected, Sequence[Member]]]],
                        batch: int = 10_000) -> Iterator[bytes]:
    """record.json as drawn, a piece at a time (a province's record holds hundreds of
    thousands of teams): `entries()` gives (selected, its team) in the draw's order, and
    is called twice (the selection first, then the teams). Strings that are not codes,
    certificates or departments are quoted by the JSON encoder; those are quoted once."""
    head = dump({"algorithm": ALGORITHM, "plan": plan,
                 "announcement_digest": announcement_digest, "entropy": entropy,
                 "nonce": nonce, "seed": seed,
                 "withdrawals_before_run": [b.as_json() for b in
                                            sorted(before_run, key=lambda b: b.inspector)]})
    quoted: dict[str, str] = {}

    def q(value: str) -> str:
        found = quoted.get(value)
        if found is None:
            found = dump(value)
            if len(quoted) < 100_000:
                quoted[value] = found
        return found

    flag = {True: "true", False: "false"}

    def joined(items: Iterator[str]) -> Iterator[bytes]:
        """The items comma-separated, `batch` at a time."""
        pieces: list[str] = []
        first = True
        for item in items:
            pieces.append(item)
            if len(pieces) == batch:
                yield (("" if first else ",") + ",".join(pieces)).encode()
                first, pieces = False, []
        if pieces:
            yield (("" if first else ",") + ",".join(pieces)).encode()

    yield f'{head[:-1]},"selected":['.encode()
    yield from joined(f'{{"target":{q(s.target)},"stratum":{q(s.stratum)},"key":"{s.key}",'
                      f'"order":{s.order}}}' for s, _ in entries())
    yield b'],"teams":['
    yield from joined(f'{{"target":{q(s.target)},"members":['
                      + ",".join(f'{{"inspector":{q(m.inspector)},"department":'
                                 f'{q(m.department)},"leader":{flag[m.leader]}}}'
                                 for m in team) + "]}" for s, team in entries())
    yield b"]}\n"


def full_record(drawn: bytes, replacements: Sequence[Mapping[str, Any]],
                withdrawals: Sequence[Mapping[str, Any]]) -> bytes:
    """The record as published: the drawn record with its replacements and, when there
    are any, the withdrawals made after the run (docs/draw.md)."""
    tail = f',"replacements":{dump(list(replacements))}'
    if withdrawals:
        tail += f',"withdrawals":{dump(list(withdrawals))}'
    body = drawn.rstrip(b"\n")
    return body[:-1] + tail.encode() + b"}\n"
