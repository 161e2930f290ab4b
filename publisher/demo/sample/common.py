"""The sample's window, seed and label, and the small helpers every writer uses (seeded generators, months, number text)."""
from __future__ import annotations

import datetime as dt
import zlib

import numpy as np
import yaml

from publisher import vocabulary
from publisher.demo.sample.levels import PRIORITY_33
from publisher.errors import InputError
from publisher.paths import PACKAGE_DIR, SAMPLE_FEEDS


WINDOW = ("2025-01", "2026-10")
#: the months added in front of the first window (2025-08 .. 2026-10): drawn from generators of their own
EARLY = ("2025-01", "2025-07")
SEED = 20250801
LABEL = vocabulary.SAMPLE_LABEL
PREFIX = vocabulary.SAMPLE_PREFIX
REAL_AIR = SAMPLE_FEEDS / "air_cnemc_seed_cities_2026.csv.gz"
#: The same feed for the 43 national stations of the 16 州（市） of 云南省 (保山's ranking group).
REAL_AIR_YUNNAN = SAMPLE_FEEDS / "air_cnemc_yunnan_2026.csv.gz"
#: The real feeds copied next to the sample files, with their row counts.
REAL_AIR_FILES = ((REAL_AIR, 133444), (REAL_AIR_YUNNAN, 150817))
ITEMS_FILE = PACKAGE_DIR / "standards" / "data" / "water-items.yaml"
GB3838_FILE = PACKAGE_DIR / "standards" / "data" / "gb3838-2002.yaml"
GB14848_FILE = PACKAGE_DIR / "standards" / "data" / "gb14848-2017.yaml"


def _rng(*parts: object) -> np.random.Generator:
    """A generator seeded from SEED and the given parts (stable across runs and Python versions)."""
    key = "|".join(str(p) for p in parts).encode("utf-8")
    return np.random.default_rng([SEED, zlib.crc32(key)])


def _months(start: str, end: str) -> list[str]:
    y, m = map(int, start.split("-"))
    ey, em = map(int, end.split("-"))
    out = []
    while (y, m) <= (ey, em):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _check_month(text: str) -> str:
    try:
        day = dt.date.fromisoformat(f"{text}-01")
    except ValueError as exc:
        raise InputError(f"month {text!r}: write it as YYYY-MM") from exc
    return f"{day.year:04d}-{day.month:02d}"


def _fmt(value: float, decimals: int) -> str:
    if decimals < 0:  # counts: whole numbers, two significant figures like lab reports
        return f"{int(float(f'{value:.2g}'))}"
    return f"{value:.{decimals}f}"


def _dl_text(dl: float) -> str:
    return np.format_float_positional(dl, trim="-") + "L"


def _catalogue() -> dict[str, dict]:
    items = yaml.safe_load(ITEMS_FILE.read_text(encoding="utf-8"))["items"]
    return {item["code"]: item for item in items}


def _priority_33() -> list[str]:
    try:
        doc = yaml.safe_load(GB3838_FILE.read_text(encoding="utf-8"))
        found = _find_key(doc, "priority_33")
        if isinstance(found, dict) and len(found.get("items") or []) == 33:
            return list(found["items"])
    except (OSError, yaml.YAMLError):
        pass
    return list(PRIORITY_33)


def _find_key(node: object, key: str) -> object:
    if isinstance(node, dict):
        if key in node:
            return node[key]
        for value in node.values():
            found = _find_key(value, key)
            if found is not None:
                return found
    return None


def _header(item: dict) -> str:
    """Chinese column header ``名称(单位)``, without a unit for dimensionless items."""
    name, unit = item["name_zh"], item["unit"]
    return name if unit in ("无量纲", "", None) else f"{name}({unit})"


def _gbk_safe(text: str) -> str:
    return text.replace("³", "3").replace("µ", "μ")
