"""Working days by the State Council's holiday arrangements (pure).

Holidays and make-up working weekends (调休) come from the `chinese-calendar` package for
the years it knows; the office loads the arrangement of a year it does not know yet
(`choucha calendar load`). For a year known to neither, Monday to Friday are assumed to
be working days and `unknown_years` says so, so that the office can be warned.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import chinese_calendar

_HOLIDAY_WORDS = {"holiday", "休", "假", "休息", "放假", "0", "false", "no"}
_WORKDAY_WORDS = {"workday", "班", "上班", "补班", "1", "true", "yes"}


@functools.cache
def package_years() -> range:
    """The years the installed chinese-calendar knows."""
    years = sorted({day.year for day in chinese_calendar.holidays})
    return range(years[0], years[-1] + 1)


@dataclass(frozen=True)
class Calendar:
    """`overrides` (day → working day?) are loaded arrangements; `loaded` their years."""

    overrides: Mapping[date, bool] = field(default_factory=dict)
    loaded: frozenset[int] = frozenset()
    _memo: dict[date, bool] = field(default_factory=dict, compare=False, repr=False)

    def known(self, year: int) -> bool:
        return year in self.loaded or year in package_years()

    def is_workday(self, day: date) -> bool:
        found = self._memo.get(day)
        if found is None:
            found = self._memo[day] = self._workday(day)
        return found

    def _workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year in self.loaded:
            return day.weekday() < 5
        if day.year in package_years():
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    def add(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n = 0: `day` itself if it is one, else the next)."""
        current = day
        if n == 0:
            while not self.is_workday(current):
                current += timedelta(days=1)
            return current
        counted = 0
        while counted < n:
            current += timedelta(days=1)
            if self.is_workday(current):
                counted += 1
        return current

    def between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative when end < start)."""
        if end < start:
            return -self.between(end, start)
        return sum(1 for i in range(1, (end - start).days + 1)
                   if self.is_workday(start + timedelta(days=i)))

    def hours_between(self, start: datetime, end: datetime, opens: time,
                      closes: time) -> float:
        """Working hours between two local times, counting only working days' office hours."""
        if end <= start:
            return 0.0
        total = 0.0
        day = start.date()
        while day <= end.date():
            if self.is_workday(day):
                open_at = datetime.combine(day, opens, start.tzinfo)
                close_at = datetime.combine(day, closes, start.tzinfo)
                lo, hi = max(start, open_at), min(end, close_at)
                if hi > lo:
                    total += (hi - lo).total_seconds() / 3600
            day += timedelta(days=1)
        return total

    def unknown_years(self, days: Iterable[date]) -> list[int]:
        return sorted({d.year for d in days if not self.known(d.year)})


class ArrangementError(ValueError):
    """A calendar file that cannot be read; the message names the row."""


def parse_arrangement(text: str) -> tuple[int, dict[date, bool]]:
    """A year's arrangement as CSV rows `date,kind[,name]` where kind is 休/holiday or
    班/workday (make-up working day). All rows must be of one year."""
    days: dict[date, bool] = {}
    years: set[int] = set()
    for number, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        if not row or not "".join(row).strip() or row[0].strip().lower() in ("date", "日期"):
            continue
        if len(row) < 2:
            raise ArrangementError(f"row {number}: expected date,kind")
        try:
            day = date.fromisoformat(row[0].strip())
        except ValueError:
            raise ArrangementError(f"row {number}: {row[0]!r} is not a date (YYYY-MM-DD)") \
                from None
        kind = row[1].strip().lower()
        if kind in _HOLIDAY_WORDS:
            days[day] = False
        elif kind in _WORKDAY_WORDS:
            days[day] = True
        else:
            raise ArrangementError(f"row {number}: kind {row[1]!r} is neither 休/holiday nor"
                                   " 班/workday")
        years.add(day.year)
    if len(years) != 1:
        raise ArrangementError("the file must list the days of exactly one year")
    return years.pop(), days
