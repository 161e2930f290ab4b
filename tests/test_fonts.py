"""The CJK font: found in fonts-noto-cjk, registered with matplotlib, a clear error without it."""
from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import pytest
from matplotlib import font_manager

from publisher.render import fonts

BULLETIN_TEXT = "保山市生态环境质量月报 劣Ⅴ类 Ⅰ～Ⅲ类 优良天数比例 µg/m³ mg/L ℃ 第1页 （综合指数）：—"


def test_sans_face_is_simplified_chinese_from_noto_cjk():
    face = fonts.find("sans")
    assert face.family == "Noto Sans CJK SC"
    assert face.path.is_file()
    assert face.missing(BULLETIN_TEXT) == ""


def test_the_cjk_face_lacks_subscripts_and_the_fallback_has_them():
    """Why matplotlib gets a family list: Noto CJK has no ₂ ₅, DejaVu Sans (shipped with matplotlib) has."""
    assert fonts.find("sans").missing("PM₂.₅") == "₂₅"
    dejavu = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"), fallback_to_default=False)
    face = fonts.CJKFont("DejaVu Sans", Path(dejavu), 0)
    assert face.missing("PM₂.₅ O₃ SO₂") == ""


def test_matplotlib_uses_the_cjk_face_first():
    fonts.use_in_matplotlib()
    assert mpl.rcParams["font.family"][:2] == ["Noto Sans CJK SC", "DejaVu Sans"]
    assert mpl.rcParams["axes.unicode_minus"] is False
    found = font_manager.findfont(font_manager.FontProperties(family="Noto Sans CJK SC"), fallback_to_default=False)
    assert "NotoSansCJK" in str(found)


def test_css_stacks_name_the_faces():
    assert fonts.css_stack("sans").startswith('"Noto Sans CJK SC"')
    assert fonts.css_stack("serif").startswith('"Noto Serif CJK SC"')


def test_missing_font_names_the_debian_package(tmp_path, monkeypatch):
    monkeypatch.setattr(fonts, "FONT_DIRS", (tmp_path,))
    monkeypatch.delenv(fonts.ENV_OVERRIDE, raising=False)
    fonts.find.cache_clear()
    try:
        with pytest.raises(fonts.FontMissing, match="fonts-noto-cjk"):
            fonts.find("sans")
    finally:
        fonts.find.cache_clear()
