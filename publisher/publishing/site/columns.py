"""The site's columns (栏目) and which bulletin kinds each one holds: one table, so that a new kind is
one entry in :data:`KIND_COLUMN` (and a new column one entry in :data:`COLUMNS`).

A column with nothing published shows so honestly (“本栏目暂无已发布的信息”); a kind that is not in
the table is not left out: it goes to the column ``other`` (其他公开信息), which appears only then.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    id: str            # the folder below output/site/ (ASCII, stable: it is part of every public URL)
    name: str          # 栏目名称
    topic: str         # 主题分类 printed in the disclosure metadata of its items
    description: str


#: the columns, in the order of the site's navigation
COLUMNS: tuple[Column, ...] = (
    Column("drinking-water", "饮用水水源", "生态环境／水环境", "城市和县级集中式生活饮用水水源水质状况"),
    Column("surface-water", "地表水", "生态环境／水环境", "主要河流（湖库）国控、省控断面水质状况"),
    Column("air", "环境空气", "生态环境／大气环境", "环境空气质量月报和空气质量日报"),
    Column("annual", "年度公报", "生态环境／综合", "生态环境状况年度公报"),
    Column("pollution-sources", "污染源监督性监测", "生态环境／污染源监管", "重点排污单位监督性监测结果"),
    Column("disclosure-report", "政府信息公开年报", "政务公开／政府信息公开年报", "政府信息公开工作年度报告"),
)
OTHER = Column("other", "其他公开信息", "生态环境／其他", "其他已发布的信息")

#: bulletin kind -> (column id, the section of the column it is listed under)
KIND_COLUMN: dict[str, tuple[str, str]] = {
    "water-sources": ("drinking-water", "城市集中式生活饮用水水源"),
    "water-sources-county": ("drinking-water", "县级集中式生活饮用水水源"),
    "water-sections": ("surface-water", "国控、省控断面水质"),
    "air-monthly": ("air", "月报"),
    "air-daily": ("air", "日报"),
    "annual": ("annual", "年度公报"),
    "supervisory": ("pollution-sources", "监督性监测季报"),
    "disclosure-report": ("disclosure-report", "政府信息公开年报"),
}

_BY_ID = {c.id: c for c in (*COLUMNS, OTHER)}


def column_of(kind: str) -> Column:
    """The column that lists bulletins of `kind` (:data:`OTHER` for a kind not in the table)."""
    entry = KIND_COLUMN.get(kind)
    return _BY_ID[entry[0]] if entry else OTHER


def section_of(kind: str) -> str:
    entry = KIND_COLUMN.get(kind)
    return entry[1] if entry else kind


def by_id(column_id: str) -> Column:
    return _BY_ID[column_id]
