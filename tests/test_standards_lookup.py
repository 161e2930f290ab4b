"""The standards loader's look-ups by date, the overlay folder and the date helpers of periods."""
from __future__ import annotations

import datetime as dt

import pytest
import yaml

from publisher import periods, standards
from publisher.errors import StandardNotFound


def test_in_force_or_none_gives_the_table_or_none():
    assert standards.in_force_or_none("hj633", dt.date(2026, 2, 28)).id == "HJ633-2012"
    assert standards.in_force_or_none("hj633", dt.datetime(2026, 3, 1, 0, 30)).id == "HJ633-2026"
    first = standards.versions("gb14848")[0].effective_from
    assert standards.in_force_or_none("gb14848", first - dt.timedelta(days=1)) is None
    with pytest.raises(StandardNotFound):
        standards.in_force("gb14848", first - dt.timedelta(days=1))
    with pytest.raises(StandardNotFound):
        standards.in_force_or_none("no-such-family", dt.date(2026, 1, 1))


def test_covering_lists_the_tables_a_period_spans():
    ids = [t.id for t in standards.covering("hj633", dt.date(2026, 1, 1), dt.date(2026, 3, 31))]
    assert ids == ["HJ633-2012", "HJ633-2026"]
    assert [t.id for t in standards.covering("hj633", dt.date(2026, 3, 1), dt.date(2026, 3, 31))] == ["HJ633-2026"]
    assert [t.id for t in standards.covering("hj633", dt.date(2026, 2, 28), dt.date(2026, 2, 28))] == ["HJ633-2012"]


def test_phase_on_finds_the_gb3095_phase_of_a_day():
    table = standards.in_force("gb3095", dt.date(2026, 5, 1))
    transition = standards.phase_on(table, dt.date(2030, 12, 31))
    final = standards.phase_on(table, dt.date(2031, 1, 1))
    assert transition is not None and final is not None and transition is not final
    assert transition["class2"]["pm2_5"]["annual"] == table["phases"][0]["class2"]["pm2_5"]["annual"]
    assert final["class2"]["pm2_5"]["annual"] == table["phases"][-1]["class2"]["pm2_5"]["annual"]
    assert standards.phase_on(standards.get("HJ633-2026"), dt.date(2026, 5, 1)) is None


def test_rule_falls_back_to_the_first_table_only_where_it_says_so(tmp_path, monkeypatch):
    first = standards.versions("water_eval")[0]
    before = first.effective_from - dt.timedelta(days=1)
    listed = (first["meta"].get("earlier_data") or {}).get("blocks") or []
    for block in listed:
        assert standards.rule("water_eval", before, block) == first[block]
    unlisted = next(k for k in first.data if k not in listed and k != "meta")
    with pytest.raises(StandardNotFound):
        standards.rule("water_eval", before, unlisted)
    assert standards.rule("hj633", dt.date(2026, 3, 1), "breakpoints") == standards.get("HJ633-2026")["breakpoints"]


def test_catalogue_by_name():
    assert standards.catalogue("water-items")["nh3_n"]["name_zh"] == "氨氮"
    assert "so2" in standards.catalogue("discharge-items")
    with pytest.raises(StandardNotFound):
        standards.catalogue("../sources")


def _shipped_copy(table_id: str, folder, **meta) -> dict:
    data = yaml.safe_load(standards.get(table_id).path.read_text(encoding="utf-8"))
    data["meta"].update(meta)
    (folder / f"{data['meta']['id'].lower()}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                                               encoding="utf-8")
    return data


@pytest.fixture
def overlay(tmp_path, monkeypatch):
    monkeypatch.setenv(standards.EXTRA_ENV, str(tmp_path))
    standards.reload()
    yield tmp_path
    monkeypatch.delenv(standards.EXTRA_ENV)
    standards.reload()


def test_overlay_adds_a_version_and_replaces_by_id(overlay):
    _shipped_copy("HJ633-2026", overlay, effective_to=dt.date(2030, 12, 31))
    _shipped_copy("HJ633-2026", overlay, id="HJ633-2031", effective_from=dt.date(2031, 1, 1), effective_to=None)
    standards.reload()
    assert [t.id for t in standards.versions("hj633")] == ["HJ633-2012", "HJ633-2026", "HJ633-2031"]
    assert standards.in_force("hj633", dt.date(2030, 12, 31)).id == "HJ633-2026"
    assert standards.in_force("hj633", dt.date(2031, 1, 1)).id == "HJ633-2031"
    assert standards.get("HJ633-2026").path.parent == overlay
    assert standards.problems() == []


def test_overlay_gaps_are_reported(overlay):
    _shipped_copy("HJ633-2026", overlay, id="HJ633-2031", effective_from=dt.date(2031, 1, 1), effective_to=None)
    standards.reload()
    assert any("HJ633-2026 overlaps HJ633-2031" in p for p in standards.problems())


def test_reload_clears_registered_caches(overlay):
    calls = []

    @standards.on_reload
    def clear() -> None:
        calls.append(1)

    standards.reload()
    assert calls == [1]


def test_a_missing_overlay_folder_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv(standards.EXTRA_ENV, str(tmp_path / "absent"))
    standards.reload()
    try:
        with pytest.raises(StandardNotFound, match="PUBLISHER_STANDARDS_EXTRA"):
            standards.all_tables()
    finally:
        monkeypatch.delenv(standards.EXTRA_ENV)
        standards.reload()


def test_as_date_and_months_between():
    assert periods.as_date("2026-05-01") == dt.date(2026, 5, 1)
    assert periods.as_date("2026-05-01 08:00") == dt.date(2026, 5, 1)
    assert periods.as_date(dt.datetime(2026, 5, 1, 8)) == dt.date(2026, 5, 1)
    assert periods.as_date(None) is None
    with pytest.raises(ValueError):
        periods.as_date("2026-13-01")
    assert periods.months_between(dt.date(2025, 11, 30), dt.date(2026, 2, 1)) == [
        (2025, 11), (2025, 12), (2026, 1), (2026, 2)]
    assert periods.months_between(dt.date(2026, 3, 1), dt.date(2026, 2, 1)) == []
