"""The silence rules of the scheduler: hourly stations gone quiet, water samples past their date."""
from __future__ import annotations

import datetime as dt

import polars as pl

from publisher import registry as registry_mod
from publisher.operations.alerts.findings import Finding, Outcome, minute as _minute
from publisher.operations.alerts.ledger import record, statements
from publisher.operations.alerts.rules import SECTION_KINDS, SOURCE_KINDS, Config
from publisher.paths import Workspace
from publisher.periods import Period
from publisher.store import Store


def check_silence(ws: Workspace, now: dt.datetime, registry=None, store=None,
                  cfg: Config | None = None) -> dict[str, list[int]]:
    """The silence rules at Beijing time `now`: hourly stations whose latest hour is more than `hours`
    old, monthly and quarterly stations with no sample of the current month (quarter) after its
    `due_day`. Alerts close when the data arrive. Records and returns what changed."""
    registry = registry or registry_mod.load(ws.stations)
    store = store or Store(ws)
    cfg = cfg or Config.load(ws)
    if not store.exists():
        return {}
    out = Outcome()
    today = now.date()
    latest = dict(pl.concat([store.latest_times("air"), store.latest_times("water")])
                  .group_by("station_id").agg(pl.col("latest").max()).iter_rows())
    recovered: list[tuple[str, str]] = []
    if cfg.on("silent_hourly"):
        hours = cfg.get("silent_hourly", "hours")
        for station in registry.stations:
            if station.cadence != "hourly" or not station.active_on(today) or station.id not in latest:
                continue
            seen = latest[station.id]
            when = _minute(seen)
            out.scope.add(("silent_hourly", station.id, when))
            if now - seen > dt.timedelta(hours=hours):
                gap = int((now - seen).total_seconds() // 3600)
                out.raised.append(Finding(
                    "silent_hourly", station.id, station.name, when, float(gap), float(hours),
                    f"站点数据中断：{station.name}（{station.id}）最新数据为 {when}，至 {_minute(now)} 已 {gap} 小时"
                    f"无数据（超过 {hours} 小时）；责任单位 {station.unit}。〔规则 silent_hourly〕",
                    {"unit": station.unit, "checked_at": _minute(now)}))
            recovered.append(("silent_hourly", station.id))
    if cfg.on("silent_sampling"):
        due_day = cfg.get("silent_sampling", "due_day")
        for station in registry.stations:
            if station.cadence not in ("monthly", "quarterly") or not station.active_on(today) \
                    or station.kind not in SOURCE_KINDS + SECTION_KINDS:   # water samples only
                continue
            if station.cadence == "monthly":
                label, start = f"{today:%Y-%m}", today.replace(day=1)
                due = today.replace(day=due_day)
            else:
                q_first = (today.month - 1) // 3 * 3 + 1
                label, start = f"{today.year}-Q{(today.month - 1) // 3 + 1}", today.replace(month=q_first, day=1)
                due = today.replace(month=q_first + 2, day=due_day) if today.month == q_first + 2 else None
            seen = latest.get(station.id)
            has = seen is not None and seen.date() >= start
            if due is None or today <= due:
                if has:  # the sample arrived: an alert of this period closes
                    out.scope.add(("silent_sampling", station.id, label))
                continue
            out.scope.add(("silent_sampling", station.id, label))
            if not has:
                out.raised.append(Finding(
                    "silent_sampling", station.id, station.name, label, None, float(due_day),
                    f"站点逾期未采样：{station.name}（{station.id}）{label} 的采样数据到 {due.isoformat()} 仍未收到"
                    f"（最新数据 {_minute(seen) if seen else '无'}）；责任单位 {station.unit}。〔规则 silent_sampling〕",
                    {"unit": station.unit, "due": due.isoformat()}))
    with store.connect(write=True) as conn:
        for statement in statements():
            conn.execute(statement)
        # an hourly station's silence closes once newer data arrived (the key is its last hour)
        for rule, station_id in recovered:
            for row in conn.execute("SELECT rule, station_id, time FROM alerts WHERE state='open' AND rule=? AND"
                                    " station_id=?", (rule, station_id)).fetchall():
                out.scope.add(tuple(row))
        # a sampling station's alert of an earlier period closes once a sample of that period arrived
        for row in conn.execute("SELECT rule, station_id, time FROM alerts WHERE state='open'"
                                " AND rule='silent_sampling'").fetchall():
            if _sampled_in(store, row["station_id"], row["time"]):
                out.scope.add(tuple(row))
        return record(conn, out, raised_by=f"check {_minute(now)}",
                      why_closed=f"{_minute(now)} 检查：数据已恢复", ws=ws)


def _sampled_in(store, station_id: str, label: str) -> bool:
    period = Period.parse(label)
    return store.water_samples(period.start, period.end, [station_id]).height > 0

