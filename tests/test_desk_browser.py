"""The review desk through a real browser (headless Chromium driven by chromium-driver): a 数据报送员
uploads a good and a bad file and reads the findings; the 保密审查员 meets the explanation gate, explains
each exceedance and approves; the 分管局领导 approves and publishes to the reference portal; the ledger
names each account. Screenshots of every page are written to $DESK_SCREENSHOTS (or the test's folder).
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
from publisher.store import Store
from tests import desk_helpers as dh
from tests.browser import ink_fraction, require_chromium
from tests.publishing_helpers import TOKEN, running_portal

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def _wait(driver, css: str, text: str | None = None):
    """The element `css` once the page that shows it has loaded (and holds `text`)."""
    condition = (EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text) if text
                 else EC.presence_of_element_located((By.CSS_SELECTOR, css)))
    WebDriverWait(driver, 120).until(condition)
    return driver.find_element(By.CSS_SELECTOR, css)


@pytest.fixture
def browser():
    chromium = require_chromium()
    driver_path = shutil.which("chromedriver")
    if driver_path is None:
        pytest.skip("chromedriver is not installed (Debian package chromium-driver; scripts/system-deps.sh)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1600", "--lang=zh-CN", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("DESK_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sign_in(driver, base: str, name: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{base}/login")
    driver.find_element(By.NAME, "name").send_keys(name)
    driver.find_element(By.NAME, "password").send_keys(dh.PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    assert name in _wait(driver, ".who").text


def _shot(driver, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1280, min(max(int(height) + 40, 800), 6000))
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 1600)
    assert ink_fraction(path) > 0.01, f"{name}: a blank page"
    return path


def test_desk_end_to_end(tmp_path, browser, monkeypatch):
    ws = dh.build_workspace(tmp_path / "home")
    shots = _shots(tmp_path)
    # files a station would hand in: the sample sources of 2026-09 (good) and a sheet with bad values
    incoming = tmp_path / "incoming"
    sample.generate(incoming, "2026-09", "2026-09", registry=registry_mod.load(), with_real_air=False)
    good = next(p for p in sorted(incoming.iterdir()) if "国控断面" in p.name)
    bad = tmp_path / "坏数据_东河.csv"
    bad.write_text("断面名称,采样时间,氨氮(mg/L)\n东河河图,2026-09-40 10:00,abc\n", encoding="utf-8")
    monkeypatch.setenv("PUBLISHER_PORTAL_TOKEN", TOKEN)
    with running_portal(tmp_path / "portal", ws) as portal, dh.running_desk(ws, portal=portal.url) as base:
        driver = browser
        # --- 数据报送员: a good and a bad file
        _sign_in(driver, base, dh.UPLOADER)
        driver.find_element(By.NAME, "file").send_keys(f"{good}\n{bad}")
        driver.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()
        _wait(driver, "table.results")
        rows = {r.find_element(By.CSS_SELECTOR, "td").text: r.text
                for r in driver.find_elements(By.CSS_SELECTOR, "table.results tbody tr")}
        assert "已入库" in rows[good.name]
        assert "未接收" in rows[bad.name] and "行" in rows[bad.name]   # the finding names the row
        _shot(driver, shots, "01-upload")
        assert bad.name in driver.find_element(By.TAG_NAME, "body").text   # listed in the quarantine
        # --- 保密审查员: the gate blocks the item until each exceedance is explained
        _sign_in(driver, base, dh.REVIEWER)
        driver.get(f"{base}/review")
        _shot(driver, shots, "02-review-gate")
        driver.find_element(By.CSS_SELECTOR, "form.decide button[value=approve]").click()
        body = _wait(driver, "section.refused").text
        assert "unexplained_exceedance" in body and "东河河图" in body
        _shot(driver, shots, "03-refused")
        for n, key in enumerate(dh.EXCEEDANCES):
            driver.get(f"{base}/review")
            form = next(f for f in driver.find_elements(By.CSS_SELECTOR, "tr.form form")
                        if f.find_element(By.NAME, "key").get_attribute("value") == key)
            form.find_element(By.NAME, "cause").send_keys(f"上游生活污水未经处理排入<b>{n}</b>")
            form.find_element(By.NAME, "measures").send_keys("已督促截污纳管，下月加密监测")
            form.find_element(By.CSS_SELECTOR, "button").click()
            _wait(driver, ".flash", "已记录")
        driver.get(f"{base}/review")
        assert "未说明" not in driver.find_element(By.CSS_SELECTOR, "section.item").text
        _shot(driver, shots, "04-review-explained")
        driver.find_element(By.NAME, "note").send_keys("无涉密内容")
        driver.find_element(By.CSS_SELECTOR, "form.decide button[value=approve]").click()
        assert "已通过" in _wait(driver, ".flash").text
        # --- 分管局领导: the second step, then publication
        _sign_in(driver, base, dh.LEADER)
        driver.get(f"{base}/review")
        item = driver.find_element(By.CSS_SELECTOR, "section.item").text
        assert "截污纳管" in item and "保存说明" not in item   # the leader reads the explanations signed with it
        _shot(driver, shots, "05-review-leader")
        driver.find_element(By.CSS_SELECTOR, "form.decide button[value=approve]").click()
        assert "审核已完成" in _wait(driver, ".flash").text
        driver.get(f"{base}/publishing")
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        assert "已发布" in _wait(driver, ".flash").text
        _shot(driver, shots, "06-published")
        # the other pages, as their users see them
        row = Store(ws).bulletins(kind=dh.KIND)[-1]
        for name, path in (("07-bulletins", "/bulletins"), ("08-bulletin", f"/bulletins/{row['id']}"),
                           ("09-completeness", "/completeness?period=2026-08"), ("10-log", "/log")):
            driver.get(base + path)
            assert "未能完成" not in driver.title
            _shot(driver, shots, name)
        _sign_in(driver, base, dh.ADMIN)
        driver.get(f"{base}/upload")
        _shot(driver, shots, "11-upload-admin")
        driver.delete_all_cookies()
        driver.get(f"{base}/login")
        _shot(driver, shots, "00-login")

    # the ledger names each account
    store = Store(ws)
    latest = store.bulletins(kind=dh.KIND)[-1]
    assert latest["revision"] == 1 + len(dh.EXCEEDANCES)     # each explanation rebuilt the bulletin
    decisions = store.approvals(int(latest["id"]))
    assert [(d["approved_by"], d["role"], d["via"]) for d in decisions] == [
        (dh.REVIEWER, "保密审查员", "desk"), (dh.LEADER, "分管局领导", "desk")]
    from publisher.publishing import explanations

    entered = explanations.in_force(store, dh.KIND, dh.PERIOD)
    assert sorted(entered) == sorted(dh.EXCEEDANCES)
    assert {e["entered_by"] for e in entered.values()} == {dh.REVIEWER}
    uploads = [json.loads(e["detail"]) for e in store.events("desk.upload")]
    assert uploads and uploads[0]["account"] == dh.UPLOADER
    published = [json.loads(e["detail"]) for e in store.events("desk.publish")]
    assert published and published[0]["account"] == dh.LEADER and published[0]["ok"]
    assert [p["status"] for p in store.publications(int(latest["id"]))] == ["ok"]
    # what was signed and published prints the explanations, as text
    folder = Path(latest["output_dir"])
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "超标情况说明" in page and "&lt;b&gt;0&lt;/b&gt;" in page and "<b>0</b>" not in page
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(folder / "bulletin.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "超标情况说明" in text and "截污纳管" in text

