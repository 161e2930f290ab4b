"""One vocabulary: the words and codes every layer shares, each defined once.

* :mod:`publisher.vocabulary.water` — water-quality classes (numbers, printed labels, every accepted
  spelling), water-body types, drinking-water source types, section levels.
* :mod:`publisher.vocabulary.air` — pollutant and indicator codes in report order, their Chinese names,
  Unicode symbols, HTML, ASCII (CSV notes) and units, averaging names, AQI level numbers.
* here — station kinds and the label sample data carry.

Words only: no threshold and no rule of a standard lives here (those are dated tables of
:mod:`publisher.standards`); a list that a standard fixes (the classes of GB 3838, the six AQI levels)
is checked against the standards tables by the tests.
"""
from __future__ import annotations

#: What sample (demonstration) files, rows and pages say of themselves; sample files are named
#: ``样例数据_…`` (the generator in ``publisher/demo/sample.py`` and the bulletins' banners).
SAMPLE_LABEL = "样例数据"
SAMPLE_PREFIX = f"{SAMPLE_LABEL}_"

#: Station kinds of the registry and their Chinese names.
STATION_KINDS: dict[str, str] = {
    "city_source": "城市集中式生活饮用水水源",
    "county_source": "县级集中式生活饮用水水源",
    "national_section": "国控断面",
    "provincial_section": "省控断面",
    "lake_point": "湖库点位",
    "air_station": "空气质量监测站点",
    "noise_zone_point": "声环境功能区监测点位",
    "noise_road_point": "道路交通声环境监测点位",
    "noise_grid_point": "区域声环境监测点位",
}
#: The kinds of data file the ingest tells apart (the ledger's ``files.kind``) and their Chinese names.
FILE_KINDS: dict[str, str] = {
    "air": "空气质量监测数据",
    "water": "水质监测数据",
    "intake": "水源取水量",
    "forecast": "空气质量预报",
    "noise": "声环境监测数据",
    "supervisory": "监督性监测数据",
}
AIR_KINDS: frozenset[str] = frozenset({"air_station"})
SOURCE_KINDS: frozenset[str] = frozenset({"city_source", "county_source"})
SECTION_KINDS: frozenset[str] = frozenset({"national_section", "provincial_section", "lake_point"})
WATER_KINDS: frozenset[str] = SOURCE_KINDS | SECTION_KINDS
#: noise monitoring points (GB 3096 functional zones, HJ 640 road traffic and regional grid)
NOISE_KINDS: frozenset[str] = frozenset({"noise_zone_point", "noise_road_point", "noise_grid_point"})
