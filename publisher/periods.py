"""Reporting periods: a day, a month, a quarter, a year, in Beijing time.

A period is written ``2026-05-01`` (day), ``2026-05`` (month), ``2026-Q2`` (quarter) or ``2026``
(year). Its ``start`` and ``end`` are dates, both inclusive.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from publisher.errors import PublisherError

_PATTERNS = (
    ("day", re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")),
    ("month", re.compile(r"^(\d{4})-(\d{2})$")),
    ("quarter", re.compile(r"^(\d{4})-[Qq]([1-4])$")),
    ("year", re.compile(r"^(\d{4})$")),
)


def beijing_now() -> dt.datetime:
    """The current time in Beijing (UTC+8, no daylight saving), naive."""
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=8)).replace(tzinfo=None)


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period with inclusive start and end dates."""

    start: dt.date
    end: dt.date
    unit: str

    @classmethod
    def parse(cls, text: str) -> "Period":
        text = text.strip()
        for unit, pattern in _PATTERNS:
            match = pattern.match(text)
            if not match:
                continue
            year = int(match.group(1))
            try:
                if unit == "day":
                    day = dt.date(year, int(match.group(2)), int(match.group(3)))
                    return cls(day, day, "day")
                if unit == "month":
                    return cls.month(year, int(match.group(2)))
                if unit == "quarter":
                    return cls.quarter(year, int(match.group(2)))
                return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")
            except ValueError as exc:
                raise PublisherError(f"期间 {text!r} 无效 (bad_period): {exc}") from exc
        raise PublisherError(
            f"期间 {text!r} 无法识别 (bad_period)：应为 2026-05-01、2026-05、2026-Q2 或 2026")

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        last = calendar.monthrange(year, month)[1]
        return cls(dt.date(year, month, 1), dt.date(year, month, last), "month")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> "Period":
        first = 3 * (quarter - 1) + 1
        return cls(dt.date(year, first, 1), cls.month(year, first + 2).end, "quarter")

    @property
    def label(self) -> str:
        """The period as written on the command line and in output paths."""
        if self.unit == "day":
            return self.start.isoformat()
        if self.unit == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.unit == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    @property
    def label_zh(self) -> str:
        """The period as bulletins print it: 2026年5月, 2026年第二季度, 2026年5月1日."""
        y, m = self.start.year, self.start.month
        if self.unit == "day":
            return f"{y}年{m}月{self.start.day}日"
        if self.unit == "month":
            return f"{y}年{m}月"
        if self.unit == "quarter":
            return f"{y}年第{'一二三四'[(m - 1) // 3]}季度"
        return f"{y}年"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same unit just before this one."""
        return self.shift(-1)

    def shift(self, n: int) -> "Period":
        if self.unit == "day":
            day = self.start + dt.timedelta(days=n)
            return Period(day, day, "day")
        if self.unit == "year":
            return Period(dt.date(self.start.year + n, 1, 1), dt.date(self.start.year + n, 12, 31), "year")
        step = 1 if self.unit == "month" else 3
        index = self.start.year * 12 + self.start.month - 1 + n * step
        year, month0 = divmod(index, 12)
        if self.unit == "month":
            return Period.month(year, month0 + 1)
        return Period.quarter(year, month0 // 3 + 1)

    def same_period_last_year(self) -> "Period":
        if self.unit == "day":
            try:
                day = self.start.replace(year=self.start.year - 1)
            except ValueError:  # 29 February
                day = self.start.replace(year=self.start.year - 1, day=28)
            return Period(day, day, "day")
        return self.shift({"month": -12, "quarter": -4, "year": -1}[self.unit])

    def year_to_date(self) -> "Period":
        """From 1 January of the period's year to the period's end."""
        return Period(dt.date(self.start.year, 1, 1), self.end, "ytd")

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label


def as_date(value: object) -> dt.date | None:
    """A date from a date, a datetime (its day) or ISO text (``2026-05-01``, or longer text whose first
    ten characters are one, such as ``2026-05-01 08:00``); None stays None. ValueError otherwise."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        if len(text) > 10 and text[10] in " T":
            return dt.date.fromisoformat(text[:10])
        raise


def months_between(first: dt.date, last: dt.date) -> list[tuple[int, int]]:
    """Every (year, month) from the month of `first` to the month of `last`, both included."""
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
