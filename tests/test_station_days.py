"""Station-day aggregates kept by the store (issue 20): written in the ingest's transaction, brought up to
date when a later ingest corrects an hour, equal to a recomputation from the hours, and read by the
period statistics; the ledger's migrations that add them."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3

import polars as pl
import pytest

from publisher import registry as registry_mod
from publisher.bulletins.air import common as air_common
from publisher.evaluate import air
from publisher.evaluate.air import station_days as sd
from publisher.ingest.pipeline import ingest
from publisher.paths import PROJECT_DIR, Workspace
from publisher.store import SCHEMA_VERSION, Store, migrations

FEED = PROJECT_DIR / "sample" / "air_cnemc_seed_cities_2026.csv.gz"
HEAD = "station_id,time,so2,no2,co,o3,pm10,pm2_5\n"
FIRST, LAST = dt.date(2026, 2, 27), dt.date(2026, 7, 23)
STATION, HOUR = "air-2594A", dt.datetime(2026, 4, 28, 15)


def _areas(reg) -> pl.DataFrame:
    return reg.air_areas()


def _from_hours(store: Store, first=FIRST, last=LAST, mark=False) -> pl.DataFrame:
    hours = air_common.read_hourly(store, first, last, sorted(store.air_hourly(first, last)
                                                              .get_column("station_id").unique()))
    return air.daily_values(air.mark_not_monitored(hours) if mark else hours)


def _period_figures(daily: pl.DataFrame, areas: pl.DataFrame) -> dict[str, pl.DataFrame]:
    adaily = air.area_daily(daily, areas)
    return {"area_daily": adaily, **{p: air.period_stats(adaily, p) for p in ("month", "quarter", "ytd", "year")}}


def _ingest(ws: Workspace, reg, *paths) -> None:
    results = ingest(list(paths), ws, reg)
    assert [r.status for r in results] == ["accepted"] * len(paths), [(r.name, r.errors[:3]) for r in results]


@pytest.fixture(scope="module")
def reg():
    return registry_mod.load()


@pytest.fixture(scope="module")
def fed(tmp_path_factory, reg) -> Workspace:
    ws = Workspace(tmp_path_factory.mktemp("days") / "home")
    ws.inbox.mkdir(parents=True)
    _ingest(ws, reg, FEED)
    return ws


def test_the_ingest_writes_one_station_day_file_a_month_equal_to_the_hours(fed):
    store = Store(fed)
    with store.connect() as conn:
        listed = conn.execute("SELECT year, month, path, rules FROM station_days ORDER BY year, month").fetchall()
    assert [(y, m) for y, m, *_ in listed] == [(2026, m) for m in range(2, 8)]
    assert {r[3] for r in listed} == {sd.rules_key()}
    assert all((store.root / r[2]).exists() for r in listed)
    rows = store.air_days(FIRST, LAST)
    assert sd.daily_columns(rows).equals(_from_hours(store))
    hours = store.air_hourly(FIRST, LAST)
    assert rows.select(list(sd.AGGREGATES)).equals(sd.sort(sd.aggregate(hours)))
    # as the bulletins read them: "/" taken for a pollutant a station never reports in the range
    assert sd.daily_columns(store.air_days(FIRST, LAST, mark_absent=True)).equals(_from_hours(store, mark=True))


def test_a_corrected_hour_updates_its_station_day_and_every_period_figure(tmp_path, fed, reg):
    """Correct one hour with a later file: the station-day, the city's day and its monthly, quarterly,
    year-to-date and annual figures equal a recomputation from the hours, and they did change."""
    ws = Workspace(tmp_path / "home")
    shutil.copytree(fed.home, ws.home)
    store = Store(ws)
    areas = _areas(reg)
    kept = store.air_days(FIRST, LAST)
    assert store.air_days(FIRST, LAST) is kept   # read once while the files are the same (a province's month)
    before = _period_figures(sd.daily_columns(kept), areas)
    old = store.air_hourly(HOUR, HOUR, stations=[STATION]).row(0, named=True)
    (ws.inbox / "correction.csv").write_text(
        HEAD + f"{STATION},{HOUR:%Y-%m-%d %H:%M},{old['so2']},{old['no2']},{old['co']},900,{old['pm10']},480\n",
        encoding="utf-8")
    _ingest(ws, reg, ws.inbox / "correction.csv")
    # aggregates and daily values equal those of the current hours
    hours = store.air_hourly(FIRST, LAST)
    rows = store.air_days(FIRST, LAST)
    assert rows is not kept   # the month's file changed: read again
    assert rows.select(list(sd.AGGREGATES)).equals(sd.sort(sd.aggregate(hours)))
    recomputed = air.daily_values(hours)
    assert sd.daily_columns(rows).equals(recomputed)
    day = rows.filter((pl.col("station_id") == STATION) & (pl.col("date") == HOUR.date())).row(0, named=True)
    assert day["_o3h15"] == 900_000 and day["_max_o3"] == 900_000
    # every dependent figure equals the recomputation, and the correction shows in it
    after = _period_figures(sd.daily_columns(rows), areas)
    again = _period_figures(recomputed, areas)
    for name, frame in after.items():
        assert frame.equals(again[name]), name
    city = areas.filter(pl.col("station_id") == STATION).get_column("area").to_list()
    for name, label in (("month", "2026-04"), ("quarter", "2026Q2"), ("ytd", "2026-01~04"), ("year", "2026")):
        was = before[name].filter(pl.col("area").is_in(city) & (pl.col("period") == label))
        now = after[name].filter(pl.col("area").is_in(city) & (pl.col("period") == label))
        assert was.height == now.height > 0 and not was.equals(now), name
    # only that month's file was replaced; the others are the ones the first ingest wrote
    with store.connect() as conn:
        paths = dict(((y, m), p) for y, m, p in conn.execute("SELECT year, month, path FROM station_days"))
    assert paths[(2026, 4)].endswith("days-2.parquet") and paths[(2026, 5)].endswith("days-1.parquet")
    assert sorted(p.name for p in (store.root / "air_days" / "year=2026" / "month=04").iterdir()) == ["days-2.parquet"]
    # the monthly bulletin's path (station-days) and the hours' path give the same city days
    ids = sorted(areas.filter(pl.col("area").is_in(city)).get_column("station_id"))
    link = areas.filter(pl.col("area").is_in(city))
    stored = air_common.evaluate_stored(store, FIRST, LAST, ids, link)
    direct = air_common.evaluate(air_common.read_hourly(store, FIRST, LAST, ids), link)
    assert stored[0].equals(direct[0]) and stored[1].equals(direct[1])


def test_station_days_of_other_rules_are_evaluated_again_then_rebuilt(tmp_path, fed):
    ws = Workspace(tmp_path / "home")
    shutil.copytree(fed.home, ws.home)
    store = Store(ws)
    expected = store.air_days(FIRST, LAST)
    with sqlite3.connect(store.ledger_path) as conn:
        conn.execute("UPDATE station_days SET rules='made-by-an-earlier-program' WHERE month IN (3, 5)")
    # the stored daily values are not trusted: they are evaluated again from the aggregates
    assert store.air_days(FIRST, LAST).equals(expected)
    assert store.rebuild_station_days(stale_only=True) == 2
    with store.connect() as conn:
        assert {r[0] for r in conn.execute("SELECT rules FROM station_days")} == {sd.rules_key()}
    assert store.air_days(FIRST, LAST).equals(expected)
    assert len(list((store.root / "air_days").rglob("*.parquet"))) == 6   # the replaced files are gone


def test_a_first_schema_ledger_is_migrated_to_what_a_new_one_is(tmp_path, fed):
    """A version-1 ledger (the first schema, written before station-days existed) with stored hours:
    migrating it gives the tables of a new ledger, the station-day files, and one event."""
    ws = Workspace(tmp_path / "home")
    (ws.store / "air").mkdir(parents=True)
    shutil.copytree(fed.store / "air", ws.store / "air", dirs_exist_ok=True)
    source = sqlite3.connect(fed.store / "ledger.sqlite")
    conn = sqlite3.connect(ws.store / "ledger.sqlite")
    migrations.MIGRATIONS[1](conn, None)
    for table, columns in (("files", 8), ("ingests", 10), ("parts", 6)):
        rows = source.execute(f"SELECT * FROM {table}").fetchall()
        conn.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * columns)})", rows)
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = Store(ws)
    assert store.air_days(FIRST, LAST).equals(Store(fed).air_days(FIRST, LAST))

    def schema(path):
        with sqlite3.connect(path) as c:
            return c.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").fetchall()
    assert schema(ws.store / "ledger.sqlite") == schema(fed.store / "ledger.sqlite")
    with sqlite3.connect(ws.store / "ledger.sqlite") as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert [e["detail"] for e in store.events("ledger.migrated")] == [json.dumps({"from": 1, "to": SCHEMA_VERSION})]
    assert len(list((ws.store / "air_days").rglob("*.parquet"))) == 6


def test_migrations_are_ordered_and_a_new_ledger_takes_them_all():
    assert list(migrations.MIGRATIONS) == list(range(1, SCHEMA_VERSION + 1))
    assert migrations.steps(0, has_tables=False) == [1, 2, 3, 4, 5]
    assert migrations.steps(0, has_tables=True) == [2, 3, 4, 5]   # before versions were kept: stamped 1
    assert migrations.steps(2, has_tables=True) == [3, 4, 5]
    assert migrations.steps(5, has_tables=True) == []


def _documented_query() -> str:
    text = (PROJECT_DIR / "docs" / "performance.md").read_text(encoding="utf-8")
    start = text.index("```sql\n", text.index("## Beyond one machine")) + len("```sql\n")
    return text[start:text.index("```", start)]


def test_the_documented_duckdb_query_gives_our_monthly_figures(fed, reg, tmp_path):
    """The DuckDB example of docs/performance.md, run over the store's hive-partitioned station-day files,
    gives each city's monthly PM2.5 that period_stats gives."""
    duckdb = pytest.importorskip("duckdb")
    store = Store(fed)
    areas = reg.air_areas()
    areas.write_csv(tmp_path / "areas.csv")
    files = [str(p) for p in store.station_day_files()]
    assert len(files) == 6 and all("/air_days/year=2026/month=" in f for f in files)
    ours = air.period_stats(air.area_daily(sd.daily_columns(store.air_days(FIRST, LAST)), areas), "month")
    compared = 0
    for month in (3, 4, 5, 6):
        rows = duckdb.execute(_documented_query(), {"files": files, "year": 2026, "month": month,
                                                    "areas": str(tmp_path / "areas.csv")}).fetchall()
        theirs = {area: value for area, _days, value in rows}
        mine = {r["area"]: r["pm2_5"] for r in ours.filter(pl.col("period") == f"2026-{month:02d}").to_dicts()}
        assert theirs.keys() == mine.keys() and len(mine) >= 6
        assert theirs == mine, month
        compared += len(mine)
    assert compared >= 24
