"""The review desk through a real browser (Debian's headless chromium driven by Playwright, as the site's
browser test): a 数据报送员 uploads a good and a bad file and reads the findings, then a file that raises
an exceedance alert, seen on 预警; the 保密审查员 meets the explanation gate, explains each exceedance and
approves; the 分管局领导 approves and publishes to the reference portal; the two then withdraw it and the
portal shows it withdrawn; the ledger names each account. Every page is photographed at 1280 and 375 px
wide (into $DESK_SCREENSHOTS, or the test's folder) and must not scroll sideways at either width.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from publisher import registry as registry_mod
from publisher.demo import sample
from publisher.operations import alerts
from publisher.store import Store
from tests import desk_helpers as dh
from tests.browser import ink_fraction, require_chromium
from tests.publishing_helpers import TOKEN, running_portal

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")

WIDTHS = (1280, 375)
#: how far the page scrolls sideways (0: not at all); a table scrolls inside its own box (.scroll)
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.scroll')) continue;
    const r = el.getBoundingClientRect();
    if (r.width && r.right > width + 1) out.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right));
  }
  return {page: document.documentElement.scrollWidth - width, elements: out.slice(0, 5)};
}"""
#: a file that raises an exceedance alert: 东河河图 (target Ⅳ) at 劣Ⅴ for ammonia
ALERT_CSV = "断面名称,采样时间,氨氮(mg/L)\n东河河图,2026-09-05 10:00,8.5\n"


@pytest.fixture(scope="module")
def chromium():
    executable = require_chromium()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--lang=zh-CN"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return dh.build_workspace(tmp_path_factory.mktemp("desk-browser") / "home")


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("DESK_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Desk:
    """One person at the desk: a browser context of their own (their own cookies)."""

    def __init__(self, browser, base: str, shots: Path):
        self.base, self.shots = base, shots
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        self.context.set_default_timeout(120_000)
        self.page = self.context.new_page()

    def sign_in(self, name: str) -> "Desk":
        self.context.clear_cookies()
        self.go("/login")
        self.page.fill("input[name=name]", name)
        self.page.fill("input[name=password]", dh.PASSWORD)
        self.page.click("form button[type=submit]")
        assert name in self.page.inner_text(".who")
        return self

    def go(self, path: str):
        response = self.page.goto(self.base + path)
        assert response is not None and response.ok, (path, response and response.status)
        return self.page

    def text(self, css: str = "main") -> str:
        return self.page.inner_text(css)

    def shot(self, name: str) -> None:
        """The page at each width (full length): not blank, and not scrolling sideways."""
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            path = self.shots / f"{name}-{width}.png"
            self.page.screenshot(path=str(path), full_page=True)
            assert ink_fraction(path) > 0.01, f"{name} at {width} px: a blank page"
            overflow = self.page.evaluate(OVERFLOW_JS)
            assert overflow["page"] <= 1 and not overflow["elements"], (name, width, overflow)
        self.page.set_viewport_size({"width": 1280, "height": 900})

    def close(self) -> None:
        self.context.close()


def test_desk_end_to_end(tmp_path, built, chromium, monkeypatch):
    ws = dh.clone(built, tmp_path / "home")
    shots = _shots(tmp_path)
    # files a station would hand in: the sample sources of 2026-09 (good) and a sheet with bad values
    incoming = tmp_path / "incoming"
    sample.generate(incoming, "2026-09", "2026-09", registry=registry_mod.load(), with_real_air=False)
    good = next(p for p in sorted(incoming.iterdir()) if "国控断面" in p.name)
    bad = tmp_path / "坏数据_东河.csv"
    bad.write_text("断面名称,采样时间,氨氮(mg/L)\n东河河图,2026-09-40 10:00,abc\n", encoding="utf-8")
    monkeypatch.setenv("PUBLISHER_PORTAL_TOKEN", TOKEN)
    with running_portal(tmp_path / "portal", ws) as portal, dh.running_desk(ws, portal=portal.url) as base:
        anonymous = Desk(chromium, base, shots)
        anonymous.go("/login")
        anonymous.shot("00-login")
        anonymous.close()
        # --- 数据报送员: a good and a bad file
        clerk = Desk(chromium, base, shots).sign_in(dh.UPLOADER)
        clerk.page.set_input_files("input[name=file]", [str(good), str(bad)])
        clerk.page.click("form.card button[type=submit]")
        clerk.page.wait_for_selector("table.results")
        rows = {r.query_selector("td").inner_text().strip(): r.inner_text() for r in clerk.page.query_selector_all("table.results tbody tr")}
        assert "已入库" in rows[good.name]
        assert "未接收" in rows[bad.name] and "行" in rows[bad.name]   # the finding names the row
        assert bad.name in clerk.text("section.quarantine")             # listed in the quarantine
        clerk.shot("01-upload")
        clerk.close()
        # --- 保密审查员: the gate blocks the item until each exceedance is explained
        reviewer = Desk(chromium, base, shots).sign_in(dh.REVIEWER)
        reviewer.go("/review")
        reviewer.shot("02-review-gate")
        reviewer.page.click("form.decide button[value=approve]")
        body = reviewer.text("section.refused")
        assert "unexplained_exceedance" in body and "东河河图" in body
        assert "请回到审核页" in body and "没有做任何改动" in body     # said plainly, above the detail
        reviewer.shot("03-refused")
        for n, key in enumerate(dh.EXCEEDANCES):
            reviewer.go("/review")
            form = reviewer.page.locator("tr.form form").filter(has=reviewer.page.locator(f"input[name=key][value='{key}']"))
            form.locator("textarea[name=cause]").fill(f"上游生活污水未经处理排入<b>{n}</b>")
            form.locator("textarea[name=measures]").fill("已督促截污纳管，下月加密监测")
            form.locator("button").click()
            assert "已记录" in reviewer.text(".flash")
        reviewer.go("/review")
        assert "未说明" not in reviewer.text("section.item")
        reviewer.shot("04-review-explained")
        reviewer.page.fill("textarea[name=note]", "无涉密内容")
        reviewer.page.click("form.decide button[value=approve]")
        assert "已通过" in reviewer.text(".flash")
        # --- 分管局领导: the second step, then publication
        leader = Desk(chromium, base, shots).sign_in(dh.LEADER)
        leader.go("/review")
        item = leader.text("section.item")
        assert "截污纳管" in item and "保存说明" not in item   # the leader reads the explanations signed with it
        leader.shot("05-review-leader")
        leader.page.click("form.decide button[value=approve]")
        assert "审核已完成" in leader.text(".flash")
        leader.go("/publishing")
        leader.page.click("form.publish button[type=submit]")
        assert "已发布" in leader.text(".flash")
        leader.shot("06-published")
        # --- the withdrawal: the reviewer asks with the reason, the leader agrees, the portal is told
        reviewer.go("/publishing")
        assert "申请撤回" in reviewer.text("section.withdrawal")
        reviewer.page.fill("form.withdraw textarea[name=reason]", "东河河图断面数据有误，待核实后重新发布")
        reviewer.page.click("form.withdraw button[value=approve]")
        assert "同意撤回" in reviewer.text(".flash") and "审批" in reviewer.text(".flash")
        leader.go("/publishing")
        assert "东河河图断面数据有误" in leader.text("section.withdrawal")
        leader.shot("07-withdrawal-leader")
        leader.page.click("form.withdraw button[value=approve]")
        flash = leader.text(".flash")
        assert "撤回已决定" in flash and "已在门户" in flash, flash
        assert "已决定撤回" in leader.text("section.withdrawal") and "已通知全部门户" in leader.text("section.withdrawal")
        leader.shot("08-withdrawn")
        # the portal shows it withdrawn, with the reason
        leader.page.goto(portal.url + "/")
        gone = leader.page.inner_text("#withdrawn + ul, section:has(#withdrawn)")
        assert "撤回" in gone and "东河河图断面数据有误" in gone
        listing = json.loads(leader.page.goto(portal.url + "/api/v1/bulletins").text())
        assert [(w["kind"], w["period"]) for w in listing["withdrawn"]] == [(dh.KIND, dh.PERIOD)]
        assert not [b for b in listing["bulletins"] if (b["kind"], b["period"]) == (dh.KIND, dh.PERIOD)]
        # the other pages, as their users see them
        row = Store(ws).bulletins(kind=dh.KIND)[-1]
        for name, path in (("09-bulletins", "/bulletins"), ("10-bulletin", f"/bulletins/{row['id']}"),
                           ("11-completeness", "/completeness?period=2026-08"), ("12-log", "/log")):
            leader.go(path)
            assert "未能完成" not in leader.page.title()
            if name == "10-bulletin":   # the fourth revision: the differences from the third are shown
                assert "与上一版的差异" in leader.text() and leader.page.query_selector("pre.diff .add")
                assert "超标情况说明有变化" in leader.text() and "“右甸河田园”的超标说明已加入" in leader.text()
                # the preview frame shows the bulletin's page (sandboxed, framed by the desk only)
                preview = leader.page.frame_locator("iframe.preview").locator("body").inner_text()
                assert "超标情况说明" in preview and "截污纳管" in preview
            leader.shot(name)
        admin = Desk(chromium, base, shots).sign_in(dh.ADMIN)
        admin.go("/upload")
        admin.shot("13-upload-admin")
        for desk in (reviewer, leader, admin):
            desk.close()

    # the ledger names each account
    store = Store(ws)
    latest = store.bulletins(kind=dh.KIND)[-1]
    assert latest["revision"] == 1 + len(dh.EXCEEDANCES)     # each explanation rebuilt the bulletin
    decisions = store.approvals(int(latest["id"]))
    assert [(d["approved_by"], d["role"], d["via"]) for d in decisions] == [
        (dh.REVIEWER, "保密审查员", "desk"), (dh.LEADER, "分管局领导", "desk")]
    from publisher.publishing import explanations
    from publisher.publishing.site import withdrawal

    entered = explanations.in_force(store, dh.KIND, dh.PERIOD)
    assert sorted(entered) == sorted(dh.EXCEEDANCES)
    assert {e["entered_by"] for e in entered.values()} == {dh.REVIEWER}
    uploads = [json.loads(e["detail"]) for e in store.events("desk.upload")]
    assert uploads and uploads[0]["account"] == dh.UPLOADER
    published = [json.loads(e["detail"]) for e in store.events("desk.publish")]
    assert published and published[0]["account"] == dh.LEADER and published[0]["ok"]
    assert [p["status"] for p in store.publications(int(latest["id"]))] == ["ok"]
    assert [(w["signer"], w["role"], w["decision"], w["via"]) for w in withdrawal.decisions(store)] == [
        (dh.REVIEWER, "保密审查员", "approved", "desk"), (dh.LEADER, "分管局领导", "approved", "desk")]
    state = withdrawal.state(ws, dh.KIND, dh.PERIOD)
    assert state.decided and not state.owed and state.reason == "东河河图断面数据有误，待核实后重新发布"
    asked = [json.loads(e["detail"]) for e in store.events("desk.withdrawal")]
    assert [(a["account"], a["decided"]) for a in asked] == [(dh.REVIEWER, False), (dh.LEADER, True)]
    assert asked[-1]["carried_out"] is True
    # what was signed and published prints the explanations, as text
    folder = Path(latest["output_dir"])
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "超标情况说明" in page and "&lt;b&gt;0&lt;/b&gt;" in page and "<b>0</b>" not in page
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(folder / "bulletin.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "超标情况说明" in text and "截污纳管" in text


def test_alerts_raised_by_an_upload_are_on_the_alerts_page(tmp_path, built, chromium):
    """A 数据报送员 uploads a sample at 劣Ⅴ for a section whose target is Ⅳ: the upload's result says it
    raised an alert, and 预警 shows it (station, time, value, limit, the file that raised it) among the
    open alerts, for any account."""
    ws = dh.clone(built, tmp_path / "home")
    shots = _shots(tmp_path)
    upload = tmp_path / "东河河图_9月加测.csv"
    upload.write_text(ALERT_CSV, encoding="utf-8")
    before = {a["id"] for a in alerts.listing(ws)}
    with dh.running_desk(ws) as base:
        clerk = Desk(chromium, base, shots).sign_in(dh.UPLOADER)
        clerk.page.set_input_files("input[name=file]", [str(upload)])
        clerk.page.click("form.card button[type=submit]")
        result = clerk.text("table.results")
        assert "已入库" in result and "预警" in result
        clerk.go("/alerts")
        rows = [r.inner_text() for r in clerk.page.query_selector_all("table.alerts tbody tr")]
        raised = [r for r in rows if "2026-09-05 10:00" in r]
        assert len(raised) == 1, rows
        assert "东河河图" in raised[0] and "劣Ⅴ" in raised[0] and "8.5" in raised[0] and "1.5" in raised[0]
        assert upload.name in raised[0] and "未关闭" in raised[0]
        assert len(rows) == len(before) + 1        # the sample's own exceedances are listed too
        clerk.shot("14-alerts")
        # a leader sees the same page
        leader = Desk(chromium, base, shots).sign_in(dh.LEADER)
        leader.go("/alerts")
        assert "2026-09-05 10:00" in leader.text("table.alerts")
        for desk in (clerk, leader):
            desk.close()
