"""The water item catalogue, printed values and the evaluation rules' table."""
from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from functools import lru_cache
from typing import Any

import polars as pl

from publisher import rounding, standards


SAMPLE_SCHEMA = {"station_id": pl.String, "sampled_at": pl.Datetime("us"), "item": pl.String,
                 "value": pl.Float64, "below_dl": pl.Boolean, "waterbody_type": pl.String}


# --------------------------------------------------------------------------------------------- catalogue
def catalogue() -> dict[str, dict[str, Any]]:
    """The water item catalogue (``water-items.yaml``) by code."""
    return standards.catalogue("water-items")


def item_name(code: str) -> str:
    """The Chinese name reports print for an item code (the code itself when unknown)."""
    return catalogue().get(code, {}).get("name_zh", code)


# --------------------------------------------------------------------------------------------- display
def _plain(value: float) -> str:
    """A float as plain decimal text, no exponent, no trailing zeros (0.00005 -> '0.00005')."""
    text = format(Decimal(repr(float(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_value(value: float | None, below_dl: bool = False, decimals: int | None = None) -> str:
    """A measured value as reports print it: ``0.01L`` below the detection limit, '' when missing.

    Below-DL values are printed as their detection limit followed by ``L`` (HJ/T 91), unrounded. Other
    values are rounded half-even to `decimals` when given, else printed as they are. Never invents a number.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if below_dl:
        return _plain(value) + "L"
    if decimals is None:
        return _plain(value)
    return f"{rounding.half_even(value, decimals):.{decimals}f}"


def report_decimals(code: str, on: dt.date | None = None) -> int | None:
    """Decimals of an item's evaluation value (环办监测函〔2020〕82号 as encoded; single source), or None."""
    rules = standards.in_force("water_eval", on or dt.date.today())
    return rules["report_decimals"]["items"].get(code)


# --------------------------------------------------------------------------------------------- limits
def _day(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _table_id(family: str, day: dt.date) -> str | None:
    table = standards.in_force_or_none(family, day)
    return None if table is None else table.id


@standards.on_reload
@lru_cache(maxsize=1)
def _eval_rules_any() -> standards.Standard:
    """The latest water_eval table (for rules that are the same in every version, e.g. exceedance)."""
    return standards.versions("water_eval")[-1]
