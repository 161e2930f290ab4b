"""The site's settings: ``<home>/site.yaml``, every key optional, with documented defaults
(docs/site.md):

```yaml
institution: 保山市生态环境局          # 发布机构 (default: <region name>生态环境局 from the registry)
institution_code: "11530500MB0000000X"  # first part of the 索引号: the bureau's 统一社会信用代码
                                      #   (default: the registry's region code, e.g. 530500)
index_format: "{code}/{year}-{seq:05d}"  # the 索引号 scheme: {code}, {year} (of first publication),
                                      #   {seq} (per year, allocated once); {column} (column id) optional
base_url: "https://sthjj.example.gov.cn/xxgk/"  # where output/site/ is served (QR codes, feeds)
                                      #   (default: http://127.0.0.1:8765/site/, the reference portal)
site_name: 保山市生态环境局信息公开      # default: <institution>信息公开
validity: 有效                         # 有效性 of a current item
```

A file that cannot be read or holds a wrong value is refused as a whole (``bad_site_config``,
naming the key), never half-applied.
"""
from __future__ import annotations

import string
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import yaml

from publisher import safeparse
from publisher import registry as registry_mod
from publisher.errors import PublisherError
from publisher.paths import Workspace

CONFIG_NAME = "site.yaml"
DEFAULT_BASE_URL = "http://127.0.0.1:8765/site/"
DEFAULT_FORMAT = "{code}/{year}-{seq:05d}"
_FIELDS = {"code", "year", "seq", "column"}
_KEYS = {"institution", "institution_code", "index_format", "base_url", "site_name", "validity"}


class SiteError(PublisherError):
    """A site setting or operation is refused; ``code`` is the stable English code."""

    def __init__(self, message: str, code: str, detail=None):
        super().__init__(f"{message} [{code}]")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class SiteConfig:
    institution: str
    institution_code: str
    index_format: str
    base_url: str            # always ends with "/"
    site_name: str
    validity: str
    source: str              # the file read, or "defaults"

    @property
    def default_base(self) -> bool:
        return self.base_url == DEFAULT_BASE_URL

    def url(self, rel: str) -> str:
        """The public URL of a path below output/site/ (``index.html`` shown as its folder)."""
        rel = rel[: -len("index.html")] if rel.endswith("index.html") else rel
        return self.base_url + "/".join(urllib.parse.quote(p) for p in rel.split("/"))

    def index_number(self, year: int, seq: int, column: str = "") -> str:
        return self.index_format.format(code=self.institution_code, year=year, seq=seq, column=column)


def _region(ws: Workspace) -> tuple[str, str]:
    try:
        reg = registry_mod.load(ws.stations)
        region = getattr(reg, "region", None) or {}
        name = region.get("name") if isinstance(region, dict) else getattr(region, "name", None)
        code = region.get("code") if isinstance(region, dict) else getattr(region, "code", None)
        return str(name or ""), str(code or "")
    except Exception:  # noqa: BLE001 - the defaults still work without a readable registry
        return "", ""


def load(ws: Workspace, path: str | Path | None = None) -> SiteConfig:
    """The site settings of the workspace (``<home>/site.yaml`` when present, else the defaults)."""
    path = Path(path) if path else ws.home / CONFIG_NAME
    data: dict = {}
    source = "defaults"
    if path.is_file():
        source = str(path)
        try:
            loaded = safeparse.load_yaml(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError) as exc:
            raise SiteError(f"网站配置 {path} 无法读取：{exc}", "bad_site_config") from exc
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise SiteError(f"网站配置 {path} 应为一个映射", "bad_site_config")
        data = loaded
    problems = []
    unknown = sorted(set(map(str, data)) - _KEYS)
    if unknown:
        problems.append(f"未知的键 {', '.join(unknown)}（可用：{', '.join(sorted(_KEYS))}）")
    for key, value in data.items():
        if key in _KEYS and (not isinstance(value, str) or not value.strip() or len(value) > 300
                             or any(ord(c) < 32 for c in value)):
            problems.append(f"{key} 应为一行非空文字（不超过 300 字）")
    region_name, region_code = _region(ws)
    institution = str(data.get("institution") or f"{region_name}生态环境局").strip()
    code = str(data.get("institution_code") or region_code or "000000").strip()
    fmt = str(data.get("index_format") or DEFAULT_FORMAT)
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(fmt) if f is not None}
        if fields - _FIELDS or "seq" not in fields or "year" not in fields:
            raise ValueError
        fmt.format(code=code, year=2026, seq=1, column="air")
    except (ValueError, IndexError, KeyError):
        problems.append(f"index_format {fmt!r} 应只用 {{code}}、{{year}}、{{seq}}、{{column}}，且含 {{year}} 和 {{seq}}")
    base = str(data.get("base_url") or DEFAULT_BASE_URL).strip()
    parts = urllib.parse.urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment \
            or "@" in parts.netloc:
        problems.append(f"base_url {base!r} 应为 http(s)://主机/路径/（不含用户名、查询和片段）")
    if problems:
        raise SiteError(f"网站配置 {path} 有误：" + "；".join(problems), "bad_site_config", detail=problems)
    if not base.endswith("/"):
        base += "/"
    return SiteConfig(institution=institution, institution_code=code, index_format=fmt, base_url=base,
                      site_name=str(data.get("site_name") or f"{institution}信息公开").strip(),
                      validity=str(data.get("validity") or "有效").strip(), source=source)
