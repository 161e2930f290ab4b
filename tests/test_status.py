"""Completeness status: expected vs received, bulletins held up, deadlines, platform AQI check."""
from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner

from publisher.cli import cli
from publisher.ingest.pipeline import ingest
from publisher.periods import Period
from publisher.paths import PROJECT_DIR
from publisher.operations.status import deadline, next_workday, render_text, status
from publisher.store import Store
from tests.ingest_helpers import make_ws, reg


def _air_rows(station: str, day: dt.date, hours: int) -> str:
    start = dt.datetime.combine(day, dt.time())
    return "".join(f"{station},{start + dt.timedelta(hours=h + 1):%Y-%m-%d %H:%M},5,10,0.5,60,40,20\n"
                   for h in range(hours))


def test_status_counts_and_bulletins(tmp_path):
    ws = make_ws(tmp_path)
    (ws.inbox / "air.csv").write_text("station_id,time,so2,no2,co,o3,pm10,pm2_5\n"
                                      + _air_rows("air-2594A", dt.date(2026, 5, 1), 24)
                                      + _air_rows("air-2594A", dt.date(2026, 5, 31), 10))
    (ws.inbox / "water.csv").write_text("断面名称,采样时间,氨氮(mg/L)\n北庙水库,2026-05-08,0.1\n")
    assert all(r.status == "accepted" for r in ingest(None, ws, reg()))
    report = status(ws, reg(), Period.parse("2026-05"), today=dt.date(2026, 6, 3))
    by_id = {s["station_id"]: s for s in report["stations"]}
    assert by_id["air-2594A"]["expected"] == 31 * 24 and by_id["air-2594A"]["received"] == 34
    assert by_id["src-beimiao"]["expected"] == 1 and by_id["src-beimiao"]["received"] == 1
    assert by_id["src-longwangtang"]["received"] == 0 and "src-longwangtang" in report["missing_stations"]
    assert by_id["air-2594A"]["latest"] == "2026-05-31 10:00"
    bulletins = {b["kind"]: b for b in report["bulletins"]}
    waiting = {w["station_id"] for w in bulletins["water-sources"]["waiting_for"]}
    assert "src-longwangtang" in waiting and "src-beimiao" not in waiting
    assert bulletins["water-sources"]["deadline"] == "2026-06-10"
    assert bulletins["air-daily"]["period"] == "2026-05-31"
    assert any(w["station_id"] == "air-2594A" for w in bulletins["air-daily"]["waiting_for"])  # 10 of 20 hours
    assert report["aqi_check"]["checked"] == 0


def test_deadlines_follow_the_holiday_schedule():
    # 2026-10-10 is a Saturday but a make-up working day after National Day: the deadline stays
    assert deadline("water-sections", Period.parse("2026-09")) == (dt.date(2026, 10, 10), False)
    # 2026-05-10 is a Sunday: the deadline moves to Monday 05-11
    assert deadline("air-monthly", Period.parse("2026-04")) == (dt.date(2026, 5, 11), False)
    assert deadline("water-sources-county", Period.parse("2025-Q4")) == (dt.date(2026, 1, 12), False)
    due, provisional = next_workday(dt.date(2031, 5, 10))  # a year the package does not know
    assert provisional and due.weekday() < 5


def test_platform_aqi_check_on_the_real_feed(tmp_path, monkeypatch):
    from tests.test_air_reference import SEED_EXCEPTIONS
    ws = make_ws(tmp_path)
    ingest([str(PROJECT_DIR / "sample" / "air_cnemc_seed_cities_2026.csv.gz")], ws, reg())
    monkeypatch.setenv("PUBLISHER_HOME", str(ws.home))
    out = CliRunner().invoke(cli, ["status", "--period", "2026-04", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["aqi_check"]["checked"] > 20_000
    assert data["aqi_check"]["differ"] == 0
    text = CliRunner().invoke(cli, ["status", "--period", "2026-Q2"])
    assert text.exit_code == 0 and "公报" in text.output
    # March holds hours where the platform's published AQI is not the one its own values give (the
    # reference README's known exceptions): status lists each of them, and nothing else
    march = json.loads(CliRunner().invoke(cli, ["status", "--period", "2026-03", "--json"]).stdout)["aqi_check"]
    listed = {(dt.datetime.strptime(h["time"], "%Y-%m-%d %H:%M").strftime("%Y-%m-%dT%H%M"),
               h["station_id"].removeprefix("air-")) for h in march["hours"]}
    assert march["differ"] == len(listed) > 0 and listed <= SEED_EXCEPTIONS
    text = CliRunner().invoke(cli, ["status", "--period", "2026-03"]).output
    for h in march["hours"]:
        assert f"{h['station_id']} {h['time']}：平台 {h['platform_aqi']}，本系统 {h['our_aqi']}" in text


def test_status_says_which_bulletins_were_built_and_how_late(tmp_path, monkeypatch):
    ws = make_ws(tmp_path)
    (ws.inbox / "water.csv").write_text("断面名称,采样时间,氨氮(mg/L)\n北庙水库,2026-05-08,0.1\n")
    ingest(None, ws, reg())
    Store(ws).record_bulletin("water-sources", "2026-05", ws.output / "water-sources" / "2026-05", "0" * 64)
    report = status(ws, reg(), Period.parse("2026-05"), today=dt.date(2026, 6, 12))
    sources = next(b for b in report["bulletins"] if b["kind"] == "water-sources")
    assert sources["built"] == 1 and sources["workdays_left"] == -2  # due Wed 06-10, today Fri 06-12
    text = render_text(report)
    assert "已编制（1 版）" in text and "已过 2 个工作日" in text
