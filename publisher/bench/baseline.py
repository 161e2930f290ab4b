"""Daily AQI per station written the common hand-made way: pandas group-by for the daily sums and
counts, and a Python function applied to every station-day for the means, the O3 8-hour windows, the
IAQIs, the AQI and the primary pollutant.

It is the reference point of the bench's speed comparison and, on a small subset, a second
implementation that :mod:`publisher.evaluate.air` must agree with (``tests/test_bench.py``). It follows
the same rules (HJ 633-2012 before 2026-03-01, HJ 633-2026 from then; GB 3095 validity; HJ 663 O3
8-hour windows; GB/T 8170 half-to-even rounding; IAQIs rounded up) and reads the breakpoints from
:mod:`publisher.standards`, but computes everything row by row in plain Python.

pandas is an optional dependency (the ``test`` extra); ``pip install pandas`` if it is missing.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from publisher import standards

POLLUTANTS = ("so2", "no2", "co", "o3", "pm10", "pm2_5")
DAILY = ("so2", "no2", "co", "pm10", "pm2_5", "o3_8h", "o3_1h")
SOURCE = {"so2": "so2", "no2": "no2", "co": "co", "pm10": "pm10", "pm2_5": "pm2_5", "o3_8h": "o3", "o3_1h": "o3"}


def to_pandas(frame: pl.DataFrame):
    """The canonical hourly frame as a pandas DataFrame (without pyarrow)."""
    import pandas as pd

    cols = ["station_id", "time", *POLLUTANTS, "not_monitored"]
    data = {c: frame.get_column(c).to_numpy() if c in frame.columns else None for c in cols}
    if data["not_monitored"] is None:
        data["not_monitored"] = [None] * frame.height
    else:
        data["not_monitored"] = frame.get_column("not_monitored").to_list()
    data["station_id"] = frame.get_column("station_id").to_list()
    return pd.DataFrame(data)


def _in_force(family: str, day: dt.date) -> standards.Standard:
    return standards.in_force(family, day)


def half_even(num: int, den: int) -> int:
    """round(num / den), ties to even, for integers num >= 0, den > 0."""
    q, r = divmod(num, den)
    twice = 2 * r
    if twice > den:
        return q + 1
    if twice < den:
        return q
    return q + (q % 2)


def iaqi_of(value: int | None, unit: int, points: list, levels: list, top: int) -> int | None:
    """IAQI of an integer concentration in 1/`unit` of the table's unit, rounded up."""
    if value is None or value < 0:
        return None
    prev = None
    for i, point in enumerate(points):
        if point is None:
            break
        bp = int(round(point * unit))
        if i > 0 and value <= bp:
            lo = prev
            span = bp - lo
            num = (levels[i] - levels[i - 1]) * (value - lo)
            return levels[i - 1] + -((-num) // span)
        prev = bp
    return top


def _phase_limit(table: standards.Standard, day: dt.date, pollutant: str, averaging: str) -> float:
    for phase in table["phases"]:
        end = phase.get("to")
        if end is None or day <= (end if isinstance(end, dt.date) else dt.date.fromisoformat(str(end))):
            return phase["class2"][pollutant][averaging]
    return table["phases"][-1]["class2"][pollutant][averaging]


def station_day(row: Any) -> dict[str, Any]:
    """Everything about one station-day from its sums, counts and 24 hourly O3 values (milli-units)."""
    day = row["date"].date()
    hj = _in_force("hj633", day)
    gb = _in_force("gb3095", day)
    hj663 = _in_force("hj663", day)
    decimals = hj["rounding"]["concentration"]["decimals"]
    validity = gb["validity"]
    min_hours = int(validity["daily_min_hours"])
    win_len, win_min = int(validity["o3_8h_window_hours"]), int(validity["o3_8h_min_hours"])
    rule = hj663["o3_8h_daily_max"]
    units: dict[str, int | None] = {}
    for code in ("so2", "no2", "co", "pm10", "pm2_5"):
        n = int(row[f"n_{code}"])
        units[code] = half_even(int(row[f"s_{code}"]), n * (1000 // 10 ** int(decimals[code]))) \
            if n >= min_hours else None
    # O3: windows ending at hours 8..24 of the day, each over 8 hours of that day
    o3 = [row.get(f"o3h{h}") for h in range(1, 25)]
    o3 = [None if v is None or v != v else int(v) for v in o3]
    windows = []
    for end in range(int(rule["first_window_end_hour"]), int(rule["last_window_end_hour"]) + 1):
        got = [v for v in o3[end - win_len:end] if v is not None]
        if len(got) >= win_min:
            windows.append(half_even(sum(got), len(got) * 1000))
    best = max(windows) if windows else None
    limit = _phase_limit(gb, day, "o3", "daily_max_8h")
    ok = len(windows) >= int(rule["min_valid_windows"]) or (rule["exceedance_keeps_valid"] and best is not None
                                                           and best > limit)
    units["o3_8h"] = best if ok else None
    indicators = hj["daily"]["indicators"]
    n_o3 = int(row["n_o3"])
    units["o3_1h"] = None
    if "o3_1h" in indicators and n_o3 >= int(hj663["o3_1h_daily_max"]["min_hours"]):
        units["o3_1h"] = half_even(int(row["max_o3"]), 1000)
    flags = row.get("nm")
    not_monitored = set(flags.split(",")) if isinstance(flags, str) and flags else set()
    # IAQIs
    levels = hj["iaqi_levels"]["values"]
    top = int(hj["above_top_breakpoint"]["iaqi"])
    iaqis: dict[str, int | None] = {}
    for code in DAILY:
        if code not in indicators:
            iaqis[code] = None
            continue
        unit = 10 ** int(decimals.get(code, 0))
        value = units[code]
        special = (hj.get("above_800") or {}).get(indicators[code])
        if special and value is not None and value > special["above"] * unit:
            if special["action"] == "fixed":
                iaqis[code] = int(special["iaqi"])
            else:
                other = next(c for c, ind in indicators.items() if ind == special["indicator"])
                iaqis[code] = iaqi_of(units[other], 10 ** int(decimals.get(other, 0)),
                                      hj["breakpoints"][special["indicator"]], levels, top)
            continue
        iaqis[code] = iaqi_of(value, unit, hj["breakpoints"][indicators[code]], levels, top)
    used = [c for c in DAILY if c in indicators]
    present = [iaqis[c] for c in used if iaqis[c] is not None]
    raw = max(present) if present else None
    missing = sum(1 for c in used if iaqis[c] is None and SOURCE[c] not in not_monitored)
    above = (hj.get("missing_data") or {}).get("publish_only_above")
    aqi = raw if above is None or missing == 0 or (raw is not None and raw > above) else None
    if aqi is None:
        primary = None
    elif aqi > hj["primary_pollutant"]["aqi_above"]:
        primary = ",".join(c for c in DAILY if iaqis[c] == aqi)
    else:
        primary = ""
    out: dict[str, Any] = {"aqi": aqi, "primary_pollutant": primary, "standard": hj.id}
    for code in DAILY:
        value = units[code]
        out[code] = None if value is None else value / 10 ** int(decimals.get(code, 0))
        out[f"iaqi_{code}"] = iaqis[code]
    return out


def daily_aqi(hourly) -> Any:
    """Daily values and AQI per station and day from a pandas hourly frame (hour-END labels).

    Returns a pandas DataFrame: ``station_id, date`` and the columns of :func:`station_day`.
    """
    import pandas as pd

    df = hourly.copy()
    start = df["time"] - pd.Timedelta(hours=1)
    df["date"] = start.dt.normalize()
    df["hour"] = start.dt.hour + 1
    for p in POLLUTANTS:
        df[f"m_{p}"] = (df[p] * 1000).round()
    keys = ["station_id", "date"]
    grouped = df.groupby(keys)
    sums = grouped[[f"m_{p}" for p in POLLUTANTS]].sum().rename(columns=lambda c: "s_" + c[2:])
    counts = grouped[[f"m_{p}" for p in POLLUTANTS]].count().rename(columns=lambda c: "n_" + c[2:])
    peak = grouped["m_o3"].max().rename("max_o3")
    o3 = df.set_index(keys + ["hour"])["m_o3"].unstack("hour")
    o3.columns = [f"o3h{h}" for h in o3.columns]
    flagged = df.dropna(subset=["not_monitored"])
    nm = flagged.groupby(keys)["not_monitored"].agg(
        lambda s: ",".join(sorted({p for v in s for p in str(v).split(",") if p}))).rename("nm")
    day = pd.concat([sums, counts, peak, o3, nm], axis=1).reset_index()
    results = day.apply(station_day, axis=1, result_type="expand")
    return pd.concat([day[keys], results], axis=1)


def as_polars(result) -> pl.DataFrame:
    """The pandas result as a polars frame shaped like :func:`publisher.evaluate.air.daily_values`' columns."""
    data = {"station_id": result["station_id"].tolist(),
            "date": [d.date() for d in result["date"]]}
    for col in ("aqi", "primary_pollutant", "standard", *DAILY, *[f"iaqi_{c}" for c in DAILY]):
        data[col] = [None if (v is None or v != v) else v for v in result[col].tolist()]
    schema = {"station_id": pl.String, "date": pl.Date, "aqi": pl.Int64, "primary_pollutant": pl.String,
              "standard": pl.String, **{c: pl.Float64 for c in DAILY}, **{f"iaqi_{c}": pl.Int64 for c in DAILY}}
    for col, dtype in schema.items():
        if dtype == pl.Int64:
            data[col] = [None if v is None else int(v) for v in data[col]]
    return pl.DataFrame(data, schema=schema).sort("station_id", "date")
