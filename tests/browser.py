"""Looking at pages through a real browser (headless Chromium), for tests.

    from tests.browser import require_chromium, screenshot, ink_fraction

``require_chromium()`` skips the calling test, with the reason, when no Chromium is installed
(Debian package ``chromium``; ``scripts/system-deps.sh`` installs it). ``screenshot()`` renders a
page file to PNG with :func:`publisher.render.html_to_png`; ``ink_fraction()`` and
``colour_fraction()`` say how much of a PNG is not background, or is near a given colour, so a test
can tell a real page from a blank or broken one.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from publisher import render

SKIP_REASON = "chromium is not installed (Debian package chromium; scripts/system-deps.sh installs it)"


def require_chromium() -> str:
    """The Chromium executable, or skip the calling test with a clear reason."""
    path = render.chromium_path()
    if path is None:
        pytest.skip(SKIP_REASON)
    return path


def screenshot(
    html_path: str | os.PathLike[str], png_path: str | os.PathLike[str], *, width: int = 1000, height: int = 1400
) -> Path:
    """A PNG of the page as Chromium draws it (skips when Chromium is absent)."""
    require_chromium()
    return render.html_to_png(html_path, png_path, width=width, height=height)


def _pixels(png_path: str | os.PathLike[str]):
    from PIL import Image

    with Image.open(png_path) as image:
        rgb = image.convert("RGB")
        flat = rgb.get_flattened_data() if hasattr(rgb, "get_flattened_data") else rgb.getdata()
        return rgb.size, list(flat)


def ink_fraction(png_path: str | os.PathLike[str], background: tuple[int, int, int] | None = None, tolerance: int = 12) -> float:
    """Share of pixels that differ from the background (default: the most common colour)."""
    from collections import Counter

    _, pixels = _pixels(png_path)
    if background is None:
        background = Counter(pixels).most_common(1)[0][0]
    far = sum(1 for p in pixels if max(abs(a - b) for a, b in zip(p, background)) > tolerance)
    return far / len(pixels)


def colour_fraction(png_path: str | os.PathLike[str], colour: str, tolerance: int = 40) -> float:
    """Share of pixels within `tolerance` (per channel) of `colour` (``#RRGGBB``)."""
    target = tuple(int(colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    _, pixels = _pixels(png_path)
    near = sum(1 for p in pixels if max(abs(a - b) for a, b in zip(p, target)) <= tolerance)
    return near / len(pixels)
