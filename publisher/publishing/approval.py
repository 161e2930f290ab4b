"""Approval of built bulletins before they go out: the review steps, the decisions, the state.

The steps and who may sign them are data (``publisher/defaults/approval.yaml``, or ``<home>/approval.yaml``):
by default 保密审查 (the confidentiality review of the office that owns the data) then 审批 (the
leader in charge). A decision always concerns the LATEST revision of a bulletin in the ledger, and an
approval is only recorded after the bulletin's folder has been checked against the manifest recorded
for that revision (:mod:`publisher.publishing.integrity`): what is approved is exactly what was reviewed.

Rules, for one revision and one workflow (its ordered steps):

* a step's decision is its latest one (a rejection is lifted by a later approval of that step);
* a step can only be approved once the steps before it are approved, and its approval counts only
  when it is later than the approvals of those steps (re-approving an earlier step after a
  rejection sends the later steps back for a new decision);
* a rejection can be given at any step at any time and needs a note (the reason);
* with ``distinct_people``, one person cannot sign two steps of the same revision; names are compared
  and stored normalised (:func:`normalise_name`: NFKC, invisible and format characters removed,
  spaces trimmed and collapsed; compared case-insensitively), so ``甲`` and ``甲\u200b`` are one person;
* a new revision (a rebuild whose content changed) starts with no decisions at all;
* the first step cannot be approved while an exceedance the revision reports has no explanation
  printed in it (:mod:`publisher.publishing.explanations`: ``unexplained_exceedance``).

Decisions go to the ledger's ``approvals`` table (``role`` is the role signed as, which names the
step; ``via`` is ``cli`` for ``publisher approve``, with the operating-system account in ``os_user`` and
``os_uid``); every decision is also logged in ``events`` with the step id and the manifest checked.
"""
from __future__ import annotations

import getpass
import json
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import pwd
except ImportError:   # no user database on this system: the account is named by its uid
    pwd = None  # type: ignore[assignment]

from publisher.publishing import explanations, integrity
from publisher.store import output
from publisher.errors import PublisherError
from publisher import config
from publisher.paths import Workspace
from publisher.periods import Period
from publisher.store import Store

DEFAULT_CONFIG = config.default_path("approval.yaml")
APPROVED, REJECTED = "approved", "rejected"


class ApprovalError(PublisherError):
    """A decision or a publication cannot go ahead; ``code`` is the stable English code."""

    def __init__(self, message: str, code: str, detail: Any = None):
        super().__init__(f"{message} [{code}]")
        self.code = code
        self.detail = detail


# --------------------------------------------------------------------------- names
#: Code points that show nothing but make two names differ: Unicode's Default_Ignorable_Code_Point
#: (zero-width spaces and joiners, bidirectional controls, variation selectors, fillers, tags, …)
#: and blank-looking letters (U+2800 braille blank). Every format character (category Cf) too.
_INVISIBLE = ((0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
              (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x2800, 0x2800),
              (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8),
              (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF))
#: the longest signer name kept (after normalisation)
NAME_MAX = 64


def _invisible(ch: str) -> bool:
    if unicodedata.category(ch) == "Cf":
        return True
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _INVISIBLE)


def normalise_name(text: str | None) -> str:
    """A signer's name (or a role) as compared and stored: NFKC (full-width letters and spaces become
    their plain forms), invisible and format characters removed (U+200B, U+200D, U+FEFF, U+202E, every
    Cf character, …), control characters read as spaces, spaces trimmed and collapsed to one."""
    text = unicodedata.normalize("NFKC", text or "")
    kept = []
    for ch in text:
        if ch.isspace() or unicodedata.category(ch) == "Cc":
            kept.append(" ")
        elif not _invisible(ch):
            kept.append(ch)
    return unicodedata.normalize("NFKC", " ".join("".join(kept).split()))


def same_name(a: str | None, b: str | None) -> bool:
    """Whether two signer names name the same person (normalised, case-insensitive)."""
    return normalise_name(a).casefold() == normalise_name(b).casefold()


def _signer(by: str | None) -> str:
    """The normalised signer name, or ``missing_signer`` / ``invalid_signer``."""
    if not (by or "").strip():
        raise ApprovalError("请用 --by 写明签署人", "missing_signer")
    name = normalise_name(by)
    if not name:
        raise ApprovalError(f"签署人 {by!r} 去除不可见字符和空白后为空，请写明签署人的姓名", "invalid_signer")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in name) or len(name) > NAME_MAX:
        raise ApprovalError(f"签署人姓名无效（不是有效的 UTF-8 文字，或长于 {NAME_MAX} 个字符）", "invalid_signer")
    return name


def os_account() -> tuple[str, int | None]:
    """The operating-system account of this process: its name from the user database (for the uid the
    kernel gives, not from $USER, which any caller can set), and the uid."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    if uid is not None:
        try:
            return pwd.getpwuid(uid).pw_name, uid
        except (AttributeError, KeyError):   # no user database here (pwd is None), or no entry for the uid
            return f"uid {uid}", uid
    try:
        return getpass.getuser(), None
    except Exception:  # noqa: BLE001 - no account name can be found
        return "unknown", None


# --------------------------------------------------------------------------- the workflow (config)
@dataclass(frozen=True)
class Step:
    id: str
    name: str
    roles: tuple[str, ...]
    basis: str = ""


@dataclass(frozen=True)
class Policy:
    """The review steps of ``approval.yaml``."""

    steps: dict[str, Step]
    workflows: dict[str, tuple[str, ...]]
    distinct_people: bool
    source: str

    def workflow(self, kind: str) -> list[Step]:
        ids = self.workflows.get(kind, self.workflows["default"])
        return [self.steps[i] for i in ids]

    def step_for_role(self, kind: str, role: str) -> Step | None:
        wanted = normalise_name(role)
        return next((s for s in self.workflow(kind) if any(normalise_name(r) == wanted for r in s.roles)), None)

    def roles_text(self, kind: str) -> str:
        return "；".join(f"{s.name}：{'、'.join(s.roles)}" for s in self.workflow(kind))


def config_path(ws: Workspace | None = None) -> Path:
    """``<home>/approval.yaml`` when the workspace has one, else the shipped default."""
    return config.path_of("approval.yaml", ws.home if ws is not None else None)


def load_policy(path: str | os.PathLike[str] | None = None, ws: Workspace | None = None) -> Policy:
    """Read and validate a workflow file; every problem is reported at once (``bad_approval_config``)."""
    path = Path(path) if path is not None else config_path(ws)
    try:
        data = config.read(path, what_zh="审核流程配置", code="bad_approval_config")
    except config.ConfigError as exc:
        raise ApprovalError(exc.reason, exc.code) from exc
    problems: list[str] = []
    steps: dict[str, Step] = {}
    role_owner: dict[str, str] = {}
    if not isinstance(data, dict):
        data = {}
        problems.append("文件应为一个映射（steps、workflows、distinct_people）")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        problems.append("steps 应为非空列表")
        raw_steps = []
    for n, raw in enumerate(raw_steps, 1):
        if not isinstance(raw, dict):
            problems.append(f"steps 第 {n} 项应为映射")
            continue
        sid, name, roles = raw.get("id"), raw.get("name"), raw.get("roles")
        if not isinstance(sid, str) or not sid.replace("_", "").replace("-", "").isalnum() or not sid.isascii():
            problems.append(f"steps 第 {n} 项：id 应为英文标识")
            continue
        if sid in steps:
            problems.append(f"步骤 {sid} 重复")
        if not isinstance(name, str) or not name.strip():
            problems.append(f"步骤 {sid}：缺少 name")
        if not isinstance(roles, list) or not roles or not all(isinstance(r, str) and r.strip() for r in roles):
            problems.append(f"步骤 {sid}：roles 应为非空的角色名称列表")
            roles = []
        for role in roles:
            if role in role_owner and role_owner[role] != sid:
                problems.append(f"角色 {role} 同时属于步骤 {role_owner[role]} 和 {sid}（一个角色只能签一个步骤）")
            role_owner[role] = sid
        steps[sid] = Step(sid, str(name or sid).strip(), tuple(r.strip() for r in roles), str(raw.get("basis") or ""))
    workflows: dict[str, tuple[str, ...]] = {}
    raw_flows = data.get("workflows")
    if not isinstance(raw_flows, dict) or "default" not in raw_flows:
        problems.append("workflows 应为映射，且包含 default")
        raw_flows = {}
    for kind, ids in raw_flows.items():
        if not isinstance(ids, list) or not ids:
            problems.append(f"workflows.{kind} 应为非空的步骤列表")
            continue
        unknown = [i for i in ids if i not in steps]
        if unknown:
            problems.append(f"workflows.{kind} 引用了未定义的步骤 {', '.join(map(str, unknown))}")
        if len(set(ids)) != len(ids):
            problems.append(f"workflows.{kind} 中步骤重复")
        workflows[str(kind)] = tuple(ids)
    distinct = data.get("distinct_people", True)
    if not isinstance(distinct, bool):
        problems.append("distinct_people 应为 true 或 false")
    if problems:
        raise ApprovalError(f"审核流程配置 {path} 有误：" + "；".join(problems), "bad_approval_config",
                            detail=problems)
    return Policy(steps, workflows, bool(distinct), str(path))


# --------------------------------------------------------------------------- the ledger's view
def subject(kind: str, period: str, area: str | None) -> str:
    return f"{kind}/{period}" + (f"/{area}" if area else "")


def latest_revision(store: Store, kind: str, period: str, area: str | None = None) -> dict[str, Any]:
    """The ledger row of the latest revision of the bulletin (``not_built`` when there is none)."""
    label = Period.parse(period).label
    rows = [] if not store.exists() else [r for r in store.bulletins(kind=kind, period=label)
                                           if r.get("area") == area]
    if not rows:
        raise ApprovalError(f"台账中没有 {subject(kind, label, area)} 的公报（先运行 publisher build）",
                            "not_built")
    return rows[-1]


def check_files(row: dict[str, Any], keep: bool = False) -> integrity.FolderCheck:
    """The folder of the revision `row` (under the current output root) against its manifest. A folder a
    killed build left set aside is put back first (:func:`publisher.store.output.recover`)."""
    folder = Path(row["output_dir"])
    if not folder.exists():
        output.recover(folder, subject(row["kind"], row["period"], row.get("area")))
    return integrity.check_folder(folder, row["manifest_sha256"], keep=keep)


def require_files(row: dict[str, Any], keep: bool = False) -> integrity.FolderCheck:
    """The folder check of `row`; raises ``files_changed`` unless the files are exactly those recorded,
    and ``incomplete_bulletin`` when the revision lacks a file every bulletin has (index.html,
    bulletin.pdf, bulletin.json, the charts its page shows)."""
    check = check_files(row, keep=keep)
    if not check.ok:
        raise ApprovalError(
            f"{subject(row['kind'], row['period'], row['area'])} 第{row['revision']}版的文件与编制时记录的清单不一致："
            f"{check.summary()}。审核和发布的必须是编制时的原样文件；请重新编制（publisher build）后重新审核",
            "files_changed", detail=[p.as_dict() for p in check.problems])
    missing = output.missing_files(check.folder, (check.manifest or {}).get("files") or {})
    if missing:
        raise ApprovalError(
            f"{subject(row['kind'], row['period'], row['area'])} 第{row['revision']}版缺少公报必须有的文件："
            f"{'、'.join(missing)}，不能审核或发布；请重新编制（publisher build）后重新审核",
            "incomplete_bulletin", detail=missing)
    return check


@dataclass
class StepState:
    step: Step
    state: str    # approved | rejected | pending | stale (approved, but an earlier step's decision changed since)
    decision: dict[str, Any] | None = None   # the approvals row in force

    @property
    def label(self) -> str:
        return {"approved": "已通过", "rejected": "已驳回", "pending": "待办",
                "stale": "需重新审核（此前步骤的决定在其之后有变）"}[self.state]


@dataclass
class Status:
    """Where one revision stands in its workflow."""

    bulletin: dict[str, Any]
    steps: list[StepState]
    other: list[dict[str, Any]] = field(default_factory=list)   # decisions of roles outside the workflow

    @property
    def approved(self) -> bool:
        return all(s.state == APPROVED for s in self.steps)

    @property
    def rejected(self) -> StepState | None:
        return next((s for s in self.steps if s.state == REJECTED), None)

    @property
    def next_step(self) -> StepState | None:
        return next((s for s in self.steps if s.state != APPROVED), None)

    @property
    def state(self) -> str:
        if self.rejected:
            return "rejected"
        return "approved" if self.approved else "pending"

    def summary(self) -> str:
        if self.rejected:
            d = self.rejected.decision or {}
            return f"已在“{self.rejected.step.name}”被驳回（{d.get('note') or '无说明'}）"
        if self.approved:
            return "审核已完成，可以发布"
        return f"待{self.next_step.step.name}" if self.next_step else "待审核"


def status(store: Store, row: dict[str, Any], policy: Policy) -> Status:
    """The workflow state of the revision `row` from its recorded decisions."""
    decisions = store.approvals(int(row["id"]))
    steps = policy.workflow(row["kind"])
    known = {role for s in steps for role in s.roles}
    states: list[StepState] = []
    for step in steps:
        mine = [d for d in decisions if d.get("role") in step.roles]
        latest = mine[-1] if mine else None
        previous = states[-1] if states else None
        if latest is None:
            states.append(StepState(step, "pending"))
        elif latest["decision"] == REJECTED:
            states.append(StepState(step, REJECTED, latest))
        elif previous is not None and (previous.state != APPROVED or latest["id"] < previous.decision["id"]):
            # approved while the earlier step was in force, which it no longer is
            states.append(StepState(step, "stale", latest))
        else:
            states.append(StepState(step, APPROVED, latest))
    return Status(row, states, [d for d in decisions if d.get("role") not in known])


# --------------------------------------------------------------------------- deciding
@dataclass
class Decision:
    bulletin: dict[str, Any]
    step: Step
    decision: str
    recorded: bool                 # False: the step was approved already, nothing was added
    approval_id: int | None
    status: Status
    message: str


def decide(ws: Workspace, kind: str, period: str, *, by: str, role: str, area: str | None = None,
           reject: bool = False, note: str | None = None, policy: Policy | None = None,
           via: str | None = None, os_user: str | None = None, os_uid: int | None = None) -> Decision:
    """Record an approval (or with ``reject=True`` a rejection) of the latest revision of a bulletin.

    `by` is stored normalised (:func:`normalise_name`); `via` (``cli`` for ``publisher approve``),
    `os_user` and `os_uid` say how and from which operating-system account the decision came."""
    by, role, note = _signer(by), normalise_name(role), (note or "").strip() or None
    policy = policy or load_policy(ws=ws)
    store = Store(ws)
    row = latest_revision(store, kind, period, area)
    name = f"{subject(kind, row['period'], area)} 第{row['revision']}版"
    step = policy.step_for_role(kind, role)
    if step is None:
        raise ApprovalError(f"角色“{role}”不在 {kind} 的审核流程中；可用的角色：{policy.roles_text(kind)}",
                            "unknown_role")
    role = next(r for r in step.roles if normalise_name(r) == role)   # as approval.yaml spells it
    before = status(store, row, policy)
    position = next(i for i, s in enumerate(before.steps) if s.step.id == step.id)
    if reject:
        if not note:
            raise ApprovalError("驳回须用 --note 写明理由", "missing_note")
        check = check_files(row)   # a rejection is never blocked, but the log says what was on disk
    else:
        waiting = [s for s in before.steps[:position] if s.state != APPROVED]
        if waiting:
            raise ApprovalError(f"{name} 尚未通过“{waiting[0].step.name}”（{waiting[0].label}），"
                                f"不能进行“{step.name}”", "step_out_of_order")
        if before.steps[position].state == APPROVED:
            d = before.steps[position].decision or {}
            return Decision(row, step, APPROVED, False, d.get("id"), before,
                            f"{name} 的“{step.name}”已于 {d.get('at')} 通过，无需重复 (already_approved)")
        if position == 0:   # the exceedance-explanation gate (publisher.publishing.explanations)
            explanations.require(store, row)
        if policy.distinct_people:
            signed = [s for s in before.steps if s.state == APPROVED and s.decision
                      and same_name(s.decision["approved_by"], by) and s.step.id != step.id]
            if signed:
                raise ApprovalError(f"{by} 已签署本版的“{signed[0].step.name}”，同一人不能再签“{step.name}”"
                                    f"（distinct_people）", "same_person")
        check = require_files(row)
    decision = REJECTED if reject else APPROVED
    approval_id = store.record_approval(int(row["id"]), by, decision=decision, role=role, note=note, via=via,
                                        os_user=os_user, os_uid=os_uid)
    store.record_event("approval", subject(kind, row["period"], area), {
        "bulletin_id": row["id"], "revision": row["revision"], "step": step.id, "role": role, "by": by,
        "via": via, "os_user": os_user, "os_uid": os_uid,
        "decision": decision, "approval_id": approval_id, "manifest_sha256": row["manifest_sha256"],
        "files_ok": check.ok, "problems": [p.as_dict() for p in check.problems], "config": policy.source})
    after = status(store, row, policy)
    verb = "驳回" if reject else "通过"
    message = f"{name} “{step.name}”已{verb}（{role}）；{after.summary()}"
    return Decision(row, step, decision, True, approval_id, after, message)


# --------------------------------------------------------------------------- history
def review_notes(row: dict[str, Any]) -> list[dict[str, str]]:
    """The notes for the reviewers recorded in the revision's ``bulletin.json`` (``review``): caveats on
    the method, data gaps, provenance; they are part of what is signed but never on the public page.
    An unreadable document gives no notes (the folder check reports it)."""
    try:
        document = json.loads((Path(row["output_dir"]) / "bulletin.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError, KeyError):
        return []
    notes = document.get("review") if isinstance(document, dict) else None
    if not isinstance(notes, list):
        return []
    return [{"topic": str(n.get("topic", "")), "text": str(n.get("text", ""))} for n in notes
            if isinstance(n, dict) and n.get("text")]


def history(ws: Workspace, kind: str | None = None, period: str | None = None, area: str | None = None,
            policy: Policy | None = None) -> list[dict[str, Any]]:
    """Every recorded revision (oldest first) with its decisions, workflow state and publications."""
    store = Store(ws)
    if not store.exists():
        return []
    policy = policy or load_policy(ws=ws)
    label = Period.parse(period).label if period else None
    rows = [r for r in store.bulletins(kind=kind, period=label) if area is None or r.get("area") == area]
    latest: dict[tuple, int] = {}
    for r in rows:
        latest[(r["kind"], r["period"], r["area"])] = max(latest.get((r["kind"], r["period"], r["area"]), 0),
                                                          r["revision"])
    out = []
    for r in rows:
        st = status(store, r, policy)
        is_latest = latest[(r["kind"], r["period"], r["area"])] == r["revision"]
        out.append({
            "kind": r["kind"], "period": r["period"], "area": r["area"], "revision": r["revision"],
            "bulletin_id": r["id"], "built_at": r["built_at"], "output_dir": r["output_dir"],
            "manifest_sha256": r["manifest_sha256"], "latest": is_latest,
            "state": st.state if is_latest else "superseded",
            "summary": st.summary() if is_latest else "已被后续版本取代",
            "steps": [{"step": s.step.id, "name": s.step.name, "state": s.state,
                       "by": (s.decision or {}).get("approved_by"), "role": (s.decision or {}).get("role"),
                       "at": (s.decision or {}).get("at"), "note": (s.decision or {}).get("note")}
                      for s in st.steps],
            "approvals": store.approvals(int(r["id"])),
            "publications": store.publications(int(r["id"])),
            "review": review_notes(r) if is_latest else [],
        })
    return out
