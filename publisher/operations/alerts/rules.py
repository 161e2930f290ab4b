"""The alert rules and their settings: ``publisher/alerts.yaml`` with ``<home>/alerts.yaml`` over it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from publisher import config
from publisher.display import shown
from publisher.errors import InputError
from publisher.paths import PACKAGE_DIR, Workspace
from publisher.store import migrations

DEFAULT_CONFIG = PACKAGE_DIR / "alerts.yaml"

#: rule id -> (Chinese name, settings and their types)
RULES: dict[str, tuple[str, dict[str, type]]] = {
    "source_exceedance": ("饮用水水源超标", {}),
    "section_below_target": ("断面水质劣于目标", {"classes_worse": int, "inferior_v": bool}),
    "air_station_hour": ("空气站点小时AQI超过预警线", {"aqi_above": int}),
    "air_city_day": ("城市日AQI超过预警线", {"aqi_above": int}),
    "air_episode": ("重污染过程", {"aqi_above": int, "min_days": int}),
    "silent_hourly": ("站点数据中断", {"hours": int}),
    "silent_sampling": ("站点逾期未采样", {"due_day": int}),
    "supervisory_exceedance": ("重点排污单位监督性监测超标", {}),
}
SOURCE_KINDS = ("city_source", "county_source")
SECTION_KINDS = ("national_section", "provincial_section", "lake_point")

TABLE_SQL = migrations.ALERTS_SQL


# ------------------------------------------------------------------------------------------- config
@dataclass(frozen=True)
class Config:
    """The rules' settings: rule id -> {enabled, settings...}."""

    rules: dict[str, dict[str, Any]]

    def on(self, rule: str) -> bool:
        return bool(self.rules.get(rule, {}).get("enabled", False))

    def get(self, rule: str, name: str) -> Any:
        return self.rules[rule][name]

    @classmethod
    def load(cls, ws: Workspace | None = None) -> "Config":
        base = read(DEFAULT_CONFIG)
        rules = {rule: dict(settings) for rule, settings in base.items()}
        local = ws.home / "alerts.yaml" if ws is not None else None
        if local is not None and local.is_file():
            for rule, settings in read(local).items():
                rules[rule].update(settings)
        return cls(rules)


def read(path) -> dict[str, dict[str, Any]]:
    def bad(reason: str) -> InputError:
        return InputError(f"{path}：{reason} (bad_alerts_config)")

    raw = config.read(path, what_zh="预警规则文件", code="bad_alerts_config")   # bounded; ConfigError
    if not isinstance(raw, dict) or set(map(str, raw)) - {"rules"}:
        raise bad("应为一个映射，只有 rules 一项")
    rules = raw.get("rules") or {}
    if not isinstance(rules, dict):
        raise bad("rules 应为 规则: 设置 的映射")
    out: dict[str, dict[str, Any]] = {}
    for rule, settings in rules.items():
        if rule not in RULES:
            raise bad(f"未知的规则 {shown(str(rule))}（可用：{', '.join(RULES)}）")
        settings = settings or {}
        if not isinstance(settings, dict):
            raise bad(f"规则 {rule} 的设置应为映射")
        kinds = {"enabled": bool, **RULES[rule][1]}
        for name, value in settings.items():
            if name not in kinds:
                raise bad(f"规则 {rule} 没有设置项 {shown(str(name))}（可用：{', '.join(kinds)}）")
            want = kinds[name]
            if want is int and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise bad(f"规则 {rule} 的 {name} 应为非负整数")
            if want is bool and not isinstance(value, bool):
                raise bad(f"规则 {rule} 的 {name} 应为 true 或 false")
        if rule == "silent_sampling" and "due_day" in settings and not 1 <= settings["due_day"] <= 28:
            raise bad("规则 silent_sampling 的 due_day 应在 1 到 28 之间")
        out[rule] = dict(settings)
    return out

