"""Values and times as written in Chinese monitoring reports, parsed column-wise with polars.

Value forms (after trimming, full-width characters made half-width):

=================  =============================================================
``0.052``          a number (``+``/``-`` sign and exponent allowed)
``0.02L``          below the detection limit 0.02 (``below_dl``; the value is the limit)
``<0.02``          the same (``＜0.02`` and ``<0.02L`` too)
``ND``, ``未检出``  below the detection limit; the limit comes from a detection-limit column,
                   or from ``ND(0.02)`` / ``未检出(0.02)``; without one the value is null and a
                   warning says so
blank              not measured
``--`` ``—`` ``-`` ``NA`` ``N/A`` ``-;``  the platform's "no value"
``/``              not measured because it is not in the station's plan (``not_monitored`` in air)
=================  =============================================================

Anything else is ``non_numeric``; text starting with ``= + - @`` that is not a number is
``formula_cell``.
"""
from __future__ import annotations

import datetime as dt

import polars as pl

_FW_FROM = ["０", "１", "２", "３", "４", "５", "６", "７", "８", "９", "．", "＜", "－", "（", "）", "：", "／", "　",
            "Ｌ", "ｌ", "＋", "＝", "＠", "Ｔ"]
_FW_TO = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", ".", "<", "-", "(", ")", ":", "/", " ",
          "L", "l", "+", "=", "@", "T"]

NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
MISSING_TOKENS = ["--", "---", "—", "——", "-", "na", "n/a", "nan", "null", "-;", "无数据", "缺测", "–"]
ND_TOKENS = r"(?i)^(?:nd|n\.d\.?|未检出|未检测出|低于检出限)"

#: status values of a parsed cell
NUMERIC, BELOW_DL, BLANK, MISSING, NOT_MONITORED, BAD, FORMULA = (
    "number", "below_dl", "blank", "missing", "not_monitored", "bad", "formula")


def clean(expr: pl.Expr) -> pl.Expr:
    """Trimmed text with full-width digits and signs made half-width."""
    return expr.cast(pl.String).str.replace_many(_FW_FROM, _FW_TO).str.strip_chars()


def parse_values(raw: pl.Expr, dl: pl.Expr | None = None) -> pl.Expr:
    """A struct ``{value: Float64, below_dl: Boolean, status: String}`` for each raw cell.

    `dl`, when given, is the detection-limit column (raw text) used for ``ND``/``未检出``.
    """
    s = clean(raw)
    low = s.str.to_lowercase()
    number = s.str.extract(rf"^({NUMBER})$", 1).cast(pl.Float64, strict=False)
    l_form = s.str.extract(rf"^<?\s*({NUMBER})\s*[Ll]$", 1).cast(pl.Float64, strict=False)
    lt_form = s.str.extract(rf"^<=?\s*({NUMBER})$", 1).cast(pl.Float64, strict=False)
    nd_limit = s.str.extract(rf"{ND_TOKENS}\s*\(\s*<?\s*({NUMBER})\s*[Ll]?\s*\)$", 1).cast(pl.Float64, strict=False)
    is_nd = s.str.contains(rf"{ND_TOKENS}(?:\s*\(.*\))?$")
    dl_value = (parse_values(dl).struct.field("value") if dl is not None else pl.lit(None, pl.Float64))
    below_value = pl.coalesce(l_form, lt_form, nd_limit, dl_value)
    status = (
        pl.when(s.is_null() | (s == "")).then(pl.lit(BLANK))
        .when(number.is_not_null()).then(pl.lit(NUMERIC))
        .when(s == "/").then(pl.lit(NOT_MONITORED))
        .when(low.is_in(MISSING_TOKENS)).then(pl.lit(MISSING))
        .when(l_form.is_not_null() | lt_form.is_not_null() | is_nd).then(pl.lit(BELOW_DL))
        .when(s.str.contains(r"^[=+\-@]")).then(pl.lit(FORMULA))
        .otherwise(pl.lit(BAD))
    )
    value = pl.when(status == NUMERIC).then(number).when(status == BELOW_DL).then(below_value)
    return pl.struct(value=value.otherwise(None), below_dl=(status == BELOW_DL), status=status)


def parse_times(raw: pl.Expr) -> pl.Expr:
    """``Datetime("us")`` from the usual ways of writing a time; null when it cannot be read.

    Accepted: ``2026-05-08 10:00[:00]``, ``2026/5/8 10:00``, ``2026-05-08T10:00``, ``2026-05-08T1000``
    (national feed), ``2026年5月8日 10时``, ``2026-05-08`` (midnight), ``20260508``, ``2026050810``;
    hour ``24:00`` is midnight of the next day.
    """
    s = clean(raw)
    s = (s.str.replace_all(r"[年月/.]", "-").str.replace_all("日", " ").str.replace_all(r"时|点", ":")
         .str.replace_all("分", "").str.replace_all("秒", "").str.strip_chars(" :"))
    long = s.str.extract_groups(
        r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:(?:[ T]+)(?P<h>\d{1,2})(?::?(?P<mi>\d{2}))?(?::(?P<s>\d{2})(?:-\d+)?)?)?$")
    compact = s.str.extract_groups(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?P<h>\d{2})?(?P<mi>\d{2})?$")

    def field(name: str) -> pl.Expr:
        if name == "s":
            return long.struct.field("s")
        return pl.coalesce(long.struct.field(name), compact.struct.field(name))

    hour = field("h").fill_null("0").cast(pl.Int32, strict=False)
    minute = field("mi").fill_null("0").cast(pl.Int32, strict=False)
    second = field("s").fill_null("0").cast(pl.Int32, strict=False)
    iso = pl.concat_str(
        field("y"), pl.lit("-"), field("m").str.zfill(2), pl.lit("-"), field("d").str.zfill(2), pl.lit(" "),
        pl.when(hour == 24).then(0).otherwise(hour).cast(pl.String).str.zfill(2), pl.lit(":"),
        minute.cast(pl.String).str.zfill(2), pl.lit(":"), second.cast(pl.String).str.zfill(2))
    parsed = iso.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False)
    ok = (hour <= 24) & ((hour < 24) | ((minute == 0) & (second == 0)))
    return pl.when(ok).then(pl.when(hour == 24).then(parsed + pl.duration(days=1)).otherwise(parsed))


def beijing_now() -> dt.datetime:
    """The current Beijing time, naive."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(hours=8)
