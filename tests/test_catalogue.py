"""The bulletin catalogue: one description of every kind (title, cadence, issue date, deadline) that the
bulletins, status, the scheduler, the command line and the portal all read, overridable per workspace."""
from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from publisher import config
from publisher.bulletins import KINDS, catalogue
from publisher.cli import cli
from publisher.operations.scheduler import _reminder_text, due_period
from publisher.operations.status import deadline
from publisher.periods import Period
from publisher.publishing.portal import _kind_name


def test_every_registered_kind_is_in_the_catalogue_in_order():
    entries = catalogue.catalogue()
    assert list(entries) == list(KINDS)
    for kind, entry in entries.items():
        assert entry.kind == kind and entry.module == KINDS[kind] and entry.title_zh
        assert entry.unit in ("day", "month", "quarter", "year")
    assert catalogue.default_kinds("month") == ("water-sources", "water-sections", "air-monthly")
    assert catalogue.default_kinds("quarter") == ("water-sources-county", "supervisory")
    assert catalogue.default_kinds("day") == ("air-daily",)
    assert catalogue.default_kinds("year") == ("annual",)
    # the annual bulletin is due on 5 June of the next year, a fixed day
    assert deadline("annual", Period.parse("2025")) == (dt.date(2026, 6, 5), False)


@pytest.mark.parametrize("kind, period, issued, due", [
    ("water-sources", "2026-05", dt.date(2026, 6, 10), dt.date(2026, 6, 10)),
    ("water-sections", "2026-12", dt.date(2027, 1, 10), dt.date(2027, 1, 10)),   # across the year
    ("water-sources-county", "2025-Q4", dt.date(2026, 1, 10), dt.date(2026, 1, 10)),
    ("air-monthly", "2026-04", dt.date(2026, 5, 5), dt.date(2026, 5, 10)),
    ("air-daily", "2026-06-30", dt.date(2026, 7, 1), dt.date(2026, 7, 1)),
])
def test_issue_dates_and_deadlines_are_rules_on_the_period(kind, period, issued, due):
    entry = catalogue.get(kind)
    assert entry.issue_date(Period.parse(period)) == issued
    assert entry.due(Period.parse(period)) == due


def test_the_reminder_and_the_portal_name_a_bulletin_as_its_page_does(tmp_path):
    title = catalogue.get("water-sources").title_zh
    assert title == "城市集中式生活饮用水水源水质状况"
    text = _reminder_text("某单位", "water-sources", "2026-05", "2026-06-10", [], dt.date(2026, 6, 2))
    assert f"{title}（2026-05）" in text
    assert _kind_name("water-sources") == title
    assert _kind_name("not-a-kind-here") == "not-a-kind-here"   # a kind of a newer version keeps its id


def test_a_workspace_overrides_title_issue_and_deadline(tmp_path):
    (tmp_path / "bulletins.yaml").write_text(
        "water-sources:\n  title_zh: 城市饮用水水源水质月报\n  issue: {next_month_day: 8}\n"
        "  deadline: {next_month_day: 15}\n", encoding="utf-8")
    entry = catalogue.get("water-sources", tmp_path)
    assert entry.title_zh == "城市饮用水水源水质月报"
    assert entry.issue_date(Period.parse("2026-05")) == dt.date(2026, 6, 8)
    assert deadline("water-sources", Period.parse("2026-05"), tmp_path) == (dt.date(2026, 6, 15), False)
    # the other kinds and the shipped facts stay as shipped
    assert catalogue.get("water-sources", tmp_path).cadence == "monthly"
    assert catalogue.get("air-monthly", tmp_path) == catalogue.get("air-monthly")
    assert "城市饮用水水源水质月报" in _reminder_text("u", "water-sources", "2026-05", "2026-06-15", [],
                                                   dt.date(2026, 6, 2), tmp_path)


@pytest.mark.parametrize("text, reason", [
    ("air-weekly:\n  title_zh: 周报\n", "未知的公报类型"),
    ("water-sources:\n  cadence: daily\n", "water-sources.cadence 不能在此设置"),
    ("water-sources:\n  deadline: {next_month_day: 31}\n", "water-sources.deadline.next_month_day 应为 1～28"),
    ("water-sources:\n  issue: {weeks_after: 1}\n", "water-sources.issue 应为"),
    ("water-sources:\n  title_zh: ''\n", "water-sources.title_zh"),
    ("- a\n- b\n", "以公报类型为键的映射"),
    ("a: [" * 100 + "]" * 100 + "\n", "嵌套超过"),
])
def test_a_bad_workspace_file_is_refused_naming_file_and_reason(tmp_path, text, reason):
    (tmp_path / "bulletins.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(config.ConfigError, match="bad_bulletins_config") as info:
        catalogue.catalogue(tmp_path)
    assert reason in str(info.value) and str(tmp_path / "bulletins.yaml") in str(info.value)


def test_a_huge_workspace_file_is_refused_unread(tmp_path):
    (tmp_path / "bulletins.yaml").write_bytes(b"#" * (config.MAX_BYTES + 1))
    with pytest.raises(config.ConfigError, match="过大.*bad_bulletins_config"):
        catalogue.catalogue(tmp_path)


def test_a_kind_registered_without_a_catalogue_entry_takes_its_modules_title_and_cadence(monkeypatch, tmp_path):
    """Adding a kind stays one entry in KINDS: the catalogue falls back to the module's constants."""
    package = tmp_path / "extra_kinds"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "weekly.py").write_text('KIND = "air-weekly"\nTITLE_ZH = "环境空气质量周报"\nCADENCE = "monthly"\n'
                                       'STATION_KINDS = ("air_station",)\n', encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(KINDS, "air-weekly", "extra_kinds.weekly")
    entry = catalogue.get("air-weekly")
    assert (entry.title_zh, entry.unit, entry.station_kinds) == ("环境空气质量周报", "month", ("air_station",))
    assert entry.due(Period.parse("2026-05")) == dt.date(2026, 6, 10)
    assert "air-weekly" in catalogue.default_kinds("month")


def test_scheduler_periods_follow_the_cadence():
    today = dt.date(2026, 7, 2)
    assert due_period("air-daily", today).label == "2026-07-01"
    assert due_period("air-monthly", today).label == "2026-06"
    assert due_period("water-sources-county", today).label == "2026-Q2"


def test_build_refuses_a_period_of_another_cadence_and_says_which(tmp_path):
    result = CliRunner().invoke(cli, ["build", "--period", "2026-05", "--kind", "air-daily", "--home", str(tmp_path)])
    assert result.exit_code == 2
    assert "air-daily is daily: give a period like 2026-05-01" in result.output


def test_the_readme_lists_the_catalogue():
    """The README's table of bulletins is the catalogue's: the same kinds, titles and cadences."""
    import re

    from publisher.paths import PROJECT_DIR

    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\S+) \(.*?\) \| (\w+) \| `([a-z-]+)` \|$", readme, re.M)
    assert [(kind, title, cadence) for title, cadence, kind in rows] == [
        (k.kind, k.title_zh, k.cadence) for k in catalogue.catalogue().values()]
