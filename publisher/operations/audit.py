"""The disclosure self-check of a year (``publisher audit --year 2026``): what an inspection and the annual
government-information-publicity report's monitoring rows need, read from the ledger.

- every bulletin owed in the year (the kinds of ``schedule.yaml``, each period of the year whose
  deadline has come): built, approved, published, on time or how many working days late (the
  deadline of :func:`publisher.operations.status.deadline`, the official working-day calendar);
- corrections (a published bulletin published again as a later revision) and withdrawals (decided with
  ``publisher withdraw``, carried out on every portal it was published to: ``withdrawal_done``) and
  whether each was carried out within 3 working days of the decision;
- exceedances without an explanation: the ``exceedances`` a bulletin's latest revision lists, and the
  water alerts of the year, unless the ledger holds an explanation for them (a table ``explanations``
  with a ``key`` column, when there is one);
- columns (栏目, one per bulletin kind) not updated for more than 2 weeks while a bulletin of theirs
  was past its deadline and unpublished;
- stations active in the year that never reported in it.

A table for the terminal, JSON, and a page (``output/audit/<year>/index.html`` with ``audit.json``).
"""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from publisher import registry as registry_mod
from publisher.bulletins import catalogue
from publisher.display import shown
from publisher.errors import PublisherError
from publisher.operations import alerts
from publisher.operations.scheduler import Policy
from publisher.operations.status import beijing_today, deadline, workdays_between
from publisher.paths import TEMPLATES_DIR, Workspace
from publisher.periods import Period
from publisher.publishing import approval
from publisher.publishing.site import withdrawal
from publisher.render import fonts
from publisher.store import KEYS, Store

#: a column is stale when not updated for more than this many days while something was due
STALE_DAYS = 14
#: a withdrawal is carried out within this many working days of its request
WITHDRAW_WORKDAYS = 3


def _beijing(utc_text: str | None) -> dt.datetime | None:
    if not utc_text:
        return None
    moment = dt.datetime.fromisoformat(utc_text)
    if moment.tzinfo is not None:
        moment = (moment.astimezone(dt.timezone.utc) + dt.timedelta(hours=8)).replace(tzinfo=None)
    return moment


def periods_of(kind: str, year: int) -> list[Period]:
    cadence = catalogue.get(kind).cadence
    if cadence == "daily":
        day, out = dt.date(year, 1, 1), []
        while day.year == year:
            out.append(Period(day, day, "day"))
            day += dt.timedelta(days=1)
        return out
    if cadence == "monthly":
        return [Period.month(year, m) for m in range(1, 13)]
    if cadence == "yearly":   # the annual bulletin owed in the year is the one on the year before
        return [Period.parse(str(year - 1))]
    return [Period.quarter(year, q) for q in range(1, 5)]


def audit(ws: Workspace, year: int, today: dt.date | None = None, registry=None) -> dict[str, Any]:
    """The self-check of `year` as of `today` (Beijing date), JSON-ready."""
    if not 2000 <= year <= 2100:
        raise PublisherError(f"年份 {year} 不在 2000–2100 之间 (bad_year)")
    today = today or beijing_today()
    registry = registry or registry_mod.load(ws.stations)
    store = Store(ws)
    kinds = list(Policy.load(ws).kinds)
    listed = catalogue.catalogue(ws.home)
    policy = approval.load_policy(ws=ws)
    rows_all = store.bulletins() if store.exists() else []
    pubs_all = store.publications() if store.exists() else []
    by_subject: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows_all:
        if row.get("area"):
            continue  # area bulletins are extra copies of the same period: the region's own is what is owed
        by_subject.setdefault((row["kind"], row["period"]), []).append(row)
    pubs_by_bulletin: dict[int, list[dict[str, Any]]] = {}
    for pub in pubs_all:
        pubs_by_bulletin.setdefault(int(pub["bulletin_id"]), []).append(pub)

    owed: list[dict[str, Any]] = []
    corrections: list[dict[str, Any]] = []
    unexplained: list[dict[str, Any]] = []
    explained_keys = _explained_keys(store)
    for kind in kinds:
        for period in periods_of(kind, year):
            if period.start > today and listed[kind].cadence != "yearly":
                break
            due, provisional = deadline(kind, period, ws.home)
            revisions = by_subject.get((kind, period.label), [])
            entry: dict[str, Any] = {"kind": kind, "kind_zh": listed[kind].title_zh, "period": period.label,
                                     "deadline": due.isoformat(), "provisional": provisional,
                                     "built": None, "revisions": len(revisions), "approved": None,
                                     "published": None, "state": "", "late_workdays": 0}
            published_at = None
            if revisions:
                entry["built"] = _beijing(revisions[0]["built_at"]).date().isoformat()
                latest = revisions[-1]
                state = approval.status(store, latest, policy)
                if state.approved:
                    last = max((d.decision["at"] for d in state.steps if d.decision), default=None)
                    entry["approved"] = _beijing(last).date().isoformat() if last else None
                ok_pubs = [(rev, p) for rev in revisions for p in pubs_by_bulletin.get(int(rev["id"]), [])
                           if p["status"] == "ok"]
                if ok_pubs:
                    published_at = min(_beijing(p["at"]) for _, p in ok_pubs)
                    entry["published"] = published_at.date().isoformat()
                    first_rev = min(rev["revision"] for rev, _ in ok_pubs)
                    for rev, pub in ok_pubs:
                        if rev["revision"] > first_rev:
                            corrections.append({"kind": kind, "period": period.label, "revision": rev["revision"],
                                                "published": _beijing(pub["at"]).date().isoformat(),
                                                "target": pub["target"]})
                unexplained += _bulletin_exceedances(store, latest, explained_keys)
            if published_at is not None:
                late = max(workdays_between(due, published_at.date()), 0)
                entry["late_workdays"] = late
                entry["state"] = "按时发布" if late == 0 else f"逾期 {late} 个工作日发布"
            elif due < today:
                entry["late_workdays"] = workdays_between(due, today)
                entry["state"] = (f"已逾期 {entry['late_workdays']} 个工作日未发布"
                                  + ("（已审批待发布）" if entry["approved"] else
                                     "（已编制待审核）" if entry["built"] else "（尚未编制）"))
            else:
                entry["state"] = "未到截止日" + ("（已编制）" if entry["built"] else "")
            owed.append(entry)
    unexplained += _alert_exceedances(ws, year, explained_keys)
    withdrawals = _withdrawals(ws, store, year, today)
    result = {
        "year": year, "today": today.isoformat(), "kinds": kinds,
        "owed": owed,
        "totals": _totals(owed, today),
        "corrections": corrections,
        "withdrawals": withdrawals,
        "unexplained_exceedances": unexplained,
        "stale_columns": _stale_columns(owed, year, today),
        "never_reported": _never_reported(store, registry, year, today),
        "alerts": [a for a in _alerts_of(ws, year)],
    }
    return result


def _totals(owed: list[dict[str, Any]], today: dt.date) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for e in owed:
        t = out.setdefault(e["kind"], {"owed": 0, "built": 0, "approved": 0, "published": 0, "on_time": 0,
                                       "late": 0, "missing": 0})
        if dt.date.fromisoformat(e["deadline"]) > today and not e["published"]:
            continue
        t["owed"] += 1
        t["built"] += bool(e["built"])
        t["approved"] += bool(e["approved"])
        t["published"] += bool(e["published"])
        t["on_time"] += bool(e["published"]) and e["late_workdays"] == 0
        t["late"] += bool(e["published"]) and e["late_workdays"] > 0
        t["missing"] += not e["published"]
    return out


def _withdrawals(ws: Workspace, store: Store, year: int, today: dt.date) -> list[dict[str, Any]]:
    """The withdrawals decided in the year or of its bulletins (``publisher withdraw``): when decided, when carried out on the
    last portal (event ``withdrawal_done``), and whether within 3 working days of the decision."""
    if not store.exists():
        return []
    out = []
    done_events = store.events("withdrawal_done")
    for state in withdrawal.all_states(ws):
        if not state.decided:
            continue
        decided = _beijing(state.decided_at)
        if decided is None or (decided.year != year and not state.period.startswith(str(year))):
            continue   # the year's withdrawals: decided in it, or of one of its bulletins
        times = [_beijing(e["at"]) for e in done_events if e["subject"] == state.subject
                 and json.loads(e["detail"] or "{}").get("decided_at") == state.decided_at]
        finished = max(times) if times and not state.owed else None
        took = workdays_between(decided.date(), (finished.date() if finished else today))
        out.append({"kind": state.kind, "period": state.period, "area": state.area, "reason": state.reason,
                    "requested": decided.date().isoformat(), "done": finished.date().isoformat() if finished else None,
                    "owed": list(state.owed), "workdays": took,
                    "within_limit": took <= WITHDRAW_WORKDAYS if finished or took > WITHDRAW_WORKDAYS else None})
    return out


def _explained_keys(store: Store) -> set[tuple[Any, ...]]:
    """What the ledger's ``explanations`` (publishing/explanations.py) explain: ``(kind, period, area, key)`` of a
    bulletin's exceedance (an explanation belongs to one bulletin: the same source exceeding in two months needs
    two), and ``("alert", key)`` for an explanation recorded against an alert."""
    if not store.exists():
        return set()
    with store.connect() as conn:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='explanations'").fetchone():
            return set()
        columns = {r[1] for r in conn.execute("PRAGMA table_info(explanations)")}
        if "key" not in columns:
            return set()
        if {"kind", "period", "area"} <= columns:
            rows = conn.execute("SELECT kind, period, area, key FROM explanations").fetchall()
            return {(r[0], r[1], r[2], str(r[3])) for r in rows} | {("alert", str(r[3])) for r in rows}
        return {("alert", str(r[0])) for r in conn.execute("SELECT key FROM explanations")}


def _bulletin_exceedances(store: Store, latest: dict[str, Any], explained: set[tuple[Any, ...]]) -> list[dict[str, Any]]:
    path = store.output_folder(latest) / "bulletin.json"
    try:
        listed = json.loads(path.read_text(encoding="utf-8")).get("exceedances") or []
    except (OSError, ValueError):
        return []
    return [{"source": "bulletin", "kind": latest["kind"], "period": latest["period"], "key": item.get("key"),
             "subject": item.get("subject"), "detail": item.get("detail")}
            for item in listed if isinstance(item, dict)
            and (latest["kind"], latest["period"], latest.get("area"), str(item.get("key"))) not in explained]


def _alert_exceedances(ws: Workspace, year: int, explained: set[tuple[Any, ...]]) -> list[dict[str, Any]]:
    out = []
    for row in alerts.listing(ws):
        if row["rule"] not in ("source_exceedance", "section_below_target") or not row["time"].startswith(str(year)):
            continue
        key = f"alert:{row['id']}"
        if ("alert", key) in explained or row["state"] == "closed":
            continue
        out.append({"source": "alert", "kind": row["rule"], "period": row["time"], "key": key,
                    "subject": row["station_name"], "detail": row["message_zh"]})
    return out


def _alerts_of(ws: Workspace, year: int) -> list[dict[str, Any]]:
    return [{k: row[k] for k in ("id", "rule", "rule_zh", "station_id", "station_name", "time", "value", "limit",
                                 "state", "message_zh", "note")}
            for row in alerts.listing(ws) if str(row["time"]).startswith(str(year))]


def _stale_columns(owed: list[dict[str, Any]], year: int, today: dt.date) -> list[dict[str, Any]]:
    """Stretches of more than STALE_DAYS days in which a column got no publication while a bulletin of it
    was past its deadline and unpublished."""
    out = []
    end = min(today, dt.date(year, 12, 31))
    for kind in sorted({e["kind"] for e in owed}):
        entries = [e for e in owed if e["kind"] == kind]
        published = sorted(dt.date.fromisoformat(e["published"]) for e in entries if e["published"])
        waiting = [(dt.date.fromisoformat(e["deadline"]), dt.date.fromisoformat(e["published"]) if e["published"]
                    else None) for e in entries]
        day, run_start = dt.date(year, 1, 1), None
        while day <= end + dt.timedelta(days=1):
            last = max((p for p in published if p <= day), default=None)
            quiet = last is None or (day - last).days > STALE_DAYS
            overdue = any(d < day and (p is None or p > day) for d, p in waiting)
            stale = day <= end and quiet and overdue
            if stale and run_start is None:
                run_start = day
            if not stale and run_start is not None:
                last_before = max((p for p in published if p < run_start), default=None)
                out.append({"kind": kind, "from": run_start.isoformat(), "to": (day - dt.timedelta(days=1)).isoformat(),
                            "days": (day - run_start).days,
                            "last_update": last_before.isoformat() if last_before else None})
                run_start = None
            day += dt.timedelta(days=1)
    return out


def _never_reported(store: Store, registry, year: int, today: dt.date) -> list[dict[str, Any]]:
    first, last = dt.date(year, 1, 1), min(dt.date(year, 12, 31), today)
    if last < first:
        return []
    seen: set[str] = set()
    if store.exists():
        for kind in [k for k, key in KEYS.items() if key[0] == "station_id"]:
            lo, hi = Store._range(first, last, hour_ending=(kind == "air"))
            seen |= set(store.scan(kind, lo, hi).select("station_id").unique().collect()
                        .get_column("station_id").to_list())
    out = []
    for station in registry.stations:
        active = (station.active_from is None or station.active_from <= last) and \
            (station.active_to is None or station.active_to >= first)
        if active and station.id not in seen:
            out.append({"station_id": station.id, "name": station.name, "kind": station.kind_zh, "unit": station.unit})
    return out


# ------------------------------------------------------------------------------------------- output
def render_text(report: dict[str, Any]) -> str:
    names = {kind: entry.title_zh for kind, entry in catalogue.catalogue().items()}
    lines = [f"{report['year']} 年信息公开自查（截至 {report['today']}）", "",
             "一、应发布的公报"]
    for kind, t in report["totals"].items():
        lines.append(f"  {names.get(kind, kind)}（{kind}）：应发布 {t['owed']}，已编制 {t['built']}，已审批 {t['approved']}，"
                     f"已发布 {t['published']}（按时 {t['on_time']}，逾期 {t['late']}），未发布 {t['missing']}")
    lines.append("")
    lines.append(f"  {'公报':22}{'期次':12}{'截止日':12}{'编制':12}{'审批':12}{'发布':12}情况")
    for kind in report["kinds"]:
        entries = [e for e in report["owed"] if e["kind"] == kind]
        if kind == "air-daily":
            entries = [e for e in entries if e["late_workdays"] or not e["published"]]
            shown_entries = entries[:31]
        else:
            shown_entries = entries
        for e in shown_entries:
            lines.append(f"  {kind:22}{e['period']:12}{e['deadline']:12}{e['built'] or '—':12}"
                         f"{e['approved'] or '—':12}{e['published'] or '—':12}{e['state']}")
        if len(entries) > len(shown_entries):
            lines.append(f"  ……{kind} 另有 {len(entries) - len(shown_entries)} 期逾期或未发布（--json 列出全部）")
    lines += ["", f"二、更正 {len(report['corrections'])} 次，撤回 {len(report['withdrawals'])} 次"]
    for c in report["corrections"]:
        lines.append(f"  更正：{c['kind']} {c['period']} 第 {c['revision']} 版，{c['published']} 发布")
    for w in report["withdrawals"]:
        verdict = "未超期" if w["within_limit"] is None else ("3 个工作日内完成" if w["within_limit"]
                                                          else f"用时 {w['workdays']} 个工作日，超过 3 个")
        lines.append(f"  撤回：{w['kind']} {w['period']}（{shown(str(w['reason'] or ''))}），决定 {w['requested']}，"
                     f"完成 {w['done'] or '尚未完成'}，{verdict}")
    lines += ["", f"三、有超标、尚无说明 {len(report['unexplained_exceedances'])} 项"]
    for u in report["unexplained_exceedances"][:50]:
        lines.append(f"  {shown(str(u['subject']))} {u['period']}：{shown(str(u['detail']))}")
    lines += ["", f"四、栏目超过 {STALE_DAYS} 天未更新（期间有到期未发布的公报）{len(report['stale_columns'])} 段"]
    for s in report["stale_columns"]:
        lines.append(f"  {s['kind']}：{s['from']} 至 {s['to']}，{s['days']} 天（此前最近更新 {s['last_update'] or '无'}）")
    lines += ["", f"五、全年从未报送数据的站点 {len(report['never_reported'])} 个"]
    for n in report["never_reported"][:100]:
        lines.append(f"  {shown(n['station_id'])} {shown(n['name'])}（{n['kind']}，{shown(n['unit'] or '')}）")
    open_alerts = [a for a in report["alerts"] if a["state"] == "open"]
    lines += ["", f"六、超标预警 {len(report['alerts'])} 条，未关闭 {len(open_alerts)} 条"]
    for a in open_alerts[:50]:
        lines.append(f"  #{a['id']} {shown(a['message_zh'])}")
    return "\n".join(lines)


def write_page(ws: Workspace, report: dict[str, Any]) -> Path:
    """``output/audit/<year>/index.html`` and ``audit.json`` (written whole, then moved into place)."""
    folder = ws.output / "audit" / str(report["year"])
    folder.mkdir(parents=True, exist_ok=True)
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html"]))
    env.globals["font_sans"] = fonts.css_stack("sans")
    page = env.get_template("audit.html").render(r=report, names={k: v.title_zh for k, v in catalogue.catalogue(ws.home).items()},
                                                 stale_days=STALE_DAYS)
    for name, text in (("index.html", page),
                       ("audit.json", json.dumps(report, ensure_ascii=False, indent=2, default=str))):
        tmp = folder / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, folder / name)
    return folder / "index.html"


__all__ = ["audit", "render_text", "write_page", "periods_of"]
