"""The cadence: what is due on a given day, and running it.

One pass (`run_once`) at a Beijing-time moment does, in order:

1. ingest whatever is in the inbox;
2. for each bulletin whose period has ended and whose deadline is near (the daily air report of
   yesterday, the month's bulletins of last month, the county sources of last quarter), unless the
   ledger shows it approved or published already:
   - build it when its data are complete (a rebuild with unchanged data changes nothing);
   - otherwise remind the responsible units of what is missing (once a day per unit, a text file in
     ``outbox/reminders/<date>/`` and a ledger event), and build it anyway once the deadline is
     `build_anyway_workdays` working days away, the bulletin saying what is missing;
   - after the deadline, record that it is overdue.

3. check the silence rules of the alerts (``operations/alerts.py``) and send the notifications that are
   due (``operations/notify.py``): new alerts, reminders, failed builds.

After a downtime, the periods that fell due since the last pass (event ``schedule.pass``) are caught up
oldest first, each once. A bulletin is built again only when data of its own window arrive
(:func:`inputs_key`). A build that fails is recorded (``schedule.build_failed``) and retried at the next
pass; the rest of the pass goes on. A pass never approves nor publishes.

`plan` answers the same question without doing anything. The loop (`serve`) runs a pass every
`interval_minutes` with the ``schedule`` package. Every decision is a ledger event (``schedule.*``),
so what the scheduler did and why can be read back.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import asdict, dataclass, fields
from typing import Any

import polars as pl

from publisher import config, registry as registry_mod
from publisher.display import shown
from publisher.errors import InputError
from publisher.publishing import approval
from publisher.paths import Workspace
from publisher.periods import Period, beijing_now
from publisher.bulletins import KINDS, catalogue
from publisher.operations.status import deadline, status, workdays_between
from publisher.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Policy:
    """When the scheduler acts. A workspace can change any field in ``<home>/schedule.yaml``."""

    #: build an incomplete bulletin (saying what is missing) this many working days before its deadline
    build_anyway_workdays: int = 2
    #: the daily report of yesterday is built from this hour even if a station is still missing
    daily_build_hour: int = 9
    #: minutes between passes of `serve`
    interval_minutes: int = 10
    #: bulletin kinds the scheduler looks after
    kinds: tuple[str, ...] = tuple(KINDS)
    #: after a downtime, the periods that fell due in at most this many days before are caught up
    catch_up_days: int = 31

    @classmethod
    def load(cls, ws: Workspace) -> "Policy":
        path = ws.home / "schedule.yaml"
        if not path.exists():
            return cls()

        def bad(reason: str) -> InputError:
            return InputError(f"{path}：{reason} (bad_schedule_config)")

        raw = config.read(path, what_zh="调度配置文件", code="bad_schedule_config")   # bounded; ConfigError
        if not isinstance(raw, dict):
            raise bad("应为一个映射（设置项: 值）")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(map(str, raw)) - known)
        if unknown:
            raise bad(f"未知的设置项 {', '.join(unknown)}")
        for name in ("build_anyway_workdays", "daily_build_hour", "interval_minutes", "catch_up_days"):
            if name in raw and (not isinstance(raw[name], int) or isinstance(raw[name], bool) or raw[name] < 0):
                raise bad(f"{name} 应为非负整数")
        if "kinds" in raw:
            if not isinstance(raw["kinds"], list) or not all(k in KINDS for k in raw["kinds"]):
                raise bad(f"kinds 应为公报类型列表（{', '.join(KINDS)}）")
            raw["kinds"] = tuple(raw["kinds"])
        return cls(**raw)


@dataclass
class Action:
    """One thing a pass decided to do."""

    kind: str                 # ingest | build | remind | overdue | skip | build_failed | alerts | notify
    bulletin: str | None = None
    period: str | None = None
    reason: str = ""
    detail: dict[str, Any] | None = None


def due_period(kind: str, today: dt.date, home=None) -> Period:
    """The period of `kind` that is due on `today`: yesterday, last month, last quarter or last year."""
    unit = catalogue.get(kind, home).unit
    if unit == "year":
        return Period.parse(str(today.year - 1))
    if unit == "day":
        day = today - dt.timedelta(days=1)
        return Period(day, day, "day")
    if unit == "month":
        return Period.month(today.year, today.month).previous()
    if unit == "year":   # the annual bulletin of last year, due by 5 June
        return Period.parse(str(today.year - 1))
    quarter = (today.month - 1) // 3 + 1
    return Period.quarter(today.year, quarter).previous()


def due_periods(kind: str, today: dt.date, since: dt.date | None, limit_days: int = 31) -> list[Period]:
    """Every period of `kind` that fell due after the pass on `since` up to `today`, oldest first (only
    the one due today when there was no earlier pass): what a pass after a downtime catches up."""
    if since is None or since >= today:
        return [due_period(kind, today)]
    start = max(since + dt.timedelta(days=1), today - dt.timedelta(days=limit_days))
    periods: list[Period] = []
    day = start
    while day <= today:
        period = due_period(kind, day)
        if period not in periods:
            periods.append(period)
        day += dt.timedelta(days=1)
    return periods


def last_pass(store: Store) -> dt.datetime | None:
    """The Beijing time of the last completed pass (ledger event ``schedule.pass``)."""
    if not store.exists():
        return None
    rows = store.events("schedule.pass")
    if not rows:
        return None
    return dt.datetime.fromisoformat(json.loads(rows[-1]["detail"])["at"])


def _settled(ws: Workspace, store: Store, kind: str, period: str) -> str | None:
    """'published' or 'approved' when the ledger's latest revision is past building, else None.

    A revision that has passed every review step of ``approval.yaml`` is what the leaders signed:
    the scheduler does not replace it with a rebuild; late data then wait for a person's decision.
    """
    rows = store.bulletins(kind=kind, period=period)
    if not rows:
        return None
    latest = rows[-1]
    if any(p["status"] == "ok" for p in store.publications(latest["id"])):
        return "published"
    if approval.status(store, latest, approval.load_policy(ws=ws)).approved:
        return "approved"
    return None


def plan(ws: Workspace, now: dt.datetime, policy: Policy | None = None, registry=None) -> list[Action]:
    """What a pass at `now` (Beijing time) would do, without doing it."""
    policy = policy or Policy.load(ws)
    registry = registry or registry_mod.load(ws.stations)
    store = Store(ws)
    today = now.date()
    actions: list[Action] = []
    inbox = sorted(p for p in ws.inbox.rglob("*") if p.is_file()) if ws.inbox.exists() else []
    if inbox:
        actions.append(Action("ingest", reason=f"收件箱有 {len(inbox)} 个文件", detail={"files": len(inbox)}))
    reports: dict[str, dict[str, Any]] = {}
    previous = last_pass(store)
    since = previous.date() if previous is not None else None
    for kind, period, catching_up in [(k, p, i < len(ps) - 1) for k in policy.kinds
                                      for ps in [due_periods(k, today, since, policy.catch_up_days)]
                                      for i, p in enumerate(ps)]:
        due, _ = deadline(kind, period)
        settled = _settled(ws, store, kind, period.label) if store.exists() else None
        if settled:
            actions.append(Action("skip", kind, period.label, f"已{'发布' if settled == 'published' else '审批'}"))
            continue
        # the status report of the month holding the period (a quarter for the county sources)
        key = period.label if period.unit == "quarter" else f"{period.start:%Y-%m}"
        if period.unit == "year":   # the annual bulletin is listed by the status of January–June of the next year
            if today.month > 6 and today > deadline(kind, period)[0] + dt.timedelta(days=30):
                continue
            key = f"{period.end.year + 1}-01"
        if key not in reports:
            reports[key] = status(ws, registry, Period.parse(key), today=today, aqi_check=False)
        entry = next((b for b in reports[key]["bulletins"] if b["kind"] == kind), None)
        if entry is None:
            continue
        waiting = [] if kind == "air-daily" and entry["period"] != period.label else entry["waiting_for"]
        left = workdays_between(today, due)
        if not waiting:
            actions.append(Action("build", kind, period.label, "数据齐全"))
            continue
        units = _units(registry, waiting)
        if not catching_up:  # a period a downtime skipped is built as it is, nobody is reminded of it
            actions.append(Action("remind", kind, period.label, f"{len(waiting)} 个{entry.get('counted', '站点')}缺数据",
                                  detail={"deadline": due.isoformat(), "units": units}))
        if kind == "air-daily":
            if now.hour >= policy.daily_build_hour or catching_up:
                actions.append(Action("build", kind, period.label,
                                      f"已到 {policy.daily_build_hour} 时，按现有数据编制并注明缺失"))
        elif left < 0:
            actions.append(Action("overdue", kind, period.label, f"已过截止日 {due.isoformat()}"))
            actions.append(Action("build", kind, period.label, "已过截止日，按现有数据编制并注明缺失"))
        elif left <= policy.build_anyway_workdays:
            actions.append(Action("build", kind, period.label,
                                  f"距截止日仅 {left} 个工作日，按现有数据编制并注明缺失"))
    return actions


def _units(registry, waiting: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The waiting stations grouped by the unit responsible for them."""
    by_id = {s.id: s for s in registry.stations}
    units: dict[str, list[dict[str, Any]]] = {}
    for w in waiting:
        station = by_id.get(w["station_id"])
        # a supervisory outlet names the unit that monitors it (the registry unit's `monitor`)
        unit = w.get("responsible") or (station.unit if station and station.unit else "（未指定责任单位）")
        units.setdefault(unit, []).append(w)
    return units


def _reminder_text(unit: str, kind: str, period: str, deadline_day: str, items: list[dict[str, Any]],
                   today: dt.date, home=None) -> str:
    title = catalogue.get(kind, home).title_zh  # the title the bulletin's page prints
    lines = [f"{unit}：", "",
             f"{title}（{period}）尚缺以下数据，公报截止日期为 {deadline_day}。请尽快将数据文件报送至收件箱：", ""]
    lines += [f"  {shown(w['station_id'])}  {shown(w['name'])}：{w['missing']}" for w in items]
    lines += ["", f"（{today.isoformat()} 自动提醒）", ""]
    return "\n".join(lines)


def _done_today(store: Store, event: str, subject: str, today: dt.date) -> bool:
    """Whether the ledger has `event` for `subject` on `today` (reminders and overdue notes: once a day)."""
    for row in store.events(event):
        if row["subject"] == subject and json.loads(row["detail"] or "{}").get("date") == today.isoformat():
            return True
    return False


#: the kinds of stored data each bulletin reads (others: every ingest counts)
_READS = {"water-sources": ("water", "intake"), "water-sources-county": ("water", "intake"),
          "water-sections": ("water",), "air-monthly": ("air",), "air-daily": ("air", "forecast")}


def inputs_key(ingests, kind: str, period_label: str) -> int:
    """The newest ingest that can change the bulletin `kind` of `period_label`: one of the data kinds it
    reads whose values fall in the period or the 400 days before it (the comparisons with the month
    before and the same period a year before), or a few days after it for the daily report's forecasts.
    Data of later periods arriving do not make it built again."""
    if ingests is None or not ingests.height:
        return 0
    period = Period.parse(period_label)
    lo = dt.datetime.combine(period.start - dt.timedelta(days=400), dt.time())
    hi = dt.datetime.combine(period.end + dt.timedelta(days=7 if kind == "air-daily" else 1), dt.time())
    rows = ingests
    if kind in _READS:
        rows = rows.filter(pl.col("kind").is_in(list(_READS[kind])))
    rows = rows.filter(pl.col("t_min").is_null() | pl.col("t_max").is_null()
                       | ((pl.col("t_min") < hi.isoformat(sep=" ")) & (pl.col("t_max") >= lo.isoformat(sep=" "))))
    return int(rows["id"].max()) if rows.height else 0


def _unchanged_since_last_build(store: Store, subject: str, last_ingest: int) -> bool:
    """Whether the scheduler built `subject` already with the data as they are now."""
    builds = [row for row in store.events("schedule.build") if row["subject"] == subject]
    return bool(builds) and json.loads(builds[-1]["detail"] or "{}").get("last_ingest") == last_ingest


def run_once(ws: Workspace, now: dt.datetime, policy: Policy | None = None, registry=None,
             progress: bool = False) -> list[Action]:
    """Carry out one pass at `now` (Beijing time); returns what was done."""
    from publisher.bulletins.build import build
    from publisher.ingest.pipeline import ingest

    policy = policy or Policy.load(ws)
    registry = registry or registry_mod.load(ws.stations)
    store = Store(ws)
    done: list[Action] = []
    actions = plan(ws, now, policy, registry)
    if actions and actions[0].kind == "ingest":
        # one file's failure is that file's result; the pass goes on even if the ingest itself fails
        try:
            results = ingest(None, ws, registry, progress=progress)
            counts: dict[str, Any] = {s: sum(r.status == s for r in results)
                                      for s in ("accepted", "rejected", "duplicate", "failed")}
            failing = [{"file": r.name, "codes": sorted({e["code"] for e in r.errors})}
                       for r in results if r.status in ("rejected", "failed")]
        except Exception as exc:  # noqa: BLE001 - reported as an event; builds and reminders still run
            log.error("ingest in the scheduler's pass failed: %s", shown(f"{type(exc).__name__}: {exc}"))
            counts, failing = {"error": shown(f"{type(exc).__name__}: {exc}")[:300]}, []
        actions[0].detail = {**(actions[0].detail or {}), **counts}
        store.record_event("schedule.ingest", None, {"date": now.date().isoformat(), **counts,
                                                     **({"files": failing[:50]} if failing else {})})
        done.append(actions[0])
        actions = [a for a in plan(ws, now, policy, registry) if a.kind != "ingest"]  # what the new data changed
    today = now.date()
    ingests = store.ingests() if store.exists() else None
    for action in actions:
        subject = f"{action.bulletin}/{action.period}"
        if action.kind == "remind":
            sent = False
            for unit, items in (action.detail or {}).get("units", {}).items():
                if _done_today(store, "schedule.remind", f"{subject}/{unit}", today):
                    continue
                sent = True
                path = ws.home / "outbox" / "reminders" / today.isoformat() / f"{_safe(unit)}.txt"
                path.parent.mkdir(parents=True, exist_ok=True)
                text = _reminder_text(unit, action.bulletin, action.period, action.detail["deadline"], items, today,
                                      ws.home)
                with path.open("a", encoding="utf-8") as fh:
                    fh.write(text)
                _record_reminder(ws, store, f"{subject}/{unit}", unit, today, path, items, text,
                                 f"【数据催报】{catalogue.get(action.bulletin, ws.home).title_zh}（{action.period}）：{unit}")
            if sent:
                done.append(action)
        elif action.kind == "build":
            last_ingest = inputs_key(ingests, action.bulletin, action.period)
            if _unchanged_since_last_build(store, subject, last_ingest):
                continue
            try:
                built = build(action.bulletin, action.period, ws, registry=registry)
            except Exception as exc:  # noqa: BLE001 - recorded and retried by the next pass; the others go on
                failed = _build_failed(ws, store, subject, today, exc)
                done.append(Action("build_failed", action.bulletin, action.period, failed))
                continue
            action.detail = {"revision": built.revision, "changed": built.changed, "path": str(built.path)}
            store.record_event("schedule.build", subject, {"date": today.isoformat(), "reason": action.reason,
                                                           "last_ingest": last_ingest, **action.detail})
            done.append(action)
        elif action.kind == "overdue":
            if not _done_today(store, "schedule.overdue", subject, today):
                store.record_event("schedule.overdue", subject, {"date": today.isoformat(), "reason": action.reason})
                done.append(action)
    done += _checks_and_notifications(ws, store, now, registry)
    if store.exists():
        store.record_event("schedule.pass", None, {"at": now.isoformat(sep=" "), "done": len(done)})
    return done


def _record_reminder(ws: Workspace, store: Store, subject: str, unit: str, today: dt.date, path, items,
                     text: str, title: str) -> None:
    """The reminder's ledger event and its notification through the channels other than the outbox
    (its outbox file is written already), in one transaction."""
    from publisher.operations import notify

    try:
        channels = [c for c in notify.Config.load(ws).channels if c != "outbox"]
    except notify.NotifyError as exc:
        log.error("%s", exc)
        channels = []
    with store.connect(write=True) as conn:
        conn.execute("INSERT INTO events (at, kind, subject, detail) VALUES (?,?,?,?)",
                     (_utc(), "schedule.remind", subject,
                      json.dumps({"date": today.isoformat(), "file": str(path.relative_to(ws.home)),
                                  "stations": [w["station_id"] for w in items]}, ensure_ascii=False)))
        if channels:
            notify.enqueue(conn, "reminders", f"{subject}/{today.isoformat()}", title, text, channels=channels,
                           audience=unit)


def _build_failed(ws: Workspace, store: Store, subject: str, today: dt.date, exc: BaseException) -> str:
    """Record a failed build (event ``schedule.build_failed``) and, once a day, tell the channels."""
    from publisher.operations import notify

    error = shown(f"{type(exc).__name__}: {exc}")[:300]
    log.error("scheduled build of %s failed: %s", subject, error)
    first_today = not _done_today(store, "schedule.build_failed", subject, today)
    with store.connect(write=True) as conn:
        conn.execute("INSERT INTO events (at, kind, subject, detail) VALUES (?,?,?,?)",
                     (_utc(), "schedule.build_failed", subject,
                      json.dumps({"date": today.isoformat(), "error": error}, ensure_ascii=False)))
        if first_today:
            notify.enqueue(conn, "failures", f"{subject}/{today.isoformat()}", f"【编制失败】{subject}",
                           f"{subject} 于 {today.isoformat()} 自动编制失败，调度器将在下次运行时重试。\n错误：{error}\n",
                           ws=ws)
    return f"编制失败，下次运行时重试：{error}"


def _checks_and_notifications(ws: Workspace, store: Store, now: dt.datetime, registry) -> list[Action]:
    """The silence checks of the alert rules, then every notification that is due."""
    from publisher.operations import alerts, notify

    done: list[Action] = []
    if not store.exists():
        return done
    try:
        changed = alerts.check_silence(ws, now, registry, store)
        if changed.get("new") or changed.get("closed"):
            done.append(Action("alerts", reason=f"新增预警 {len(changed.get('new', []))} 条，"
                                                f"关闭 {len(changed.get('closed', []))} 条", detail=changed))
    except Exception as exc:  # noqa: BLE001 - reported as an event; the notifications still go out
        log.error("alert checks failed: %s", shown(f"{type(exc).__name__}: {exc}"))
        store.record_event("schedule.alerts_failed", None, {"error": shown(f"{type(exc).__name__}: {exc}")[:300]})
    try:
        sent = notify.dispatch(ws, now)
    except Exception as exc:  # noqa: BLE001 - a broken notify.yaml: reported, retried next pass
        log.error("notifications failed: %s", shown(f"{type(exc).__name__}: {exc}"))
        store.record_event("schedule.notify_failed", None, {"error": shown(f"{type(exc).__name__}: {exc}")[:300]})
        sent = []
    if sent:
        ok = sum(r["status"] == "sent" for r in sent)
        done.append(Action("notify", reason=f"发送 {ok} 条，失败 {len(sent) - ok} 条",
                           detail={"results": sent}))
    return done


def _utc() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_（）()" else "_" for c in name) or "unit"


def serve(ws: Workspace, policy: Policy | None = None, passes: int | None = None,
          echo=print) -> None:  # pragma: no cover - the loop; one pass is run_once
    """Run a pass now and then every `policy.interval_minutes` (forever, or `passes` times)."""
    import schedule

    policy = policy or Policy.load(ws)
    count = 0

    def tick() -> None:
        nonlocal count
        count += 1
        try:
            for action in run_once(ws, beijing_now(), policy):
                echo(describe(action))
        except Exception as exc:  # noqa: BLE001 - one failed pass does not stop the service
            log.error("pass failed: %s", shown(f"{type(exc).__name__}: {exc}"))
            echo(f"本次运行出错：{shown(f'{type(exc).__name__}: {exc}')[:300]}（下次按时重试）")

    tick()
    job = schedule.every(policy.interval_minutes).minutes.do(tick)
    try:
        while passes is None or count < passes:
            schedule.run_pending()
            time.sleep(1)
    finally:
        schedule.cancel_job(job)


def describe(action: Action) -> str:
    """One Chinese line for the terminal and the log."""
    what = {"ingest": "入库", "build": "编制", "remind": "提醒", "overdue": "逾期", "skip": "跳过",
            "build_failed": "编制失败", "alerts": "预警", "notify": "通知"}[action.kind]
    subject = f" {action.bulletin} {action.period}" if action.bulletin else ""
    extra = ""
    if action.kind == "remind" and action.detail:
        extra = "（" + "、".join(action.detail["units"]) + "）"
    if action.kind == "build" and action.detail:
        extra = f"（第 {action.detail['revision']} 版{'' if action.detail['changed'] else '，内容未变'}）"
    if action.kind == "ingest" and action.detail and "accepted" in action.detail:
        extra = f"（接收 {action.detail['accepted']}，退回 {action.detail['rejected']}，重复 {action.detail['duplicate']}"
        extra += f"，失败 {action.detail['failed']}）" if action.detail.get("failed") else "）"
    if action.kind == "ingest" and action.detail and "error" in action.detail:
        extra = f"（入库出错：{action.detail['error']}）"
    return f"{what}{subject}：{action.reason}{extra}"


def as_dict(action: Action) -> dict[str, Any]:
    return asdict(action)


__all__ = ["Policy", "Action", "due_period", "due_periods", "last_pass", "plan", "run_once", "serve", "describe", "as_dict"]
