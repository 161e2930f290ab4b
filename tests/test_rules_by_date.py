"""Rules are found by the date of the data, never by a table's position in its family.

A fake version of every evaluation family, in force from 2031-01-01 with every number changed, is added
through the real loader's overlay folder (PUBLISHER_STANDARDS_EXTRA). Every public evaluation of data
before 2031 must give exactly the frames it gives without the overlay; the same data moved to 2031 must
give other results (the overlay is live).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from publisher import ingest, registry, standards
from publisher.evaluate import air, water
from publisher.paths import PROJECT_DIR

FEED = PROJECT_DIR / "sample" / "air_cnemc_seed_cities_2026.csv.gz"
WATER = PROJECT_DIR / "tests" / "data" / "water_cli_en.csv"
FAMILIES = ("hj633", "gb3095", "hj663", "water_eval", "water_assessment", "gb3838", "gb14848", "gb3096", "hj640")
SWITCH = dt.date(2031, 1, 1)
#: keys whose numbers are structure (counts, decimals, class and level numbers, hours of a day), not limits:
#: changing them would make the fake table unreadable rather than different
STRUCTURAL = ("decimals", "hour", "class", "level", "group", "window", "count", "default")


def _changed(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: (v if k == "meta" else _changed(v, str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [_changed(v, key) for v in value]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or any(s in key for s in STRUCTURAL):
        return value
    if key in ("p", "from_year", "years"):
        return value
    return value * 2 if isinstance(value, int) else value * 1.5


def _write(folder: Path, data: dict) -> None:
    (folder / f"{data['meta']['id'].lower().replace('/', '-')}.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _overlay(folder: Path) -> None:
    for family in FAMILIES:
        latest = max(standards.versions(family), key=lambda t: t.effective_from)
        current = yaml.safe_load(latest.path.read_text(encoding="utf-8"))
        current["meta"]["effective_to"] = SWITCH - dt.timedelta(days=1)
        _write(folder, current)
        fake = _changed(yaml.safe_load(latest.path.read_text(encoding="utf-8")))
        fake["meta"].update(id=f"{latest.id}-FAKE2031", effective_from=SWITCH, effective_to=None)
        for phase in fake.get("phases") or []:       # GB 3095: one phase from the switch on
            phase["from"], phase["to"] = SWITCH, None
        if fake.get("phases"):
            fake["phases"] = fake["phases"][-1:]
        if "pending" in fake:
            fake["pending"]["from"] = SWITCH
        _write(folder, fake)


def _to_2031(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    return frame.with_columns(pl.col(column).dt.offset_by("5y"))


def _air(hourly: pl.DataFrame, areas: pl.DataFrame) -> dict[str, pl.DataFrame]:
    daily = air.daily_values(hourly)
    area = air.area_daily(daily, areas)
    out = {"hourly": air.hourly_aqi(hourly), "daily": daily, "area_daily": area}
    for period in ("month", "ytd", "year"):
        out[f"stats_{period}"] = air.period_stats(area, period)
    months = out["stats_month"]
    labels = sorted(months.get_column("period").unique().to_list())
    out["change"] = air.change(months.filter(pl.col("period") == labels[-1]),
                               months.filter(pl.col("period") == labels[-2]), keys=("area", "dust"))
    return out


def _water(samples: pl.DataFrame, stations: pl.DataFrame) -> dict[str, pl.DataFrame]:
    values = water.period_values(samples, "month")
    evaluated = water.evaluate(values, stations)
    return {
        "item_classes": water.item_classes(samples.join(stations.select(
            "station_id", pl.col("target_class").replace_strict({v: k for k, v in water.CLASS_LABELS.items()},
                                                                default=None, return_dtype=pl.Int8)),
            on="station_id", how="left")),
        "period_values": values,
        "evaluate_samples": water.evaluate(samples, stations),
        "evaluate": evaluated,
        "river_summary": water.river_summary(values, stations, by="river"),
        "lake_summary": water.lake_summary(values, stations),
        "compliance_rates": water.compliance_rates(evaluated.with_columns(pl.lit(1.0).alias("volume"))),
    }


@pytest.fixture(scope="module")
def inputs():
    reg = registry.load()
    hourly = ingest.read_air_files(FEED, registry=reg)
    hourly = hourly.filter(pl.col("time") < dt.datetime(2026, 5, 1))   # four months: enough for every rule
    stations = water.stations_frame(reg)
    samples = ingest.read_water_files(WATER, registry=reg)
    return hourly, reg.air_areas(), samples, stations


@pytest.fixture(scope="module")
def results(inputs, tmp_path_factory):
    hourly, areas, samples, stations = inputs
    before = {**_air(hourly, areas), **_water(samples, stations)}
    before_2031 = {**_air(_to_2031(hourly, "time"), areas), **_water(_to_2031(samples, "sampled_at"), stations)}
    folder = tmp_path_factory.mktemp("standards-2031")
    _overlay(folder)
    mp = pytest.MonkeyPatch()
    mp.setenv(standards.EXTRA_ENV, str(folder))
    standards.reload()
    try:
        assert standards.problems() == []
        for family in FAMILIES:
            assert standards.in_force(family, SWITCH).id.endswith("-FAKE2031")
            assert not standards.in_force(family, SWITCH - dt.timedelta(days=1)).id.endswith("-FAKE2031")
        with_overlay = {**_air(hourly, areas), **_water(samples, stations)}
        with_overlay_2031 = {**_air(_to_2031(hourly, "time"), areas),
                             **_water(_to_2031(samples, "sampled_at"), stations)}
    finally:
        mp.undo()
        standards.reload()
    return before, with_overlay, before_2031, with_overlay_2031


NAMES = ["hourly", "daily", "area_daily", "stats_month", "stats_ytd", "stats_year", "change", "item_classes",
         "period_values", "evaluate_samples", "evaluate", "river_summary", "lake_summary", "compliance_rates"]


@pytest.mark.parametrize("name", NAMES)
def test_a_future_version_changes_nothing_before_its_date(results, name):
    before, with_overlay, _, _ = results
    assert before[name].height > 0
    assert before[name].equals(with_overlay[name]), name


@pytest.mark.parametrize("name", ["hourly", "daily", "area_daily", "stats_month", "item_classes", "evaluate"])
def test_the_future_version_judges_data_of_its_date(results, name):
    _, _, before_2031, with_overlay_2031 = results
    assert not before_2031[name].equals(with_overlay_2031[name]), name


def test_report_decimals_needs_the_day():
    with pytest.raises(TypeError):
        water.report_decimals("nh3_n")  # type: ignore[call-arg]
    assert water.report_decimals("nh3_n", dt.date(2026, 5, 1)) == water.report_decimals("nh3_n", dt.date(2007, 1, 8))


def test_no_table_is_taken_by_its_position_in_its_family():
    """``versions(family)[i]`` picks "the first" or "the latest" table whatever the data's date: the library
    uses in_force / covering / rule instead (versions() only lists a family)."""
    import ast

    offenders = []
    for path in sorted((PROJECT_DIR / "publisher").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Call):
                func = node.value.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                # the loader itself reads the first table for data older than it (standards.rule, meta.earlier_data)
                if name == "versions" and path != PROJECT_DIR / "publisher" / "standards" / "__init__.py":
                    offenders.append(f"{path.relative_to(PROJECT_DIR)}:{node.lineno}")
    assert offenders == []
