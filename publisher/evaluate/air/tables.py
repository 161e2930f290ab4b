"""The air standards tables by date as polars expressions: which HJ 633 / GB 3095 table judges each
row, and its limits and validity counts."""
from __future__ import annotations

from typing import Any

import polars as pl

from publisher import standards
from publisher.errors import StandardNotFound
from publisher.periods import as_date


_AUTO = "auto"


# --------------------------------------------------------------------------------------------------
# standards tables by date
# --------------------------------------------------------------------------------------------------
def _pick(family: str, standard: str) -> standards.Standard:
    """The table of `family` labelled `standard` ("2012", "2026"), or the only one of the family."""
    tables = standards.versions(family)
    labelled = [t for t in tables if str(t.get("label", "")) == str(standard)]
    if labelled:
        return labelled[0]
    if len(tables) == 1:
        return tables[0]
    known = ", ".join(str(t.get("label", t.id)) for t in tables)
    raise StandardNotFound(f"no {family} table labelled {standard!r}; known: {known}")


def _undated_table(family: str) -> standards.Standard:
    """A table of `family` for a frame with no dated row: nothing is judged by it (it only gives the
    empty result its columns), so the most recent one is as good as any."""
    return max(standards.versions(family), key=lambda t: t.effective_from)


def _split_by_table(frame: pl.DataFrame, column: str, family: str) -> list[tuple[pl.DataFrame, standards.Standard]]:
    """`frame` split by the table id in `column` (one part per `family` table present), each part with
    its table; rows without an id (no date) go with the first part. One part when one table judges all."""
    present = [t for t in standards.versions(family) if t.id in set(frame.get_column(column).drop_nulls().unique())]
    if len(present) <= 1:
        return [(frame, present[0] if present else _undated_table(family))]
    parts = [(frame.filter(pl.col(column) == t.id), t) for t in present]
    undated = frame.filter(pl.col(column).is_null())
    if undated.height:
        parts[0] = (pl.concat([parts[0][0], undated]), parts[0][1])
    return parts


def _tables(family: str, standard: str) -> list[standards.Standard]:
    return list(standards.versions(family)) if standard == _AUTO else [_pick(family, standard)]


def _version_expr(family: str, day: pl.Expr, standard: str = _AUTO) -> pl.Expr:
    """The id of the `family` table judging each row's `day` (null when none is in force)."""
    if standard != _AUTO:
        return pl.lit(_pick(family, standard).id)
    expr: Any = None
    for table in standards.versions(family):
        cond = day >= pl.lit(table.effective_from)
        if table.effective_to is not None:
            cond = cond & (day <= pl.lit(table.effective_to))
        expr = (pl.when(cond) if expr is None else expr.when(cond)).then(pl.lit(table.id))
    return expr.otherwise(pl.lit(None, dtype=pl.String))


def _by_table(column: str, parts: dict[str, pl.Expr], dtype: pl.DataType | None = None) -> pl.Expr:
    """``parts[table id]`` on the rows whose `column` holds that id."""
    if len(parts) == 1:
        (table_id, part), = parts.items()
        return pl.when(pl.col(column) == table_id).then(part).otherwise(pl.lit(None, dtype=dtype))
    expr: Any = None
    for table_id, part in parts.items():
        cond = pl.col(column) == table_id
        expr = (pl.when(cond) if expr is None else expr.when(cond)).then(part)
    if expr is None:
        return pl.lit(None, dtype=dtype)
    return expr.otherwise(pl.lit(None, dtype=dtype))


def _check_versions(frame: pl.DataFrame, column: str, day_column: str, family: str) -> None:
    lacking = pl.col(column).is_null() & pl.col(day_column).is_not_null()
    if frame.select(lacking.any()).item():
        missing = frame.filter(lacking)
        first = missing.get_column(day_column).min()
        raise StandardNotFound(f"no {family} table in force on {first}")


def _phase_limit(table: standards.Standard, day: pl.Expr, pollutant: str, averaging: str,
                 klass: str = "class2") -> pl.Expr:
    """GB 3095 limit of `pollutant`/`averaging` in the phase of `table` covering `day`."""
    phases = table["phases"]
    expr: Any = None
    for phase in phases[:-1]:
        cond = day <= pl.lit(as_date(phase["to"]))
        value = phase[klass][pollutant].get(averaging)
        expr = (pl.when(cond) if expr is None else expr.when(cond)).then(pl.lit(value, dtype=pl.Float64))
    last = pl.lit(phases[-1][klass][pollutant].get(averaging), dtype=pl.Float64)
    return last if expr is None else expr.otherwise(last)


def _limit_expr(day: pl.Expr, gb_version: str, pollutant: str, averaging: str, standard: str) -> pl.Expr:
    """Class-2 GB 3095 limit [μg/m³; CO mg/m³] in force on `day` (table id in column `gb_version`)."""
    return _by_table(gb_version, {t.id: _phase_limit(t, day, pollutant, averaging)
                                  for t in _tables("gb3095", standard)}, pl.Float64)


def _gb_value(gb_version: str, key: str, standard: str) -> pl.Expr:
    return _by_table(gb_version, {t.id: pl.lit(t["validity"][key]) for t in _tables("gb3095", standard)},
                     pl.Int64)
