"""评价标准及方法: the method block every water bulletin prints, with citations from the standards tables."""
from __future__ import annotations

import datetime as dt
import re
from collections import OrderedDict
from typing import Any

from publisher import standards
from publisher.evaluate import water
from publisher.bulletins.water.common.rules import citation, eval_rules, table_id


# --------------------------------------------------------------------------------------------- method
def method_block(day: dt.date, *, groundwater: bool, sections: bool, trophic: bool,
                 monitored: list[dict[str, str]], places: int | None = None) -> dict[str, Any]:
    """评价标准及方法 as labelled paragraphs (评价标准, 水质类别, 评价指标, 达标率, 超标倍数, 营养状态, 检出限 …), with
    citations from the standards tables. `monitored`: the 监测项目 lines, kept beside them for the page's 监测情况;
    `places`: the decimals every 超标倍数 of the bulletin has."""
    rules = eval_rules(day)
    ev_cite = citation("water_eval", day)
    surface = citation("gb3838", day)
    ground = citation("gb14848", day) if groundwater else None
    assess = standards.in_force("water_assessment", day) if table_id("water_assessment", day) else None
    basis = []
    if surface:
        basis.append(f"地表水执行{surface}")
    if ground:
        basis.append(f"地下水执行{ground}")
    paragraphs: list[dict[str, str]] = []

    def add(label: str, parts: list[str]) -> None:
        parts = [x for x in parts if x]
        if parts:
            paragraphs.append({"label": label, "text": "；".join(parts) + "。"})

    add("评价标准", basis)
    single = f"按{ev_cite}采用单因子评价法，以参与评价指标中类别最差的一项确定水质类别" if ev_cite else ""
    if sections:
        add("水质类别", [single, str(rules["reference_items"]["quote_zh"])])
        if assess is not None and "national" in assess["sets"]:
            national = assess["sets"]["national"]
            base = "、".join(water.item_name(c) for c in national["class_items"])
            parts = [f"国控断面按{assess.citation}以“5+X”指标评价（{base}5项及该断面的X特征指标），省控断面按21项指标评价"]
            if national.get("x_from_data"):
                parts.append(str(national["x_from_data"]["rule_zh"]))
            parts.append("全市断面总体水质、Ⅰ～Ⅲ类和劣Ⅴ类断面比例及断面达标率为国控、省控断面合并统计；"
                         "两类断面的评价指标不同，另分别列出")
            add("评价指标", parts)
        add("河流和流域", ["断面数少于5个时以各断面指标浓度的算术平均值评价，5个及以上时按Ⅰ～Ⅲ类及劣Ⅴ类断面比例评价",
                          "主要污染指标按断面超标率确定，超标率相同的按超标程度（水质类别、超标倍数）由重到轻排列"])
        add("变化评价", ["不同时段水质变化按水质状况等级和Ⅰ～Ⅲ类、劣Ⅴ类断面比例的变化（百分点）评价"])
    else:
        parts = [single, str(rules["drinking_source"]["rule_zh"]).strip().rstrip("。").replace("。", "；")]
        if assess is not None and "source" in assess["sets"]:
            excluded = [c for c in assess["items_21"] if c not in assess["sets"]["source"]["class_items"]]
            if excluded:
                names = "、".join(water.item_name(c) for c in excluded)
                parts.append(f"地表水水源的水质类别按表1基本项目中除水温、总氮、粪大肠菌群和{names}以外的"
                             f"{len(assess['sets']['source']['class_items'])}项指标确定，{names}不参与水质类别评价")
        add("水质类别", parts)
        add("达标率", ["水源达标率 = 达标水源个数 ÷ 监测水源个数 × 100%",
                      "水量达标率 = 达标水源取水量之和 ÷ 全部监测水源取水量之和 × 100%，取水量为统计期内实际取水量"])
    decimals = places if places is not None else int(rules["exceedance"]["decimals"])
    add("超标倍数", ["超标倍数 = (C − S) ÷ S，S为水质目标（未设目标时为Ⅲ类）对应的标准限值或表2、表3限值",
                    "水温、pH值、溶解氧不计算超标倍数", f"本期超标倍数统一保留{decimals}位小数"])
    if trophic:
        add("营养状态", [f"湖库营养状态采用{_document(rules['trophic_state']['document'])}的综合营养状态指数法，"
                        f"以叶绿素a、总磷、总氮、透明度和高锰酸盐指数计算TLI(Σ)"])
    rule, _, source = str(rules["below_detection_limit"]["rule_zh"]).strip().rstrip("。").partition("。（")
    dl = f"按{source.rstrip('）')}，{rule}" if source else rule
    add("检出限", [dl, "低于检出限的单次结果以“检出限+L”表示（如0.01L）",
                  "变化趋势图中未检出的数值同样按1/2检出限绘制，以空心点标示"])
    citations = [c for c in (surface, ground, ev_cite) if c]
    if sections and assess is not None:
        citations.append(assess.citation)
    for paragraph in paragraphs:
        paragraph["text"] = tidy(paragraph["text"])
    return {"monitored": merge_monitored(monitored), "paragraphs": paragraphs, "citations": citations}


def _document(text: str) -> str:
    """``湖泊（水库）富营养化评价方法及分级技术规定（总站生字〔2001〕090号）`` -> ``《…》（总站生字〔2001〕090号）``."""
    match = re.match(r"^(.*)（([^（）]*〔\d{4}〕[^（）]*)）$", text.strip())
    return f"《{match.group(1)}》（{match.group(2)}）" if match else f"《{text.strip()}》"


_CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"


def tidy(text: str) -> str:
    """Remove the spaces that folded YAML text leaves between two Chinese characters (keeps ``GB 3838``)."""
    return re.sub(rf"(?<={_CJK})\s+(?={_CJK})", "", text)


def merge_monitored(monitored: list[dict[str, str]]) -> list[dict[str, str]]:
    """One 监测项目 line per distinct item list: ``国控断面、省控断面`` share one when their items agree."""
    merged: "OrderedDict[str, list[str]]" = OrderedDict()
    for entry in monitored:
        merged.setdefault(entry["text"], []).append(entry["label"])
    return [{"label": "、".join(labels), "text": text} for text, labels in merged.items()]
