"""Review decisions on a real built bulletin: the workflow of approval.yaml (保密审查 then 审批), the
check of the files against the manifest recorded for the revision, rejections, new revisions, and the
approve/history commands."""
from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from publisher.publishing.approval import ApprovalError, decide, history, latest_revision, load_policy, os_account, status
from publisher.cli import cli
from publisher.store import Store
from tests.publishing_helpers import (KIND, LEADER, LEADER_ROLE, PERIOD, REVIEW_ROLE, REVIEWER, build_workspace,
                                      clone, folder, rebuild_corrected)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_workspace(tmp_path_factory.mktemp("approval") / "home")


@pytest.fixture
def ws(built, tmp_path):
    return clone(built, tmp_path / "home")


def _state(ws):
    store = Store(ws)
    return status(store, latest_revision(store, KIND, PERIOD), load_policy(ws=ws))


def _review(ws, **kw):
    return decide(ws, KIND, PERIOD, by=REVIEWER, role=REVIEW_ROLE, **kw)


def _lead(ws, **kw):
    return decide(ws, KIND, PERIOD, by=LEADER, role=LEADER_ROLE, **kw)


def _code(excinfo) -> str:
    return excinfo.value.code


def test_default_workflow_is_the_confidentiality_review_then_the_leaders_approval():
    policy = load_policy()
    assert [(s.id, s.name) for s in policy.workflow(KIND)] == [("confidentiality_review", "保密审查"),
                                                               ("leader_approval", "审批")]
    assert policy.step_for_role(KIND, "保密审查员").name == "保密审查"
    assert policy.step_for_role(KIND, "局长").name == "审批"
    assert policy.distinct_people


def test_two_steps_in_order_make_the_revision_publishable(ws):
    assert _state(ws).state == "pending" and _state(ws).next_step.step.name == "保密审查"
    first = _review(ws, note="无涉密内容")
    assert first.recorded and "待审批" in first.message
    second = _lead(ws)
    assert second.recorded and second.status.approved and "可以发布" in second.message
    rows = Store(ws).approvals()
    assert [(r["approved_by"], r["role"], r["decision"], r["note"]) for r in rows] == [
        (REVIEWER, REVIEW_ROLE, "approved", "无涉密内容"), (LEADER, LEADER_ROLE, "approved", None)]
    revision = latest_revision(Store(ws), KIND, PERIOD)
    assert {r["bulletin_id"] for r in rows} == {revision["id"]}
    events = Store(ws).events("approval")
    details = [json.loads(e["detail"]) for e in events]
    assert [d["step"] for d in details] == ["confidentiality_review", "leader_approval"]
    assert all(d["files_ok"] and d["manifest_sha256"] == revision["manifest_sha256"] for d in details)


def test_the_leader_cannot_approve_before_the_review(ws):
    with pytest.raises(ApprovalError) as excinfo:
        _lead(ws)
    assert _code(excinfo) == "step_out_of_order" and "保密审查" in str(excinfo.value)
    assert str(excinfo.value).endswith("[step_out_of_order]")
    assert Store(ws).approvals() == []


def test_an_unknown_role_is_refused_with_the_roles_that_exist(ws):
    with pytest.raises(ApprovalError) as excinfo:
        decide(ws, KIND, PERIOD, by=REVIEWER, role="科员")
    assert _code(excinfo) == "unknown_role"
    assert "保密审查员" in str(excinfo.value) and "分管局领导" in str(excinfo.value)


def test_one_person_cannot_sign_both_steps(ws):
    _review(ws)
    with pytest.raises(ApprovalError) as excinfo:
        decide(ws, KIND, PERIOD, by=REVIEWER, role=LEADER_ROLE)
    assert _code(excinfo) == "same_person"
    assert len(Store(ws).approvals()) == 1


def test_approving_a_step_twice_adds_nothing(ws):
    _review(ws)
    again = _review(ws)
    assert not again.recorded and "无需重复" in again.message
    assert len(Store(ws).approvals()) == 1


def test_a_missing_signer_or_an_unbuilt_bulletin_is_refused(ws):
    with pytest.raises(ApprovalError) as excinfo:
        decide(ws, KIND, PERIOD, by="  ", role=REVIEW_ROLE)
    assert _code(excinfo) == "missing_signer"
    with pytest.raises(ApprovalError) as excinfo:
        decide(ws, KIND, "2026-07", by=REVIEWER, role=REVIEW_ROLE)
    assert _code(excinfo) == "not_built"


def _change_csv(path):
    (path / "data.csv").write_bytes((path / "data.csv").read_bytes() + b"\r\n")


def _drop_chart(path):
    next((path / "charts").glob("*.png")).unlink()


def _add_file(path):
    (path / "附件.txt").write_text("后加的文件", encoding="utf-8")


def _edit_manifest(path):
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    manifest["generator"] = "edited"
    (path / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize("alter,problem", [(_change_csv, "data.csv 内容已改变"), (_drop_chart, "缺失"),
                                           (_add_file, "多出文件 附件.txt"), (_edit_manifest, "manifest.json")])
def test_files_changed_after_the_build_cannot_be_approved(ws, alter, problem):
    _review(ws)
    alter(folder(ws))
    with pytest.raises(ApprovalError) as excinfo:
        _lead(ws)
    assert _code(excinfo) == "files_changed" and problem in str(excinfo.value)
    assert "第1版" in str(excinfo.value)
    assert len(Store(ws).approvals()) == 1
    assert not _state(ws).approved


def test_editor_litter_in_the_folder_does_not_block(ws):
    (folder(ws) / ".~lock.data.csv#").write_text("lock")
    (folder(ws) / "~$data.xlsx").write_bytes(b"lock")
    _review(ws)
    assert _lead(ws).status.approved


def test_a_rejection_needs_a_reason_blocks_and_is_lifted_by_a_later_approval(ws):
    _review(ws)
    with pytest.raises(ApprovalError) as excinfo:
        _lead(ws, reject=True)
    assert _code(excinfo) == "missing_note"
    rejected = _lead(ws, reject=True, note="第二段表述需修改")
    assert rejected.recorded and rejected.status.state == "rejected"
    assert "驳回" in rejected.message and "第二段表述需修改" in rejected.message
    assert _state(ws).rejected.step.name == "审批"
    assert _lead(ws).status.approved


def test_a_rejection_is_recorded_even_when_the_files_changed(ws):
    _change_csv(folder(ws))
    result = _review(ws, reject=True, note="数据表有改动")
    assert result.recorded and result.status.state == "rejected"
    event = json.loads(Store(ws).events("approval")[-1]["detail"])
    assert event["files_ok"] is False and event["problems"][0]["code"] == "file_changed"


def test_a_new_review_decision_sends_the_later_step_back(ws):
    _review(ws)
    _lead(ws)
    _review(ws, reject=True, note="发现一处点位坐标不宜公开")
    state = _state(ws)
    assert state.state == "rejected" and [s.state for s in state.steps] == ["rejected", "stale"]
    _review(ws)
    state = _state(ws)
    assert [s.state for s in state.steps] == ["approved", "stale"] and not state.approved
    assert _lead(ws).status.approved


def test_a_new_revision_needs_new_approvals(ws):
    _review(ws)
    _lead(ws)
    assert rebuild_corrected(ws) == 2
    state = _state(ws)
    assert state.bulletin["revision"] == 2 and state.state == "pending"
    rows = history(ws, KIND, PERIOD)
    assert [(r["revision"], r["state"]) for r in rows] == [(1, "superseded"), (2, "pending")]
    assert len(rows[0]["approvals"]) == 2 and rows[1]["approvals"] == []
    _review(ws)
    assert _lead(ws).status.approved
    assert [len(r["approvals"]) for r in history(ws, KIND, PERIOD)] == [2, 2]


def test_the_workflow_comes_from_the_workspace_config(ws):
    (ws.home / "approval.yaml").write_text(
        "steps:\n"
        "  - {id: confidentiality_review, name: 保密审查, roles: [保密审查员]}\n"
        "  - {id: leader_approval, name: 审批, roles: [分管局领导]}\n"
        "  - {id: head_approval, name: 局长审批, roles: [局长]}\n"
        "workflows:\n"
        "  default: [confidentiality_review, leader_approval]\n"
        f"  {KIND}: [confidentiality_review, leader_approval, head_approval]\n"
        "distinct_people: false\n", encoding="utf-8")
    _review(ws)
    assert decide(ws, KIND, PERIOD, by=REVIEWER, role=LEADER_ROLE).status.next_step.step.name == "局长审批"
    assert decide(ws, KIND, PERIOD, by=LEADER, role="局长").status.approved


def test_an_invalid_workflow_file_lists_every_problem(ws):
    (ws.home / "approval.yaml").write_text(
        "steps:\n"
        "  - {id: review, name: 保密审查, roles: [审核员]}\n"
        "  - {id: approval, name: 审批, roles: [审核员]}\n"
        "workflows:\n"
        "  default: [review, sign_off]\n", encoding="utf-8")
    with pytest.raises(ApprovalError) as excinfo:
        _review(ws)
    text = str(excinfo.value)
    assert _code(excinfo) == "bad_approval_config"
    assert "审核员 同时属于步骤 review 和 approval" in text and "sign_off" in text


# ------------------------------------------------------------------------------------------- CLI
def _run(ws, *args):
    return CliRunner().invoke(cli, [*args, "--home", str(ws.home)])


def test_cli_approve_and_history(ws):
    base = ["--kind", KIND, "--period", PERIOD]
    early = _run(ws, "approve", *base, "--by", LEADER, "--role", LEADER_ROLE)
    assert early.exit_code == 1 and "[step_out_of_order]" in early.output
    ok = _run(ws, "approve", *base, "--by", REVIEWER, "--role", REVIEW_ROLE, "--note", "同意公开")
    assert ok.exit_code == 0, ok.output
    assert "“保密审查”已通过" in ok.output and "待审批" in ok.output
    no_reason = _run(ws, "approve", *base, "--by", LEADER, "--role", LEADER_ROLE, "--reject")
    assert no_reason.exit_code == 1 and "[missing_note]" in no_reason.output
    rejected = _run(ws, "approve", *base, "--by", LEADER, "--role", LEADER_ROLE, "--reject", "--note", "请补充说明")
    assert rejected.exit_code == 0 and "已驳回" in rejected.output
    shown = _run(ws, "history", "--kind", KIND, "--period", PERIOD)
    assert shown.exit_code == 0, shown.output
    assert "第1版" in shown.output and "[rejected]" in shown.output
    account = f"（命令行，系统用户 {os_account()[0]}）"
    assert f"通过  {REVIEW_ROLE} {REVIEWER}{account}  意见：同意公开" in shown.output
    assert f"驳回  {LEADER_ROLE} {LEADER}{account}  意见：请补充说明" in shown.output
    as_json = _run(ws, "history", "--json")
    rows = json.loads(as_json.output)["revisions"]
    assert rows[0]["state"] == "rejected" and [s["state"] for s in rows[0]["steps"]] == ["approved", "rejected"]
    wrong = _run(ws, "approve", *base, "--by", LEADER)
    assert wrong.exit_code == 2 and "--role" in wrong.output


def test_cli_history_of_an_empty_workspace(tmp_path):
    result = CliRunner().invoke(cli, ["history", "--home", str(tmp_path)])
    assert result.exit_code == 0 and "没有" in result.output


# ------------------------------------------------------------------------------------------- identity
@pytest.mark.parametrize("disguised", [
    REVIEWER + "\u200b",               # zero-width space (the attack)
    "审核人\u200d甲",                   # zero-width joiner inside the name
    "\ufeff" + REVIEWER,               # byte-order mark
    "\u202e" + REVIEWER + "\u202c",    # right-to-left override and pop
    REVIEWER + "\u2060\u180e",         # word joiner, Mongolian vowel separator
    "审核人\u00ad甲",                   # soft hyphen
    "　" + REVIEWER + " ",             # ideographic and plain spaces around
    "审核人\ufe00甲",                   # variation selector
])
def test_the_same_person_rule_sees_through_invisible_characters(ws, disguised):
    _review(ws)
    with pytest.raises(ApprovalError) as excinfo:
        decide(ws, KIND, PERIOD, by=disguised, role=LEADER_ROLE)
    assert _code(excinfo) == "same_person" and "同一人" in str(excinfo.value)
    assert [r["approved_by"] for r in Store(ws).approvals()] == [REVIEWER]


def test_full_width_letters_spaces_and_case_do_not_make_another_person(ws):
    decide(ws, KIND, PERIOD, by="Zhang  San", role=REVIEW_ROLE)
    for other in ("ＺＨＡＮＧ　ＳＡＮ", "zhang san", " Zhang\tSan "):
        with pytest.raises(ApprovalError) as excinfo:
            decide(ws, KIND, PERIOD, by=other, role=LEADER_ROLE)
        assert _code(excinfo) == "same_person"
    assert [r["approved_by"] for r in Store(ws).approvals()] == ["Zhang San"]


def test_names_are_stored_normalised(ws):
    decide(ws, KIND, PERIOD, by=" 审核人\u200b甲\u202e ", role="保密审查员\u200b")
    rows = Store(ws).approvals()
    assert [(r["approved_by"], r["role"]) for r in rows] == [(REVIEWER, REVIEW_ROLE)]


def test_a_name_recorded_before_normalisation_still_counts_as_the_same_person(ws):
    """A decision stored by an earlier version with an invisible character in the name."""
    row = latest_revision(Store(ws), KIND, PERIOD)
    Store(ws).record_approval(int(row["id"]), REVIEWER + "\u200b", role=REVIEW_ROLE)
    with pytest.raises(ApprovalError) as excinfo:
        decide(ws, KIND, PERIOD, by=REVIEWER, role=LEADER_ROLE)
    assert _code(excinfo) == "same_person"


@pytest.mark.parametrize("name, code", [("\u200b\u200d\ufeff", "invalid_signer"), ("\u202e", "invalid_signer"),
                                        ("   ", "missing_signer"), ("", "missing_signer"),
                                        ("甲" * 65, "invalid_signer")])
def test_a_name_empty_after_normalisation_is_refused(ws, name, code):
    with pytest.raises(ApprovalError) as excinfo:
        decide(ws, KIND, PERIOD, by=name, role=REVIEW_ROLE)
    assert _code(excinfo) == code and str(excinfo.value).endswith(f"[{code}]")
    assert Store(ws).approvals() == []


def test_the_cli_refuses_an_invisible_name_with_its_code(ws):
    result = _run(ws, "approve", "--kind", KIND, "--period", PERIOD, "--by", "\u200b\u200b", "--role", REVIEW_ROLE)
    assert result.exit_code == 1 and "[invalid_signer]" in result.output and "为空" in result.output
    assert Store(ws).approvals() == []


def test_a_cli_decision_records_the_command_line_and_the_operating_system_account(ws):
    """$USER and $LOGNAME can say anything; the account comes from the uid."""
    import pwd

    account = pwd.getpwuid(os.getuid()).pw_name
    runner = CliRunner(env={"USER": "局长", "LOGNAME": "局长"})
    result = runner.invoke(cli, ["approve", "--kind", KIND, "--period", PERIOD, "--by", REVIEWER, "--role",
                                 REVIEW_ROLE, "--home", str(ws.home)])
    assert result.exit_code == 0, result.output
    _lead(ws)                                   # a program's call: no account recorded
    rows = Store(ws).approvals()
    assert [(r["via"], r["os_user"], r["os_uid"]) for r in rows] == [("cli", account, os.getuid()),
                                                                      (None, None, None)]
    event = json.loads(Store(ws).events("approval")[0]["detail"])
    assert (event["via"], event["os_user"], event["by"]) == ("cli", account, REVIEWER)
    shown = _run(ws, "history", "--kind", KIND, "--period", PERIOD)
    assert f"{REVIEWER}（命令行，系统用户 {account}）" in shown.output and "局长（" not in shown.output
    as_json = json.loads(_run(ws, "history", "--json").output)
    approvals = as_json["revisions"][0]["approvals"]
    assert [(a["via"], a["os_user"]) for a in approvals] == [("cli", account), (None, None)]


def test_the_portal_compares_signers_by_the_same_rule():
    """An upload whose two steps are signed by one person written two ways is refused by the portal too."""
    from publisher.publishing.portal_server import UploadError, check_approvals
    from tests.publishing_helpers import approvals

    for first, second in ((REVIEWER, REVIEWER + "\u200b"), ("Zhang  San", "ＺＨＡＮＧ　san"), ("甲\u2800", "甲")):
        decisions = approvals()
        decisions[0]["by"], decisions[1]["by"] = first, second
        with pytest.raises(UploadError) as excinfo:
            check_approvals({"kind": KIND, "approvals": decisions}, load_policy())
        assert excinfo.value.code == "approvals_incomplete" and "同时签署" in str(excinfo.value)
