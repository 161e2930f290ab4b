"""The desk's pages speak the language of the people using them: bulletins by their catalogue titles,
station and file kinds in Chinese, times in Beijing time, the ledger's events by name with who acted, the
overdue deadlines said so (Flask's test client on a real workspace and ledger)."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from publisher.bulletins import catalogue
from publisher.desk import accounts, create_app, size, when
from publisher.store import Store
from tests import desk_helpers as dh
from tests import publishing_helpers as ph


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = ph.build_workspace(tmp_path_factory.mktemp("desk-pages") / "home")
    for name, roles in dh.USERS.items():
        accounts.add_user(ws, name, roles, dh.PASSWORD)
    return ws


@pytest.fixture(scope="module")
def client(ws):
    client = create_app(ws).test_client()
    assert dh.login(client, dh.ADMIN).status_code == 302
    return client


def _text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return re.sub(r"<[^>]+>", "", response.get_data(as_text=True))


def test_bulletins_are_named_by_their_catalogue_titles(client, ws):
    title = catalogue.get(ph.KIND, ws.home).title_zh
    page = _text(client, "/bulletins")
    assert f"2026年8月 {title}" in page and ph.KIND not in page
    bid = Store(ws).bulletins(kind=ph.KIND)[-1]["id"]
    assert f"2026年8月 {title}" in _text(client, f"/bulletins/{bid}")


def test_completeness_and_upload_name_kinds_in_chinese(client):
    page = _text(client, "/completeness?period=2026-08")
    assert "城市集中式生活饮用水水源" in page
    assert not re.search(r"\b(city_source|county_source|air_station|national_section)\b", page)
    assert "已过" in page and "个工作日" in page      # 2026-08's deadlines are long past
    upload = _text(client, "/upload")
    assert "水质监测数据" in upload and not re.search(r">\s*water\s*<", client.get("/upload").get_data(as_text=True))


def test_the_log_names_events_and_who_acted_in_beijing_time(client, ws):
    page = _text(client, "/log")
    assert "审核台登录" in page and "开设/修改账户" in page and dh.ADMIN in page
    logged = Store(ws).events("desk.login")[-1]["at"]
    beijing = dt.datetime.fromisoformat(logged).astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert beijing.strftime("%Y-%m-%d") in page and beijing.strftime("%H:%M") in page
    # the filter lists the kinds by name, and filters by code
    filtered = _text(client, "/log?kind=desk.account")
    assert "desk.account" in filtered and "desk.login" not in filtered   # the codes beside the names, in rows


def test_when_and_size():
    assert str(when("2026-09-03T08:05:00+00:00")) == '<span class="d">2026-09-03</span> <span class="d">16:05</span>'
    assert str(when("2026-09-05 10:00")) == '<span class="d">2026-09-05</span> <span class="d">10:00</span>'
    assert when(None) == "—" and when("<b>not a time</b>") == "<b>not a time</b>"   # escaped by the template
    assert (size(73), size(1307), size(3 * 1024 * 1024), size(None)) == ("73 字节", "1.3 KB", "3.0 MB", "—")
