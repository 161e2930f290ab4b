"""The water item catalogue, printed values and the evaluation rules' table."""
from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from collections.abc import Iterator, Mapping
from typing import Any

import polars as pl

from publisher import rounding, standards
from publisher.errors import StandardNotFound


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


def report_decimals(code: str, on: dt.date | dt.datetime) -> int | None:
    """Decimals of an item's evaluation value (环办监测函〔2020〕82号 as encoded; single source) under the rules
    judging day `on`, or None."""
    return _eval_rules(on)["report_decimals"]["items"].get(code)


# --------------------------------------------------------------------------------------------- limits
def _day(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _table_id(family: str, day: dt.date) -> str | None:
    table = standards.in_force_or_none(family, day)
    return None if table is None else table.id


class _EarlierData(Mapping):
    """The blocks of the first ``water_eval`` table that its ``meta.earlier_data.blocks`` extends to data
    older than the table (:func:`publisher.standards.rule`); any other block is refused."""

    def __init__(self, day: dt.date):
        self.day = day
        first = min(standards.versions("water_eval"), key=lambda t: t.effective_from)
        self.id = first.id
        self._blocks = tuple((first["meta"].get("earlier_data") or {}).get("blocks") or ())

    def __getitem__(self, block: str) -> Any:
        return standards.rule("water_eval", self.day, block)

    def __iter__(self) -> Iterator[str]:
        return iter(self._blocks)

    def __len__(self) -> int:
        return len(self._blocks)


class _Common(Mapping):
    """The ``water_eval`` blocks without a day: each must be the same in every version (:func:`_eval_block`)."""

    def __getitem__(self, block: str) -> Any:
        return _eval_block(block, None)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted({k for t in standards.versions("water_eval") for k in t.data if k != "meta"}))

    def __len__(self) -> int:
        return len(list(iter(self)))


def _eval_rules(on: dt.date | dt.datetime | None) -> Mapping[str, Any]:
    """The ``water_eval`` rules judging data of day `on`: the table in force, or for data older than the
    first table the blocks it extends to them (``meta.earlier_data``); without a day, the blocks that are
    the same in every version."""
    if on is None:
        return _Common()
    day = _day(on)
    table = standards.in_force_or_none("water_eval", day)
    return table if table is not None else _EarlierData(day)


def _frame_day(frame: pl.DataFrame, column: str = "sampled_at") -> dt.date | None:
    """The last day of a frame's data (None when it has no dated row)."""
    if column not in frame.columns or frame.height == 0:
        return None
    last = frame.get_column(column).max()
    return None if last is None else _day(last)


def _eval_block(block: str, on: dt.date | dt.datetime | None) -> Any:
    """Block `block` of the rules judging day `on`. Without a day (a scalar call, or a frame without dated
    rows) the block must be the same in every ``water_eval`` table, else StandardNotFound asks for the day."""
    if on is not None:
        return _eval_rules(on)[block]
    found = [t.get(block) for t in standards.versions("water_eval")]
    if any(f != found[0] for f in found):
        raise StandardNotFound(f"water_eval › {block} differs between versions: give the day of the data (on=…)")
    return found[0]
