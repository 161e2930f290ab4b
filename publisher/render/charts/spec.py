"""What a chart is before it is drawn: :class:`ChartSpec` (name, chart, data, format) and its content
key. No matplotlib here: a bulletin describes its charts without loading the drawing machinery."""
from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import functools
import hashlib
import importlib.metadata
import json
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from publisher.render import fonts


@dataclasses.dataclass(frozen=True)
class ChartSpec:
    """One chart to render: `name` is the file stem (``charts/<name>.png``), `chart` a key of
    :data:`CHARTS`, `data` the keyword arguments (picklable: frames, lists, dicts, dates, numbers)."""

    name: str
    chart: str
    data: dict[str, Any]
    format: str = "png"

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.format}"


def _canonical(value: Any) -> Any:
    if isinstance(value, pl.DataFrame):
        return {
            "__frame__": [[c, str(t)] for c, t in value.schema.items()],
            "rows": [[_canonical(v) for v in row] for row in value.iter_rows()],
        }
    if isinstance(value, pl.Series):
        return {"__series__": [value.name, str(value.dtype)], "values": [_canonical(v) for v in value.to_list()]}
    if isinstance(value, Mapping):
        return {"__map__": [[_canonical(k), _canonical(v)] for k, v in sorted(value.items(), key=lambda kv: repr(kv[0]))]}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, float):
        return {"__float__": repr(value)}
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return {"__date__": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"__decimal__": str(value)}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    raise TypeError(f"chart data of type {type(value).__name__} cannot be hashed; use frames, lists, dicts, numbers, dates")


#: the source files a picture depends on: the chart package, the display colours, the fonts' lookup and
#: the number formatting the labels use
_CODE_FILES = ("charts/*.py", "style.py", "fonts.py", "filters.py")
#: the libraries whose versions change the bytes: the drawing, the arrays, the image conversion, deflate
_LIBRARIES = ("matplotlib", "numpy", "pillow")


@functools.lru_cache(maxsize=1)
def _code() -> dict[str, str]:
    root = Path(__file__).resolve().parents[1]   # publisher/render
    files = sorted({p for pattern in _CODE_FILES for p in root.glob(pattern)})
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@functools.lru_cache(maxsize=8)
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fonts() -> dict[str, Any]:
    """The faces the charts draw with (``$PUBLISHER_CJK_FONT`` included): file, face index, sha256."""
    out: dict[str, Any] = {}
    for style in ("sans", "serif"):
        if not fonts.available(style):
            continue
        face = fonts.find(style)
        for weight, path, index in (("regular", face.path, face.index), ("bold", face.bold_path, face.bold_index)):
            if path is None:
                continue
            stat = Path(path).stat()
            out[f"{style}-{weight}"] = {"file": str(path), "index": index,
                                        "sha256": _file_sha256(str(path), stat.st_size, stat.st_mtime_ns)}
    return out


@functools.lru_cache(maxsize=1)
def _libraries() -> dict[str, str]:
    """The versions of the libraries loaded in this process (read once: the code that draws is the code
    imported, whatever is installed later)."""
    return {**{name: importlib.metadata.version(name) for name in _LIBRARIES}, "zlib": zlib.ZLIB_RUNTIME_VERSION}


def key_basis() -> dict[str, Any]:
    """Everything a picture depends on besides its spec: the source of the chart code, the font files
    and the library versions (including the zlib that deflates the PNG)."""
    return {"code": _code(), "fonts": _fonts(), "libs": dict(_libraries())}


def spec_key(spec: ChartSpec, basis: dict[str, Any] | None = None) -> str:
    """The content hash of a spec: chart, data and format, and :func:`key_basis` (code, fonts, libraries),
    so a change to anything the picture depends on gives another key and the cache never serves a stale
    image."""
    payload = {
        "chart": spec.chart,
        "data": _canonical(spec.data),
        "format": spec.format,
        "basis": key_basis() if basis is None else basis,
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
