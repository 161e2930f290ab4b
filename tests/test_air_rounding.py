"""Only published figures are rounded (docs/air-method.md §5): area daily values are means of the
stations' unrounded daily values, and period statistics start from the unrounded area values.

The expected figures are recomputed here from the real feed's hourly values with ``fractions.Fraction``
(independent code: no function of the package computes them), once with a single rounding and once
with the stations rounded first, so that each case shows the two orders giving different published
numbers, and the command prints the single-rounding one.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from fractions import Fraction

import polars as pl
import pytest
from click.testing import CliRunner

from publisher import standards
from publisher.cli import cli
from publisher.evaluate import air
from publisher.paths import PROJECT_DIR

FEED = PROJECT_DIR / "sample" / "air_cnemc_seed_cities_2026.csv.gz"
AREAS = {"2594A": "保山市", "2595A": "保山市", "2606A": "楚雄彝族自治州", "4153A": "楚雄彝族自治州"}
POLLUTANTS = ("so2", "no2", "co", "o3", "pm10", "pm2_5")
HALF = Fraction(1, 2)


def half_even(value: Fraction, decimals: int = 0) -> Fraction:
    """GB/T 8170 rounding (四舍六入五成双) of an exact fraction."""
    scaled = value * 10 ** decimals
    whole = math.floor(scaled)
    rest = scaled - whole
    if rest > HALF or (rest == HALF and whole % 2 == 1):
        whole += 1
    return Fraction(whole, 10 ** decimals)


@pytest.fixture(scope="module")
def station_days() -> dict[tuple[str, dt.date], dict[str, Fraction]]:
    """Exact daily values of the four stations: 24-h means of ≥ 20 hourly values, and the largest of
    the O3 8-h means of the windows ending 08:00 … 24:00 (≥ 6 hours each; the day valid with ≥ 14
    windows), from the feed's own text values."""
    raw = pl.read_csv(FEED, infer_schema_length=0).filter(pl.col("stationcode").is_in(list(AREAS)))
    hours: dict[tuple[str, dt.date], dict[str, dict[int, Fraction]]] = defaultdict(lambda: defaultdict(dict))
    for row in raw.iter_rows(named=True):
        end = dt.datetime.strptime(row["timepoint"], "%Y-%m-%dT%H%M")
        start = end - dt.timedelta(hours=1)
        for p in POLLUTANTS:
            text = row[p]
            if text not in (None, "", "NA", "/", "—"):
                hours[(row["stationcode"], start.date())][p][start.hour + 1] = Fraction(text)
    out: dict[tuple[str, dt.date], dict[str, Fraction]] = {}
    for key, by_pollutant in hours.items():
        values: dict[str, Fraction] = {}
        for p in ("so2", "no2", "co", "pm10", "pm2_5"):
            got = list(by_pollutant.get(p, {}).values())
            if len(got) >= 20:
                values[p] = sum(got, Fraction(0)) / len(got)
        o3 = by_pollutant.get("o3", {})
        windows = []
        for last in range(8, 25):
            got = [o3[h] for h in range(last - 7, last + 1) if h in o3]
            if len(got) >= 6:
                windows.append(sum(got, Fraction(0)) / len(got))
        if len(windows) >= 14:
            values["o3_8h"] = max(windows)
        out[key] = values
    return out


def area_values(station_days, area: str, day: dt.date, code: str) -> list[Fraction]:
    return [v[code] for (s, d), v in station_days.items() if d == day and AREAS[s] == area and code in v]


def once(values: list[Fraction], decimals: int = 0) -> Fraction:
    return half_even(sum(values, Fraction(0)) / len(values), decimals)


def stations_first(values: list[Fraction], decimals: int = 0) -> Fraction:
    return half_even(sum((half_even(v, decimals) for v in values), Fraction(0)) / len(values), decimals)


def iaqi(value: Fraction, points: list, levels: list) -> int:
    for i in range(1, len(points)):
        lo, hi = points[i - 1], points[i]
        if hi is None:
            break
        if value <= Fraction(str(hi)):
            return math.ceil(Fraction(levels[i] - levels[i - 1]) / (Fraction(str(hi)) - Fraction(str(lo)))
                             * (value - Fraction(str(lo))) + levels[i - 1])
    return 500


def percentile(values: list[Fraction], p: int) -> Fraction:
    xs = sorted(values)
    k = 1 + Fraction((len(xs) - 1) * p, 100)
    s = math.floor(k)
    if s >= len(xs):
        return xs[-1]
    return xs[s - 1] + (xs[s] - xs[s - 1]) * (k - s)


@pytest.fixture(scope="module")
def command(tmp_path_factory) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``publisher evaluate air FEED --areas … --area-daily … --period-stats …`` (month): its CSVs."""
    home = tmp_path_factory.mktemp("rounding")
    areas = home / "areas.csv"
    areas.write_text("station_id,area\n" + "".join(f"{s},{a}\n" for s, a in AREAS.items()), encoding="utf-8")
    daily, stats = home / "area_daily.csv", home / "stats.csv"
    result = CliRunner().invoke(cli, ["evaluate", "air", str(FEED), "--areas", str(areas), "--area-daily", str(daily),
                                      "--period-stats", str(stats), "--period", "month"])
    assert result.exit_code == 0, result.output
    return pl.read_csv(daily, infer_schema_length=0), pl.read_csv(stats, infer_schema_length=0)


def test_aqi_107_not_106_on_baoshan_2026_03_06(station_days, command):
    day = dt.date(2026, 3, 6)
    table = standards.in_force("hj633", day)
    levels = table["iaqi_levels"]["values"]
    single, double = {}, {}
    for code, indicator in table["daily"]["indicators"].items():
        values = area_values(station_days, "保山市", day, code)
        assert values, code
        decimals = 1 if code == "co" else 0
        single[code] = iaqi(once(values, decimals), table["breakpoints"][indicator], levels)
        double[code] = iaqi(stations_first(values, decimals), table["breakpoints"][indicator], levels)
    # PM2.5 66.78 µg/m³: 67 rounded once, 66 with the stations rounded first (66.5 → 66)
    pm = area_values(station_days, "保山市", day, "pm2_5")
    assert (once(pm), stations_first(pm)) == (67, 66)
    assert (max(single.values()), max(double.values())) == (107, 106)
    rows, _ = command
    row = rows.filter(pl.col("area") == "保山市", pl.col("date") == "2026-03-06").row(0, named=True)
    assert (row["pm2_5"], row["aqi"], row["level"]) == ("67", "107", "3")


def test_chuxiong_may_so2_mean_and_o3_percentile(station_days, command):
    days = [dt.date(2026, 5, d) for d in range(1, 32)]
    exact = {code: [] for code in ("so2", "o3_8h")}
    rounded = {code: [] for code in ("so2", "o3_8h")}
    for day in days:
        for code in exact:
            values = area_values(station_days, "楚雄彝族自治州", day, code)
            if values:
                exact[code].append(sum(values, Fraction(0)) / len(values))
                rounded[code].append(stations_first(values))
    # SO2 monthly mean 2.553…: 3 rounded once, 2 from the rounded daily values
    assert (once(exact["so2"]), once(rounded["so2"])) == (3, 2)
    # O3 daily maximum 8-h 90th percentile 104.71…: 105 rounded once, 104 from the rounded daily values
    assert (half_even(percentile(exact["o3_8h"], 90)), half_even(percentile(rounded["o3_8h"], 90))) == (105, 104)
    _, stats = command
    row = stats.filter(pl.col("area") == "楚雄彝族自治州", pl.col("period") == "2026-05").row(0, named=True)
    assert (row["so2"], row["o3_8h_p90"]) == ("3", "105")


def test_baoshan_april_co_percentile(station_days, command):
    exact, rounded = [], []
    for d in range(1, 31):
        values = area_values(station_days, "保山市", dt.date(2026, 4, d), "co")
        if values:
            exact.append(sum(values, Fraction(0)) / len(values))
            rounded.append(stations_first(values, 1))
    assert (half_even(percentile(exact, 95), 1), half_even(percentile(rounded, 95), 1)) == (Fraction(1, 2), Fraction(2, 5))
    _, stats = command
    row = stats.filter(pl.col("area") == "保山市", pl.col("period") == "2026-04").row(0, named=True)
    assert row["co_p95"] == "0.5"


def _hours(station: str, day: dt.date, value_of) -> list[dict]:
    return [{"station_id": station, "time": dt.datetime.combine(day, dt.time(0)) + dt.timedelta(hours=h),
             "so2": value_of(h), "no2": 10.0, "co": 0.5, "o3": 50.0, "pm10": 20.0, "pm2_5": 10.0}
            for h in range(1, 25)]


def test_area_mean_of_unrounded_station_values():
    """Station A's SO2 mean is 59/24 = 2.458… (printed 2), B's 83/24 = 3.458… (printed 3): the area value
    is (59 + 83)/48 = 2.958… → 3, where the printed values would give 2.5 → 2."""
    day = dt.date(2026, 5, 4)
    a = _hours("A", day, lambda h: 3.0 if h <= 11 else 2.0)   # 11·3 + 13·2 = 59
    b = _hours("B", day, lambda h: 4.0 if h <= 11 else 3.0)   # 11·4 + 13·3 = 83
    daily = air.daily_values(pl.DataFrame(a + b))
    assert daily.sort("station_id").get_column("so2").to_list() == [2.0, 3.0]
    link = pl.DataFrame({"station_id": ["A", "B"], "area": ["X", "X"]})
    area = air.area_daily(daily, link)
    assert area.get_column("so2").to_list() == [3.0]
    assert once([Fraction(59, 24), Fraction(83, 24)]) == 3
    # the printed values alone (a frame read back from a CSV) are taken as they are: 2.5 → 2
    printed = daily.drop([c for c in daily.columns if c.startswith(("num_", "den_"))])
    assert air.area_daily(printed, link).get_column("so2").to_list() == [2.0]
    # an exact tie of unrounded values rounds to even: A 2.25, B 2.75 → 2.5 → 2
    a = _hours("A", day, lambda h: 3.0 if h <= 6 else 2.0)    # 6·3 + 18·2 = 54 → 2.25
    b = _hours("B", day, lambda h: 3.0 if h <= 18 else 2.0)   # 18·3 + 6·2 = 66 → 2.75
    tie = air.area_daily(air.daily_values(pl.DataFrame(a + b)), link)
    assert tie.get_column("so2").to_list() == [2.0]


def test_period_statistics_from_unrounded_area_values():
    """Two days of one area: SO2 2.458… and 2.541… (printed 2 and 3; mean of printed 2.5 → 2); the mean of
    the unrounded values is exactly 2.5 → 2, and with the second day at 2.625 the mean 2.541… → 3."""
    link = pl.DataFrame({"station_id": ["A"], "area": ["X"]})
    d1, d2 = dt.date(2026, 5, 4), dt.date(2026, 5, 5)
    first = _hours("A", d1, lambda h: 3.0 if h <= 11 else 2.0)       # 59/24
    second = _hours("A", d2, lambda h: 3.0 if h <= 13 else 2.0)      # 61/24
    stats = air.period_stats(air.area_daily(air.daily_values(pl.DataFrame(first + second)), link), "month")
    assert stats.get_column("so2").to_list() == [2.0]                # (59 + 61)/48 = 2.5 exactly → 2
    third = _hours("A", d2, lambda h: 3.0 if h <= 15 else 2.0)       # 63/24 = 2.625
    stats = air.period_stats(air.area_daily(air.daily_values(pl.DataFrame(first + third)), link), "month")
    assert stats.get_column("so2").to_list() == [3.0]                # (59 + 63)/48 = 2.541… → 3


def test_exact_arithmetic_refuses_rather_than_overflows():
    """Station values over two huge coprime counts would need a common denominator beyond 128 bits: a clear
    error (exact_overflow), never a wrapped number."""
    from publisher.errors import InputError

    day = dt.date(2026, 5, 4)
    daily = air.daily_values(pl.DataFrame(_hours("A", day, lambda h: 3.0) + _hours("B", day, lambda h: 4.0)))
    big = [2 ** 61 - 1, 2 ** 61 - 3]  # coprime
    daily = daily.sort("station_id").with_columns(pl.Series("den_so2", big), pl.Series("num_so2", [b * 3000 for b in big]))
    link = pl.DataFrame({"station_id": ["A", "B"], "area": ["X", "X"]})
    with pytest.raises(InputError, match="exact_overflow"):
        air.area_daily(daily, link)
