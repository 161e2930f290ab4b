"""Looking at a page: a screenshot with headless Chromium (Debian ``chromium``), PDF pages as PNG and the
PDF's text with poppler (``poppler-utils``). For checks and reviews; a build never needs them."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from publisher.render.pages import RenderError


class ToolMissing(RenderError):
    """An external program (chromium, pdftoppm) is not installed; the message names the package."""


CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_path() -> str | None:
    """The headless browser on PATH (Debian package ``chromium``), or None."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_png(
    html_path: str | os.PathLike[str],
    png_path: str | os.PathLike[str],
    *,
    width: int = 1000,
    height: int = 1400,
    timeout: float = 60.0,
) -> Path:
    """Screenshot the page with headless Chromium (a throw-away profile, no network services)."""
    browser = chromium_path()
    if browser is None:
        raise ToolMissing("未找到 chromium (tool_missing)：请安装 Debian 软件包 chromium（apt-get install chromium）")
    html_path, png_path = Path(html_path).resolve(), Path(png_path).resolve()
    png_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="publisher-chromium-") as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--user-data-dir={profile}",
            f"--screenshot={png_path}",
            f"--window-size={width},{height}",
            html_path.as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not png_path.exists():
        raise RenderError(f"chromium 截图失败 (screenshot_failed) rc={done.returncode}: {done.stderr.strip()[-500:]}")
    return png_path


def pdf_to_png(
    pdf_path: str | os.PathLike[str],
    out_prefix: str | os.PathLike[str],
    *,
    dpi: int = 80,
    first: int | None = None,
    last: int | None = None,
) -> list[Path]:
    """Pages of a PDF as PNGs ``<out_prefix>-<n>.png`` (pdftoppm, Debian package ``poppler-utils``)."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise ToolMissing("未找到 pdftoppm (tool_missing)：请安装 Debian 软件包 poppler-utils")
    prefix = Path(out_prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    command = [tool, "-png", "-r", str(dpi)]
    if first:
        command += ["-f", str(first)]
    if last:
        command += ["-l", str(last)]
    subprocess.run([*command, str(pdf_path), str(prefix)], check=True, capture_output=True, timeout=120)
    return sorted(prefix.parent.glob(f"{prefix.name}-*.png"))


def pdf_text(pdf_path: str | os.PathLike[str]) -> str:
    """The text of a PDF (pdftotext from poppler-utils), for checks that the Chinese text is there."""
    tool = shutil.which("pdftotext")
    if tool is None:
        raise ToolMissing("未找到 pdftotext (tool_missing)：请安装 Debian 软件包 poppler-utils")
    done = subprocess.run([tool, "-enc", "UTF-8", "-layout", str(pdf_path), "-"], check=True, capture_output=True, timeout=120)
    return done.stdout.decode("utf-8")
