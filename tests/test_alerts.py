"""Exceedance alerts raised by the ingest that brings the data: once per (rule, station, time), closed by a
correction, sent through the outbox and a webhook, listed by `publisher alerts` and `publisher audit`.
Real workspace, store, ingest, HTTP server on loopback."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from click.testing import CliRunner

from publisher.cli import cli
from publisher.errors import PublisherError
from publisher.ingest.pipeline import ingest
from publisher.operations import alerts, notify
from publisher.store import Store
from tests.ingest_helpers import make_ws
from tests.notify_helpers import Robot, webhook_server

HEADER = "点位名称,采样时间,水温(℃),pH值,溶解氧(mg/L),高锰酸盐指数(mg/L),氨氮(mg/L),总磷(mg/L)\n"
AIR_HEADER = "站点名称,监测时间,SO2(μg/m3),NO2(μg/m3),CO(mg/m3),O3(μg/m3),PM10(μg/m3),PM2.5(μg/m3)\n"


def _drop(ws, name: str, rows: str, header: str = HEADER) -> None:
    ws.inbox.mkdir(parents=True, exist_ok=True)
    (ws.inbox / name).write_text(header + rows, encoding="utf-8")


def _cli(ws, monkeypatch, *args):
    monkeypatch.setenv("PUBLISHER_HOME", str(ws.home))
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


def _air_rows(day: dt.date, pm25: float, pm10: float, station: str = "腾冲市城区站") -> str:
    rows = []
    for hour in range(1, 25):
        end = dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hour)
        rows.append(f"{station},{end:%Y-%m-%d %H:%M},8,20,0.6,40,{pm10},{pm25}\n")
    return "".join(rows)


def test_done_when_one_exceeding_source_sample_one_alert_outbox_webhook_list_audit(tmp_path, monkeypatch):
    ws = make_ws(tmp_path)
    robot = Robot(fail_first=1)
    with webhook_server(robot) as base:
        (ws.home / "notify.yaml").write_text(f"webhook:\n  url: {base}/robot/send\n  format: wecom\n",
                                             encoding="utf-8")
        _drop(ws, "北庙水库-202605.csv", "北庙水库,2026-05-08 10:00,18.2,7.6,7.9,2.1,0.12,0.08\n")
        out = _cli(ws, monkeypatch, "ingest", "-q").output
        assert "⚠ 超标预警 #1" in out and "总磷 0.08mg/L（Ⅲ类限值 0.05mg/L，超标 0.6 倍）" in out
        rows = alerts.listing(ws)
        assert len(rows) == 1
        alert = rows[0]
        assert {k: alert[k] for k in ("rule", "station_id", "station_name", "time", "value", "limit", "state")} == {
            "rule": "source_exceedance", "station_id": "src-beimiao", "station_name": "北庙水库",
            "time": "2026-05-08 10:00", "value": 0.08, "limit": 0.05, "state": "open"}
        assert set(alerts.COLUMNS) <= set(alert)
        # through the outbox and the webhook (its first answer a 503, retried within the attempt)
        letters = list((ws.home / "outbox" / "alerts").rglob("*.txt"))
        assert len(letters) == 1 and "北庙水库" in letters[0].read_text(encoding="utf-8")
        assert len(robot.requests) == 2 and "北庙水库" in robot.requests[-1]["body"]["text"]["content"]
        assert {(r["channel"], r["status"]) for r in notify.listing(ws)} == {("outbox", "sent"), ("webhook", "sent")}

        # dropped again (the same bytes, then the same values in another file): nothing new
        _drop(ws, "北庙水库-202605.csv", "北庙水库,2026-05-08 10:00,18.2,7.6,7.9,2.1,0.12,0.08\n")
        _cli(ws, monkeypatch, "ingest", "-q")
        _drop(ws, "北庙水库-202605-再报.csv", "北庙水库,2026-05-08 10:00,18.2,7.6,7.9,2.1,0.12,0.080\n")
        again = _cli(ws, monkeypatch, "ingest", "-q").output
        assert "超标预警" not in again
        assert len(alerts.listing(ws)) == 1 and len(notify.listing(ws)) == 2 and len(robot.requests) == 2

    listed = json.loads(_cli(ws, monkeypatch, "alerts", "--open", "--json").stdout)
    assert [a["id"] for a in listed] == [1]
    assert "北庙水库" in _cli(ws, monkeypatch, "alerts").output
    report = json.loads(_cli(ws, monkeypatch, "audit", "--year", "2026", "--today", "2026-06-20", "--json").stdout)
    assert [a["id"] for a in report["alerts"]] == [1]
    assert any(u["key"] == "alert:1" for u in report["unexplained_exceedances"])
    page = (ws.output / "audit" / "2026" / "index.html").read_text(encoding="utf-8")
    assert "北庙水库" in page and "超标预警" in page


def test_the_alert_is_in_the_ingest_transaction(tmp_path):
    ws = make_ws(tmp_path)
    _drop(ws, "北庙水库-202605.csv", "北庙水库,2026-05-08 10:00,18.2,7.6,7.9,2.1,0.12,0.08\n")
    [result] = ingest(None, ws)
    conn = sqlite3.connect(Store(ws).ledger_path)
    try:
        row = conn.execute("SELECT ingest_id, raised_by FROM alerts").fetchone()
        queued = conn.execute("SELECT channel, status FROM notifications").fetchall()
    finally:
        conn.close()
    assert row[0] == result.ingest_id and "北庙水库-202605.csv" in row[1]
    assert queued == [("outbox", "pending")]   # queued with the alert; sent by dispatch


def test_a_correction_closes_the_alert_and_a_new_exceedance_reopens_it(tmp_path):
    ws = make_ws(tmp_path)
    _drop(ws, "a.csv", "北庙水库,2026-05-08 10:00,18.2,7.6,7.9,2.1,0.12,0.08\n")
    ingest(None, ws)
    _drop(ws, "b-更正.csv", "北庙水库,2026-05-08 10:00,18.2,7.6,7.9,2.1,0.12,0.03\n")
    ingest(None, ws)
    [row] = alerts.listing(ws)
    assert row["state"] == "closed" and "b-更正.csv" in row["note"] and "不再超标" in row["note"]
    assert alerts.listing(ws, open_only=True) == []
    # a correction of one item only: the stored items of the same sample still count
    _drop(ws, "c.csv", "北庙水库,2026-05-08 10:00,,,,,1.6,\n")
    ingest(None, ws)
    [row] = alerts.listing(ws)
    assert row["state"] == "open" and "再次超标" in row["note"] and "氨氮" in row["message_zh"]
    assert "总磷" not in row["message_zh"]
    assert len(notify.listing(ws)) == 1   # one alert, notified once


def test_a_section_worse_than_its_target_or_at_inferior_v(tmp_path):
    ws = make_ws(tmp_path)
    _drop(ws, "sections.csv",
          "右甸河田园,2026-05-06 10:00,18,7.5,7.0,3.0,0.3,0.5\n"      # TP 0.5 > Ⅴ 0.4: 劣Ⅴ, target Ⅲ
          "龙川江曲石,2026-05-06 11:00,18,7.5,7.5,5.0,0.3,0.05\n"     # CODMn 5.0: Ⅲ, target Ⅱ: one class worse
          "龙川江龙江,2026-05-06 12:00,18,7.5,8.0,1.5,0.1,0.05\n")    # Ⅱ, target Ⅱ
    ingest(None, ws)
    found = {a["station_id"]: a for a in alerts.listing(ws)}
    assert set(found) == {"sec-youdian-tianyuan", "sec-longchuan-qushi"}
    assert "水质 劣Ⅴ 类，目标 Ⅲ 类" in found["sec-youdian-tianyuan"]["message_zh"]
    assert found["sec-youdian-tianyuan"]["value"] == 0.5 and found["sec-youdian-tianyuan"]["limit"] == 0.2
    assert "水质 Ⅲ 类，目标 Ⅱ 类" in found["sec-longchuan-qushi"]["message_zh"]
    assert "高锰酸盐指数" in found["sec-longchuan-qushi"]["message_zh"]


def test_rules_are_data(tmp_path):
    ws = make_ws(tmp_path)
    (ws.home / "alerts.yaml").write_text("rules:\n  source_exceedance:\n    enabled: false\n", encoding="utf-8")
    _drop(ws, "a.csv", "北庙水库,2026-05-08 10:00,18.2,7.6,7.9,2.1,0.12,0.08\n")
    ingest(None, ws)
    assert alerts.listing(ws) == []
    for text, word in (("rules:\n  nope: {}\n", "未知的规则"), ("rules:\n  air_city_day:\n    aqi_above: -1\n", "非负整数"),
                       ("rules:\n  air_city_day:\n    level: 3\n", "没有设置项"), ("- a\n", "应为一个映射")):
        (ws.home / "alerts.yaml").write_text(text, encoding="utf-8")
        with pytest.raises(PublisherError, match="bad_alerts_config") as err:
            alerts.Config.load(ws)
        assert word in str(err.value)
    assert alerts.Config.load(None).get("air_city_day", "aqi_above") == 200


def test_air_hours_city_days_and_an_episode_then_a_correction(tmp_path):
    ws = make_ws(tmp_path)
    days = [dt.date(2026, 1, 10) + dt.timedelta(days=i) for i in range(4)]
    # three days of PM2.5 200 μg/m³ (IAQI 250, 重度污染), then a clean day
    _drop(ws, "腾冲-202601.csv", "".join(_air_rows(d, 200, 250) for d in days[:3]) + _air_rows(days[3], 30, 50),
          AIR_HEADER)
    [result] = ingest(None, ws)
    assert result.status == "accepted"
    rows = alerts.listing(ws)
    by_rule: dict[str, list] = {}
    for row in rows:
        by_rule.setdefault(row["rule"], []).append(row)
    assert len(by_rule["air_station_hour"]) == 72
    assert [r["time"] for r in by_rule["air_city_day"]] == ["2026-01-10", "2026-01-11", "2026-01-12"]
    assert all(r["station_id"] == "腾冲市" and r["value"] == 250 and r["limit"] == 200 for r in by_rule["air_city_day"])
    [episode] = by_rule["air_episode"]
    assert episode["time"] == "2026-01-10" and "连续 3 天" in episode["message_zh"]
    hour = by_rule["air_station_hour"][0]
    assert hour["time"] == "2026-01-10 01:00" and "PM2.5" in hour["message_zh"] and "重度污染" in hour["message_zh"]
    # one digest notification per ingest and channel, however many alerts
    [queued] = notify.listing(ws)
    assert queued["title"].endswith("等 76 条")

    # the second day is corrected: its hours and its city day close, and three days are no longer an episode
    _drop(ws, "腾冲-20260111-更正.csv", _air_rows(days[1], 30, 50), AIR_HEADER)
    ingest(None, ws)
    closed = {(r["rule"], r["time"][:10]) for r in alerts.listing(ws) if r["state"] == "closed"}
    assert ("air_city_day", "2026-01-11") in closed and ("air_episode", "2026-01-10") in closed
    assert sum(1 for r in alerts.listing(ws) if r["state"] == "closed" and r["rule"] == "air_station_hour") == 24
    assert {(r["rule"], r["time"]) for r in alerts.listing(ws, open_only=True) if r["rule"] != "air_station_hour"} == {
        ("air_city_day", "2026-01-10"), ("air_city_day", "2026-01-12")}


def test_silence_checks_raise_once_and_close_when_data_arrive(tmp_path):
    ws = make_ws(tmp_path)
    _drop(ws, "腾冲-202601.csv", _air_rows(dt.date(2026, 1, 10), 20, 30), AIR_HEADER)
    _drop(ws, "北庙水库-202601.csv", "北庙水库,2026-01-08 10:00,12,7.6,7.9,2.1,0.12,0.02\n")
    ingest(None, ws)
    # 6 hours after the last hour: nothing yet; 8 hours after: the station is silent
    assert alerts.check_silence(ws, dt.datetime(2026, 1, 11, 6, 0)).get("new") == []
    done = alerts.check_silence(ws, dt.datetime(2026, 1, 11, 8, 0))
    [silent] = [r for r in alerts.listing(ws) if r["rule"] == "silent_hourly"]
    assert silent["station_id"] == "air-tc-s1" and silent["time"] == "2026-01-11 00:00" and len(done["new"]) == 1
    assert alerts.check_silence(ws, dt.datetime(2026, 1, 11, 9, 0)).get("new") == []   # once
    # past the 20th, every monthly station without a January sample, but 北庙水库 which has one
    alerts.check_silence(ws, dt.datetime(2026, 1, 21, 9, 0))
    late = {r["station_id"] for r in alerts.listing(ws, open_only=True) if r["rule"] == "silent_sampling"}
    assert "src-longwangtang" in late and "src-beimiao" not in late
    # the data arrive: the air station's silence and 龙王塘's overdue sample close at the next check
    _drop(ws, "腾冲-20260111.csv", _air_rows(dt.date(2026, 1, 11), 20, 30), AIR_HEADER)
    ingest(None, ws)
    alerts.check_silence(ws, dt.datetime(2026, 1, 12, 3, 0))
    assert silent["id"] in alerts.check_silence(ws, dt.datetime(2026, 1, 12, 3, 0)).get("closed", []) or \
        next(r for r in alerts.listing(ws) if r["id"] == silent["id"])["state"] == "closed"
    assert "数据已恢复" in next(r for r in alerts.listing(ws) if r["id"] == silent["id"])["note"]
    _drop(ws, "龙王塘-202601.csv", "龙王塘,2026-01-22 10:00,12,7.6,7.9,2.1,0.12,0.02\n")
    ingest(None, ws)
    alerts.check_silence(ws, dt.datetime(2026, 1, 22, 11, 0))
    states = {(r["rule"], r["station_id"]): r for r in alerts.listing(ws)}
    assert states[("silent_sampling", "src-longwangtang")]["state"] == "closed"
    assert states[("silent_sampling", "src-longquanmen")]["state"] == "open"


def test_a_broken_rules_file_never_costs_the_data(tmp_path):
    ws = make_ws(tmp_path)
    (ws.home / "alerts.yaml").write_text("rules:\n  source_exceedance: {enabled: maybe}\n", encoding="utf-8")
    _drop(ws, "a.csv", "北庙水库,2026-05-08 10:00,18.2,7.6,7.9,2.1,0.12,0.08\n")
    [result] = ingest(None, ws)
    assert result.status == "accepted" and alerts.listing(ws) == []
    [event] = Store(ws).events("alerts.evaluation_failed")
    assert "bad_alerts_config" in json.loads(event["detail"])["error"]


def test_publisher_check_validates_alerts_yaml_with_the_messages_of_loading(tmp_path, monkeypatch):
    """``publisher check`` reads the workspace's alerts.yaml as an ingest would: each broken file fails the
    check with the very message ``alerts.Config.load`` raises (file, reason, ``bad_alerts_config``)."""
    ws = make_ws(tmp_path)
    monkeypatch.setenv("PUBLISHER_HOME", str(ws.home))
    ok = CliRunner().invoke(cli, ["check"])
    assert ok.exit_code == 0, ok.output
    n = len(alerts.RULES)
    assert f"alerts: {n} of {n} rules enabled ({alerts.DEFAULT_CONFIG})" in ok.output
    (ws.home / "alerts.yaml").write_text("rules:\n  air_episode:\n    enabled: false\n", encoding="utf-8")
    ok = CliRunner().invoke(cli, ["check"])
    assert ok.exit_code == 0 and f"alerts: {n - 1} of {n} rules enabled ({ws.home / 'alerts.yaml'})" in ok.output
    for text, word in (("rules:\n  nope: {}\n", "未知的规则"), ("rules:\n  air_city_day:\n    aqi_above: -1\n", "非负整数"),
                       ("rules:\n  silent_sampling:\n    due_day: 31\n", "1 到 28"), ("- a\n", "应为一个映射"),
                       ("rules: [\n", "无法读取"), ("#" * 70_000 + "\n", "过大")):   # bounded like every config
        (ws.home / "alerts.yaml").write_text(text, encoding="utf-8")
        with pytest.raises(PublisherError) as err:
            alerts.Config.load(ws)
        bad = CliRunner().invoke(cli, ["check"])
        assert bad.exit_code == 1, (text, bad.output)
        assert f"alerts: {err.value}" in bad.output and word in bad.output and "bad_alerts_config" in bad.output
