"""XPath as ODK Collect evaluates it: expression/answer vectors with the value JavaRosa
gives, each with the rule it follows.

Rules cited:
- XP 3.4: XPath 1.0 §3.4 Booleans (comparisons: = as booleans, numbers, then strings;
  <, <=, >, >= convert both sides to numbers).
- XP 3.5: XPath 1.0 §3.5 Numbers (IEEE 754: x div 0 is ±Infinity, 0 div 0 NaN; mod is the
  remainder of truncating division, sign of the dividend; x mod 0 NaN).
- XP 4.2 / 4.3 / 4.4: XPath 1.0 string(), boolean(), number() conversions (a string that
  is not a number is NaN; NaN and 0 are false; an empty string is false).
- JR: JavaRosa's XPathFuncExpr conversions (a string is a number only when it holds
  nothing but digits, '-' and '.'; a date is its days since 1970-01-01; a date is true).
- ODK blank: ODK Collect's unanswered or non-relevant field is the empty string.
- ODK fn: the ODK XForms specification's function (name given).
- ODK dates: "Working with dates" in the ODK documentation (age from a date of birth).
- XP 4.1 / 3.4 sets: XPath 1.0 node-set functions (count, position) and comparisons with a
  node-set (true when it holds for some node); a repeated question outside its entries is
  the node-set of its answers (ODK "Repeats": count(), sum(), indexed-repeat()).
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pytest

from bot.rules import xpath

TODAY = date(2026, 11, 23)
NAN = math.nan
INF = math.inf

# (expression, field values, the answer being checked, expected, rule)
VECTORS: list[tuple[str, dict[str, Any], Any, Any, str]] = [
    # --- comparisons with blanks and words (XP 3.4, ODK blank) ------------------------
    ("${a} < ${b}", {"a": "", "b": 5.0}, "", False, "XP 3.4: NaN < 5 is false"),
    ("${a} > ${b}", {"a": "", "b": 5.0}, "", False, "XP 3.4: NaN > 5 is false"),
    ("${a} <= ${b}", {"a": "", "b": ""}, "", False, "XP 3.4: NaN <= NaN is false"),
    ("${a} >= 0", {"a": ""}, "", False, "XP 3.4 + ODK blank: a blank is NaN"),
    ("${a} < 10", {}, "", False, "ODK blank: a missing field is '' and NaN"),
    ("${name} < 'M'", {"name": "Bob"}, "", False, "XP 3.4: strings compare as numbers"),
    ("${name} > 'A'", {"name": "Bob"}, "", False, "XP 3.4: 'Bob' and 'A' are NaN"),
    ("'10' < '9'", {}, "", False, "XP 3.4: numbers, not text: 10 < 9 is false"),
    ("'9' < '10'", {}, "", True, "XP 3.4: 9 < 10"),
    ("${a} = ''", {"a": ""}, "", True, "XP 3.4: string equality of blanks"),
    ("${a} = ''", {}, "", True, "ODK blank: unanswered equals ''"),
    ("${a} != ''", {"a": "x"}, "", True, "XP 3.4: string inequality"),
    ("${a} = 0", {"a": ""}, "", False, "XP 3.4: '' as a number is NaN, NaN = 0 is false"),
    ("${a} != 0", {"a": ""}, "", True, "XP 3.4: NaN != 0 is true"),
    ("${n} = 5", {"n": 5.0}, "", True, "XP 3.4: numbers"),
    ("${n} = '5'", {"n": 5.0}, "", True, "XP 3.4: a number side makes it numeric"),
    ("${n} = '5.0'", {"n": 5.0}, "", True, "XP 3.4: numeric equality ignores the format"),
    ("${t} = '5.0'", {"t": "5"}, "", False, "XP 3.4: two strings compare as text"),
    ("${t} = 5", {"t": "5.0"}, "", True, "XP 3.4: text '5.0' as a number is 5"),
    ("${a} = 'yes'", {"a": "yes"}, "", True, "XP 3.4: strings"),
    ("${a} = 'Yes'", {"a": "yes"}, "", False, "XP 3.4: strings are case-sensitive"),
    ("true() = 'false'", {}, "", True, "XP 3.4: boolean side: 'false' is a non-empty string"),
    ("false() = ''", {}, "", True, "XP 3.4 + 4.3: boolean('') is false"),
    ("true() = 1", {}, "", True, "XP 3.4: boolean side: boolean(1) is true"),
    ("false() = 0", {}, "", True, "XP 3.4: boolean(0) is false"),
    ("true() != 2", {}, "", False, "XP 3.4: boolean(2) is true"),
    ("1 < 2 = true()", {}, "", True, "XP 3.4: < binds tighter than ="),
    ("2 > 1 > 0", {}, "", True, "XP 3.4: (2 > 1) is true, 1 > 0"),
    ("3 > 2 > 1", {}, "", False, "XP 3.4: (3 > 2) is 1, 1 > 1 is false"),
    ("-0 = 0", {}, "", True, "XP 3.5: -0 equals 0"),
    ("0.1 + 0.2 = 0.3", {}, "", True, "JR: equality within 1e-12"),
    # --- arithmetic (XP 3.5) ---------------------------------------------------------
    ("5 div 0", {}, "", INF, "XP 3.5: positive div 0 is Infinity"),
    ("-5 div 0", {}, "", -INF, "XP 3.5: negative div 0 is -Infinity"),
    ("0 div 0", {}, "", NAN, "XP 3.5: 0 div 0 is NaN"),
    ("5 mod 0", {}, "", NAN, "XP 3.5: x mod 0 is NaN"),
    ("5 mod 2", {}, "", 1.0, "XP 3.5: remainder"),
    ("5 mod -2", {}, "", 1.0, "XP 3.5: sign of the dividend"),
    ("-5 mod 2", {}, "", -1.0, "XP 3.5: sign of the dividend"),
    ("-5 mod -2", {}, "", -1.0, "XP 3.5: sign of the dividend"),
    ("5.5 mod 2", {}, "", 1.5, "XP 3.5: mod of a fraction"),
    ("7 div 2", {}, "", 3.5, "XP 3.5: div is floating-point"),
    ("2 + 3 * 4", {}, "", 14.0, "XP 3.5: * before +"),
    ("(2 + 3) * 4", {}, "", 20.0, "XP 3.5: parentheses"),
    ("10 - 2 - 3", {}, "", 5.0, "XP 3.5: left to right"),
    ("- ${n}", {"n": 4.0}, "", -4.0, "XP 3.5: unary minus"),
    ("${a} + 1", {"a": ""}, "", NAN, "XP 3.5 + ODK blank: a blank makes NaN"),
    ("${a} * 0", {"a": "x"}, "", NAN, "XP 4.4: NaN * 0 is NaN"),
    ("'3' + '4'", {}, "", 7.0, "XP 4.4: strings of digits are numbers"),
    ("'1e3' + 0", {}, "", NAN, "XP 4.4: no scientific notation"),
    ("'+5' + 0", {}, "", NAN, "JR: a leading + is not a number"),
    ("' 5 ' + 0", {}, "", 5.0, "XP 4.4: surrounding spaces are ignored"),
    ("'3,5' + 0", {}, "", 3.5, "JR: a decimal comma is read as a point"),
    ("true() + true()", {}, "", 2.0, "XP 4.4: true is 1"),
    ("5 div 0 > 1000000", {}, "", True, "XP 3.5: Infinity is larger than any number"),
    ("0 div 0 = 0 div 0", {}, "", False, "XP 3.4: NaN is not equal to itself"),
    ("0 div 0 != 0 div 0", {}, "", True, "XP 3.4: NaN != NaN"),
    # --- string(), boolean(), number() (XP 4.2-4.4, JR) --------------------------------
    ("string(5)", {}, "", "5", "XP 4.2: an integer has no decimal point"),
    ("string(5.5)", {}, "", "5.5", "XP 4.2"),
    ("string(-0)", {}, "", "0", "XP 4.2: negative zero is 0"),
    ("string(5 div 0)", {}, "", "Infinity", "XP 4.2"),
    ("string(-5 div 0)", {}, "", "-Infinity", "XP 4.2"),
    ("string(0 div 0)", {}, "", "NaN", "XP 4.2"),
    ("string(true())", {}, "", "true", "XP 4.2"),
    ("string(false())", {}, "", "false", "XP 4.2"),
    ("string(${d})", {"d": date(2026, 3, 1)}, "", "2026-03-01", "JR: a date is yyyy-mm-dd"),
    ("boolean('')", {}, "", False, "XP 4.3"),
    ("boolean('false')", {}, "", True, "XP 4.3: any non-empty string is true"),
    ("boolean(0)", {}, "", False, "XP 4.3"),
    ("boolean(0 div 0)", {}, "", False, "XP 4.3: NaN is false"),
    ("boolean(-1)", {}, "", True, "XP 4.3"),
    ("boolean(${d})", {"d": date(2026, 3, 1)}, "", True, "JR: a date is true"),
    ("number('')", {}, "", NAN, "XP 4.4"),
    ("number('abc')", {}, "", NAN, "XP 4.4"),
    ("number('12.50')", {}, "", 12.5, "XP 4.4"),
    ("number(true())", {}, "", 1.0, "XP 4.4"),
    ("number(${d})", {"d": date(1970, 1, 11)}, "", 10.0, "JR: days since 1970-01-01"),
    ("number('2026-01-01')", {}, "", NAN, "JR: a date written as text is not a number"),
    ("not(${a})", {"a": ""}, "", True, "XP 4.3: a blank is false"),
    ("not(${n})", {"n": 0.0}, "", True, "XP 4.3: zero is false"),
    ("${a} and true()", {"a": "x"}, "", True, "XP 3.4: and of booleans"),
    ("${a} or false()", {"a": ""}, "", False, "XP 3.4: or of booleans"),
    # --- dates (JR, ODK dates) -------------------------------------------------------
    ("today()", {}, "", TODAY, "ODK fn today(): the day of the visit"),
    ("today() - ${dob}", {"dob": date(2026, 11, 13)}, "", 10.0,
     "ODK dates: dates subtract as days"),
    ("(today() - ${dob}) div 365.25 >= 18", {"dob": date(2008, 5, 1)}, "", True,
     "ODK dates: the age pattern, 18.56 years"),
    ("(today() - ${dob}) div 365.25 >= 18", {"dob": date(2010, 12, 1)}, "", False,
     "ODK dates: the age pattern, 15.98 years"),
    ("int((today() - ${dob}) div 365.25)", {"dob": date(2008, 5, 1)}, "", 18.0,
     "ODK fn int(): whole years"),
    (". <= today()", {}, date(2020, 1, 1), True, "JR: dates compare as days"),
    (". <= today()", {}, date(2027, 1, 1), False, "JR: a future date"),
    (". > ${start}", {"start": date(2026, 1, 1)}, date(2026, 1, 2), True, "JR: days"),
    (". > '2026-01-01'", {}, date(2026, 1, 2), False,
     "JR: a date written as text is NaN in <, >; use date()"),
    (". > date('2026-01-01')", {}, date(2026, 1, 2), True, "ODK fn date()"),
    (". = '2026-01-02'", {}, date(2026, 1, 2), True, "XP 3.4 + JR: = as text, yyyy-mm-dd"),
    ("date('2026-03-01') + 1", {}, "", 20514.0, "JR: a date plus a number is days"),
    ("date(20513)", {}, "", date(2026, 3, 1), "ODK fn date(): days since 1970-01-01"),
    ("date('')", {}, "", "", "ODK fn date(): a blank stays blank"),
    ("decimal-date-time('1970-01-02')", {}, "", 1.0, "ODK fn decimal-date-time()"),
    ("decimal-date-time('1970-01-01T12:00:00Z')", {}, "", 0.5,
     "ODK fn decimal-date-time(): fractions of a day"),
    ("format-date(${d}, '%Y年%n月%e日')", {"d": date(2026, 3, 5)}, "", "2026年3月5日",
     "ODK fn format-date(): %n and %e without zeros"),
    ("format-date(${d}, '%d/%m/%y')", {"d": date(2026, 3, 5)}, "", "05/03/26",
     "ODK fn format-date()"),
    ("format-date(${d}, '%Y')", {"d": ""}, "", "", "ODK fn format-date(): blank date"),
    ("today() > ${d}", {"d": ""}, "", False, "ODK blank: a blank date is NaN"),
    # --- functions (ODK fn) ----------------------------------------------------------
    ("if(${a} = 'x', 1, 2)", {"a": "y"}, "", 2.0, "ODK fn if()"),
    ("if(${a} = 'x', 1, 2 div 0)", {"a": "x"}, "", 1.0, "ODK fn if(): one branch"),
    ("coalesce(${a}, 'none')", {"a": ""}, "", "none", "ODK fn coalesce(): a blank"),
    ("coalesce(${a}, 'none')", {"a": "x"}, "", "x", "ODK fn coalesce()"),
    ("coalesce(0 div 0, 7)", {}, "", 7.0, "JR: NaN counts as blank in coalesce"),
    ("concat('a', 1, true())", {}, "", "a1true", "ODK fn concat(): string() of each"),
    ("concat(${a}, '-', ${b})", {"a": "x"}, "", "x-", "ODK fn concat(): blanks"),
    ("string-length('中文字')", {}, "", 3.0, "ODK fn string-length(): characters"),
    ("string-length(${a})", {}, "", 0.0, "ODK fn string-length(): blank"),
    ("count-selected(${p})", {"p": "a b c"}, "", 3.0, "ODK fn count-selected()"),
    ("count-selected(${p})", {"p": ""}, "", 0.0, "ODK fn count-selected(): none"),
    ("selected(${p}, 'b')", {"p": "a b"}, "", True, "ODK fn selected()"),
    ("selected(${p}, 'c')", {"p": "a b"}, "", False, "ODK fn selected()"),
    ("selected(${p}, 'a')", {"p": "ab"}, "", False, "ODK fn selected(): whole names"),
    ("selected-at(${p}, 1)", {"p": "a b c"}, "", "b", "ODK fn selected-at(): from 0"),
    ("selected-at(${p}, 5)", {"p": "a b"}, "", "", "ODK fn selected-at(): past the end"),
    ("round(2.5)", {}, "", 3.0, "ODK fn round(): half away from zero"),
    ("round(-2.5)", {}, "", -3.0, "ODK fn round(): half away from zero"),
    ("round(3.14159, 2)", {}, "", 3.14, "ODK fn round(): places"),
    ("int(-3.7)", {}, "", -3.0, "ODK fn int(): truncates"),
    ("int('')", {}, "", NAN, "ODK fn int(): blank is NaN"),
    ("floor(-3.5)", {}, "", -4.0, "XP 4.4 floor()"),
    ("ceiling(3.2)", {}, "", 4.0, "XP 4.4 ceiling()"),
    ("abs(-2)", {}, "", 2.0, "ODK fn abs()"),
    ("pow(2, 10)", {}, "", 1024.0, "ODK fn pow()"),
    ("max(1, 5, 3)", {}, "", 5.0, "ODK fn max()"),
    ("min(1, ${a})", {"a": ""}, "", NAN, "ODK fn min(): a blank makes NaN"),
    ("substr('abcdef', 1, 3)", {}, "", "bc", "ODK fn substr(): from 0, end excluded"),
    ("substr('abcdef', 4)", {}, "", "ef", "ODK fn substr()"),
    ("normalize-space('  a   b ')", {}, "", "a b", "XP 4.2 normalize-space()"),
    ("contains('inspection', 'spec')", {}, "", True, "XP 4.2 contains()"),
    ("starts-with('GB2760', 'GB')", {}, "", True, "XP 4.2 starts-with()"),
    ("ends-with('report.pdf', '.pdf')", {}, "", True, "ODK fn ends-with()"),
    ("boolean-from-string('true')", {}, "", True, "ODK fn boolean-from-string()"),
    ("boolean-from-string('1')", {}, "", True, "ODK fn boolean-from-string()"),
    ("boolean-from-string('yes')", {}, "", False, "ODK fn boolean-from-string()"),
    ("regex(., '^1[3-9][0-9]{9}$')", {}, "13812345678", True, "ODK fn regex()"),
    ("regex(., '^1[3-9][0-9]{9}$')", {}, "1381234567", False, "ODK fn regex()"),
    ("regex(., '^[0-9]{6}$')", {}, "", False, "ODK fn regex(): a blank does not match"),
    # --- paths as pyxform writes them (names are unique in a form) -----------------------
    ("selected(../status, 'other')", {"status": "other"}, "", True,
     "ODK fn selected() on pyxform's or_other path"),
    ("/data/shop/bad > 0", {"bad": 2.0}, "", True, "XP 2: an absolute path to the field"),
    ("../../n + 1", {"n": 1.0}, "", 2.0, "XP 2: a relative path to the field"),
    # --- the answer being checked (.) --------------------------------------------------
    (". >= 0 and . <= 100", {}, 50.0, True, "XP 3.4: a number answer"),
    (". >= 0 and . <= 100", {}, 150.0, False, "XP 3.4"),
    (". > ${min}", {"min": 10.0}, 9.0, False, "XP 3.4"),
    ("string-length(.) <= 5", {}, "中文字", True, "ODK fn string-length()"),
    # --- a repeated question outside its entries: a node-set --------------------------
    ("count(${p})", {"p": xpath.Nodes((3.0, 4.0, ""))}, "", 3.0, "XP 4.1: count() of a set"),
    ("count(${p})", {"p": xpath.Nodes(())}, "", 0.0, "XP 4.1: no entries, count 0"),
    ("sum(${p})", {"p": xpath.Nodes((3.0, 4.5))}, "", 7.5, "XP 4.4: sum() of a set"),
    ("sum(${p})", {"p": xpath.Nodes((3.0, ""))}, "", NAN,
     "XP 4.4: a blank entry is NaN, so the sum is NaN"),
    ("sum(${p})", {"p": xpath.Nodes(())}, "", 0.0, "XP 4.4: the sum of no entries is 0"),
    ("max(${p})", {"p": xpath.Nodes((3.0, 9.0, 4.0))}, "", 9.0, "ODK fn max() of a set"),
    ("${p} > 8", {"p": xpath.Nodes((3.0, 9.0))}, "", True,
     "XP 3.4 sets: true when some entry is > 8"),
    ("${p} = 5", {"p": xpath.Nodes((3.0, 9.0))}, "", False, "XP 3.4 sets: no entry is 5"),
    ("${p} = ''", {"p": xpath.Nodes(())}, "", False,
     "XP 3.4 sets: nothing to compare in an empty set"),
    ("${p} + 1", {"p": xpath.Nodes((3.0, 9.0))}, "", 4.0, "XP 4.4: number() is the first's"),
    ("string(${p})", {"p": xpath.Nodes(("a", "b"))}, "", "a", "XP 4.2: the first node"),
    ("boolean(${p})", {"p": xpath.Nodes(("",))}, "", True,
     "XP 4.3: a non-empty set is true"),
    ("join(', ', ${p})", {"p": xpath.Nodes(("a", "b"))}, "", "a, b", "ODK fn join()"),
    ("indexed-repeat(${p}, ${r}, 2)", {"p#2": "b"}, "", "b", "ODK fn indexed-repeat()"),
    ("indexed-repeat(${p}, ${r}, 5)", {"p#2": "b"}, "", "",
     "ODK fn indexed-repeat(): no such entry is blank"),
    ("position(..)", {xpath.POSITION: 3.0}, "", 3.0, "XP 4.1: position() of the entry"),
    ("once(today())", {}, "", TODAY, "ODK fn once(): the value as first computed"),
    # --- more of the ODK XForms functions -------------------------------------------------
    ("substring('12345', 2, 3)", {}, "", "234", "XP 4.2: substring() is 1-based"),
    ("substring('12345', 1.5, 2.6)", {}, "", "234", "XP 4.2: positions are rounded"),
    ("substring('12345', 2)", {}, "", "2345", "XP 4.2: to the end"),
    ("substring-before('1999/04/01', '/')", {}, "", "1999", "XP 4.2 substring-before()"),
    ("substring-after('1999/04/01', '/')", {}, "", "04/01", "XP 4.2 substring-after()"),
    ("substring-after('abc', 'x')", {}, "", "", "XP 4.2: not found is ''"),
    ("translate('bar', 'abc', 'ABC')", {}, "", "BAr", "XP 4.2 translate()"),
    ("translate('--aaa--', 'abc-', 'ABC')", {}, "", "AAA", "XP 4.2: no counterpart, removed"),
    ("sqrt(16)", {}, "", 4.0, "ODK fn sqrt()"),
    ("sqrt(-1)", {}, "", NAN, "ODK fn sqrt(): outside its domain is NaN"),
    ("round(log10(1000), 6)", {}, "", 3.0, "ODK fn log10()"),
    ("round(exp10(2), 6)", {}, "", 100.0, "ODK fn exp10()"),
    ("round(pi(), 4)", {}, "", 3.1416, "ODK fn pi()"),
    ("round(atan2(1, 1) * 4, 4)", {}, "", 3.1416, "ODK fn atan2()"),
    ("count-non-empty(${p})", {"p": xpath.Nodes(("a", "", "b"))}, "", 2.0,
     "ODK fn count-non-empty()"),
    ("checklist(2, -1, ${a}, ${b}, ${c})", {"a": "yes", "b": "", "c": True}, "", True,
     "ODK fn checklist(): at least 2 true, no maximum"),
    ("checklist(1, 1, true(), true())", {}, "", False, "ODK fn checklist(): at most 1"),
    ("weighted-checklist(5, -1, ${a}, 3, ${b}, 4)", {"a": "x", "b": "y"}, "", True,
     "ODK fn weighted-checklist(): 3 + 4 >= 5"),
    ("digest('abc', 'SHA-256', 'hex')", {}, "",
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
     "ODK fn digest()"),
    ("format-date-time(date-time('2026-11-23T14:05:00'), '%Y-%m-%d %H:%M')", {}, "",
     "2026-11-23 14:05", "ODK fn format-date-time()"),
]


def _same(found: Any, expected: Any) -> bool:
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(found, float) and math.isnan(found)
    if isinstance(expected, bool):
        return found is expected
    if isinstance(expected, float):
        return isinstance(found, float) and (found == expected or math.isclose(
            found, expected, rel_tol=1e-9))
    return bool(found == expected and type(found) is type(expected))


@pytest.mark.parametrize("expression", ["uuid()", "random()", "concat('x', uuid())"])
def test_functions_that_change_at_each_computation_are_refused_with_why(
        expression: str) -> None:
    with pytest.raises(xpath.ExprError, match="new value each time"):
        xpath.parse(expression)


@pytest.mark.parametrize(("expression", "values", "current", "expected", "rule"), VECTORS,
                         ids=[v[0] for v in VECTORS])
def test_vector(expression: str, values: dict[str, Any], current: Any, expected: Any,
                rule: str) -> None:
    found = xpath.evaluate(xpath.parse(expression), values, current, TODAY)
    assert _same(found, expected), f"{expression} gave {found!r}, expected {expected!r} ({rule})"


def test_there_are_at_least_a_hundred_vectors_each_with_its_rule() -> None:
    assert len(VECTORS) >= 100
    assert all(rule.strip() for *_, rule in VECTORS)
