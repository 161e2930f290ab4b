"""Display colours shared by the pages and the charts, and the pollutants' display names: plain data and
one colour rule, no matplotlib (a bulletin assembling its page imports this, not the chart machinery)."""
from __future__ import annotations

from publisher.vocabulary import air as vocabulary_air

#: Conventional display colours of the water-quality classes (as used on national water-quality
#: pages). GB 3838-2002 defines no colours, so these are a presentation choice; pass ``colours=``
#: to use others.
WATER_CLASS_COLOURS: dict[str, str] = {
    "Ⅰ": "#CCFFFF",
    "Ⅱ": "#00CCFF",
    "Ⅲ": "#00FF00",
    "Ⅳ": "#FFFF00",
    "Ⅴ": "#FF9B00",
    "劣Ⅴ": "#FF0000",
}

INK = "#1a1a1a"
MUTED = "#595959"
GRID = "#d9d9d9"
SPINE = "#8c8c8c"
ACCENT = "#2f5f8f"
ACCENT_LIGHT = "#a9bfd6"
LIMIT = "#c00000"
MISSING = "#d9d9d9"
SERIES = ("#2f5f8f", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e9fbf", "#843c0c", "#7f7f7f", "#c00000", "#375623")

#: Display names and units of the pollutant codes of the architecture contract.
POLLUTANTS: dict[str, tuple[str, str]] = {
    code: (vocabulary_air.LABEL[code], vocabulary_air.UNIT[code])
    for code in ("so2", "no2", "pm10", "pm2_5", "co", "o3", "o3_8h", "o3_1h")}

WEEKDAYS_ZH = ("一", "二", "三", "四", "五", "六", "日")


def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def text_colour(background: str) -> str:
    """Black or white, whichever reads better on `background` (a ``#RRGGBB`` colour)."""
    return INK if _luminance(background) > 0.22 else "white"
