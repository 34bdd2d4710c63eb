"""Typed answers: what a person types for a question, read as the question's type says
(numbers, dates and times as a Chinese keyboard writes them too)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from bot.i18n import N_
from bot.rules import xpath
from bot.rules.checklist import (
    Question,
)


@dataclass(frozen=True)
class Answer:
    value: str  # choice names separated by spaces, ISO date, number text, "lat lon", …
    skipped: bool = False


class Invalid(ValueError):
    """A typed answer that does not fit; `message` is an N_ id or the form's own message."""

    def __init__(self, message: str, own: str | None = None) -> None:
        super().__init__(own or message)
        self.message = message
        self.own = own  # the form's constraint message in the reader's language


TYPED = ("text", "integer", "decimal", "date", "time", "dateTime")


_TIME_RE = re.compile(r"^(\d{1,2})\s*[:：点時时]\s*(\d{1,2})\s*分?$")


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def parse_typed(question: Question, raw: str) -> str:
    """A typed answer as stored; Invalid when it is not of the question's type. Free text
    is kept exactly as typed (only the ends trimmed): full-width punctuation (，；：) is part
    of what the inspector wrote. Numbers and dates are read through NFKC, so full-width
    digits count."""
    text = raw.strip() if question.type == "text" else _normal(raw)
    if not text:
        raise Invalid(N_("Please type an answer."))
    if any(unicodedata.category(ch) in ("Cf", "Cc", "Cs", "Co", "Cn")
           and ch not in "\n\t" for ch in text):
        # What goes on the record must read as it holds (direction marks, zero-width or
        # control characters would not), issue 29.
        raise Invalid(N_("This answer holds invisible characters that could make it read"
                         " differently from what it says; please type it again."))
    if question.type == "integer":
        if not re.fullmatch(r"[+-]?\d{1,12}", text.replace(",", "")):
            raise Invalid(N_("Please type a whole number, such as 12."))
        return str(int(text.replace(",", "")))
    if question.type == "decimal":
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            raise Invalid(N_("Please type a number, such as 12.5.")) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise Invalid(N_("Please type a number, such as 12.5."))
        return repr(number).removesuffix(".0") if number.is_integer() else repr(number)
    if question.type == "date":
        match = _DATE_RE.match(text)
        try:
            if match is None:
                raise ValueError
            return date(*(int(g) for g in match.groups())).isoformat()
        except ValueError:
            raise Invalid(N_("Please type a date such as 2026-11-23 or 2026年11月23日."))\
                from None
    if question.type == "time":
        return _time(text)
    if question.type == "dateTime":
        day, _, clock = text.replace("T", " ").partition(" ")
        match = _DATE_RE.match(day.strip())
        try:
            if match is None or not clock.strip():
                raise ValueError
            return f"{date(*(int(g) for g in match.groups())).isoformat()}T{_time(clock)}"
        except (ValueError, Invalid):
            raise Invalid(N_("Please type a date and a time such as 2026-11-23 14:30."))\
                from None
    if len(text) > 1000:
        raise Invalid(N_("Please keep the answer under 1000 characters."))
    return text


def _time(text: str) -> str:
    match = _TIME_RE.match(text.strip())
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise Invalid(N_("Please type a time such as 14:30."))
    return f"{int(match.group(1)):02d}:{int(match.group(2)):02d}"


def typed_value(question: Question, value: str) -> xpath.Value:
    """An answer as the form's expressions see it: a number as a number, a date as a date
    (JavaRosa's unpacked values); other answers as their text."""
    if question.type in ("integer", "decimal"):
        try:
            return float(value)
        except ValueError:
            return value
    if question.type == "date":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if question.type == "dateTime":
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value
