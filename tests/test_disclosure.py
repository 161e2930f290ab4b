"""The statutory tables of the annual disclosure report: their layout and identities as data, and the
checker on the two seed reports (楚雄 2019, 洛阳 2020), on a filled-in 2021-format table, and on forms
broken on purpose. The seed transcriptions are checked against the seed text itself first."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from publisher.evaluate import disclosure
from publisher import standards

DATA = Path(__file__).parent / "data" / "gip"
SEEDS = Path(__file__).resolve().parent / "data" / "seeds"  # copies, see tests/data/README.md

# a distinctive piece of each row's label as the seeds print it
ROW_KEYS = {
    "regulations": "规章", "normative_documents": "规范性文件", "licensing": "行政许可",
    "other_services": "其他对外管理服务事项", "penalties": "行政处罚", "coercion": "行政强制",
    "fees": "行政事业性收费", "central_procurement": "政府集中采购",
    "new_received": "本年新收政府信息公开申请数量", "carried_over": "上年结转政府信息公开申请数量",
    "r1_disclosed": "予以公开", "r2_partly": "部分公开", "r3_1_state_secret": "属于国家秘密",
    "r3_2_law_forbidden": "其他法律行政法规禁止公开", "r3_3_security": "三安全一稳定",
    "r3_4_third_party": "保护第三方合法权益", "r3_5_internal": "属于三类内部事务信息",
    "r3_6_process": "属于四类过程性信息", "r3_7_enforcement": "属于行政执法案卷", "r3_8_query": "属于行政查询事项",
    "r4_1_not_held": "本机关不掌握相关政府信息", "r4_2_not_existing": "没有现成信息需要另行制作",
    "r4_3_unclear": "补正后申请内容仍不明确", "r5_1_petition": "信访举报投诉类申请", "r5_2_repeated": "重复申请",
    "r5_3_publication": "要求提供公开出版物", "r5_4_mass": "无正当理由大量反复申请",
    "r5_5_confirm": "要求行政机关确认或重新出具已获取信息", "r6_other": "其他处理",
    "results_total": re.compile(r"\(七\)\s*总计"), "carried_forward": "结转下年度继续办理",
}
NUMBER = re.compile(r"(?<![\d.])\d[\d,]*(?:\.\d+)?")


def load(name: str) -> dict:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def section(text: str, start: str, end: str) -> str:
    begin = text.rindex(start)
    return text[begin:text.index(end, begin)]


def seed_numbers(block: str, key) -> list[str]:
    """The numbers printed after the row label, on the label's line."""
    for line in block.splitlines():
        match = key.search(line) if isinstance(key, re.Pattern) else (line.find(key), key)
        if isinstance(key, re.Pattern):
            if match:
                return NUMBER.findall(line[match.end():])
        elif match[0] >= 0 and (key != "规章" or "规范性文件" not in line):
            return NUMBER.findall(line[match[0] + len(key):])
    raise AssertionError(f"row {key} not found in the seed")


def as_cells(values: list) -> list[str]:
    return ["" if v is None else format(Decimal(str(v)).normalize(), "f") for v in values]


def with_one_zero_dropped(printed: list[str], transcribed: list[str]) -> bool:
    return any(transcribed[:i] + transcribed[i + 1:] == printed for i, v in enumerate(transcribed) if v == "0")


@pytest.mark.parametrize("name", ["chuxiong-2019.yaml", "luoyang-2020.yaml"])
def test_seed_transcriptions_match_the_seed_text(name):
    fx = load(name)
    text = (SEEDS / fx["seed"]).read_text(encoding="utf-8")
    proactive = section(text, "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况")
    applications = section(text, "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议")
    for table, block in (("proactive", proactive), ("applications", applications)):
        for row, values in fx["tables"][table].items():
            printed = [n.replace(",", "") for n in seed_numbers(block, ROW_KEYS[row])]
            cells = as_cells(values)
            assert printed == cells or with_one_zero_dropped(printed, cells), (name, row, printed, cells)
    review = text[text.rindex("四、政府信息公开行政复议"):]
    data_line = next(l for l in review.splitlines()[1:] if l.strip() and re.fullmatch(r"[\d\s]+", l))
    printed_review = data_line.split("\t")
    transcribed = fx["tables"]["review_litigation"]["cases"]
    assert set(n for n in printed_review if n.strip()) == {"0"} and set(v for v in transcribed if v is not None) == {0}
    assert sum(1 for v in transcribed if v is None) == sum(1 for n in printed_review[:5] if not n.strip())


def test_formats_are_found_by_report_year():
    assert disclosure.report_format(2019).id == "GIP-REPORT-2019"
    assert disclosure.report_format(2020).id == "GIP-REPORT-2019"
    assert disclosure.report_format(2021).id == "GIP-REPORT-2021"
    assert disclosure.report_format(2025).id == "GIP-REPORT-2021"
    with pytest.raises(standards.StandardNotFound):
        disclosure.report_format(2018)
    known = set(yaml.safe_load((standards.DATA_DIR / "sources.yaml").read_text(encoding="utf-8")))
    for fmt in standards.versions("gip_report"):
        assert set(fmt["meta"]["sources"]) <= known, fmt.id


def test_the_statutory_layout_is_data():
    fmt = standards.get("GIP-REPORT-2021")
    tables = {t["key"]: t for t in fmt["tables"]}
    assert [t["title_zh"] for t in fmt["tables"]] == ["二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                                                      "四、政府信息公开行政复议、行政诉讼情况"]
    apps = tables["applications"]
    assert [c["label_zh"] for c in apps["columns"]] == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构",
                                                        "其他", "总计"]
    assert len(apps["rows"]) == 25 and apps["rows"][-2]["label_zh"] == "（七）总计"
    assert [c["label_zh"] for c in tables["proactive"]["blocks"][0]["columns"]] == ["本年制发件数", "本年废止件数",
                                                                                    "现行有效件数"]
    assert len(tables["review_litigation"]["columns"]) == 15
    old = {t["key"]: t for t in standards.get("GIP-REPORT-2019")["tables"]}
    assert len(old["applications"]["rows"]) == 23              # （六）其他处理 is one row in the trial format
    assert [b["heading_zh"] for b in old["proactive"]["blocks"]][-1] == "第二十条第（九）项"
    ids = [i["id"] for i in fmt["identities"]]
    assert ids == ["applications_balance", "applications_results_total", "applications_applicant_total",
                   "review_total", "litigation_direct_total", "litigation_after_review_total"]
    assert fmt["identities"][0]["quote_zh"] == "本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和"


def test_luoyang_2020_adds_up_its_blank_review_cells_reported():
    fx = load("luoyang-2020.yaml")
    findings = disclosure.check(disclosure.from_rows(fx["year"], fx["tables"]), fx["year"])
    assert disclosure.identity_failures(findings) == []
    assert [(f.code, f.column) for f in findings] == [("GIP_CELL_BLANK", f"行政复议 › {c}")
                                                     for c in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")]


def test_chuxiong_2019_results_total_row_is_printed_as_zeros():
    """楚雄 2019 prints 3 new applications (自然人 1, 社会公益组织 1, 法律服务机构 1), 2 disclosed and 1 not held,
    but its （七）总计 row is all 0 and nothing is carried forward: both identities fail in exactly those
    four columns, and nowhere else."""
    fx = load("chuxiong-2019.yaml")
    failures = disclosure.identity_failures(disclosure.check(disclosure.from_rows(2019, fx["tables"]), 2019))
    got = [(f.identity, f.column, f.left_sum, f.right_sum) for f in failures]
    cols = [("自然人", 1), ("法人或其他组织 › 社会公益组织", 1), ("法人或其他组织 › 法律服务机构", 1), ("总计", 3)]
    assert got == [("applications_balance", c, n, 0) for c, n in cols] + \
        [("applications_results_total", c, 0, n) for c, n in cols]
    first = failures[0]
    assert first.table == "三、收到和处理政府信息公开申请情况" and first.row is None
    assert first.left == "一、本年新收政府信息公开申请数量（1） + 二、上年结转政府信息公开申请数量（0） = 1"
    assert first.right == "（七）总计（0） + 四、结转下年度继续办理（0） = 0"
    assert "相差1 [GIP_IDENTITY]" in first.message_zh and "列“自然人”" in first.message_zh
    assert failures[-1].right == "（一）予以公开（2） + （四）无法提供 1.本机关不掌握相关政府信息（1）（其余17项均为0） = 3"
    # no identity of the review table or of the applicant totals fails, and no cell is blank
    assert all(f.code == "GIP_IDENTITY" for f in disclosure.check(disclosure.from_rows(2019, fx["tables"]), 2019))


def test_a_2021_format_table_that_adds_up():
    fx = load("format2021-fixture.yaml")
    assert disclosure.check(disclosure.from_rows(fx["year"], fx["tables"]), fx["year"]) == []


def test_one_wrong_cell_is_named_with_both_sides():
    fx = load("format2021-fixture.yaml")
    form = disclosure.from_rows(2025, fx["tables"])
    form["applications"]["r6_2_no_fee"]["natural_person"] = 203          # printed 202
    form["review_litigation"]["cases"]["direct_total"] = 57              # 16 + 1 + 12 + 27 = 56
    failures = disclosure.identity_failures(disclosure.check(form, 2025))
    assert [(f.identity, f.row, f.column, f.left_sum, f.right_sum) for f in failures] == [
        ("applications_results_total", None, "自然人", 13364, 13365),
        ("applications_applicant_total", "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
         None, 203, 204),
        ("litigation_direct_total", "案件数", None, 57, 56)]
    assert failures[2].message_zh == (
        "表“四、政府信息公开行政复议、行政诉讼情况”行“案件数”：“未经复议直接起诉总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结”"
        "不成立：左边 行政诉讼 › 未经复议直接起诉 › 总计（57） = 57，右边 行政诉讼 › 未经复议直接起诉 › 结果维持（16） + "
        "行政诉讼 › 未经复议直接起诉 › 结果纠正（1） + 行政诉讼 › 未经复议直接起诉 › 其他结果（12） + "
        "行政诉讼 › 未经复议直接起诉 › 尚未审结（27） = 56，相差1 [GIP_IDENTITY]")


def test_bad_values_and_unknown_cells_are_reported():
    form = disclosure.blank_form(2025)
    assert set(form) == {"proactive", "applications", "review_litigation"}
    assert form["proactive"]["fees"] == {"fee_amount": None}
    for table in form.values():
        for row in table.values():
            for col in row:
                row[col] = 0
    form["applications"]["new_received"]["research"] = -1
    form["applications"]["carried_over"]["commercial"] = 1.5
    form["applications"]["carried_over"]["other_org"] = "三"
    form["proactive"]["fees"]["fee_amount"] = "12.5"                   # an amount may have decimals
    form["applications"]["r6_other"] = {"total": 0}                      # the 2019 row does not exist in 2021
    form["applications"]["new_received"]["grand_total"] = 0
    findings = disclosure.check(form, 2025)
    codes = [(f.code, f.row, f.column) for f in findings if f.code != "GIP_IDENTITY"]
    assert codes == [("GIP_UNKNOWN_CELL", "一、本年新收政府信息公开申请数量", "grand_total"),
                     ("GIP_UNKNOWN_CELL", "r6_other", None),
                     ("GIP_BAD_NUMBER", "一、本年新收政府信息公开申请数量", "法人或其他组织 › 科研机构"),
                     ("GIP_BAD_NUMBER", "二、上年结转政府信息公开申请数量", "法人或其他组织 › 商业企业"),
                     ("GIP_BAD_NUMBER", "二、上年结转政府信息公开申请数量", "法人或其他组织 › 其他")]
    assert "不是非负整数" in findings[2].message_zh
    assert disclosure.identity_failures(findings) == []                   # bad values count as 0


def test_signed_change_column_of_the_2019_format_may_be_negative():
    form = disclosure.blank_form(2020)
    for table in form.values():
        for row in table.values():
            for col in row:
                row[col] = 0
    form["proactive"]["licensing"] = {"items_last_year": 12, "items_change": -3, "decisions": 40}
    assert disclosure.check(form, 2020) == []


def test_a_row_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="行“一、本年新收政府信息公开申请数量”应有7个数，给出6个 \\[GIP_ROW_LENGTH\\]"):
        disclosure.from_rows(2025, {"applications": {"new_received": [1, 0, 0, 0, 0, 1]}})


def test_dates_in_formats_leave_no_gap():
    fmts = standards.versions("gip_report")
    assert fmts[0].effective_to + dt.timedelta(days=1) == fmts[1].effective_from
    assert standards.problems() == []


@pytest.mark.parametrize("form, where", [
    ([1, 2, 3], ""),
    ({"applications": [[1, 0, 0, 0, 0, 0, 1]]}, "三、收到和处理政府信息公开申请情况"),
    ({"applications": {"new_received": [1, 0, 0, 0, 0, 0, 1]}}, "三、收到和处理政府信息公开申请情况"),
])
def test_a_form_of_the_wrong_shape_is_reported_not_crashed_on(form, where):
    findings = disclosure.check(form, 2025)
    shape = [f for f in findings if f.code == "GIP_FORM_SHAPE"]
    assert len(shape) == 1 and shape[0].table == where and "[GIP_FORM_SHAPE]" in shape[0].message_zh


@pytest.mark.parametrize("value", [True, float("nan"), "1e", "", "  ", "0x10", "1.0.0", float("inf")])
def test_values_that_are_not_counts(value):
    form = disclosure.blank_form(2025)
    for table in form.values():
        for row in table.values():
            for col in row:
                row[col] = 0
    form["applications"]["carried_over"]["natural_person"] = value
    findings = [f for f in disclosure.check(form, 2025) if f.code != "GIP_IDENTITY"]
    assert len(findings) == 1 and findings[0].code in ("GIP_BAD_NUMBER", "GIP_CELL_BLANK")
    assert findings[0].column == "自然人" and findings[0].row == "二、上年结转政府信息公开申请数量"
