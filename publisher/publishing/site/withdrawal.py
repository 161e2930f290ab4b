"""Withdrawals (撤回): a review decision like an approval, then carried out on the portal and the site.

``publisher withdraw --kind K --period P --reason "…" --by NAME --role ROLE`` records one decision on
the withdrawal of a published item. The steps are those of the kind's review workflow in
``approval.yaml``, or the ones its optional ``withdrawal`` key names (a list of step ids for every
kind, or a mapping kind -> list with ``default``)::

    withdrawal: [leader_approval]            # only the leader decides on withdrawals

Rules as for approvals: steps in order, one person per step (``distinct_people``), names normalised;
the first step needs the reason (撤回原因), which the later steps confirm. When the last step is
approved the withdrawal is *decided*: the item leaves the site's index and feeds at the next
``publisher site build`` (its page becomes a notice: 撤回说明, when and why) and the portals it was
published to are told with the protocol's withdrawal call (``POST /api/v1/withdrawals``, signed like
an upload); the files stay in the archive, the ledger and the portal's store.

A decided withdrawal not yet carried out everywhere is *owed*: ``publisher status`` lists it, and warns
when it is older than :data:`DEADLINE_WORKDAYS` working days (the promise to take a wrong item down
within three working days).
"""
from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from typing import Any

import requests

from publisher import __version__, safeparse
from publisher.operations.status import beijing_today, workdays_between
from publisher.paths import Workspace
from publisher.periods import Period
from publisher.publishing import signing
from publisher.publishing.approval import (ApprovalError, Policy, Step, _signer, load_policy, normalise_name,
                                           same_name)
from publisher.publishing.site import ledger
from publisher.publishing.transport import TOKEN_ENV, BearerAuth, normalize_target, redact_url, require_safe_transport
from publisher.store import Store

WITHDRAW_PATH = "api/v1/withdrawals"
DEADLINE_WORKDAYS = 3
APPROVED, REJECTED = "approved", "rejected"


def subject(kind: str, period: str, area: str | None) -> str:
    return f"{kind}/{period}" + (f"/{area}" if area else "")


# --------------------------------------------------------------------------- the steps
def steps(policy: Policy, kind: str) -> list[Step]:
    """The steps a withdrawal of `kind` takes: ``withdrawal`` in approval.yaml, else the kind's workflow."""
    try:
        data = safeparse.load_yaml(open(policy.source, encoding="utf-8").read()) or {}
    except (OSError, ValueError):
        data = {}
    chosen = data.get("withdrawal") if isinstance(data, dict) else None
    if isinstance(chosen, dict):
        chosen = chosen.get(kind, chosen.get("default"))
    if chosen is None:
        return policy.workflow(kind)
    if not isinstance(chosen, list) or not chosen or any(s not in policy.steps for s in chosen):
        raise ApprovalError(f"审核流程配置 {policy.source} 的 withdrawal 应为已定义步骤的非空列表",
                            "bad_approval_config")
    return [policy.steps[s] for s in chosen]


class WithdrawalPolicy:
    """The policy seen by the portal's approvals check: the withdrawal steps as the 'workflow'."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.distinct_people = policy.distinct_people

    def workflow(self, kind: str) -> list[Step]:
        return steps(self.policy, kind)


# --------------------------------------------------------------------------- the state
@dataclass
class State:
    kind: str
    period: str
    area: str | None
    steps: list[tuple[Step, str, dict | None]]      # (step, approved|rejected|pending, decision)
    reason: str | None
    decided_at: str | None
    done: dict[str, dict] = field(default_factory=dict)   # portal target -> withdrawal_done event detail
    targets: list[str] = field(default_factory=list)      # portals the item was published to

    @property
    def subject(self) -> str:
        return subject(self.kind, self.period, self.area)

    @property
    def decided(self) -> bool:
        return bool(self.steps) and all(s == APPROVED for _, s, _ in self.steps)

    @property
    def started(self) -> bool:
        return any(d is not None for _, _, d in self.steps)

    @property
    def owed(self) -> list[str]:
        """Portals the decided withdrawal has not yet reached."""
        return [t for t in self.targets if t not in self.done] if self.decided else []


def decisions(store: Store, key: str | None = None) -> list[dict[str, Any]]:
    if key is None:
        return ledger.rows(store, "SELECT * FROM withdrawals ORDER BY id")
    return ledger.rows(store, "SELECT * FROM withdrawals WHERE subject=? ORDER BY id", (key,))


def _published_targets(store: Store, kind: str, period: str, area: str | None) -> list[str]:
    ids = {int(b["id"]) for b in store.bulletins(kind=kind, period=period) if b.get("area") == area}
    out: list[str] = []
    for p in store.publications():
        if int(p["bulletin_id"]) in ids and p["status"] == "ok" and p["target"] not in out:
            out.append(p["target"])
    return out


def state(ws: Workspace, kind: str, period: str, area: str | None = None, policy: Policy | None = None) -> State:
    period = Period.parse(period).label
    store = Store(ws)
    policy = policy or load_policy(ws=ws)
    key = subject(kind, period, area)
    rows = decisions(store, key)
    out: list[tuple[Step, str, dict | None]] = []
    previous: dict | None = None
    for step in steps(policy, kind):
        mine = [r for r in rows if r["step"] == step.id]
        latest = mine[-1] if mine else None
        if latest is None:
            out.append((step, "pending", None))
        elif latest["decision"] == REJECTED:
            out.append((step, REJECTED, latest))
        elif out and (out[-1][1] != APPROVED or (previous and latest["id"] < previous["id"])):
            out.append((step, "pending", None))        # approved before an earlier step's decision changed
        else:
            out.append((step, APPROVED, latest))
        previous = latest
    first = next((d for _, s, d in out if d is not None and d.get("reason")), None)
    decided_at = out[-1][2]["at"] if out and all(s == APPROVED for _, s, _ in out) else None
    done = {}
    for e in store.events("withdrawal_done") if store.exists() else []:
        if e["subject"] == key:
            detail = json.loads(e["detail"] or "{}")
            if decided_at and detail.get("decided_at") == decided_at:
                done[detail.get("target")] = detail
    return State(kind, period, area, out, first.get("reason") if first else None, decided_at, done,
                 _published_targets(store, kind, period, area) if store.exists() else [])


def all_states(ws: Workspace) -> list[State]:
    store = Store(ws)
    seen: dict[str, tuple[str, str, str | None]] = {}
    for r in decisions(store):
        seen.setdefault(r["subject"], (r["kind"], r["period"], r["area"]))
    policy = load_policy(ws=ws)
    return [state(ws, *v, policy=policy) for v in seen.values()]


def withdrawn(ws: Workspace) -> dict[str, State]:
    """subject -> state of every item whose withdrawal is decided."""
    return {s.subject: s for s in all_states(ws) if s.decided}


# --------------------------------------------------------------------------- deciding
@dataclass
class Decided:
    state: State
    message: str


def decide(ws: Workspace, kind: str, period: str, *, by: str, role: str, area: str | None = None,
           reason: str | None = None, reject: bool = False, via: str | None = None,
           os_user: str | None = None, os_uid: int | None = None) -> Decided:
    """Record one decision on withdrawing a published item (see the module's rules)."""
    label = Period.parse(period).label
    store = Store(ws)
    policy = load_policy(ws=ws)
    key = subject(kind, label, area)
    if not store.exists() or not _published_targets(store, kind, label, area):
        raise ApprovalError(f"{key} 尚未发布，无需撤回（未发布的公报不公开，直接不发布即可）", "not_published")
    name = _signer(by)
    current = state(ws, kind, label, area, policy)
    if current.decided:
        raise ApprovalError(f"{key} 的撤回已于 {current.decided_at} 决定，无需再次审核", "already_withdrawn")
    wanted = normalise_name(role)
    step_index = next((i for i, (s, _, _) in enumerate(current.steps)
                       if any(normalise_name(r) == wanted for r in s.roles)), None)
    if step_index is None:
        roles = "；".join(f"{s.name}：{'、'.join(s.roles)}" for s, _, _ in current.steps)
        raise ApprovalError(f"角色 {role!r} 不能签署撤回（撤回的审核步骤：{roles}）", "unknown_role")
    step = current.steps[step_index][0]
    reason = (reason or "").strip() or None
    if reason and len(reason) > 2000:
        raise ApprovalError("撤回原因过长（不超过 2000 字）", "bad_reason")
    if reject:
        if not reason:
            raise ApprovalError("不同意撤回须用 --reason 说明理由", "reason_required")
    else:
        earlier = [s for s in current.steps[:step_index] if s[1] != APPROVED]
        if earlier:
            raise ApprovalError(f"须先完成“{'、'.join(s[0].name for s in earlier)}”，才能签署“{step.name}”",
                                "step_out_of_order")
        if step_index == 0 and not reason and not current.reason:
            raise ApprovalError("撤回须用 --reason 写明原因（撤回说明中公开）", "reason_required")
        if policy.distinct_people:
            for other, s, d in current.steps:
                if other.id != step.id and s == APPROVED and d and same_name(d["signer"], name):
                    raise ApprovalError(f"{name} 已签署“{other.name}”，同一撤回的不同步骤须由不同的人签署",
                                        "same_person")
        if current.steps[step_index][1] == APPROVED:
            return Decided(current, f"{key} 撤回的“{step.name}”已通过，无需重复签署")
    with ledger.write(store) as conn:
        conn.execute("INSERT INTO withdrawals (subject, kind, period, area, step, role, signer, decision, reason,"
                     " at, via, os_user, os_uid) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     (key, kind, label, area, step.id, normalise_name(role), name, REJECTED if reject else APPROVED,
                      reason if (reason or reject) else None, ledger.now(), via, os_user, os_uid))
    store.record_event("withdrawal_decision", key, {"step": step.id, "role": normalise_name(role),
                                                    "decision": REJECTED if reject else APPROVED, "via": via,
                                                    "os_user": os_user})
    after = state(ws, kind, label, area, policy)
    if reject:
        message = f"{key}：“{step.name}”不同意撤回（{reason}）"
    elif after.decided:
        message = (f"{key} 的撤回已决定（{after.decided_at}）：通知已发布的 {len(after.targets)} 个门户，"
                   f"并请运行 publisher site build 更新网站")
    else:
        following = next((s for s, st, _ in after.steps if st != APPROVED), None)
        message = f"{key}：“{step.name}”同意撤回；待{following.name if following else '审核'}"
    return Decided(after, message)


# --------------------------------------------------------------------------- carrying it out on a portal
@dataclass
class CarriedOut:
    target: str
    ok: bool
    status: str
    message: str


def carry_out(ws: Workspace, kind: str, period: str, area: str | None = None, portal: str | None = None, *,
              token: str | None = None, timeout: float = 30.0) -> list[CarriedOut]:
    """Send the decided withdrawal to `portal` (default: every portal the item was published to that
    has not yet confirmed it). Each confirmed withdrawal is logged as the ledger event
    ``withdrawal_done``; a failure as ``withdrawal_failed``."""
    label = Period.parse(period).label
    current = state(ws, kind, label, area)
    if not current.decided:
        raise ApprovalError(f"{current.subject} 的撤回尚未决定（审核未完成），不能执行", "not_decided")
    targets = [normalize_target(portal)] if portal else current.owed
    token = token if token is not None else os.environ.get(TOKEN_ENV) or None
    for target in targets:
        require_safe_transport(target, token)
    store = Store(ws)
    out: list[CarriedOut] = []
    key = signing.instance_key(ws.home)
    for target in targets:
        body = {"protocol": 1, "action": "withdraw", "kind": kind, "period": label, "area": area,
                "reason": current.reason, "decided_at": current.decided_at,
                "approvals": [{"step": s.id, "step_name": s.name, "role": d["role"], "by": d["signer"], "at": d["at"]}
                              for s, _, d in current.steps],
                "sender": f"publisher {__version__}"}
        body["signed_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        body["sequence"] = store.record_event("withdrawal_signed", current.subject,
                                              {"target": target, "signed_at": body["signed_at"]})
        signed = signing.sign(body, key)
        try:
            response = requests.post(f"{target}/{WITHDRAW_PATH}",
                                     data=json.dumps(signed, ensure_ascii=False).encode("utf-8"),
                                     headers={"Content-Type": "application/json", "Accept": "application/json",
                                              "User-Agent": f"publisher/{__version__}"},
                                     auth=BearerAuth(token), timeout=(min(10.0, timeout), timeout),
                                     allow_redirects=False)
            try:
                answer = response.json()
            except ValueError:
                answer = {}
            answer = answer if isinstance(answer, dict) else {}
            ok = response.status_code in (200, 201) and answer.get("status") in ("withdrawn", "already_withdrawn")
            status, text = (answer.get("status") or answer.get("error") or f"http_{response.status_code}",
                            str(answer.get("message") or response.reason or ""))
        except requests.RequestException as exc:
            ok, status, text = False, "portal_unreachable", f"无法连接门户：{type(exc).__name__}"
        detail = {"target": target, "status": status, "decided_at": current.decided_at}
        if ok:
            store.record_event("withdrawal_done", current.subject, detail)
            out.append(CarriedOut(target, True, status, f"{current.subject} 已在门户 {redact_url(target)} 撤回"))
        else:
            store.record_event("withdrawal_failed", current.subject, {**detail, "message": text[:300]})
            out.append(CarriedOut(target, False, status,
                                  f"{current.subject} 在门户 {redact_url(target)} 撤回失败：{text} [{status}]"))
    return out


# --------------------------------------------------------------------------- what is owed
def owed(ws: Workspace, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Decided withdrawals not yet carried out on every portal, with the working days since the decision
    and whether they are past the :data:`DEADLINE_WORKDAYS` promise."""
    today = today or beijing_today()
    out = []
    for s in all_states(ws):
        if not s.decided or not s.owed:
            continue
        decided = dt.datetime.fromisoformat(s.decided_at).astimezone(dt.timezone(dt.timedelta(hours=8))).date()
        days = workdays_between(decided, today)
        out.append({"subject": s.subject, "kind": s.kind, "period": s.period, "area": s.area,
                    "decided_at": s.decided_at, "reason": s.reason, "owed": s.owed, "workdays": days,
                    "overdue": days > DEADLINE_WORKDAYS})
    return out


def owed_text(items: list[dict[str, Any]]) -> str:
    """The lines ``publisher status`` prints (empty when nothing is owed)."""
    if not items:
        return ""
    lines = ["待执行的撤回："]
    for o in items:
        flag = (f"  ⚠ 已超过 {DEADLINE_WORKDAYS} 个工作日（已 {o['workdays']} 个工作日），须立即执行"
                if o["overdue"] else f"  已 {o['workdays']} 个工作日")
        lines.append(f"  {o['subject']}  决定于 {o['decided_at']}  原因：{o['reason']}{flag}")
        lines.append(f"    尚未通知的门户：{'、'.join(redact_url(t) for t in o['owed'])}"
                     f"（publisher withdraw --kind {o['kind']} --period {o['period']}"
                     f"{' --area ' + o['area'] if o['area'] else ''} --carry-out）")
    return "\n".join(lines)
