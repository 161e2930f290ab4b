"""The disclosure metadata every item carries (索引号, 发布机构, 发文日期, 发布日期, 主题分类, 有效性):
printed on its page, written to the JSON index and sent with the upload to the portal.

索引号 are allocated once per item (kind, period, area) in the ledger's ``disclosure_numbers``
table, by the scheme of ``site.yaml`` (:mod:`publisher.publishing.site.config`); the year is the
year (Beijing time) of the allocation, that is of the first publication; the sequence of a year is
one more than the largest ever given that year, so a number is never given twice, even after a
withdrawal. A correction keeps the item's number.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from publisher.paths import Workspace
from publisher.publishing.site import columns, ledger
from publisher.publishing.site.config import SiteConfig, load
from publisher.store import Store

BEIJING = dt.timezone(dt.timedelta(hours=8))


def subject(kind: str, period: str, area: str | None) -> str:
    return f"{kind}/{period}" + (f"/{area}" if area else "")


def number(ws: Workspace, kind: str, period: str, area: str | None, config: SiteConfig | None = None,
           when: dt.datetime | None = None) -> str:
    """The item's 索引号, allocated now when it has none (one transaction under the store lock)."""
    config = config or load(ws)
    key = subject(kind, period, area)
    store = Store(ws)
    with ledger.write(store) as conn:
        row = conn.execute("SELECT index_no FROM disclosure_numbers WHERE subject=?", (key,)).fetchone()
        if row is not None:
            return str(row["index_no"])
        year = (when or dt.datetime.now(dt.timezone.utc)).astimezone(BEIJING).year
        seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM disclosure_numbers WHERE year=?",
                           (year,)).fetchone()[0]
        index_no = config.index_number(year, seq, columns.column_of(kind).id)
        while conn.execute("SELECT 1 FROM disclosure_numbers WHERE index_no=?", (index_no,)).fetchone():
            seq += 1                      # a changed scheme must never give out a number again
            index_no = config.index_number(year, seq, columns.column_of(kind).id)
        conn.execute("INSERT INTO disclosure_numbers (subject, kind, year, seq, index_no, allocated_at)"
                     " VALUES (?,?,?,?,?,?)", (key, kind, year, seq, index_no, ledger.now()))
        return index_no


def numbers(ws: Workspace) -> dict[str, str]:
    """subject -> 索引号 of every item that has one."""
    return {r["subject"]: r["index_no"] for r in ledger.rows(Store(ws), "SELECT subject, index_no FROM disclosure_numbers")}


def metadata(ws: Workspace, kind: str, period: str, area: str | None, issued: str | None,
             published_at: str | None, config: SiteConfig | None = None, validity: str | None = None) -> dict[str, Any]:
    """The disclosure metadata of an item (allocating its 索引号 when needed)."""
    config = config or load(ws)
    return {
        "index_no": number(ws, kind, period, area, config),
        "institution": config.institution,
        "issued": issued,                                   # 发文日期 (the bulletin's issue date)
        "published": _beijing_date(published_at),          # 发布日期 (the first publication)
        "topic": columns.column_of(kind).topic,
        "validity": validity or config.validity,
    }


def _beijing_date(text: str | None) -> str | None:
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return text[:10]
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(BEIJING).date().isoformat()


LABELS = (("index_no", "索引号"), ("institution", "发布机构"), ("issued", "发文日期"), ("published", "发布日期"),
          ("topic", "主题分类"), ("validity", "有效性"))
