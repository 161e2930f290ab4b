"""The hostile corpus: files a bureau's inbox really receives, each with the error code it must get.

Generated (not committed as binaries) so that every file is small, reviewable and reproducible:
``build(folder)`` writes them and returns ``{file name: expected error code}``.
Stations are those of the shipped stations.yaml (air-2594A, src-beimiao).
"""
from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

AIR_HEAD = "station_id,time,so2,no2,co,o3,pm10,pm2_5\n"
WATER_HEAD = "断面名称,采样时间,水体类型,氨氮(mg/L),pH值,总磷(mg/L)\n"


def _air(rows: list[str]) -> str:
    return AIR_HEAD + "".join(r + "\n" for r in rows)


def build(folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    cases: dict[str, str] = {}

    def put(name: str, content: str | bytes, code: str) -> None:
        (folder / name).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        cases[name] = code

    ok = "air-2594A,2026-05-01 01:00,5,10,0.5,60,40,20"
    put("empty.csv", b"", "empty_file")
    put("only-spaces.csv", "  \n\n", "empty_file")
    put("binary-renamed.csv", b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 4, "binary_file")
    put("pdf-renamed.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "binary_file")
    put("nul-bytes.csv", b"station_id,time\x00\x00\x00", "binary_file")
    put("latin1.csv", ("station_id,time,so2\n" + "x,2026-05-01 01:00,5\n").encode("utf-8") + b"\xff\xfe\xfa\xfb\x80",
        "bad_encoding")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "not a workbook")
        z.writestr("data.csv", AIR_HEAD)
    put("zip-not-xlsx.xlsx", buf.getvalue(), "bad_workbook")
    put("text-as-xlsx.xlsx", _air([ok.replace(",5,", ",7,")]), "bad_workbook")
    put("truncated.xlsx", b"PK\x03\x04" + b"\x00" * 40, "bad_workbook")
    put("no-header.csv", "a,b,c\n1,2,3\n", "no_header")
    put("bad-header-items.csv", "station_id,time,so2,xyz_unknown(mg/L)\nair-2594A,2026-05-01 01:00,5,1\n",
        "unknown_item")
    put("unknown-station.csv", _air(["air-9999Z,2026-05-01 01:00,5,10,0.5,60,40,20"]), "unknown_station")
    put("wrong-kind.csv", _air(["src-beimiao,2026-05-01 01:00,5,10,0.5,60,40,20"]), "wrong_station_kind")
    put("bad-time.csv", _air(["air-2594A,2026-13-45 01:00,5,10,0.5,60,40,20"]), "bad_time")
    put("missing-time.csv", _air(["air-2594A,,5,10,0.5,60,40,20"]), "missing_time")
    put("missing-station.csv", _air([",2026-05-01 01:00,5,10,0.5,60,40,20"]), "missing_station")
    put("future-time.csv", _air(["air-2594A,2099-05-01 01:00,5,10,0.5,60,40,20"]), "future_time")
    put("duplicate-conflict.csv", _air([ok, "air-2594A,2026-05-01 01:00,6,10,0.5,60,40,20"]), "duplicate_conflict")
    put("non-numeric.csv", _air(["air-2594A,2026-05-01 01:00,五,10,0.5,60,40,20"]), "non_numeric")
    put("negative.csv", _air(["air-2594A,2026-05-01 01:00,-5,10,0.5,60,40,20"]), "negative_value")
    put("ph-out-of-range.csv", WATER_HEAD + "北庙水库,2026-05-08,湖库,0.2,15.2,0.01\n", "impossible_value")
    put("bad-unit.csv", "断面名称,采样时间,氨氮(kg),pH值\n北庙水库,2026-05-08,0.2,7.1\n", "bad_unit")
    put("unknown-item-long.csv", "点位名称,监测时间,监测项目,监测值,单位\n北庙水库,2026-05-08,氨蛋,0.2,mg/L\n",
        "unknown_item")
    put("formula.csv", _air(["=HYPERLINK(\"http://x\"),2026-05-01 01:00,5,10,0.5,60,40,20"]), "formula_cell")
    put("formula-value.csv", _air(["air-2594A,2026-05-01 01:00,@SUM(A1),10,0.5,60,40,20"]), "formula_cell")
    put("mixed-kinds.csv", "station_id,time,so2,氨氮(mg/L)\nair-2594A,2026-05-01 01:00,5,0.2\n", "mixed_kinds")
    put("bad-waterbody.csv", WATER_HEAD.replace("断面名称", "断面名称") + "北庙水库,2026-05-08,海洋,0.2,7.2,0.01\n",
        "bad_layout_value")
    put("notes.docx", b"PK\x03\x04", "unknown_file_type")
    put("..\\..\\outside.csv", _air([ok]), "bad_file_name")
    put("-rf.csv", _air([ok]), "bad_file_name")
    put("a\x07bell.csv", _air([ok]), "bad_file_name")
    put("gzip-broken.csv.gz", b"\x1f\x8b\x08\x00garbage", "binary_file")
    # 100,000 rows, one bad cell near the end: found, reported with its row, the file rejected whole
    rows = [f"air-2594A,{2020 + i // 8760}-01-01 00:00,5,10,0.5,60,40,20" for i in range(0)]
    lines = [AIR_HEAD]
    import datetime as dt
    t0 = dt.datetime(2014, 1, 1, 1)
    for i in range(100_000):
        t = t0 + dt.timedelta(hours=i)
        value = "bad" if i == 99_990 else str(5 + i % 7)
        lines.append(f"air-2594A,{t:%Y-%m-%d %H:%M},{value},10,0.5,60,40,20\n")
    put("large-100k.csv", "".join(lines), "non_numeric")
    del rows
    put("large-100k-gz.csv.gz", gzip.compress("".join(lines).encode()), "non_numeric")
    return cases
