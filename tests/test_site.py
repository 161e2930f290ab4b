"""The public site end to end through the commands, on a real workspace and the reference portal on
loopback: build → approve → publish → site build → a correction → a withdrawal; at each step the
ledger, output/site/ and the portal agree and the link check finds nothing broken. Then the link
check's findings, the 索引号 scheme, escaping, and what ``publisher status`` owes."""
from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
import requests
from click.testing import CliRunner

from publisher.cli import cli
from publisher.publishing.site import check as site_check
from publisher.publishing.site import config as site_config
from publisher.publishing.site import withdrawal
from publisher.publishing.site.model import item_path
from publisher.store import Store
from tests.publishing_helpers import LEADER, LEADER_ROLE, REVIEW_ROLE, REVIEWER, TOKEN, clone, running_portal
from tests.site_helpers import AIR, WATER, build_workspace, rebuild_corrected

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_workspace(tmp_path_factory.mktemp("site") / "home")


@pytest.fixture
def ws(built, tmp_path, monkeypatch):
    monkeypatch.setenv("PUBLISHER_PORTAL_TOKEN", TOKEN)
    monkeypatch.delenv("PUBLISHER_PORTAL", raising=False)
    monkeypatch.delenv("PUBLISHER_OUTPUT", raising=False)
    return clone(built, tmp_path / "home")


def run(ws, *args, code=0):
    result = CliRunner().invoke(cli, [*args, "--home", str(ws.home)], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def approve_publish(ws, portal, kind, period, note=None):
    run(ws, "approve", "--kind", kind, "--period", period, "--by", REVIEWER, "--role", REVIEW_ROLE)
    run(ws, "approve", "--kind", kind, "--period", period, "--by", LEADER, "--role", LEADER_ROLE)
    extra = ["--note", note] if note else []
    return run(ws, "publish", "--kind", kind, "--period", period, "--portal", portal.url, *extra)


def site_index(ws):
    return json.loads((ws.output / "site" / "index.json").read_text(encoding="utf-8"))


def portal_listing(portal):
    response = requests.get(f"{portal.url}/api/v1/bulletins", timeout=5)
    assert response.status_code == 200
    return response.json()


def feed_links(path):
    tree = ET.parse(path)
    return [link.get("href") for e in tree.iter(f"{ATOM}entry") for link in e.iter(f"{ATOM}link")]


def assert_agree(ws, portal, expected):
    """Ledger, site and portal show the same items with the same current revision; `expected`:
    {(kind, period): revision}."""
    ledger = {}
    store = Store(ws)
    for row in store.bulletins():
        if any(p["status"] == "ok" for p in store.publications(int(row["id"]))):
            ledger[(row["kind"], row["period"])] = max(ledger.get((row["kind"], row["period"]), 0), row["revision"])
    gone = {(w.kind, w.period) for w in withdrawal.withdrawn(ws).values()}
    ledger = {k: v for k, v in ledger.items() if k not in gone}
    site = {(i["kind"], i["period"]): i["current_revision"] for i in site_index(ws)["items"]}
    listing = portal_listing(portal)
    on_portal = {(b["kind"], b["period"]): b["versions"][0]["revision"] for b in listing["bulletins"]}
    assert ledger == site == on_portal == expected


def test_publish_correct_withdraw_end_to_end(ws, tmp_path):
    with running_portal(tmp_path / "portal", ws, site_root=ws.output / "site") as portal:
        for kind, period in (WATER, AIR):
            assert "已发布" in approve_publish(ws, portal, kind, period)
        out = run(ws, "site", "build")
        assert "未发现失效链接" in out and "3 条信息" not in out
        assert_agree(ws, portal, {WATER: 1, AIR: 1})
        index = site_index(ws)
        numbers = {i["kind"]: i["disclosure"]["index_no"] for i in index["items"]}
        assert sorted(numbers.values()) == sorted(f"530500/{dt.date.today().year}-0000{n}" for n in (1, 2))
        for item in index["items"]:
            d = item["disclosure"]
            assert d["institution"] == "保山市生态环境局" and d["validity"] == "有效" and d["published"]
            assert d["issued"] and d["topic"].startswith("生态环境／")
        # the upload carried the same metadata, signed
        listed = {b["kind"]: b["versions"][0]["disclosure"] for b in portal_listing(portal)["bulletins"]}
        assert {k: v["index_no"] for k, v in listed.items()} == numbers
        page = (ws.output / "site" / item_path(*WATER) / "index.html").read_text(encoding="utf-8")
        for label in ("索引号", "发布机构", "发文日期", "发布日期", "主题分类", "有效性", numbers[WATER[0]]):
            assert label in page
        # feeds: the site's and each column's list exactly the published items
        site_feed = feed_links(ws.output / "site" / "feed.xml")
        assert len(site_feed) == 2
        assert feed_links(ws.output / "site" / "air" / "feed.xml") == [i["url"] for i in index["items"] if i["kind"] == AIR[0]]
        assert feed_links(ws.output / "site" / "surface-water" / "feed.xml") == []
        assert "本栏目暂无已发布的信息" in (ws.output / "site" / "annual" / "index.html").read_text(encoding="utf-8")
        # the served site is the built one and passes the check too
        assert "未发现失效链接" in run(ws, "site", "check", "--url", f"{portal.url}/site/")
        served = requests.get(f"{portal.url}/site/", timeout=5)
        assert served.status_code == 200 and "script-src" not in served.headers["Content-Security-Policy"]
        assert "default-src 'none'" in served.headers["Content-Security-Policy"]

        # ---- a correction: a late sample changes a figure; revision 2 is published over revision 1
        assert rebuild_corrected(ws) == 2
        assert "更正第1版" in approve_publish(ws, portal, *WATER, note="补充北庙水库8月20日氨氮监测结果")
        run(ws, "site", "build")
        assert_agree(ws, portal, {WATER: 2, AIR: 1})
        index = site_index(ws)
        water = next(i for i in index["items"] if i["kind"] == WATER[0])
        assert water["disclosure"]["index_no"] == numbers[WATER[0]]        # a correction keeps its number
        assert [v["revision"] for v in water["versions"]] == [1, 2] and water["versions"][1]["changed_figures"] > 0
        page = (ws.output / "site" / item_path(*WATER) / "index.html").read_text(encoding="utf-8")
        assert "更正说明" in page and "补充北庙水库8月20日氨氮监测结果" in page
        old = json.loads((ws.output / "site" / item_path(*WATER) / "r1" / "bulletin.json").read_text(encoding="utf-8"))
        new = json.loads((ws.output / "site" / item_path(*WATER) / "r2" / "bulletin.json").read_text(encoding="utf-8"))
        from publisher.publishing.site.corrections import changed_figures

        changes, total = changed_figures(old, new)
        assert total == water["versions"][1]["changed_figures"] and changes
        for c in changes[:5]:            # each printed with old and new value
            assert f"<td>{c['old']}</td><td>{c['new']}</td>" in page.replace("&amp;", "&")
        assert 'href="r1/index.html"' in page and "已更正，仅供查阅" in page
        assert len(portal_listing(portal)["bulletins"][0]["versions"]) == 2

        # ---- a withdrawal: two review steps; the second one decides and tells the portal
        out = run(ws, "withdraw", "--kind", WATER[0], "--period", WATER[1], "--reason", "样例数据误发，撤回核实",
                  "--by", REVIEWER, "--role", REVIEW_ROLE)
        assert "待审批" in out
        assert withdrawal.owed(ws) == []                 # not decided yet: nothing owed
        out = run(ws, "withdraw", "--kind", WATER[0], "--period", WATER[1], "--by", LEADER, "--role", LEADER_ROLE)
        assert "已在门户" in out and "撤回" in out
        listing = portal_listing(portal)
        assert [b["kind"] for b in listing["bulletins"]] == [AIR[0]]
        assert listing["withdrawn"][0]["reason"] == "样例数据误发，撤回核实"
        gone = requests.get(f"{portal.url}/b/{WATER[0]}/{WATER[1]}/v2/index.html", timeout=5)
        assert gone.status_code == 410 and "撤回说明" in gone.text and "样例数据误发" in gone.text
        assert (tmp_path / "portal" / "public" / WATER[0] / WATER[1] / "v2" / "bulletin.pdf").is_file()
        assert "样例数据误发" in requests.get(f"{portal.url}/", timeout=5).text
        out = run(ws, "site", "build")
        assert "1 条已撤回" in out and "未发现失效链接" in out
        assert_agree(ws, portal, {AIR: 1})
        index = site_index(ws)
        assert [i["kind"] for i in index["items"]] == [AIR[0]]
        assert index["withdrawn"][0]["index_no"] == numbers[WATER[0]]
        assert all(WATER[0] not in link for link in feed_links(ws.output / "site" / "feed.xml"))
        notice = (ws.output / "site" / item_path(*WATER) / "index.html").read_text(encoding="utf-8")
        assert "撤回说明" in notice and "样例数据误发，撤回核实" in notice and "已撤回" in notice
        assert not (ws.output / "site" / item_path(*WATER) / "r2").exists()
        assert (ws.archive / "published" / WATER[0] / WATER[1] / "r2" / "bulletin.pdf").is_file()
        assert "未发现失效链接" in run(ws, "site", "check", "--url", f"{portal.url}/site/")
        # the ledger keeps every decision and the carried-out call
        assert [r["step"] for r in withdrawal.decisions(Store(ws))] == ["confidentiality_review", "leader_approval"]
        assert Store(ws).events("withdrawal_done")
        assert withdrawal.owed(ws) == []


def test_withdrawal_owed_and_overdue_in_status(ws, tmp_path):
    with running_portal(tmp_path / "portal", ws) as portal:
        approve_publish(ws, portal, *WATER)
        withdrawal.decide(ws, *WATER, by=REVIEWER, role=REVIEW_ROLE, reason="数据有误")
        with pytest.raises(Exception) as excinfo:
            withdrawal.decide(ws, *WATER, by=REVIEWER, role=LEADER_ROLE)
        assert excinfo.value.code == "same_person"
        withdrawal.decide(ws, *WATER, by=LEADER, role=LEADER_ROLE)   # decided through the API: not carried out
        owed = withdrawal.owed(ws)
        assert [o["subject"] for o in owed] == ["water-sources/2026-08"] and owed[0]["owed"] == [portal.url]
        decided = dt.date.fromisoformat(owed[0]["decided_at"][:10])
        later = withdrawal.owed(ws, today=decided + dt.timedelta(days=10))
        assert later[0]["overdue"] and later[0]["workdays"] > 3
        out = CliRunner().invoke(cli, ["status", "--period", "2026-08"], env={"PUBLISHER_HOME": str(ws.home)})
        assert "待执行的撤回" in out.output and "water-sources/2026-08" in out.output
        run(ws, "withdraw", "--kind", WATER[0], "--period", WATER[1], "--carry-out")
        assert withdrawal.owed(ws) == []
        assert portal_listing(portal)["bulletins"] == []


def test_withdrawal_refusals(ws, tmp_path):
    out = run(ws, "withdraw", "--kind", WATER[0], "--period", WATER[1], "--reason", "x", "--by", REVIEWER,
              "--role", REVIEW_ROLE, code=1)
    assert "not_published" in out
    with running_portal(tmp_path / "portal", ws) as portal:
        approve_publish(ws, portal, *WATER)
        assert "reason_required" in run(ws, "withdraw", "--kind", WATER[0], "--period", WATER[1], "--by", REVIEWER,
                                        "--role", REVIEW_ROLE, code=1)
        assert "step_out_of_order" in run(ws, "withdraw", "--kind", WATER[0], "--period", WATER[1], "--by", LEADER,
                                          "--role", LEADER_ROLE, "--reason", "x", code=1)
        # a forged withdrawal (no signature) is refused by the portal and changes nothing
        body = json.dumps({"protocol": 1, "action": "withdraw", "kind": WATER[0], "period": WATER[1],
                           "area": None, "reason": "伪造", "approvals": [], "signed_at": "2026-01-01T00:00:00+00:00",
                           "sequence": 1}).encode()
        answer = requests.post(f"{portal.url}/api/v1/withdrawals", data=body,
                               headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
        assert answer.status_code == 403 and answer.json()["error"] == "unsigned"
        answer = requests.post(f"{portal.url}/api/v1/withdrawals", data=body, timeout=5)
        assert answer.status_code == 401
        assert len(portal_listing(portal)["bulletins"]) == 1


def test_check_reports_broken_links_and_changed_files(ws, tmp_path):
    with running_portal(tmp_path / "portal", ws) as portal:
        approve_publish(ws, portal, *WATER)
    run(ws, "site", "build")
    site = ws.output / "site"
    folder = site / item_path(*WATER)
    (folder / "qr.png").unlink()
    (folder / "r1" / "data.csv").write_text("changed", encoding="utf-8")
    out = run(ws, "site", "check", code=1)
    assert f"{item_path(*WATER)}index.html：qr.png — 无法打开" in out
    assert "data.csv — 文件与清单的 sha256 不符" in out
    report = site_check.check(site)
    assert not report.ok and len(report.broken) == 2


def test_numbers_are_allocated_once_and_never_reused(ws, tmp_path):
    (ws.home / "site.yaml").write_text('institution_code: "11530500MB0000000X"\nindex_format: "{code}-{year}-{seq:04d}"\n'
                                      'base_url: "https://sthjj.example.gov.cn/xxgk"\n', encoding="utf-8")
    from publisher.publishing.site import disclosure

    a = disclosure.number(ws, "water-sources", "2026-08", None)
    assert a.startswith("11530500MB0000000X-") and a.endswith("-0001")
    assert disclosure.number(ws, "water-sources", "2026-08", None) == a
    b = disclosure.number(ws, "air-monthly", "2026-05", None)
    assert b.endswith("-0002")
    # a changed scheme never gives out a number already given
    (ws.home / "site.yaml").write_text('institution_code: "11530500MB0000000X"\nindex_format: "{code}-{year}-{seq:04d}"\n',
                                      encoding="utf-8")
    assert disclosure.number(ws, "air-daily", "2026-05-20", None).endswith("-0003")
    cfg = site_config.load(ws)
    assert cfg.url("air/x/index.html") == "http://127.0.0.1:8765/site/air/x/"


@pytest.mark.parametrize("text, code", [("index_format: '{code}/{seq}'\n", "bad_site_config"),
                                        ("base_url: 'ftp://x/'\n", "bad_site_config"),
                                        ("colour: red\n", "bad_site_config"),
                                        ("[1, 2\n", "bad_site_config")])
def test_bad_site_config_is_refused(ws, text, code):
    (ws.home / "site.yaml").write_text(text, encoding="utf-8")
    out = run(ws, "site", "build", code=1)
    assert code in out and "site.yaml" in out
    assert not (ws.output / "site").exists()


def test_text_from_configuration_is_escaped(ws, tmp_path):
    (ws.home / "site.yaml").write_text('institution: "<script>alert(1)</script>局"\nsite_name: "<img src=x onerror=alert(1)>"\n',
                                      encoding="utf-8")
    with running_portal(tmp_path / "portal", ws) as portal:
        approve_publish(ws, portal, *WATER)
    run(ws, "site", "build")
    for page in (ws.output / "site").rglob("index.html"):
        if "/r1/" in page.as_posix():
            continue
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text and "<img src=x" not in text, page
        assert "http-equiv=\"Content-Security-Policy\"" in text and "script-src" not in text
    ET.parse(ws.output / "site" / "feed.xml")          # still well-formed XML


def test_changed_figures_are_named_with_old_and_new_values():
    from publisher.publishing.site.corrections import changed_figures

    old = {"figures": {"rows": [{"name": "北庙水库", "nh3_n": 0.2, "class": "Ⅱ类"},
                                {"name": "龙王塘", "nh3_n": 0.3, "class": "Ⅲ类"}],
                       "summary": {"count_rate": 100.0}, "charts": [{"name": "a", "title": "图"}],
                       "monitoring": [{"label": "采样日期", "text": "8月5日"}]}}
    new = {"figures": {"rows": [{"name": "北庙水库", "nh3_n": 1.6, "class": "Ⅴ类"},
                                {"name": "龙王塘", "nh3_n": 0.3, "class": "Ⅲ类"}],
                       "summary": {"count_rate": 66.7}, "charts": [{"name": "b", "title": "图2"}],
                       "monitoring": [{"label": "采样日期", "text": "8月5日、8月20日"}]}}
    changes, total = changed_figures(old, new)
    assert total == 4
    assert changes == [{"what": "北庙水库 · 氨氮", "old": "0.2", "new": "1.6"},
                       {"what": "北庙水库 · 水质类别", "old": "Ⅱ类", "new": "Ⅴ类"},
                       {"what": "达标率（按个数）", "old": "100", "new": "66.7"},
                       {"what": "采样日期", "old": "8月5日", "new": "8月5日、8月20日"}]
    assert changed_figures(old, old) == ([], 0)


def test_a_changed_figure_is_named_in_words_not_codes():
    from publisher.publishing.site.corrections import label

    assert label(("rows", "北庙水库", "so2_change")) == "北庙水库 · SO₂变化"       # air code + change
    assert label(("rows", "龙王塘", "codmn")) == "龙王塘 · 高锰酸盐指数"             # water item catalogue
    assert label(("summary", "volume_rate")) == "达标率（按水量）"                   # a container dropped
    assert label(("rows", "龙王塘", "unheard_of")) == "龙王塘 · unheard_of"          # no name: the code kept
    assert label(("monitoring", "采样日期", "text")) == "采样日期"                   # a generic leaf dropped
    assert label(("meta", "seq")) == "meta · seq"                                    # nothing to name
