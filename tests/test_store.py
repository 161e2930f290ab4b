"""The store: partitioned Parquet + SQLite ledger, duplicates, superseding corrections, provenance,
ledger tables, and a real SIGKILL during a large ingest."""
from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from publisher import faults
from publisher.ingest.pipeline import ingest
from publisher.paths import PROJECT_DIR
from publisher.store import Store
from tests.ingest_helpers import make_ws, reg, tree_hash

HEAD = "station_id,time,so2,no2,co,o3,pm10,pm2_5\n"
FEED = PROJECT_DIR / "sample" / "air_cnemc_seed_cities_2026.csv.gz"  # the repository copy of the real feed


def test_real_feed_ingest_and_month_reads(tmp_path):
    ws = make_ws(tmp_path)
    [result] = ingest([FEED], ws, reg())
    assert result.status == "accepted" and result.rows == 133_444
    assert FEED.exists()  # outside the inbox: copied, not moved
    store = Store(ws)
    march = store.air_hourly(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert march["time"].min() == dt.datetime(2026, 3, 1, 1) and march["time"].max() == dt.datetime(2026, 4, 1)
    assert {"source_sha256", "source_row", "ingest_id"} <= set(march.columns)
    assert march["source_sha256"].unique().to_list() == [result.sha256]
    # partitions: one folder per month of the hour's start
    months = sorted(p.name for p in (ws.store / "air" / "year=2026").iterdir())
    assert months == ["month=02", "month=03", "month=04", "month=05", "month=06", "month=07"]
    tables = {r[0] for r in sqlite3.connect(ws.store / "ledger.sqlite").execute(
        "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"files", "ingests", "parts", "bulletins", "approvals", "publications", "events"} <= tables


def test_duplicate_drop_is_a_no_op(tmp_path):
    ws = make_ws(tmp_path)
    (ws.inbox / "a.csv").write_text(HEAD + "air-2594A,2026-05-01 01:00,5,10,0.5,60,40,20\n")
    assert ingest(None, ws, reg())[0].status == "accepted"
    before = tree_hash(ws.store)
    (ws.inbox / "a-again.csv").write_text(HEAD + "air-2594A,2026-05-01 01:00,5,10,0.5,60,40,20\n")
    [again] = ingest(None, ws, reg())
    assert again.status == "duplicate"
    assert tree_hash(ws.store) == before
    assert not (ws.inbox / "a-again.csv").exists()
    assert (ws.archive / again.sha256[:2] / again.sha256 / "a-again.csv").exists()  # not lost


def test_correction_supersedes_and_keeps_both_versions(tmp_path):
    ws = make_ws(tmp_path)
    (ws.inbox / "v1.csv").write_text(HEAD + "air-2594A,2026-05-01 01:00,5,10,0.5,60,40,20\n"
                                            "air-2594A,2026-05-01 02:00,6,10,0.5,60,40,20\n")
    [v1] = ingest(None, ws, reg())
    (ws.inbox / "v2.csv").write_text(HEAD + "air-2594A,2026-05-01 02:00,9,10,0.5,60,40,20\n")
    [v2] = ingest(None, ws, reg())
    assert v2.superseded == 1
    store = Store(ws)
    current = store.air_hourly(dt.date(2026, 4, 30), dt.date(2026, 5, 1))
    assert current.select("time", "so2", "ingest_id").rows() == [
        (dt.datetime(2026, 5, 1, 1), 5.0, v1.ingest_id), (dt.datetime(2026, 5, 1, 2), 9.0, v2.ingest_id)]
    history = store.sources_for("air", "air-2594A", dt.datetime(2026, 5, 1, 2), dt.datetime(2026, 5, 1, 2))
    assert history.select("so2", "source_name", "source_row", "current").rows() == [
        (6.0, "v1.csv", 3, False), (9.0, "v2.csv", 2, True)]


def test_water_store_and_ledger_accessors(tmp_path):
    ws = make_ws(tmp_path)
    (ws.inbox / "w.csv").write_text("断面名称,采样时间,水体类型,氨氮(mg/L),pH值\n北庙水库,2026-05-08,湖库,0.02L,7.5\n")
    [r] = ingest(None, ws, reg())
    store = Store(ws)
    df = store.water_samples("2026-05-01", "2026-05-31")
    assert df.select("item", "value", "below_dl", "raw").rows() == [("nh3_n", 0.02, True, "0.02L"),
                                                                   ("ph", 7.5, False, "7.5")]
    assert store.water_samples("2026-06-01", "2026-06-30").height == 0
    b = store.record_bulletin("water-sources", "2026-05", "output/water-sources/2026-05", "ab" * 32)
    b2 = store.record_bulletin("water-sources", "2026-05", "output/water-sources/2026-05", "cd" * 32)
    assert (b["revision"], b2["revision"]) == (1, 2)
    store.record_approval(b2["id"], "审核人", note="同意")
    store.record_publication(b2["id"], "website", "published", url="https://example.org/x")
    store.record_event("test", "subject", {"a": 1})
    assert len(store.approvals(b2["id"])) == 1 and len(store.publications()) == 1 and len(store.events()) == 1


def test_empty_store_reads_empty_frames(tmp_path):
    store = Store(make_ws(tmp_path))
    assert store.air_hourly("2026-05-01", "2026-05-31").height == 0
    assert store.water_samples("2026-05-01", "2026-05-31").height == 0
    assert not store.root.exists()


def _big_air_file(path: Path, hours: int, stations: int) -> None:
    times = pl.datetime_range(dt.datetime(2022, 1, 1, 1), dt.datetime(2022, 1, 1, 1) + dt.timedelta(hours=hours - 1),
                              "1h", eager=True)
    codes = ["air-2594A", "air-2595A", "air-2606A", "air-4153A", "air-1812A"][:stations]
    frame = pl.DataFrame({"station_id": codes}).join(pl.DataFrame({"time": times}), how="cross").with_columns(
        time=pl.col("time").dt.strftime("%Y-%m-%d %H:%M"), so2=pl.lit(5), no2=pl.lit(10), co=pl.lit(0.5),
        o3=pl.lit(60), pm10=pl.lit(40), pm2_5=(pl.int_range(pl.len()) % 30))
    frame.write_csv(path)


KILL_POINTS = {
    # killed before the ledger commits: the store must be exactly as it was
    "ingest-part-written": False, "ingest-parts-written": False, "ingest-parts-renamed": False,
    # killed after the commit: the ingest is whole
    "ingest-committed": True,
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_sigkill_during_large_ingest_leaves_the_store_as_it_was(tmp_path, point):
    ws = make_ws(tmp_path)
    (ws.inbox / "base.csv").write_text(HEAD + "air-2594A,2022-01-01 01:00,1,1,0.1,1,1,1\n")
    ingest(None, ws, reg())
    before = tree_hash(ws.store)
    seen_before = Store(ws).air_hourly("2021-12-01", "2026-12-31")
    big = tmp_path / "big.csv"
    _big_air_file(big, hours=4 * 8760, stations=5)  # 175,200 rows over 48 monthly partitions
    code = ("import sys; from publisher.ingest.pipeline import ingest; from publisher.paths import Workspace;"
            "from publisher import registry; ingest([sys.argv[1]], Workspace(__import__('pathlib').Path(sys.argv[2])),"
            " registry.load())")
    env = {**os.environ, faults.FAULT_ENV: point}
    killed = subprocess.run([sys.executable, "-c", code, str(big), str(ws.home)], env=env)
    assert killed.returncode == -signal.SIGKILL  # it did stop at the point
    store = Store(ws)
    after = store.air_hourly("2021-12-01", "2026-12-31")
    if KILL_POINTS[point]:
        assert store.ingests().height == 2 and after.height == 175_200
        return
    assert store.ingests().height == 1
    assert after.equals(seen_before)  # readers see exactly what they saw before
    store.recover()
    assert tree_hash(ws.store) == before  # and the folder is byte-for-byte as it was
    [done] = ingest([big], ws, reg())
    assert done.status == "accepted"
    assert Store(ws).air_hourly("2021-12-01", "2026-12-31").height == 175_200


def test_ingest_without_a_registry_uses_the_workspace_registry(tmp_path):
    """Station names are resolved to ids even when the caller passes no registry."""
    from publisher.ingest.pipeline import ingest
    from publisher.store import Store
    from tests.ingest_helpers import make_ws

    ws = make_ws(tmp_path)
    (ws.inbox / "w.csv").write_text("断面名称,采样时间,氨氮(mg/L)\n北庙水库,2026-05-08,0.1\n", encoding="utf-8")
    assert [r.status for r in ingest(None, ws)] == ["accepted"]
    stored = Store(ws).water_samples("2026-05-01", "2026-05-31")
    assert stored["station_id"].unique().to_list() == ["src-beimiao"]
    (ws.inbox / "x.csv").write_text("断面名称,采样时间,氨氮(mg/L)\n不存在的水库,2026-05-08,0.1\n", encoding="utf-8")
    assert [r.status for r in ingest(None, ws)] == ["rejected"]
