"""`publisher audit --year`: the disclosure self-check read from a real ledger: a bulletin built, approved,
published to the reference portal (loopback), then corrected and published again; the others owed and
missing; stations that never reported; exceedances without explanation."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from publisher.cli import cli
from publisher.operations import audit
from publisher.operations.status import deadline, workdays_between
from publisher.periods import Period
from publisher.publishing.approval import decide
from publisher.publishing.portal import publish
from tests.publishing_helpers import (KIND, LEADER, LEADER_ROLE, PERIOD, REVIEW_ROLE, REVIEWER, TOKEN,
                                      build_workspace, rebuild_corrected, running_portal)


def _approve(ws):
    decide(ws, KIND, PERIOD, by=REVIEWER, role=REVIEW_ROLE)
    decide(ws, KIND, PERIOD, by=LEADER, role=LEADER_ROLE)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    import os

    home = tmp_path_factory.mktemp("audit") / "home"
    ws = build_workspace(home)
    (ws.home / "schedule.yaml").write_text("kinds: [water-sources]\n", encoding="utf-8")
    old = os.environ.get("PUBLISHER_PORTAL_TOKEN")
    os.environ["PUBLISHER_PORTAL_TOKEN"] = TOKEN
    try:
        with running_portal(home.parent / "portal", ws) as server:
            _approve(ws)
            first = publish(ws, KIND, PERIOD, portal=server.url)
            assert first.status == "published"
            rebuild_corrected(ws)
            _approve(ws)
            assert publish(ws, KIND, PERIOD, portal=server.url).status == "published"
            # then withdrawn: decided through the review steps, carried out on the portal the same day
            from publisher.publishing.site import withdrawal

            decide_w = withdrawal.decide
            decide_w(ws, KIND, PERIOD, by=REVIEWER, role=REVIEW_ROLE, reason="数据有误")
            decide_w(ws, KIND, PERIOD, by=LEADER, role=LEADER_ROLE)
            assert all(c.ok for c in withdrawal.carry_out(ws, KIND, PERIOD))
    finally:
        if old is None:
            os.environ.pop("PUBLISHER_PORTAL_TOKEN", None)
        else:
            os.environ["PUBLISHER_PORTAL_TOKEN"] = old
    return ws


def test_owed_built_approved_published_late_and_corrected(published):
    today = dt.datetime.now(dt.timezone.utc).date()
    report = audit.audit(published, 2026, today=max(today, dt.date(2026, 12, 31)))
    entries = {e["period"]: e for e in report["owed"] if e["kind"] == KIND}
    assert sorted(entries) == [f"2026-{m:02d}" for m in range(1, 13)]
    aug = entries[PERIOD]
    due, _ = deadline(KIND, Period.parse(PERIOD))
    assert aug["built"] and aug["approved"] and aug["published"] and aug["revisions"] == 2
    published_on = dt.date.fromisoformat(aug["published"])
    assert aug["late_workdays"] == max(workdays_between(due, published_on), 0)
    assert aug["state"] == ("按时发布" if aug["late_workdays"] == 0 else f"逾期 {aug['late_workdays']} 个工作日发布")
    assert [(c["period"], c["revision"]) for c in report["corrections"]] == [(PERIOD, 2)]
    [gone] = report["withdrawals"]
    assert (gone["period"], gone["reason"], gone["within_limit"], gone["owed"]) == (PERIOD, "数据有误", True, [])
    assert gone["done"] == gone["requested"]
    july = entries["2026-07"]
    assert july["built"] is None and july["published"] is None and "尚未编制" in july["state"]
    totals = report["totals"][KIND]
    assert totals["published"] == 1 and totals["missing"] == totals["owed"] - 1
    # the columns: water-sources unpublished and overdue since 10 February, quiet for more than 2 weeks
    stale = report["stale_columns"]
    assert stale and stale[0]["kind"] == KIND and stale[0]["from"] == "2026-02-11" and stale[0]["last_update"] is None
    # air stations have no data in this workspace: they never reported
    never = {n["station_id"] for n in report["never_reported"]}
    assert "air-tc-s1" in never and "src-beimiao" not in never


def test_cli_table_json_and_page(published, monkeypatch):
    monkeypatch.setenv("PUBLISHER_HOME", str(published.home))
    runner = CliRunner()
    table = runner.invoke(cli, ["audit", "--year", "2026", "--today", "2026-12-31"])
    assert table.exit_code == 0, table.output
    assert "城市集中式生活饮用水水源水质状况（water-sources）：应发布 11" in table.output   # the page title (catalogue)
    assert "更正：water-sources 2026-08 第 2 版" in table.output
    assert "撤回：water-sources 2026-08（数据有误）" in table.output and "3 个工作日内完成" in table.output
    data = json.loads(runner.invoke(cli, ["audit", "--year", "2026", "--today", "2026-12-31", "--json"]).stdout)
    assert data["year"] == 2026 and data["page"].endswith("audit/2026/index.html")
    page = (published.output / "audit" / "2026" / "index.html").read_text(encoding="utf-8")
    assert "2026年政府信息公开（环境监测信息）自查表" in page and "城市集中式生活饮用水水源水质状况" in page
    assert json.loads((published.output / "audit" / "2026" / "audit.json").read_text(encoding="utf-8"))["year"] == 2026
    bad = runner.invoke(cli, ["audit", "--year", "1800"])
    assert bad.exit_code == 1 and "bad_year" in bad.output


def test_an_explanation_counts_only_for_its_own_bulletin(tmp_path):
    """The same source exceeding in May and June needs two explanations: May's does not explain June."""
    from publisher.paths import Workspace
    from publisher.publishing import explanations
    from publisher.store import Store

    ws = Workspace(tmp_path / "home")
    store = Store(ws)
    with store.connect(write=True) as conn:
        for statement in explanations.TABLE_SQL.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("INSERT INTO explanations (kind, period, area, key, subject, detail, cause, measures, entered_by,"
                     " via, at) VALUES ('water-sources', '2026-05', NULL, 'source:s1:mn', '北庙水库', '锰 0.2', '原因',"
                     " '措施', '甲', 'cli', '2026-06-01T00:00:00+00:00')")
    for period in ("2026-05", "2026-06"):
        folder = ws.output / "water-sources" / period
        folder.mkdir(parents=True)
        (folder / "bulletin.json").write_text(json.dumps({"exceedances": [
            {"key": "source:s1:mn", "subject": "北庙水库", "detail": "锰 0.2"}]}), encoding="utf-8")
    explained = audit._explained_keys(store)
    rows = {period: audit._bulletin_exceedances(
        store, {"kind": "water-sources", "period": period, "area": None,
                "output_dir": f"water-sources/{period}"}, explained) for period in ("2026-05", "2026-06")}
    assert rows["2026-05"] == []
    assert [r["key"] for r in rows["2026-06"]] == ["source:s1:mn"]
