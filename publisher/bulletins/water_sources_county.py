"""县级集中式生活饮用水水源水质状况 (quarterly): the county-level drinking-water sources.

The same assembly as the city bulletin (:func:`publisher.bulletins.water_sources.assemble_sources`) over
the registry's ``county_source`` stations, evaluated on quarterly values (环办〔2011〕22号: the mean of the
quarter's samplings, ½ DL for results below the detection limit), with the rates also given by county.
"""
from __future__ import annotations

from publisher.bulletins.base import Bulletin, Job
from publisher.bulletins.water_sources import Scope, assemble_sources

KIND = "water-sources-county"
TITLE_ZH = "县级集中式生活饮用水水源水质状况"
CADENCE = "quarterly"
TEMPLATE = "water_sources_county.html"

COUNTY = Scope(kind=KIND, title_zh=TITLE_ZH, template=TEMPLATE, station_kinds=("county_source",),
               unit="quarter", scope_zh="县级", this_zh="本季度", prev_zh="上季度", history=5,
               volume_zh="月取水量（万吨）",
               volume_sentence="按各水源月取水量计，监测水源取水量合计{total}万吨，其中达标水源{ok}万吨，"
                               "水量达标率为{rate}。")


def assemble(job: Job) -> Bulletin:
    return assemble_sources(job, COUNTY)
