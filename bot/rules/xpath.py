"""The XPath subset XLSForm uses in `relevant` and `constraint` (pure).

Supported: literals ('text', 12, 3.5), ${field}, `.` (the answer being checked),
or, and, =, !=, <, <=, >, >=, +, -, *, div, mod, unary minus, parentheses, and the
functions in FUNCTIONS. Anything else is refused by name when the form is loaded.
Values follow XPath 1.0 loosely: an unanswered field is '', a multiple choice is
its choice names separated by spaces, comparisons are numeric when either side
is a number.

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
from datetime import date
from typing import Any

Value = str | float | bool

MAX_LENGTH = 2000
MAX_DEPTH = 40

_TOKEN_RE = re.compile(
    r"\s*(?:(?P<ref>\$\{[A-Za-z_][A-Za-z0-9_.-]*\})|(?P<num>\d+(?:\.\d+)?)"
    r"|(?P<str>'[^']*'|\"[^\"]*\")|(?P<op>!=|<=|>=|=|<|>|\+|-|\*|\(|\)|,)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*)|(?P<dot>\.))"
)


class ExprError(ValueError):
    """An expression outside the supported subset; the message names what is wrong."""


@dataclass(frozen=True)
class Node:
    kind: str  # lit, ref, self, call, bin, neg
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
    def __init__(self, source: str) -> None:
        if len(source) > MAX_LENGTH:
            raise ExprError(f"longer than {MAX_LENGTH} characters")
        self.tokens = _tokens(source)
        self.i = 0
        self.depth = 0

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
        if kind == "dot":
            return Node("self")
        if kind == "op" and text == "(":
            self.deeper()
            node = self.or_()
            self.expect(")")
            self.depth -= 1
            return node
        if kind == "name":
            if self.peek() != ("op", "("):
                raise ExprError(f"{text!r} is not supported (only ${{field}} references)")
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
            if text == "regex" and args[1].kind == "lit":
                try:
                    _compiled(str(args[1].value))
                except ValueError as exc:
                    raise ExprError(f"regex pattern {args[1].value!r}: {exc}") from None
            return Node("call", text, tuple(args))
        raise ExprError(f"unexpected {text!r}")


def parse(source: str) -> Node:
    node = _Parser(source).parse()
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
    for arg in node.args:
        found |= references(arg)
    return found


def to_number(value: Value) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    try:
        return float(value.strip()) if value.strip() else math.nan
    except ValueError:
        return math.nan


def to_bool(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value != 0 and not math.isnan(value)
    return value != ""


def to_string(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return value


def _compare(op: str, left: Value, right: Value) -> bool:
    if op in ("=", "!="):
        if isinstance(left, bool) or isinstance(right, bool):
            equal = to_bool(left) == to_bool(right)
        elif isinstance(left, float) or isinstance(right, float):
            equal = to_number(left) == to_number(right)
        else:
            equal = left == right
        return equal if op == "=" else not equal
    a, b = to_number(left), to_number(right)
    if isinstance(left, str) and isinstance(right, str) and (math.isnan(a) or math.isnan(b)):
        a_s, b_s = left, right  # ISO dates compare as text
        return {"<": a_s < b_s, "<=": a_s <= b_s, ">": a_s > b_s, ">=": a_s >= b_s}[op]
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def evaluate(node: Node, values: Mapping[str, Value], current: Value = "",
             today: date | None = None) -> Value:
    """The value of an expression, given the answers so far and the answer being checked."""
    kind = node.kind
    if kind == "lit":
        literal: Value = node.value
        return literal
    if kind == "ref":
        return values.get(node.value, "")
    if kind == "self":
        return current
    if kind == "neg":
        return -to_number(evaluate(node.args[0], values, current, today))
    if kind == "bin":
        op = node.value
        if op == "or":
            return any(to_bool(evaluate(a, values, current, today)) for a in node.args)
        if op == "and":
            return all(to_bool(evaluate(a, values, current, today)) for a in node.args)
        left = evaluate(node.args[0], values, current, today)
        right = evaluate(node.args[1], values, current, today)
        if op in ("=", "!=", "<", "<=", ">", ">="):
            return _compare(op, left, right)
        a, b = to_number(left), to_number(right)
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "div":
            return a / b if b else math.nan
        return math.fmod(a, b) if b else math.nan
    args = [evaluate(a, values, current, today) for a in node.args]
    return FUNCTIONS[node.value][1](args, today or date.today())


def _regex(args: list[Value], _: date) -> Value:
    try:
        return _compiled(to_string(args[1])).search(to_string(args[0])) is not None
    except ValueError:
        return False


FUNCTIONS: dict[str, tuple[tuple[int, int], Callable[[list[Value], date], Value]]] = {
    "selected": ((2, 2), lambda a, _: to_string(a[1]) in to_string(a[0]).split()),
    "count-selected": ((1, 1), lambda a, _: float(len(to_string(a[0]).split()))),
    "not": ((1, 1), lambda a, _: not to_bool(a[0])),
    "true": ((0, 0), lambda a, _: True),
    "false": ((0, 0), lambda a, _: False),
    "string-length": ((1, 1), lambda a, _: float(len(to_string(a[0])))),
    "number": ((1, 1), lambda a, _: to_number(a[0])),
    "int": ((1, 1), lambda a, _: float(math.trunc(to_number(a[0])))
            if not math.isnan(to_number(a[0])) else math.nan),
    "string": ((1, 1), lambda a, _: to_string(a[0])),
    "concat": ((1, 20), lambda a, _: "".join(to_string(v) for v in a)),
    "contains": ((2, 2), lambda a, _: to_string(a[1]) in to_string(a[0])),
    "starts-with": ((2, 2), lambda a, _: to_string(a[0]).startswith(to_string(a[1]))),
    "regex": ((2, 2), _regex),
    "if": ((3, 3), lambda a, _: a[1] if to_bool(a[0]) else a[2]),
    "coalesce": ((2, 2), lambda a, _: a[0] if to_string(a[0]) != "" else a[1]),
    "today": ((0, 0), lambda a, today: today.isoformat()),
    "boolean-from-string": ((1, 1), lambda a, _: to_string(a[0]) in ("true", "1")),
}
