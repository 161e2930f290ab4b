"""Findings: what validation says about a file, as data.

A finding has a stable English ``code``, a ``severity`` (``error`` = the file is rejected whole,
``warning`` = accepted and flagged) and a Chinese message that names the file, sheet, row, column
and reason, so that station staff can fix the file without help. Every code is listed in ``CODES``
with its message template and what to do; docs/data-formats.md documents the same table.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from publisher.display import shown
from publisher.errors import InputError

ERROR = "error"
WARNING = "warning"

#: code -> (severity, Chinese message template, what to do). Templates use str.format fields.
CODES: dict[str, tuple[str, str, str]] = {
    # file level
    "empty_file": (ERROR, "文件为空或没有数据行", "检查导出是否成功，重新导出后再放入收件箱"),
    "binary_file": (ERROR, "文件不是文本表格（疑似二进制文件改了扩展名）{detail}",
                    "请另存为 CSV（UTF-8）或 Excel（.xlsx）"),
    "bad_encoding": (ERROR, "无法识别文件编码（不是 UTF-8、GBK 或 GB18030）",
                     "请用 Excel 或 WPS 另存为“CSV UTF-8”"),
    "bad_workbook": (ERROR, "不是有效的 Excel 工作簿：{detail}", "请用 Excel 打开后另存为 .xlsx"),
    "unknown_file_type": (ERROR, "不支持的文件类型 {detail}", "只接受 .csv、.csv.gz、.xlsx、.xls 文件"),
    "bad_file_name": (ERROR, "文件名不安全：{detail}", "请改用普通文件名（中文、字母、数字、空格、括号、-、_）"),
    "not_regular_file": (ERROR, "不是普通文件（符号链接或特殊文件）", "请放入文件本身，不要放链接"),
    "file_too_large": (ERROR, "文件过大（{detail}）", "请按月拆分后再放入；Excel 文件请删除多余的工作表和空白区域后另存"),
    "bad_csv": (ERROR, "CSV 格式错误：{detail}", "检查英文双引号是否成对、单元格是否异常地长；或用 Excel 打开后另存为“CSV UTF-8”"),
    "unreadable_file": (ERROR, "无法读取文件（{detail}）", "检查文件是否完整、权限是否正确，修正后重新放入收件箱"),
    "internal_error": (ERROR, "处理该文件时出现意外错误（{detail}），数据未入库",
                       "文件已隔离；请把错误报告交给系统管理员"),
    "quarantine_failed": (ERROR, "无法移入隔离区（{detail}），文件留在原处", "检查 quarantine 文件夹的权限和磁盘空间；下次入库时会再处理"),
    "store_failed": (ERROR, "无法写入归档或数据仓库（{detail}），数据未入库，文件留在原处",
                     "检查 archive、store 文件夹的权限和磁盘空间；下次入库时会再处理"),
    "no_header": (ERROR, "找不到表头：前 {detail} 行中没有同时含“点位/断面名称”和“监测时间”的一行",
                  "表头应含站点列（断面名称/点位名称/站点名称/station_id）和时间列（采样时间/监测时间/time）"),
    "mixed_kinds": (ERROR, "同一文件中混有不同类型的数据（空气监测、水质监测或空气质量预报）{detail}",
                    "不同类型的数据请分文件报送"),
    "no_values": (ERROR, "表头中没有任何监测项目列", "检查表头的项目名称是否正确"),
    "formula_cell": (ERROR, "单元格内容 {value!r} 以 = + - @ 开头，电子表格会把它当公式执行",
                     "删除该单元格开头的符号，或改为纯数值"),
    # row / cell level
    "missing_station": (ERROR, "站点为空", "填写点位名称或编码"),
    "unknown_station": (ERROR, "站点 {value!r} 不在站点名录中{detail}",
                        "检查名称是否与站点名录一致；新站点须先加入 stations.yaml"),
    "ambiguous_station": (ERROR, "站点名称 {value!r} 在站点名录中不唯一（多个城市有同名站点{detail}）",
                          "请改用站点编码（如 2595A）"),
    "wrong_station_kind": (ERROR, "站点 {value!r} 是{detail}，不能报送此类数据",
                           "检查文件是否放错，或站点名称是否写错"),
    "bad_time": (ERROR, "时间 {value!r} 无法识别", "时间应写成 2026-05-08 10:00 或 2026-05-08"),
    "missing_time": (ERROR, "时间为空", "填写采样/监测时间"),
    "future_time": (ERROR, "时间 {value!r} 晚于当前时间", "检查年份、月份是否写错"),
    "duplicate_conflict": (ERROR, "同一站点同一时间{detail}出现多行且数值不同（另见第 {other} 行）",
                           "删除重复行，只保留正确的一行"),
    "non_numeric": (ERROR, "数值 {value!r} 无法识别", "数值只能是数字、检出限写法（0.02L、<0.02、ND、未检出）或留空"),
    "negative_value": (ERROR, "浓度不能为负数：{value!r}", "检查数值或符号"),
    "impossible_value": (ERROR, "数值 {value!r} 超出可能范围（{detail}）", "检查数值、单位或小数点"),
    "unknown_item": (ERROR, "未知的监测项目 {value!r}{detail}", "项目名称应与项目目录一致，如“氨氮(mg/L)”"),
    "bad_unit": (ERROR, "单位 {value!r} 无法换算为 {detail}", "使用项目目录中的单位，或 mg/L、μg/L 等可换算的单位"),
    "bad_layout_value": (ERROR, "{detail}", "检查该单元格"),
    "bad_period": (ERROR, "期间 {value!r} 无法识别", "月份写成 2026-10 或 2026年10月；季度写成 2026-Q3 或 2026年第三季度"),
    "missing_value": (ERROR, "数值为空", "填写取水量；确无取水的填 0"),
    # air-quality forecasts (publisher/ingest/forecast.py)
    "forecast_missing_column": (ERROR, "预报文件缺少“{detail}”列",
                                "预报表应有发布日期、预报日期、地区、AQI范围、级别、首要污染物六列（见 docs/data-formats.md）"),
    "missing_area": (ERROR, "地区为空", "填写地区名称，如“保山市”"),
    "unknown_area": (ERROR, "地区 {value!r} 不在站点名录的地区中", "地区名称应与站点名录（stations.yaml）一致，如“保山市”“腾冲市”"),
    "bad_aqi_range": (ERROR, "AQI范围 {value!r} 无法识别或超出 0～500", "写成 40～60（或 40-60），下限不大于上限"),
    "bad_level": (ERROR, "级别 {value!r} 无法识别", "写成“二级”“一级～二级”，或类别“良”“优～良”"),
    "forecast_level_mismatch": (ERROR, "级别 {value!r} 与AQI范围不符（{detail}）", "核对AQI范围与级别"),
    "unknown_pollutant": (ERROR, "首要污染物 {value!r} 无法识别", "写 O₃、PM₂.₅、PM₁₀、NO₂、SO₂、CO 或其中文名称，多个用“、”分隔"),
    "forecast_not_ahead": (ERROR, "预报日期 {value!r} 不晚于发布日期 {detail}", "预报日期应在发布日期之后（预报未来几日）"),
    "forecast_primary_when_good": (ERROR, "AQI范围不超过{detail}时不设首要污染物，却写了 {value!r}",
                                   "AQI不超过50时首要污染物填“—”或留空"),
    # supervisory monitoring of key polluting units (publisher/ingest/supervisory.py)
    "missing_unit": (ERROR, "单位名称为空", "填写重点排污单位名称或统一社会信用代码"),
    "unknown_unit": (ERROR, "单位 {value!r} 不在重点排污单位名录中{detail}",
                     "检查名称是否与站点名录（stations.yaml 的 units）一致，或改用统一社会信用代码；新单位须先加入名录"),
    "missing_outlet": (ERROR, "排放口为空", "填写排放口编号（如 DW001）或名称"),
    "unknown_outlet": (ERROR, "排放口 {value!r} 不是该单位登记的排放口{detail}", "改用名录中的排放口编号或名称"),
    "item_wrong_medium": (ERROR, "项目 {value!r} 不能用于{detail}", "检查项目或排放口是否写错"),
    "bad_o2": (ERROR, "含氧量 {value!r} 不在 0～21% 之间", "填写干烟气实测含氧量（%），如 9.2"),
    "missing_result": (ERROR, "监测结果为空", "填写实测浓度；未检出写成 0.02L；未监测的项目写“/”或删除该行"),
    # warnings
    "o2_missing": (WARNING, "{value}须按基准含氧量折算，但未填写实测含氧量，该结果将不作判定",
                   "补充“含氧量”列后重新报送"),
    "outlet_no_standard": (WARNING, "监测日期 {value!r} 时{detail}在名录中尚无适用的排放标准，该结果将不作判定",
                           "在站点名录中为该排放口登记执行标准及起始日期"),
    "below_dl_no_limit": (WARNING, "“{value}”表示未检出，但没有给出检出限",
                          "请补充检出限列或写成 0.02L 的形式；公报中该值显示为“未检出”"),
    "suspicious_value": (WARNING, "数值 {value!r} 偏离常见范围（{detail}），已接收但请核实", "核实原始记录"),
    "duplicate_same": (WARNING, "同一站点同一时间{detail}的重复行（数值相同，已合并；另见第 {other} 行）", "可删除重复行"),
    "ignored_column": (WARNING, "列 {value!r} 不是监测项目，已忽略", "无需处理；如为监测项目请改用标准名称"),
    "unknown_station_kept": (WARNING, "站点 {value!r} 不在站点名录中{detail}，按原样保留", "仅用于直接评价；入库前须加入站点名录"),
    "skipped_sheet": (WARNING, "工作表没有可识别的表头，已跳过", "如该表有数据，请检查表头"),
    "air_below_dl": (WARNING, "空气浓度 {value!r} 写成了检出限形式，按检出限数值接收", "核实原始记录"),
    "pm25_gt_pm10": (WARNING, "PM2.5 大于 PM10（{detail}）", "核实仪器数据"),
}


@dataclass
class Finding:
    """One problem found in a file. ``row`` is the row number a person sees (1-based; the header row
    counts), ``column`` the header text as written in the file."""

    code: str
    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None
    detail: str = ""
    other: int | None = None
    count: int = 1  # identical findings of one column are folded into one, with a count

    @property
    def severity(self) -> str:
        return CODES[self.code][0]

    @property
    def advice(self) -> str:
        return CODES[self.code][2]

    @property
    def reason(self) -> str:
        template = CODES[self.code][1]
        return shown(template.format(value=self.value, detail=self.detail, other=self.other))

    @property
    def where(self) -> str:
        parts = [f"文件“{shown(self.file)}”"]
        if self.sheet:
            parts.append(f"工作表“{shown(self.sheet)}”")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"“{shown(self.column)}”列")
        return "，".join(parts)

    @property
    def message(self) -> str:
        more = f"（同类问题共 {self.count} 处）" if self.count > 1 else ""
        return f"{self.where}：{self.reason}{more} [{self.code}]"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["value"] = None if self.value is None else str(self.value)
        data.update(severity=self.severity, message=self.message, advice=self.advice)
        return data


@dataclass
class Findings:
    """The findings of one file, bounded whatever the file holds.

    At most ``limit`` findings are listed per code, sheet and column (fewer for a group given its own
    limit, such as the rows of one unknown station); further ones of the same place add to the count of
    the last one listed. At most ``per_code`` are listed per code in all (a file with 10,000 unknown
    columns lists 50); the rest are counted in ``unlisted``. ``summary()`` gives one entry per code with
    the total count and the first examples.
    """

    file: str
    items: list[Finding] = field(default_factory=list)
    limit: int = 20
    per_code: int = 50
    unlisted: dict[str, int] = field(default_factory=dict)
    _groups: dict[tuple, list[Finding]] = field(default_factory=dict, repr=False)
    _per_code: dict[str, int] = field(default_factory=dict, repr=False)

    def _key(self, code: str, where: dict[str, Any], group: Any) -> tuple:
        return (code, where.get("sheet"), where.get("column"), group)

    def room(self, code: str, sheet: str | None, column: str | None, group: Any = None,
             limit: int | None = None) -> int:
        """How many more findings of this code and place may still be listed."""
        listed = len(self._groups.get((code, sheet, column, group), ()))
        return max(0, min((limit or self.limit) - listed, self.per_code - self._per_code.get(code, 0)))

    def add(self, code: str, *, count: int = 1, group: Any = None, limit: int | None = None,
            **where: Any) -> Finding | None:
        """Record `count` occurrences of `code` at `where`; returns the finding that holds them, or None
        when they are only counted (the code's list is full)."""
        key = self._key(code, where, group)
        same = self._groups.setdefault(key, [])
        if len(same) >= (limit or self.limit):
            same[-1].count += count
            return same[-1]
        if self._per_code.get(code, 0) >= self.per_code:
            self.unlisted[code] = self.unlisted.get(code, 0) + count
            return None
        finding = Finding(code=code, file=self.file, count=count, **where)
        self.items.append(finding)
        same.append(finding)
        self._per_code[code] = self._per_code.get(code, 0) + 1
        return finding

    def add_count(self, code: str, count: int, *, sheet: str | None = None, column: str | None = None,
                  group: Any = None) -> None:
        """Further occurrences of a place whose findings are already listed (or not listable)."""
        if count <= 0:
            return
        same = self._groups.get((code, sheet, column, group))
        if same:
            same[-1].count += count
        else:
            self.unlisted[code] = self.unlisted.get(code, 0) + count

    def extend(self, other: "Findings") -> None:
        for finding in other.items:
            self.add(finding.code, count=finding.count, sheet=finding.sheet, row=finding.row,
                     column=finding.column, value=finding.value, detail=finding.detail, other=finding.other)
        for code, count in other.unlisted.items():
            self.unlisted[code] = self.unlisted.get(code, 0) + count

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.items if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.items if f.severity == WARNING]

    @property
    def has_errors(self) -> bool:
        return any(f.severity == ERROR for f in self.items) or any(
            CODES[c][0] == ERROR for c, n in self.unlisted.items() if n)

    def total(self, severity: str | None = None) -> int:
        """Occurrences (listed, folded and counted) of every code, or of one severity."""
        listed = sum(f.count for f in self.items if severity is None or f.severity == severity)
        return listed + sum(n for c, n in self.unlisted.items() if severity is None or CODES[c][0] == severity)

    def summary(self, severity: str | None = None, examples: int = 3) -> list[dict[str, Any]]:
        """One entry per code (in the order first found): ``code, severity, count`` (every occurrence),
        ``listed`` (findings kept), ``message`` (a Chinese line: the first example and the total) and
        ``examples`` (the first findings, as dicts)."""
        order: dict[str, list[Finding]] = {}
        for finding in self.items:
            order.setdefault(finding.code, []).append(finding)
        for code in self.unlisted:
            order.setdefault(code, [])
        out = []
        for code, found in order.items():
            if severity is not None and CODES[code][0] != severity:
                continue
            count = sum(f.count for f in found) + self.unlisted.get(code, 0)
            if found:
                first = found[0]
                line = f"{first.where}：{first.reason}"
            else:
                line = f"文件“{shown(self.file)}”：{CODES[code][1].split('{')[0].rstrip('：（ ')}"
            more = f"等，同类共 {count} 处" if count > 1 else ""
            out.append({"code": code, "severity": CODES[code][0], "count": count, "listed": len(found),
                        "message": f"{line}{more} [{code}]", "advice": CODES[code][2],
                        "examples": [f.as_dict() for f in found[:examples]]})
        return out

    def __bool__(self) -> bool:
        return bool(self.items) or any(self.unlisted.values())


class FileRejected(InputError):
    """A file cannot be accepted; ``findings`` holds every error found (and the warnings)."""

    def __init__(self, findings: Findings):
        self.findings = findings
        errors = findings.errors
        total = findings.total(ERROR)
        head = "\n".join(f.message for f in errors[:10])
        rest = total - sum(f.count for f in errors[:10])
        more = f"\n……另有 {rest} 处问题" if rest > 0 else ""
        super().__init__(f"文件“{shown(findings.file)}”未通过校验（{total} 处错误）：\n{head}{more}")

    @property
    def codes(self) -> list[str]:
        return sorted({f.code for f in self.findings.errors}
                      | {c for c, n in self.findings.unlisted.items() if n and CODES[c][0] == ERROR})
