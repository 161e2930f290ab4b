"""What differs between the city (monthly) and county (quarterly) source bulletins."""
from __future__ import annotations

from dataclasses import dataclass


KIND = "water-sources"
TEMPLATE = "water_sources.html"

#: How many items the trend charts follow.
TREND_ITEMS = 3


@dataclass(frozen=True)
class Scope:
    """What differs between the city (monthly) and county (quarterly) source bulletins."""

    kind: str
    template: str
    station_kinds: tuple[str, ...]
    unit: str                # month | quarter (the Period unit and the period_values period)
    scope_zh: str            # 中心城市 / 县级
    this_zh: str             # 本月 / 本季度
    prev_zh: str             # 上月 / 上季度
    history: int             # how many periods the trend charts cover (13 months / 5 quarters)
    volume_zh: str = "取水量（万吨）"
    volume_sentence: str = "{this}取水总量{total}万吨，达标水量{ok}万吨，水量达标率为{rate}。"


CITY = Scope(kind=KIND, template=TEMPLATE, station_kinds=("city_source",), unit="month",
             scope_zh="中心城市", this_zh="本月", prev_zh="上月", history=13)

#: 取水量 from the water suppliers (the period's actual intake) or, failing that, the registry's value
REPORTED, REGISTRY = "reported", "registry"
