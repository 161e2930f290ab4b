"""The station registry: whole-file validation with lines, and the shipped stations.yaml."""
from __future__ import annotations

import gzip
import csv
import textwrap
from pathlib import Path

import pytest

from publisher import registry
from publisher.errors import RegistryError
from publisher.paths import PROJECT_DIR

FEED = PROJECT_DIR / "sample" / "air_cnemc_seed_cities_2026.csv.gz"
SIX_CITIES = {"保山市", "楚雄彝族自治州", "洛阳市", "绵阳市", "南宁市", "贵阳市"}
YUNNAN_FEED = PROJECT_DIR / "sample" / "air_cnemc_yunnan_2026.csv.gz"
YUNNAN = {"昆明市", "曲靖市", "玉溪市", "保山市", "昭通市", "丽江市", "普洱市", "临沧市", "楚雄彝族自治州",
          "红河哈尼族彝族自治州", "文山壮族苗族自治州", "西双版纳傣族自治州", "大理白族自治州", "德宏傣族景颇族自治州",
          "怒江傈僳族自治州", "迪庆藏族自治州"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "stations.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


GOOD_HEAD = """
    region: {name: 甲市}
    areas:
      - {id: jia, name: 甲市, level: city}
      - {id: yi, name: 乙县, level: county, city: 甲市}
    stations:
"""


def problems_of(path: Path) -> list[str]:
    with pytest.raises(RegistryError) as info:
        registry.load(path)
    return str(info.value).splitlines()[1:]


def test_every_problem_is_reported_at_once_with_its_line(tmp_path):
    path = write(tmp_path, GOOD_HEAD + """
      - {id: a1, name: 一号站, kind: air_station, city: 甲市, area: 甲市, cadence: hourly, unit: 站}
      - {id: a1, name: 二号站, kind: air_station, city: 甲市, area: 乙县, cadence: hourly, unit: 站}
      - {id: a3, name: 三号站, kind: air_sation, city: 甲市, area: 甲市, cadence: hourly, unit: 站}
      - id: w1
        name: 一号断面
        kind: national_section
        city: 甲市
        river: 甲河
        basin: 甲河
        water_body: 甲河
        waterbody_type: river
        target_class: III
        cadence: monthly
        unit: 站
      - id: w2
        name: 二号断面
        kind: provincial_section
        city: 甲市
        basin: 甲河
        water_body: 甲河
        waterbody_type: river
        target_class: Ⅲ
        cadence: monthly
        unit: 站
      - {id: a6, name: 六号站, kind: air_station, city: 丙市, area: 甲市, cadence: hourly, unit: 站}
    """)
    found = problems_of(path)
    text = "\n".join(found)
    assert len(found) == 5, text
    assert f"{path}:8: station a1: duplicate id 'a1' (first at line 7" in text
    assert f"{path}:9: station a3: unknown kind 'air_sation'" in text
    assert f"{path}:18: station w1: bad target class 'III'" in text  # the line of the field itself
    assert f"{path}:21: station w2: missing field 'river'" in text
    assert f"{path}:31: station a6: unknown city '丙市'" in text


def test_unknown_fields_duplicate_names_and_codes_bad_areas(tmp_path):
    path = write(tmp_path, """
        areas:
          - {id: jia, name: 甲市, level: city}
          - {id: yi, name: 乙县, level: town, city: 丁市}
        stations:
          - {id: a1, code: "1001A", name: 一号站, kind: air_station, city: 甲市, area: 甲市, cadence: hourly, unit: 站}
          - {id: a2, code: "1001A", name: 一号站, kind: air_station, city: 甲市, area: 甲市, cadence: hourly,
             unit: 站, colour: red, sample_fields: [volumes], lon: east}
          - {id: 站三, name: 三号站, kind: air_station, city: 甲市, cadence: daily, unit: 站}
        """)
    text = "\n".join(problems_of(path))
    for expected in ("area '乙县': unknown level 'town'", "area '乙县': unknown city '丁市'",
                     "duplicate code '1001A'", "duplicate name '一号站'", "unknown field 'colour'",
                     "unknown field 'volumes' in sample_fields", "lon must be a number",
                     "the id must be ASCII", "missing field 'area'", "unknown cadence 'daily'"):
        assert expected in text, expected


def test_missing_fields_by_kind(tmp_path):
    path = write(tmp_path, GOOD_HEAD + """
      - {id: s1, name: 甲水库, kind: city_source, city: 甲市, cadence: monthly, unit: 站}
    """)
    text = "\n".join(problems_of(path))
    for name in ("water_body", "waterbody_type", "target_class", "volume"):
        assert f"missing field {name!r}" in text


def test_a_small_valid_file_loads(tmp_path):
    path = write(tmp_path, GOOD_HEAD + """
      - {id: a1, code: "1001A", name: 一号站, kind: air_station, city: 甲市, area: 乙县, extra_areas: [甲市],
         cadence: hourly, unit: 站, active_from: 2025-01-01, sample: true, note: 测试}
    """)
    reg = registry.load(path)
    station = reg.resolve("1001A")
    assert station is reg.get("a1") and station.sample and station.areas == ("乙县", "甲市")
    assert reg.air_areas().rows() == [("a1", "乙县"), ("a1", "甲市")]


def test_the_same_file_is_parsed_once_and_a_changed_one_again(tmp_path):
    """A build reads the registry several times; the same text at the same path gives the registry
    loaded before, a changed text a new one, and a broken text its problems every time."""
    station = """
      - {id: a1, code: "1001A", name: 一号站, kind: air_station, city: 甲市, area: 乙县,
         cadence: hourly, unit: 站, active_from: 2025-01-01}
    """
    path = write(tmp_path, GOOD_HEAD + station)
    first = registry.load(path)
    assert registry.load(path) is first
    path.write_text(path.read_text(encoding="utf-8").replace("一号站", "二号站"), encoding="utf-8")
    changed = registry.load(path)
    assert changed is not first and changed.get("a1").name == "二号站" and first.get("a1").name == "一号站"
    path.write_text(path.read_text(encoding="utf-8").replace("kind: air_station", "kind: nonsense"), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(RegistryError, match="nonsense"):
            registry.load(path)
    path.unlink()
    with pytest.raises(RegistryError, match="cannot read"):
        registry.load(path)


# ------------------------------------------------------------------------------------------------
# the shipped registry
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def reg() -> registry.Registry:
    return registry.load()


def test_shipped_registry_areas(reg):
    assert reg.region["name"] == "保山市" and reg.region["province"] == "云南省"
    counties = {a.name for a in reg.areas if a.level == "county"}
    assert counties == {"隆阳区", "施甸县", "龙陵县", "昌宁县", "腾冲市"}
    assert all(a.city == "保山市" for a in reg.areas if a.level == "county")
    assert {a.name for a in reg.areas if a.level == "city"} == SIX_CITIES | YUNNAN


def test_shipped_water_stations(reg):
    city = reg.by_kind("city_source")
    assert {s.name for s in city} == {"北庙水库", "龙王塘", "龙泉门"}
    assert reg.resolve("北庙水库").waterbody_type == "lake"
    assert all(s.cadence == "monthly" and s.volume and s.target_class for s in city)
    county = reg.by_kind("county_source")
    assert {s.county for s in county} == {"隆阳区", "施甸县", "龙陵县", "昌宁县", "腾冲市"}
    assert all(s.cadence == "quarterly" for s in county)
    assert "蒋家寨水库" in {s.name for s in county}
    sections = reg.by_kind("national_section", "provincial_section")
    assert len(sections) == 13
    assert len({s.river for s in sections}) == 7
    assert {s.basin for s in sections} == {"怒江", "澜沧江", "伊洛瓦底江"}
    assert all(s.waterbody_type == "river" and s.target_class and s.lon and s.lat for s in sections)
    assert all(s.assessment == ("national" if s.kind == "national_section" else "provincial") for s in sections)
    assert all(s.x_items for s in sections if s.assessment == "national")
    lake = reg.by_kind("lake_point")
    assert 2 <= len(lake) <= 3 and {s.water_body for s in lake} == {"北海湖"}
    assert all(s.waterbody_type == "lake" and s.county == "腾冲市" for s in lake)


def test_every_station_has_the_common_fields_and_honest_sample_marks(reg):
    names = [(s.city, s.name) for s in reg.stations]
    assert len(names) == len(set(names))
    for s in reg.stations:
        assert s.id.isascii() and s.unit and s.cadence and s.active_from, s.id
        if s.sample:
            assert s.note, s.id
    # invented volumes are marked
    for s in reg.by_kind("city_source", "county_source"):
        assert s.sample or "volume" in s.sample_fields, s.id


def test_all_real_cnemc_stations_of_the_feeds_are_in_the_registry(reg):
    """The 38 stations of the six seed cities and the 43 of the 16 州（市） of 云南省 (4 in both): code,
    published name, coordinates and city as the national feed lists them."""
    feed = set()
    for path, cities in ((FEED, SIX_CITIES), (YUNNAN_FEED, YUNNAN)):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            rows = {(row["stationcode"], row["positionname"], row["area"], row["longitude"], row["latitude"])
                    for row in csv.DictReader(handle)}
        assert {area for *_, area, _, _ in rows} == cities
        feed |= rows
    assert len({code for code, *_ in feed}) == 38 + 43 - 4
    for code, name, area, lon, lat in feed:
        station = reg.resolve(code)
        assert station is not None, code
        assert station.id == f"air-{code}" and station.kind == "air_station" and station.cadence == "hourly"
        assert station.area == area and station.city == area and not station.sample
        assert station.name == name
        assert (station.lon, station.lat) == (float(lon), float(lat))
    real = [s for s in reg.by_kind("air_station") if not s.sample]
    assert len(real) == len({code for code, *_ in feed})


def test_a_name_shared_by_stations_of_several_cities_resolves_to_none(reg, tmp_path):
    """保山, 临沧 and 普洱 each have a national station called 市环保局: the name names no station (files
    give the code), and a file that names it is rejected with the codes it could mean."""
    shared = reg.named("市环保局")
    assert {s.code for s in shared} == {"2595A", "2603A", "2601A"}
    assert reg.resolve("市环保局") is None
    assert reg.resolve("2603A").city == "临沧市" and reg.resolve("市环境监测站").code == "2594A"
    from publisher.ingest import parse_file

    path = tmp_path / "air.csv"
    path.write_text("站点名称,监测时间,SO2(μg/m3)\n市环保局,2026-05-01 01:00,5\n", encoding="utf-8")
    parsed = parse_file(path, registry=reg, unknown_stations="error")
    codes = {f.code for f in parsed.findings.errors}
    assert codes == {"ambiguous_station"}
    message = parsed.findings.errors[0].message
    assert "第 2 行" in message and "2595A（保山市）" in message and "2603A（临沧市）" in message


def test_a_name_used_twice_in_one_city_is_refused(tmp_path):
    path = write(tmp_path, """
        region: {name: 甲市}
        areas:
          - {id: jia, name: 甲市, level: city}
          - {id: bing, name: 丙市, level: city}
        stations:
          - {id: a1, name: 市环保局, kind: air_station, city: 甲市, area: 甲市, cadence: hourly, unit: 站}
          - {id: a2, name: 市环保局, kind: air_station, city: 丙市, area: 丙市, cadence: hourly, unit: 站}
          - {id: a3, name: 市环保局, kind: air_station, city: 甲市, area: 甲市, cadence: hourly, unit: 站}
        """)
    with pytest.raises(RegistryError) as err:
        registry.load(path)
    text = str(err.value)
    assert "station a3: duplicate name '市环保局' in city '甲市'" in text
    assert "station a2" not in text


def test_county_air_stations_count_for_their_county_only(reg):
    areas = reg.air_areas()
    for county in ("施甸县", "龙陵县", "昌宁县", "腾冲市"):
        ids = areas.filter(areas["area"] == county)["station_id"].to_list()
        assert ids and all(reg.get(i).sample for i in ids)
    baoshan = set(areas.filter(areas["area"] == "保山市")["station_id"])
    assert baoshan == {"air-2594A", "air-2595A"}
    assert set(areas.filter(areas["area"] == "隆阳区")["station_id"]) == baoshan


def test_frame_and_suggest(reg):
    frame = reg.frame()
    assert frame.height == len(reg.stations)
    assert {"id", "name", "kind", "x_items", "sample_fields"} <= set(frame.columns)
    assert reg.suggest("北庙水") == "北庙水库"


def test_resolve_and_get_by_id_code_or_name_at_national_size(tmp_path):
    """Lookups go through an index: every station of a large registry resolves by id, code and name
    (spaces around ignored) to itself, unknown texts to None, and an unknown id raises KeyError."""
    from publisher import registry as registry_mod

    rows = [f"      - {{id: air-{i:04d}, code: '{i:04d}A', name: 监测站{i:04d}, kind: air_station, city: 甲市, "
            f"area: 乙县, cadence: hourly, unit: 站}}" for i in range(3000)]
    reg = registry_mod.load(write(tmp_path, GOOD_HEAD + "\n".join(rows) + "\n"))
    assert len(reg.stations) == 3000
    for station in reg.stations[::97]:
        assert reg.resolve(station.id) is reg.resolve(f" {station.code} ") is reg.resolve(station.name) is station
        assert reg.get(station.id) is station
    assert reg.resolve("3000A") is None
    with pytest.raises(KeyError):
        reg.get("air-3000")
