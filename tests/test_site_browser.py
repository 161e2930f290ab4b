"""The public site in a real browser (Debian's chromium driven by Playwright): the home page, a column,
a water and an air bulletin's pages at 1280, 375 and 360 px wide. No console errors, no broken images, no
horizontal overflow outside the tables' own scroll boxes, no serious or critical axe-core violation,
and the QR code decodes (zxing-cpp) to the page's public URL."""
from __future__ import annotations

import io

import pytest
from click.testing import CliRunner

from publisher.cli import cli
from publisher.publishing.site import config as site_config
from publisher.publishing.site.model import item_path
from tests.browser import require_chromium
from tests.publishing_helpers import LEADER, LEADER_ROLE, REVIEW_ROLE, REVIEWER, TOKEN, running_portal
from tests.site_helpers import AIR, WATER, build_workspace

playwright = pytest.importorskip("playwright.sync_api")
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
zxingcpp = pytest.importorskip("zxingcpp")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    import os

    require_chromium()
    home = tmp_path_factory.mktemp("site-browser") / "home"
    ws = build_workspace(home)
    os.environ["PUBLISHER_PORTAL_TOKEN"] = TOKEN
    try:
        with running_portal(home.parent / "portal", ws) as portal:
            for kind, period in (WATER, AIR):
                for by, role in ((REVIEWER, REVIEW_ROLE), (LEADER, LEADER_ROLE)):
                    CliRunner().invoke(cli, ["approve", "--kind", kind, "--period", period, "--by", by, "--role", role,
                                             "--home", str(home)], catch_exceptions=False)
                done = CliRunner().invoke(cli, ["publish", "--kind", kind, "--period", period, "--portal", portal.url,
                                                "--home", str(home)], catch_exceptions=False)
                assert done.exit_code == 0, done.output
    finally:
        os.environ.pop("PUBLISHER_PORTAL_TOKEN", None)
    done = CliRunner().invoke(cli, ["site", "build", "--home", str(home)], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return ws


PAGES = {"home": "index.html", "column": "air/index.html",
         "water": item_path(*WATER) + "index.html", "air": item_path(*AIR) + "index.html"}

#: no horizontal overflow: the widest element's right edge within the viewport, except inside a table's
#: own scroll box (.table-wrap)
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.table-wrap')) continue;
    const r = el.getBoundingClientRect();
    if (r.width && r.right > width + 1) out.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right));
  }
  return {page: document.documentElement.scrollWidth - width, elements: out.slice(0, 5)};
}"""


@pytest.mark.parametrize("width", [1280, 375, 360])
def test_pages_in_a_real_browser(site, width, tmp_path):
    from PIL import Image

    chromium = require_chromium()
    root = site.output / "site"
    config = site_config.load(site)
    axe = axe_module.Axe()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            for name, rel in PAGES.items():
                page = browser.new_page(viewport={"width": width, "height": 900})
                errors: list[str] = []
                failed: list[str] = []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.on("requestfailed", lambda r: failed.append(r.url))
                page.goto((root / rel).as_uri())
                page.wait_for_load_state("load")
                assert errors == [] and failed == [], (name, width, errors, failed)   # before axe runs
                broken = page.evaluate("() => [...document.images].filter(i => !i.complete || !i.naturalWidth)"
                                       ".map(i => i.getAttribute('src'))")
                assert broken == [], (name, width, broken)
                assert page.evaluate("document.documentElement.lang") == "zh-CN"
                assert page.locator("h1").count() == 1
                overflow = page.evaluate(OVERFLOW_JS)
                assert overflow["page"] <= 0 and overflow["elements"] == [], (name, width, overflow)
                result = axe.run(page)
                serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                           for v in result.response["violations"] if v["impact"] in ("serious", "critical")]
                assert serious == [], (name, width, serious)
                assert result.response["passes"], "axe ran no rule"
                shot = tmp_path / f"{name}-{width}.png"
                page.screenshot(path=str(shot), full_page=True)
                if name in ("water", "air"):
                    qr = page.locator(".qr img")
                    image = Image.open(io.BytesIO(qr.screenshot()))
                    decoded = [r.text for r in zxingcpp.read_barcodes(image)]
                    assert decoded == [config.url(rel)], (name, decoded)
                    assert page.locator("table.disclosure th[scope=row]").count() == 6
                    for img in page.locator(".chart img").all():
                        assert len(img.get_attribute("alt") or "") > 8
                page.close()
        finally:
            browser.close()
