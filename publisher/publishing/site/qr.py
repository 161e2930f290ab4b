"""QR codes (segno) pointing at an item's public URL: on its site page and on its bulletin's first page."""
from __future__ import annotations

from pathlib import Path

import segno

CAPTION = "扫一扫在手机打开"


def write_png(url: str, path: Path, scale: int = 4) -> Path:
    """A PNG QR code of `url` (error correction M, quiet zone 4 modules), written to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    segno.make(url, error="m", micro=False).save(str(path), kind="png", scale=scale, border=4)
    return path
