"""The scheduler: ingest, remind the responsible unit, build when complete or near the deadline,
leave approved bulletins alone, every decision in the ledger. Real workspace, store and builds."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from publisher.publishing.approval import decide
from publisher.cli import cli
from publisher.errors import PublisherError
from publisher.operations.scheduler import Policy, due_period, plan, run_once
from publisher.store import Store
from tests.ingest_helpers import make_ws

UNIT = "云南省生态环境厅驻保山生态环境监测站"
HEADER = "点位名称,采样时间,水温(℃),pH值,溶解氧(mg/L),高锰酸盐指数(mg/L),氨氮(mg/L),总磷(mg/L)\n"


def _drop(ws, name: str, rows: str) -> None:
    (ws.inbox / name).write_text(HEADER + rows, encoding="utf-8")


@pytest.fixture()
def ws(tmp_path):
    ws = make_ws(tmp_path)
    (ws.home / "schedule.yaml").write_text("kinds: [water-sources]\n", encoding="utf-8")
    _drop(ws, "北庙水库-202605.csv", "北庙水库,2026-05-08 10:00,18.2,7.6,7.9,2.1,0.12,0.02\n")
    return ws


def test_due_periods():
    today = dt.date(2026, 4, 2)
    assert due_period("air-daily", today).label == "2026-04-01"
    assert due_period("water-sources", today).label == "2026-03"
    assert due_period("water-sources-county", today).label == "2026-Q1"
    assert due_period("water-sources-county", dt.date(2026, 1, 5)).label == "2025-Q4"


def test_reminds_then_builds_near_the_deadline_then_rebuilds_on_late_data(ws):
    store = Store(ws)
    # Tue 2 June: the file is ingested; two sources are missing, the deadline (Wed 10 June) is far
    first = run_once(ws, dt.datetime(2026, 6, 2, 9, 0))
    assert [a.kind for a in first] == ["ingest", "remind"]
    assert first[0].detail["accepted"] == 1
    assert set(first[1].detail["units"]) == {UNIT}
    missing = {w["station_id"] for w in first[1].detail["units"][UNIT]}
    assert missing == {"src-longwangtang", "src-longquanmen"}
    letter = ws.home / "outbox" / "reminders" / "2026-06-02" / f"{UNIT}.txt"
    text = letter.read_text(encoding="utf-8")
    assert "龙王塘" in text and "龙泉门" in text and "北庙水库" not in text and "2026-06-10" in text
    assert not store.bulletins()

    # a second pass the same day reminds nobody twice and builds nothing
    assert run_once(ws, dt.datetime(2026, 6, 2, 9, 10)) == []
    assert letter.read_text(encoding="utf-8") == text
    assert len(store.events("schedule.remind")) == 1

    # Mon 8 June: two working days left, the bulletin is built with what there is
    actions = run_once(ws, dt.datetime(2026, 6, 8, 9, 0))
    assert [a.kind for a in actions] == ["remind", "build"]
    built = store.bulletins(kind="water-sources", period="2026-05")
    assert [b["revision"] for b in built] == [1]
    page = (ws.output / "water-sources" / "2026-05" / "index.html").read_text(encoding="utf-8")
    assert "龙王塘" in page and "未监测" in page
    # nothing new: the next pass does not build again
    assert [a.kind for a in run_once(ws, dt.datetime(2026, 6, 8, 9, 10))] == []

    # the late data arrive: ingested, built again as revision 2, no more reminders
    _drop(ws, "龙王塘龙泉门-202605.csv", "龙王塘,2026-05-09 10:00,17.5,7.4,8.1,1.8,0.08,0.02\n"
                                        "龙泉门,2026-05-09 11:00,16.0,7.2,7.0,0.9,0.05,0.01\n")
    actions = run_once(ws, dt.datetime(2026, 6, 8, 14, 0))
    assert [a.kind for a in actions] == ["ingest", "build"]
    assert actions[1].reason == "数据齐全" and actions[1].detail["revision"] == 2
    events = [json.loads(e["detail"]) for e in store.events("schedule.build")]
    assert [e["revision"] for e in events] == [1, 2]

    # under review, the scheduler still looks after it; fully approved, it leaves it alone
    decide(ws, "water-sources", "2026-05", by="审核人甲", role="保密审查员")
    assert [a.kind for a in plan(ws, dt.datetime(2026, 6, 9, 9, 0))] == ["build"]
    decide(ws, "water-sources", "2026-05", by="审批人乙", role="分管局领导")
    assert [(a.kind, a.reason) for a in plan(ws, dt.datetime(2026, 6, 9, 9, 0))] == [("skip", "已审批")]


def test_overdue_is_recorded_once_a_day(ws):
    run_once(ws, dt.datetime(2026, 6, 2, 9, 0))
    late = dt.datetime(2026, 6, 12, 9, 0)  # Friday after the deadline
    kinds = [a.kind for a in run_once(ws, late)]
    assert kinds == ["remind", "overdue", "build"]
    assert [a.kind for a in run_once(ws, late + dt.timedelta(minutes=10))] == []
    assert len(Store(ws).events("schedule.overdue")) == 1


def test_policy_file_is_checked(ws):
    (ws.home / "schedule.yaml").write_text("kinds: [water-sources]\nbuild_anyway_days: 3\n", encoding="utf-8")
    with pytest.raises(PublisherError, match="bad_schedule_config"):
        Policy.load(ws)


def test_cli_plan_and_run_once(ws, monkeypatch):
    monkeypatch.setenv("PUBLISHER_HOME", str(ws.home))
    runner = CliRunner()
    planned = runner.invoke(cli, ["schedule", "plan", "--now", "2026-06-02 09:00", "--json"])
    assert planned.exit_code == 0, planned.output
    assert [a["kind"] for a in json.loads(planned.stdout)] == ["ingest", "remind"]
    assert (ws.inbox / "北庙水库-202605.csv").exists()  # plan changed nothing
    done = runner.invoke(cli, ["schedule", "run", "--once", "-q", "--now", "2026-06-02 09:00"])
    assert done.exit_code == 0, done.output
    assert "入库" in done.output and "提醒 water-sources 2026-05" in done.output and UNIT in done.output
    bad = runner.invoke(cli, ["schedule", "run", "--now", "2026-06-02"])
    assert bad.exit_code == 2
