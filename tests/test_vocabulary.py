"""One vocabulary: the water classes, water-body types, station kinds and pollutant names every layer reads."""
from __future__ import annotations

import datetime as dt

import pytest

from publisher import registry, render, standards, vocabulary
from publisher.cli import air_cmd
from publisher.evaluate import water
from publisher.ingest import aliases
from publisher.render import charts
from publisher.vocabulary import air as vair
from publisher.vocabulary import water as vwater


def test_class_labels_are_gb3838s_classes_and_worse_than_v():
    table = standards.in_force("gb3838", dt.date(2026, 5, 1))
    assert list(vwater.LABELS) == [*table["classes"], table["worse_than_v"]]
    assert list(vwater.TARGET_LABELS) == list(standards.in_force("gb14848", dt.date(2026, 5, 1))["classes"])
    assert render.WATER_CLASSES is vwater.LABELS and water.CLASS_LABELS is vwater.CLASS_LABELS
    assert registry.CLASSES == vwater.TARGET_LABELS


@pytest.mark.parametrize("written, number", [
    (3, 3), ("3", 3), ("Ⅲ", 3), ("Ⅲ类", 3), ("III", 3), ("iii", 3), (" Ⅳ ", 4), ("劣Ⅴ", 6), ("劣V", 6),
    ("劣Ⅴ类", 6), ("I", 1), (6, 6), (2.0, 2), (None, None), ("", None), ("—", None), ("-", None),
    (float("nan"), None),
])
def test_one_parser_reads_every_spelling(written, number):
    assert vwater.class_number(written) == number
    assert water.class_number(written) == number
    assert render.water_class_label(written) == (None if number is None else vwater.LABELS[number - 1])


@pytest.mark.parametrize("written", ["VI", "Ⅵ", "vi", "Ⅵ类", 7, 0, "7", "Ⅶ", "good", True, 2.5])
def test_anything_else_is_refused_with_one_error(written):
    with pytest.raises(vwater.WaterClassError, match=r"水质类别.*\(bad_water_class\)"):
        vwater.class_number(written)
    with pytest.raises(ValueError, match="bad_water_class"):
        render.water_class_label(written)


def test_class_vi_error_says_why():
    with pytest.raises(vwater.WaterClassError, match="没有Ⅵ类"):
        vwater.class_number("Ⅵ")


def test_waterbody_spellings_are_one_list():
    for text, code in vwater.WATERBODY_SPELLINGS.items():
        assert aliases.waterbody(text) == code
        assert vwater.waterbody(text) == code
    assert aliases.waterbody("地表水（湖库）") == "lake"      # full-width brackets, normalised by ingest
    assert aliases.waterbody("海洋") is None
    assert set(vwater.WATERBODY_SPELLINGS.values()) == set(vwater.WATERBODY_TYPES) == set(registry.WATERBODY_TYPES)


def test_station_kinds():
    assert vocabulary.WATER_KINDS == vocabulary.SOURCE_KINDS | vocabulary.SECTION_KINDS
    assert set(vocabulary.STATION_KINDS) == vocabulary.WATER_KINDS | vocabulary.AIR_KINDS | vocabulary.NOISE_KINDS
    assert registry.KINDS is vocabulary.STATION_KINDS


def test_aqi_levels_match_every_hj633_table_and_the_cli_columns():
    for table in standards.versions("hj633"):
        assert tuple(int(i["level"]) for i in table["levels"]["items"]) == vair.AQI_LEVELS
    assert [c for c in air_cmd.PERIOD_COLUMNS if c.startswith("days_level")] == [
        f"days_level{k}" for k in vair.AQI_LEVELS]
    assert set(vair.LEVEL_WORDS) == set(vair.AQI_LEVELS)


def test_pollutant_names_in_every_writing():
    assert vair.SYMBOL["pm2_5"] == "PM₂.₅" and vair.LABEL["o3_8h"] == "O₃-8h" and vair.ASCII["o3_8h_p90"] == "O3-8h"
    assert str(render.pollutant("o3_8h")) == "O<sub>3</sub>-8h"
    assert str(render.pollutant("co")) == "CO"
    assert charts.POLLUTANTS["co"] == ("CO", "mg/m³") and charts.POLLUTANTS["pm10"] == ("PM₁₀", "μg/m³")
    assert vair.ascii_to_symbol("2026-03 PM2.5有效日数20，少于27；O3-8h") == "2026-03 PM₂.₅有效日数20，少于27；O₃-8h"
    assert all("µ" not in unit for unit in vair.UNIT.values())      # μ U+03BC, never the micro sign
    assert [i.name_zh for i in aliases.air_items()] == [vair.SHORT_ZH[c] for c in vair.POLLUTANTS]
    # the names ingest recognises for each pollutant include the vocabulary's Chinese name
    for code in vair.POLLUTANTS:
        assert aliases.norm(vair.NAME_ZH[code]) in [aliases.norm(n) for n in aliases.AIR[code][0]]
