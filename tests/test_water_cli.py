"""``publisher evaluate water`` end to end: English, Chinese and GBK files, registry and unknown stations,
and the real national automatic-station file."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.cli import cli

DATA = Path(__file__).resolve().parent / "data"
REF = DATA / "reference"  # copies, see tests/data/README.md
CONTRACT = ["station_id", "sampled_at", "water_class", "status", "target_class", "compliant", "main_pollutants"]


def run(tmp_path, *files, extra=()):
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["evaluate", "water", *map(str, files), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return rows, {r["station_id"]: r for r in rows}


def test_english_wide_csv(tmp_path):
    rows, by_id = run(tmp_path, DATA / "water_cli_en.csv")
    assert list(rows[0])[:7] == CONTRACT
    # 东河河图: national, target Ⅳ, X = cod, bod5, petroleum. COD 24 is Ⅳ (20 < 24 <= 30), the worst of 5+X;
    # compliant with Ⅳ; main pollutant COD, multiple vs Ⅲ: 24/20 − 1 = 0.2. TN 2.1 and fecal coliform are
    # reference items.
    hetu = by_id["sec-donghe-hetu"]
    assert (hetu["water_class"], hetu["status"], hetu["target_class"], hetu["compliant"]) == ("Ⅳ", "轻度污染", "Ⅳ", "true")
    assert hetu["main_pollutants"] == "化学需氧量/0.2" and hetu["assessment"] == "national"
    # 怒江双虹桥: national, X = bod5, fluoride; COD 10 is not in its 5+X; TP 0.05 river Ⅱ -> Ⅱ 优, target Ⅱ met
    shuanghong = by_id["sec-nujiang-shuanghong"]
    assert (shuanghong["water_class"], shuanghong["status"], shuanghong["compliant"]) == ("Ⅱ", "优", "true")
    assert shuanghong["main_pollutants"] == ""
    # unknown station, waterbody_type given in the file: evaluated, no target.
    # DO 3.5 Ⅳ; CODMn 6.5 Ⅳ (6.5/6 − 1 = 0.08 -> 0.1); NH3-N 2.4 劣Ⅴ (1.4); TP 0.35 Ⅴ (0.75 -> 0.8)
    unknown = by_id["X-unknown-1"]
    assert (unknown["water_class"], unknown["target_class"], unknown["compliant"]) == ("劣Ⅴ", "", "")
    assert unknown["main_pollutants"] == "氨氮/1.4、总磷/0.8、高锰酸盐指数/0.1"
    # unknown station without waterbody_type: kept, not classified, with a note
    assert by_id["X-unknown-2"]["water_class"] == "" and by_id["X-unknown-2"]["notes"]


@pytest.mark.parametrize("name", ["water_cli_zh.csv", "water_cli_zh_gbk.csv"])
def test_chinese_headers_utf8_and_gbk(tmp_path, name):
    rows, by_id = run(tmp_path, DATA / name)
    assert len(rows) == 3
    # names resolved through the registry: 东河河图 -> sec-donghe-hetu; 北海湖湖心 -> lake-beihai-center
    assert by_id["sec-donghe-hetu"]["water_class"] == "Ⅳ"
    lake = by_id["lake-beihai-center"]
    # lake TP 0.05 is Ⅲ (lake row); TN 1.0 Ⅲ reported separately; TLI 48.0 中营养 (worked in test_water_evaluate)
    assert (lake["water_class"], lake["status"], lake["tn_class"], lake["tli"], lake["trophic_state"]) == \
        ("Ⅲ", "良好", "Ⅲ", "48.0", "中营养")
    assert by_id["某外来断面"]["water_class"] == "劣Ⅴ"


def test_gbk_fixture_really_is_gbk():
    raw = (DATA / "water_cli_zh_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("gbk").startswith("断面名称")


def test_real_national_automatic_file(tmp_path):
    """The CNEMC file as staff would pass it (its `监测时间` lacks the year, so the year is added)."""
    src = REF / "water_cnemc_auto_surface_20260204_part_a.csv"
    with src.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    # three rows with no displayed value on a class limit (see test_water_reference)
    rows = [r for r in rows if r["db_id"] in {"1", "5", "7"}]
    path = tmp_path / "cnemc.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        fields = ["断面名称", "监测时间", "水体类型", "水温(℃)", "pH(无量纲)", "溶解氧(mg/L)", "高锰酸盐指数(mg/L)",
                  "氨氮(mg/L)", "总磷(mg/L)", "总氮(mg/L)"]
        writer = csv.writer(fh)
        writer.writerow(fields)
        for r in rows:
            writer.writerow([r["断面名称"], "2026-" + r["监测时间"], r["waterbody_type"]] + [r[f] for f in fields[3:]])
    out, by_id = run(tmp_path, path, extra=["--assessment", "national"])
    official = {r["断面名称"]: r["水质类别"] for r in rows}
    assert {k: by_id[k]["water_class"] for k in official} == official


def test_missing_out_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["evaluate", "water", str(DATA / "water_cli_en.csv")])
    assert result.exit_code == 2


def test_x_of_national_sections_from_the_files_data(tmp_path):
    # 怒江双虹桥 (target Ⅱ, registry X = BOD5, fluoride): Hg 0.00006 mg/L in May (above the Ⅱ limit 0.00005) joins
    # its X from May on; April is judged without it
    path = tmp_path / "shuanghong.csv"
    base = "ph,do,codmn,nh3_n,tp,bod5,fluoride"
    path.write_text(f"station_id,sampled_at,{base},hg\n"
                    "sec-nujiang-shuanghong,2026-04-06 10:00,7.6,8.2,2.1,0.2,0.05,1.5,0.2,0.00004L\n"
                    "sec-nujiang-shuanghong,2026-05-04 09:40,7.6,8.1,2.0,0.2,0.05,1.4,0.2,0.00006\n"
                    "sec-nujiang-shuanghong,2026-06-05 10:10,7.7,8.0,2.2,0.2,0.05,1.6,0.2,0.00004L\n",
                    encoding="utf-8")
    rows, _ = run(tmp_path, path)
    by_time = {r["sampled_at"][:7]: r for r in rows}
    assert (by_time["2026-04"]["water_class"], by_time["2026-04"]["compliant"]) == ("Ⅱ", "true")
    assert "汞" not in by_time["2026-04"]["items_evaluated"]
    assert (by_time["2026-05"]["water_class"], by_time["2026-05"]["compliant"]) == ("Ⅲ", "false")
    assert by_time["2026-05"]["exceedances"] == "汞/0.2"
    assert "汞" in by_time["2026-06"]["items_evaluated"] and by_time["2026-06"]["water_class"] == "Ⅱ"
