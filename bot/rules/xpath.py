"""The XPath subset XLSForm uses in `relevant` and `constraint` (pure).

Supported: literals ('text', 12, 3.5), ${field}, `.` (the answer being checked),
or, and, =, !=, <, <=, >, >=, +, -, *, div, mod, unary minus, parentheses, and the
functions in FUNCTIONS. Anything else is refused by name when the form is loaded.

Values follow XPath 1.0 as JavaRosa (ODK Collect's engine) applies it, so that a form
means here what it means in Collect: a field is its typed answer (a number as a float, a
date as a date, a multiple choice as its choice names separated by spaces), '' when blank
or not relevant; number(), string() and boolean() convert as JavaRosa does; = compares as
booleans, else numbers, else strings; <, >, <=, >= always as numbers (a blank is never
less than anything); dates are numbers of days where arithmetic needs them; x div 0 is
±Infinity and x mod 0 NaN. tests/test_xpath_vectors.py holds the vectors, each with its
rule.

Bounded: an expression is at most `MAX_LENGTH` characters and `MAX_DEPTH` levels deep
(refused when the form is loaded, never a RecursionError), and `regex()` runs on RE2,
whose time is linear in the text (no pattern can make it backtrack for hours); a
literal pattern is compiled, and refused if RE2 cannot take it, when the form is loaded.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any


class Nodes(tuple[Any, ...]):
    """A node-set: the answers of a question inside a repeat group, one per entry, as an
    expression outside that entry sees them (`count(${price})`, `sum(${price})`). Where a
    single value is needed it is the first entry's (XPath 1.0, 4.2-4.4); a comparison is
    true when it holds for any entry (3.4)."""


Value = str | float | bool | date | Nodes  # a datetime is a date too
POSITION = "#position"  # the entry's number, for position(..) inside a repeat group

MAX_LENGTH = 2000
MAX_DEPTH = 40

_TOKEN_RE = re.compile(
    r"\s*(?:(?P<ref>\$\{[A-Za-z_][A-Za-z0-9_.-]*\})|(?P<num>\d+(?:\.\d+)?)"
    # A path to a field, as pyxform writes its own expressions (`../status`, `/data/x/y`):
    # a form's names are unique, so the last step names the field.
    r"|(?P<path>(?:\.\./)+[A-Za-z_][A-Za-z0-9_.-]*"
    r"|/[A-Za-z_][A-Za-z0-9_.-]*(?:/[A-Za-z_][A-Za-z0-9_.-]*)+)"
    r"|(?P<str>'[^']*'|\"[^\"]*\")|(?P<op>!=|<=|>=|=|<|>|\+|-|\*|\(|\)|,)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*(?::[A-Za-z_][A-Za-z0-9_-]*)?)|(?P<dot>\.\.?))"
)


class ExprError(ValueError):
    """An expression outside the supported subset; the message names what is wrong."""


@dataclass(frozen=True)
class Node:
    kind: str  # lit, ref, field, self, call, bin, neg
    value: Any = None
    args: tuple[Node, ...] = ()


def _tokens(source: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    source = source.strip()
    while position < len(source):
        match = _TOKEN_RE.match(source, position)
        if not match or match.end() == position:
            raise ExprError(f"cannot read {source[position:position + 12]!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
        while position < len(source) and source[position].isspace():
            position += 1
    return tokens


class _Parser:
    def __init__(self, source: str, fields: bool = False) -> None:
        if len(source) > MAX_LENGTH:
            raise ExprError(f"longer than {MAX_LENGTH} characters")
        self.tokens = _tokens(source)
        self.i = 0
        self.depth = 0
        self.fields = fields  # a choice_filter: bare names are the choice's columns

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError(f"nested more than {MAX_DEPTH} levels deep")

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ExprError("the expression ends too early")
        self.i += 1
        return token

    def expect(self, op: str) -> None:
        if self.take() != ("op", op):
            raise ExprError(f"expected {op!r}")

    def binary(self, operators: tuple[str, ...], lower: Callable[[], Node]) -> Node:
        node = lower()
        while (token := self.peek()) is not None and token[1] in operators and (
            token[0] == "op" or token[1] in ("and", "or", "div", "mod")
        ):
            self.i += 1
            node = Node("bin", token[1], (node, lower()))
        return node

    def parse(self) -> Node:
        node = self.or_()
        extra = self.peek()
        if extra is not None:
            raise ExprError(f"unexpected {extra[1]!r}")
        return node

    def or_(self) -> Node:
        return self.binary(("or",), self.and_)

    def and_(self) -> Node:
        return self.binary(("and",), self.equality)

    def equality(self) -> Node:
        return self.binary(("=", "!="), self.relational)

    def relational(self) -> Node:
        return self.binary(("<", "<=", ">", ">="), self.additive)

    def additive(self) -> Node:
        return self.binary(("+", "-"), self.multiplicative)

    def multiplicative(self) -> Node:
        return self.binary(("*", "div", "mod"), self.unary)

    def unary(self) -> Node:
        if self.peek() == ("op", "-"):
            self.i += 1
            self.deeper()
            node = Node("neg", None, (self.unary(),))
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "num":
            return Node("lit", float(text))
        if kind == "str":
            return Node("lit", text[1:-1])
        if kind == "ref":
            return Node("ref", text[2:-1])
        if kind == "path":
            return Node("ref", text.rsplit("/", 1)[-1])
        if kind == "dot":  # `..` (the entry, in position(..)) has no value of its own
            return Node("self") if text == "." else Node("lit", "")
        if kind == "op" and text == "(":
            self.deeper()
            node = self.or_()
            self.expect(")")
            self.depth -= 1
            return node
        if kind == "name":
            if self.peek() != ("op", "("):
                if self.fields:
                    return Node("field", text)
                raise ExprError(f"{text!r} is not supported (only ${{field}} references)")
            if text in ("uuid", "random"):
                raise ExprError(f"{text}() gives a new value each time it is computed, so a"
                                " signed record could not be checked again")
            if text not in FUNCTIONS:
                raise ExprError(f"function {text}() is not supported")
            self.i += 1
            self.deeper()
            args: list[Node] = []
            if self.peek() != ("op", ")"):
                args.append(self.or_())
                while self.peek() == ("op", ","):
                    self.i += 1
                    args.append(self.or_())
            self.expect(")")
            self.depth -= 1
            low, high = FUNCTIONS[text][0]
            if not low <= len(args) <= high:
                raise ExprError(f"{text}() takes {low}-{high} arguments")
            if text == "jr:choice-name":
                # The question is named in a string: '${q}' (or a path to it).
                named = args[1]
                written = str(named.value) if named.kind == "lit" else ""
                match = re.fullmatch(r"\s*(?:\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}|(?:\.\./|/)"
                                     r"(?:[A-Za-z_][A-Za-z0-9_.-]*/)*([A-Za-z_][A-Za-z0-9_.-]*))"
                                     r"\s*", written)
                if match is None:
                    raise ExprError("jr:choice-name() needs the question as '${name}'")
                return Node("call", text, (args[0], Node("lit", match.group(1)
                                                          or match.group(2))))
            if text == "indexed-repeat" and args[0].kind != "ref":
                raise ExprError("indexed-repeat() needs the question as ${name}")
            if text == "regex" and args[1].kind == "lit":
                try:
                    _compiled(str(args[1].value))
                except ValueError as exc:
                    raise ExprError(f"regex pattern {args[1].value!r}: {exc}") from None
            return Node("call", text, tuple(args))
        raise ExprError(f"unexpected {text!r}")


@functools.lru_cache(maxsize=4096)
def parse(source: str, fields: bool = False) -> Node:
    """An expression's tree; `fields` for a choice_filter, where a bare name is a column of
    the choice being filtered (`country = ${country}`). Trees are immutable, so a form's
    expressions are parsed once, not at every screen."""
    node = _Parser(source, fields).parse()
    if _depth(node) > MAX_DEPTH * 2:
        raise ExprError(f"more than {MAX_DEPTH * 2} operations chained")
    return node


def _depth(node: Node) -> int:
    """The tree's depth, without recursion (a chain of + is as deep as it is long)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((arg, level + 1) for arg in current.args)
    return deepest


@functools.lru_cache(maxsize=512)
def _compiled(pattern: str) -> Any:
    """An RE2 pattern (ValueError when RE2 cannot take it, e.g. a back-reference)."""
    import re2

    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else exc
        raise ValueError(detail.decode(errors="replace") if isinstance(detail, bytes)
                         else str(detail)) from None


def references(node: Node) -> set[str]:
    found = {node.value} if node.kind == "ref" else set()
    if node.kind == "call" and node.value == "jr:choice-name":
        found.add(str(node.args[1].value))  # the question it names
    for arg in node.args:
        found |= references(arg)
    return found


EPOCH = date(1970, 1, 1)
_NUMBER_CHARS = frozenset("-.0123456789")


def to_number(value: Value) -> float:
    """XPath number() as JavaRosa applies it: a boolean is 1 or 0; a date is its days since
    1970-01-01; a string is read only when it holds nothing but digits, '-' and '.' (a ','
    is read as '.'), so '1e3', '+5', '' and '2026-01-01' are NaN; a node-set is its first
    entry."""
    if isinstance(value, Nodes):
        return to_number(value[0]) if value else math.nan
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    if isinstance(value, datetime):
        return float((value.date() - EPOCH).days)
    if isinstance(value, date):
        return float((value - EPOCH).days)
    text = value.replace(",", ".").strip()
    if not text or not set(text) <= _NUMBER_CHARS:
        return math.nan
    try:
        return float(text)
    except ValueError:
        return math.nan


def to_bool(value: Value) -> bool:
    """XPath boolean(): a number is true unless 0 or NaN; a string unless empty; a date is
    always true; a node-set unless it is empty."""
    if isinstance(value, Nodes):
        return len(value) > 0
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return abs(value) > 1e-12 and not math.isnan(value)
    if isinstance(value, date):
        return True
    return value != ""


def to_string(value: Value) -> str:
    """XPath string(): integers without a decimal point, NaN and Infinity spelled out, a
    date as yyyy-mm-dd; a node-set as its first entry."""
    if isinstance(value, Nodes):
        return to_string(value[0]) if value else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if abs(value) < 1e-12:
            return "0"
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_date(value: Value, keep_time: bool = False) -> Value:
    """JavaRosa's date(): a date, a string yyyy-mm-dd[Thh:mm…], or a number of days since
    1970-01-01; '' and NaN pass through (a blank answer); anything else is ''."""
    if isinstance(value, Nodes):
        return to_date(value[0], keep_time) if value else ""
    if isinstance(value, datetime):
        return value if keep_time else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return value
        if math.isinf(value) or abs(value) > 1e7:
            return ""
        return EPOCH + timedelta(days=math.trunc(value)) if not keep_time else \
            datetime(1970, 1, 1) + timedelta(days=value)
    text = value.strip()
    if not text:
        return ""
    try:
        if "T" in text:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return moment if keep_time else moment.date()
        return date.fromisoformat(text[:10]) if len(text) >= 10 else ""
    except ValueError:
        return ""


def _is_null(value: Value) -> bool:
    """JavaRosa's null: an empty string or NaN (a blank answer, a failed conversion)."""
    return value == "" or (isinstance(value, float) and math.isnan(value))


def _compare(op: str, left: Value, right: Value) -> bool:
    """XPath 1.0 comparisons (3.4) as JavaRosa applies them: = and != compare as booleans
    when either side is one, else as numbers when either is a number, else as strings;
    <, <=, >, >= always compare as numbers, so a blank or a word is never less than
    anything. With a node-set, true when it holds for any of its entries."""
    if isinstance(left, Nodes):
        return any(_compare(op, entry, right) for entry in left)
    if isinstance(right, Nodes):
        return any(_compare(op, left, entry) for entry in right)
    if op in ("=", "!="):
        if isinstance(left, bool) or isinstance(right, bool):
            equal = to_bool(left) == to_bool(right)
        elif isinstance(left, float) or isinstance(right, float):
            equal = abs(to_number(left) - to_number(right)) < 1e-12
        else:
            equal = to_string(left) == to_string(right)
        return equal if op == "=" else not equal
    a, b = to_number(left), to_number(right)
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _arithmetic(op: str, a: float, b: float) -> float:
    """IEEE 754 as XPath 1.0 (3.5) says: x div 0 is ±Infinity (NaN for 0 div 0), x mod 0
    is NaN, mod takes the sign of the dividend."""
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "div":
        if b == 0:
            if a == 0 or math.isnan(a):
                return math.nan
            return math.copysign(math.inf, a) * math.copysign(1.0, b)
        return a / b
    if b == 0 or math.isinf(a) or math.isnan(a) or math.isnan(b):
        return math.nan
    return math.fmod(a, b)


def evaluate(node: Node, values: Mapping[str, Value], current: Value = "",
             today: date | None = None, fields: Mapping[str, str] | None = None,
             labels: Mapping[str, Mapping[str, str]] | None = None) -> Value:
    """The value of an expression, given the answers so far (typed: numbers as floats,
    dates as dates; a blank or non-relevant answer as ''), the answer being checked, for a
    choice_filter the columns of the choice being filtered, and for jr:choice-name the
    choices' labels per question."""
    def ev(child: Node) -> Value:
        return evaluate(child, values, current, today, fields, labels)

    kind = node.kind
    if kind == "lit":
        literal: Value = node.value
        return literal
    if kind == "ref":
        return values.get(node.value, "")
    if kind == "field":
        return (fields or {}).get(node.value, "")
    if kind == "self":
        return current
    if kind == "neg":
        return -to_number(ev(node.args[0]))
    if kind == "bin":
        op = node.value
        if op == "or":
            return any(to_bool(ev(a)) for a in node.args)
        if op == "and":
            return all(to_bool(ev(a)) for a in node.args)
        left, right = ev(node.args[0]), ev(node.args[1])
        if op in ("=", "!=", "<", "<=", ">", ">="):
            return _compare(op, left, right)
        return _arithmetic(op, to_number(left), to_number(right))
    if node.value == "if":  # only the branch taken is evaluated
        return ev(node.args[1] if to_bool(ev(node.args[0])) else node.args[2])
    if node.value == "indexed-repeat":  # entry n of a repeated question
        index = to_number(ev(node.args[2]))
        if math.isnan(index) or index < 1:
            return ""
        return values.get(f"{node.args[0].value}#{int(index)}", "")
    if node.value == "position":
        return values.get(POSITION, 1.0)
    if node.value == "jr:choice-name":  # the label of a choice of the named question
        value, question = to_string(ev(node.args[0])), str(node.args[1].value)
        return (labels or {}).get(question, {}).get(value, value)
    args = [ev(a) for a in node.args]
    return FUNCTIONS[node.value][1](args, today or date.today())


def _regex(args: list[Value], _: date) -> Value:
    try:
        return _compiled(to_string(args[1])).search(to_string(args[0])) is not None
    except ValueError:
        return False


def _round(args: list[Value], _: date) -> Value:
    """JavaRosa's round(x[, places]): half away from zero, like a spreadsheet."""
    number = to_number(args[0])
    places = int(to_number(args[1])) if len(args) > 1 and not math.isnan(
        to_number(args[1])) else 0
    if math.isnan(number) or math.isinf(number):
        return number
    factor = 10.0 ** places
    return math.copysign(math.floor(abs(number) * factor + 0.5), number) / factor


def _int(args: list[Value], _: date) -> Value:
    number = to_number(args[0])
    return number if math.isnan(number) or math.isinf(number) else float(math.trunc(number))


def _selected_at(args: list[Value], _: date) -> Value:
    parts = to_string(args[0]).split()
    index = to_number(args[1])
    if math.isnan(index) or not 0 <= int(index) < len(parts):
        return ""
    return parts[int(index)]


def _substr(args: list[Value], _: date) -> Value:
    """JavaRosa's substr(s, start[, end]): zero-based, end exclusive."""
    text = to_string(args[0])
    start = to_number(args[1])
    end = to_number(args[2]) if len(args) > 2 else float(len(text))
    if math.isnan(start) or math.isnan(end):
        return ""
    return text[max(0, int(start)):max(0, int(end))]


def _decimal_date_time(args: list[Value], _: date) -> Value:
    moment = to_date(args[0], keep_time=True)
    if isinstance(moment, datetime):
        epoch = datetime(1970, 1, 1, tzinfo=moment.tzinfo)
        return (moment - epoch).total_seconds() / 86400
    if isinstance(moment, date):
        return float((moment - EPOCH).days)
    return math.nan


# ODK's format-date codes (XLSForm docs, "Formatting dates").
_FORMATS: dict[str, Callable[[date], str]] = {
    "%Y": lambda d: f"{d.year:04d}", "%y": lambda d: f"{d.year % 100:02d}",
    "%m": lambda d: f"{d.month:02d}", "%n": lambda d: str(d.month),
    "%b": lambda d: d.strftime("%b"), "%d": lambda d: f"{d.day:02d}",
    "%e": lambda d: str(d.day), "%a": lambda d: d.strftime("%a"),
    "%H": lambda d: f"{d.hour:02d}" if isinstance(d, datetime) else "00",
    "%h": lambda d: str(d.hour) if isinstance(d, datetime) else "0",
    "%M": lambda d: f"{d.minute:02d}" if isinstance(d, datetime) else "00",
    "%S": lambda d: f"{d.second:02d}" if isinstance(d, datetime) else "00",
}


def _format_date(args: list[Value], _: date) -> Value:
    """format-date(date, '%Y-%m-%d'): ODK's codes; a blank date formats as ''."""
    moment = to_date(args[0], keep_time=True)
    if not isinstance(moment, date):
        return ""
    pattern, out, i = to_string(args[1]), [], 0
    while i < len(pattern):
        code = pattern[i:i + 2]
        if code in _FORMATS:
            out.append(_FORMATS[code](moment))
            i += 2
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


def _entries(args: list[Value]) -> list[Value]:
    """The arguments with each node-set spread into its entries (max(${price}), sum)."""
    return [entry for a in args for entry in (a if isinstance(a, Nodes) else (a,))]


def _extreme(pick: Callable[..., float]) -> Callable[[list[Value], date], Value]:
    def apply(args: list[Value], _: date) -> Value:
        numbers = [to_number(a) for a in _entries(args)]
        if not numbers:
            return math.nan
        return math.nan if any(math.isnan(n) for n in numbers) else pick(numbers)
    return apply


def _math(fn: Callable[..., float]) -> Callable[[list[Value], date], Value]:
    """A math function of numbers (NaN in, or out of its domain, gives NaN)."""
    def apply(args: list[Value], _: date) -> Value:
        try:
            return float(fn(*(to_number(a) for a in args)))
        except (ValueError, OverflowError):
            return math.nan
    return apply


def _substring(args: list[Value], _: date) -> Value:
    """XPath 1.0 substring(s, start[, length]): 1-based, rounded positions (4.2)."""
    text = to_string(args[0])
    start = _round([args[1]], EPOCH)
    assert isinstance(start, float)
    end = start + to_number(_round([args[2]], EPOCH)) if len(args) > 2 else math.inf
    if math.isnan(start) or math.isnan(end):
        return ""
    return "".join(c for i, c in enumerate(text, start=1) if start <= i < end)


def _translate(args: list[Value], _: date) -> Value:
    """XPath 1.0 translate(s, from, to): each character of `from` becomes the one at the
    same place in `to`, or is removed when `to` is shorter."""
    source, to = to_string(args[1]), to_string(args[2])
    table: dict[str, str] = {}
    for i, c in enumerate(source):
        table.setdefault(c, to[i] if i < len(to) else "")
    return "".join(table.get(c, c) for c in to_string(args[0]))


def _checklist(weighted: bool) -> Callable[[list[Value], date], Value]:
    """ODK checklist(min, max, v…): how many values are true lies within [min, max] (-1:
    no bound); weighted-checklist(min, max, v1, w1, …) sums the weights of the true ones."""
    def apply(args: list[Value], _: date) -> Value:
        low, high = to_number(args[0]), to_number(args[1])
        rest = _entries(args[2:])
        if weighted:
            total = sum(to_number(w) for v, w in zip(rest[::2], rest[1::2], strict=False)
                        if to_bool(v))
        else:
            total = float(sum(1 for v in rest if to_bool(v)))
        return (low < 0 or total >= low) and (high < 0 or total <= high)
    return apply


def _digest(args: list[Value], _: date) -> Value:
    """ODK digest(text, 'SHA-256'[, 'hex'|'base64']): MD5, SHA-1, SHA-256, SHA-384,
    SHA-512."""
    import base64
    import hashlib

    algorithm = to_string(args[1]).upper().replace("-", "")
    names = {"MD5": "md5", "SHA1": "sha1", "SHA256": "sha256", "SHA384": "sha384",
             "SHA512": "sha512"}
    if algorithm not in names:
        return ""
    raw = hashlib.new(names[algorithm], to_string(args[0]).encode()).digest()
    encoding = to_string(args[2]).lower() if len(args) > 2 else "base64"
    return raw.hex() if encoding == "hex" else base64.b64encode(raw).decode()


FUNCTIONS: dict[str, tuple[tuple[int, int], Callable[[list[Value], date], Value]]] = {
    "selected": ((2, 2), lambda a, _: to_string(a[1]).strip() in to_string(a[0]).split()),
    "count-selected": ((1, 1), lambda a, _: float(len(to_string(a[0]).split()))),
    "selected-at": ((2, 2), _selected_at),
    "not": ((1, 1), lambda a, _: not to_bool(a[0])),
    "true": ((0, 0), lambda a, _: True),
    "false": ((0, 0), lambda a, _: False),
    "boolean": ((1, 1), lambda a, _: to_bool(a[0])),
    "string-length": ((1, 1), lambda a, _: float(len(to_string(a[0])))),
    "normalize-space": ((1, 1), lambda a, _: " ".join(to_string(a[0]).split())),
    "number": ((1, 1), lambda a, _: to_number(a[0])),
    "int": ((1, 1), _int),
    "round": ((1, 2), _round),
    "floor": ((1, 1), lambda a, _: float(math.floor(to_number(a[0])))
              if math.isfinite(to_number(a[0])) else to_number(a[0])),
    "ceiling": ((1, 1), lambda a, _: float(math.ceil(to_number(a[0])))
                if math.isfinite(to_number(a[0])) else to_number(a[0])),
    "abs": ((1, 1), lambda a, _: abs(to_number(a[0]))),
    "pow": ((2, 2), lambda a, _: _power(to_number(a[0]), to_number(a[1]))),
    "max": ((1, 20), _extreme(max)),
    "min": ((1, 20), _extreme(min)),
    "string": ((1, 1), lambda a, _: to_string(a[0])),
    "concat": ((1, 20), lambda a, _: "".join(to_string(v) for v in a)),
    "contains": ((2, 2), lambda a, _: to_string(a[1]) in to_string(a[0])),
    "starts-with": ((2, 2), lambda a, _: to_string(a[0]).startswith(to_string(a[1]))),
    "ends-with": ((2, 2), lambda a, _: to_string(a[0]).endswith(to_string(a[1]))),
    "substr": ((2, 3), _substr),
    "regex": ((2, 2), _regex),
    "if": ((3, 3), lambda a, _: a[1] if to_bool(a[0]) else a[2]),
    "coalesce": ((2, 2), lambda a, _: a[1] if _is_null(a[0]) else a[0]),
    "today": ((0, 0), lambda a, today: today.date() if isinstance(today, datetime)
              else today),
    # The moment is the visit's day (a record must read the same when it is verified
    # later), so once() has nothing to freeze.
    "now": ((0, 0), lambda a, today: today if isinstance(today, datetime)
            else datetime.combine(today, datetime.min.time())),
    "once": ((1, 1), lambda a, _: a[0]),
    "count": ((1, 1), lambda a, _: float(len(a[0])) if isinstance(a[0], Nodes) else 1.0),
    "sum": ((1, 1), lambda a, _: math.fsum(to_number(v) for v in _entries(a))),
    "join": ((2, 20), lambda a, _: to_string(a[0]).join(to_string(v) for v in
                                                       _entries(a[1:]))),
    "indexed-repeat": ((3, 3), lambda a, _: ""),  # evaluated in `evaluate`
    "position": ((0, 1), lambda a, _: 1.0),  # evaluated in `evaluate`
    "count-non-empty": ((1, 1), lambda a, _: float(sum(
        1 for v in _entries(a) if to_string(v) != ""))),
    "substring": ((2, 3), _substring),
    "substring-before": ((2, 2), lambda a, _: to_string(a[0]).partition(
        to_string(a[1]))[0] if to_string(a[1]) in to_string(a[0]) else ""),
    "substring-after": ((2, 2), lambda a, _: to_string(a[0]).partition(
        to_string(a[1]))[2] if to_string(a[1]) in to_string(a[0]) else ""),
    "translate": ((3, 3), _translate),
    "sqrt": ((1, 1), _math(math.sqrt)),
    "exp": ((1, 1), _math(math.exp)),
    "exp10": ((1, 1), _math(lambda x: 10.0 ** x)),
    "log": ((1, 1), _math(math.log)),
    "log10": ((1, 1), _math(math.log10)),
    "sin": ((1, 1), _math(math.sin)),
    "cos": ((1, 1), _math(math.cos)),
    "tan": ((1, 1), _math(math.tan)),
    "asin": ((1, 1), _math(math.asin)),
    "acos": ((1, 1), _math(math.acos)),
    "atan": ((1, 1), _math(math.atan)),
    "atan2": ((2, 2), _math(math.atan2)),
    "pi": ((0, 0), lambda a, _: math.pi),
    "checklist": ((3, 20), _checklist(weighted=False)),
    "weighted-checklist": ((4, 20), _checklist(weighted=True)),
    "date-time": ((1, 1), lambda a, _: to_date(a[0], keep_time=True)),
    "format-date-time": ((2, 2), _format_date),
    "digest": ((2, 3), _digest),
    "date": ((1, 1), lambda a, _: to_date(a[0])),
    "decimal-date-time": ((1, 1), _decimal_date_time),
    "format-date": ((2, 2), _format_date),
    "boolean-from-string": ((1, 1), lambda a, _: to_string(a[0]).lower() in ("true", "1")),
    "jr:choice-name": ((2, 2), lambda a, _: to_string(a[0])),  # evaluated in `evaluate`
}


def _power(base: float, exponent: float) -> float:
    try:
        return math.pow(base, exponent)
    except (OverflowError, ValueError):
        return math.nan
