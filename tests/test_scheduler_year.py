"""The scheduler's real code over a simulated year of the sample data, with an injected clock: files arriving
in the inbox, an exceedance, a week of downtime, a failing build, an approved bulletin receiving late data.
The ledger must show every bulletin built once, each alert and reminder sent once, nothing published."""
from __future__ import annotations

import collections
import datetime as dt
import json
import re
import shutil

import pytest
import yaml

from publisher import registry as registry_mod
from publisher.demo import sample
from publisher.operations import alerts, notify
from publisher.operations.scheduler import run_once
from publisher.paths import DEFAULT_STATIONS
from publisher.publishing.approval import decide
from publisher.store import Store
from tests.ingest_helpers import make_ws
from tests.notify_helpers import Robot, webhook_server

KINDS = ["water-sources-county", "water-sources"]
DOWN = (dt.date(2026, 6, 5), dt.date(2026, 6, 12))


def _small_registry(ws) -> registry_mod.Registry:
    """The region's drinking-water sources only (the scheduler looks after their two bulletins)."""
    data = yaml.safe_load(DEFAULT_STATIONS.read_text(encoding="utf-8"))
    data["stations"] = [s for s in data["stations"] if s["kind"] in ("city_source", "county_source")]
    (ws.home / "stations.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return registry_mod.load(ws.home / "stations.yaml")


def _deliveries(staging, first_day: dt.date) -> dict[dt.date, list]:
    """Each month's files arrive on the 3rd of the next month, a quarter's on the 3rd after the quarter
    (the backlog on the first day); May's arrive during the downtime."""
    plan: dict[dt.date, list] = collections.defaultdict(list)
    for path in sorted(staging.iterdir()):
        match = re.match(r"样例数据_(\d{4})-(\d{2})_", path.name)
        year, month = int(match.group(1)), int(match.group(2))
        if "季度" in path.name:
            month = (month - 1) // 3 * 3 + 3
        day = dt.date(year + month // 12, month % 12 + 1, 3)
        if (year, month) == (2026, 5):
            day = dt.date(2026, 6, 6)
        plan[max(day, first_day)].append(path)
    return plan


@pytest.mark.slow
def test_a_simulated_year(tmp_path):
    ws = make_ws(tmp_path)
    registry = _small_registry(ws)
    (ws.home / "schedule.yaml").write_text(f"kinds: {json.dumps(KINDS)}\n", encoding="utf-8")
    staging = tmp_path / "staging"
    sample.generate(staging, "2025-08", "2026-09", registry=registry, with_real_air=False)
    first, last = dt.date(2025, 10, 4), dt.date(2026, 10, 3)
    arrivals = _deliveries(staging, first)
    blocker, aside = ws.output / "water-sources-county", tmp_path / "county-aside"
    robot = Robot()
    passes: dict[dt.date, list] = {}
    with webhook_server(robot) as base:
        (ws.home / "notify.yaml").write_text(f"webhook:\n  url: {base}/robot\n  format: wecom\n", encoding="utf-8")
        day = first
        while day <= last:
            for path in arrivals.get(day, []):
                shutil.copy(path, ws.inbox / path.name)
            if day == dt.date(2026, 4, 16):   # a source sample over its class limit
                (ws.inbox / "北庙水库-20260415.csv").write_text(
                    "点位名称,采样时间,总磷(mg/L)\n北庙水库,2026-04-15 10:00,0.08\n", encoding="utf-8")
            if day == dt.date(2026, 4, 3):    # the county bulletins' folder is blocked: the build fails
                blocker.rename(aside)
                blocker.write_text("not a folder", encoding="utf-8")
            if day == dt.date(2026, 4, 5):
                blocker.unlink()
                aside.rename(blocker)
            if day == dt.date(2026, 4, 7):    # late data for an approved bulletin
                (ws.inbox / "北庙水库-20260320-补报.csv").write_text(
                    "点位名称,采样时间,总磷(mg/L)\n北庙水库,2026-03-20 10:00,0.02\n", encoding="utf-8")
            if not DOWN[0] <= day <= DOWN[1]:
                passes[day] = run_once(ws, dt.datetime.combine(day, dt.time(9, 0)), registry=registry)
            if day == dt.date(2026, 4, 5):
                decide(ws, "water-sources", "2026-03", by="审核人甲", role="保密审查员")
                decide(ws, "water-sources", "2026-03", by="审核人乙", role="分管局领导")
            day += dt.timedelta(days=1)
    store = Store(ws)

    # every bulletin due in the year built once, nothing published
    built = collections.Counter((b["kind"], b["period"]) for b in store.bulletins())
    months = [f"{y}-{m:02d}" for y, m in [(2025, 9), (2025, 10), (2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 10)]]
    assert built == collections.Counter({**{("water-sources", m): 1 for m in months},
                                         **{("water-sources-county", q): 1 for q in
                                            ("2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3")}})
    assert store.publications() == []
    builds = [json.loads(e["detail"]) | {"subject": e["subject"]} for e in store.events("schedule.build")]
    changed = collections.Counter(b["subject"] for b in builds if b["changed"])
    assert set(changed.values()) == {1} and len(changed) == len(built)
    # a bulletin is built again only when data of its period arrive while it is due (and then unchanged)
    again = [(b["subject"], b["date"]) for b in builds if not b["changed"]]
    assert again == [("water-sources-county/2026-Q1", "2026-04-07")]   # 北庙水库's late March sample

    # the failing build: recorded, retried the next days, the other bulletin's work done meanwhile
    failed = [json.loads(e["detail"])["date"] for e in store.events("schedule.build_failed")]
    assert failed == ["2026-04-03", "2026-04-04"]
    kinds_0403 = [(a.kind, a.bulletin) for a in passes[dt.date(2026, 4, 3)]]
    assert ("build_failed", "water-sources-county") in kinds_0403 and ("build", "water-sources") in kinds_0403
    assert ("build", "water-sources-county") in [(a.kind, a.bulletin) for a in passes[dt.date(2026, 4, 5)]]
    assert len([r for r in notify.listing(ws) if r["topic"] == "failures" and r["channel"] == "webhook"]) == 2

    # the downtime: no pass in it; the first pass after catches up once (May, overdue since 10 June)
    assert not any(DOWN[0] <= dt.date.fromisoformat(json.loads(e["detail"])["at"][:10]) <= DOWN[1]
                   for e in store.events("schedule.pass"))
    after = [(a.kind, a.bulletin, a.period) for a in passes[dt.date(2026, 6, 13)]]
    assert ("ingest", None, None) in after and ("build", "water-sources", "2026-05") in after
    may = [json.loads(e["detail"]) for e in store.events("schedule.build") if e["subject"] == "water-sources/2026-05"]
    assert [b["date"] for b in may] == ["2026-06-13"]   # after its deadline (10 June): the audit shows it late
    assert [a.kind for a in passes[dt.date(2026, 6, 14)] if a.kind in ("build", "ingest")] == []

    # the approved bulletin is not rebuilt by its late data
    assert [b["revision"] for b in store.bulletins(kind="water-sources", period="2026-03")] == [1]

    # the exceedance raised one alert; each alert and reminder notification sent once per channel
    beimiao = [a for a in alerts.listing(ws) if a["rule"] == "source_exceedance" and a["time"] == "2026-04-15 10:00"]
    assert len(beimiao) == 1
    rows = notify.listing(ws)
    assert rows and all(r["status"] == "sent" and r["attempts"] == 1 for r in rows)
    keys = collections.Counter((r["topic"], r["key"], r["channel"]) for r in rows)
    assert set(keys.values()) == {1}
    webhook_rows = [r for r in rows if r["channel"] == "webhook"]
    assert len(robot.requests) == len(webhook_rows)
    sent_texts = collections.Counter(r["body"]["text"]["content"] for r in robot.requests)
    assert set(sent_texts.values()) == {1}
    reminders = store.events("schedule.remind")
    assert reminders and len([r for r in rows if r["topic"] == "reminders"]) == len(reminders)
    assert len({(e["subject"], json.loads(e["detail"])["date"]) for e in reminders}) == len(reminders)
    by_ingest = {a["raised_by"] for a in alerts.listing(ws)}
    assert {r["key"] for r in rows if r["topic"] == "alerts" and r["channel"] == "outbox"} == by_ingest


def test_after_a_week_down_the_daily_reports_are_caught_up_in_order(tmp_path):
    from publisher.operations.scheduler import due_periods, plan

    ws = make_ws(tmp_path)
    (ws.home / "schedule.yaml").write_text("kinds: [air-daily]\n", encoding="utf-8")
    store = Store(ws)
    store.record_event("schedule.pass", None, {"at": "2026-03-01 09:00:00"})
    actions = plan(ws, dt.datetime(2026, 3, 9, 9, 0))
    builds = [a.period for a in actions if a.kind == "build"]
    assert builds == [f"2026-03-{d:02d}" for d in range(1, 9)]
    # only the report due today reminds anybody; the ones the downtime skipped are built as they are
    assert [a.period for a in actions if a.kind == "remind"] == ["2026-03-08"]
    assert [p.label for p in due_periods("water-sources", dt.date(2026, 7, 2), dt.date(2026, 5, 28))] == \
        ["2026-05", "2026-06"]   # April was due on the day of the last pass
    assert [p.label for p in due_periods("air-daily", dt.date(2026, 3, 9), dt.date(2026, 3, 9))] == ["2026-03-08"]
    # catching up is bounded (schedule.yaml catch_up_days, 31 by default)
    assert len(due_periods("air-daily", dt.date(2026, 9, 1), dt.date(2026, 3, 1), 31)) == 32
