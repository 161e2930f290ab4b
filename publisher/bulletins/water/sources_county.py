"""县级集中式生活饮用水水源水质状况 (quarterly): the county-level drinking-water sources.

The same assembly as the city bulletin (:func:`publisher.bulletins.water.sources.assemble_sources`) over
the registry's ``county_source`` stations, evaluated on quarterly values (环办〔2011〕22号: the mean of the
quarter's samplings, ½ DL for results below the detection limit), with the rates also given by county. The
水量达标率 weighs each source by the quarter's actual intake the water suppliers reported (a quarterly figure, or
its three months).
"""
from __future__ import annotations

from publisher.bulletins.base import Bulletin, Job
from publisher.bulletins.water.sources import Scope, assemble_sources

KIND = "water-sources-county"
TEMPLATE = "water_sources_county.html"

COUNTY = Scope(kind=KIND, template=TEMPLATE, station_kinds=("county_source",),
               unit="quarter", scope_zh="县级", this_zh="本季度", prev_zh="上季度", history=5)


def assemble(job: Job) -> Bulletin:
    return assemble_sources(job, COUNTY)
