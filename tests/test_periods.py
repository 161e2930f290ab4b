import datetime as dt

import pytest

from publisher.errors import PublisherError
from publisher.periods import Period


@pytest.mark.parametrize("text,start,end,zh", [
    ("2026-02", dt.date(2026, 2, 1), dt.date(2026, 2, 28), "2026年2月"),
    ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29), "2024年2月"),
    ("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31), "2026年第一季度"),
    ("2026-q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31), "2026年第四季度"),
    ("2026-05-31", dt.date(2026, 5, 31), dt.date(2026, 5, 31), "2026年5月31日"),
    ("2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31), "2025年"),
])
def test_parse(text, start, end, zh):
    period = Period.parse(text)
    assert (period.start, period.end, period.label_zh) == (start, end, zh)


def test_shifts_cross_year_boundaries():
    assert Period.parse("2026-01").previous().label == "2025-12"
    assert Period.parse("2026-Q1").previous().label == "2025-Q4"
    assert Period.parse("2026-05").same_period_last_year().label == "2025-05"
    assert Period.parse("2026-Q2").same_period_last_year().label == "2025-Q2"
    assert Period.parse("2024-02-29").same_period_last_year().label == "2023-02-28"
    ytd = Period.parse("2026-05").year_to_date()
    assert (ytd.start, ytd.end) == (dt.date(2026, 1, 1), dt.date(2026, 5, 31))


@pytest.mark.parametrize("bad", ["2026-13", "2026-Q5", "May 2026", "2026-02-30"])
def test_bad_periods_are_named(bad):
    with pytest.raises(PublisherError, match="bad_period"):
        Period.parse(bad)
