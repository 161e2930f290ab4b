"""The one place that finds the Chinese (CJK) fonts and hands them to matplotlib and to the pages.

Bulletins are set in Noto Sans CJK SC and Noto Serif CJK SC, which Debian ships in the package
``fonts-noto-cjk`` as font collections (``/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc``
holds the JP, KR, SC, TC and HK faces; the SC face is the one for Simplified Chinese). When no such
font is found, :class:`FontMissing` says which package to install.

Two facts shape the rest of the rendering layer:

- matplotlib's own font (DejaVu Sans) has no Chinese glyphs, and its mathtext does not fall back to
  another font, so chart text is plain Unicode: PM₂.₅ is written with the subscript characters
  U+2082 and U+2085, never ``$_{2.5}$``.
- Noto Sans CJK SC itself has no subscript digits (₂ ₅). matplotlib is therefore given a family
  list, ``["Noto Sans CJK SC", "DejaVu Sans"]``, and falls back glyph by glyph; pages use the CSS
  stacks of :func:`css_stack`, and WeasyPrint/Chromium fall back through fontconfig the same way.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from publisher.errors import PublisherError

#: Folders searched, in order, for the font files (Debian/Ubuntu first, then other layouts).
FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/opentype/noto-cjk"),
    Path("/usr/share/fonts/noto-cjk"),
    Path("/usr/share/fonts/google-noto-cjk"),
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
)

#: style -> (family name inside the collection, regular file names, bold file names), in preference order.
FAMILIES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "sans": (
        "Noto Sans CJK SC",
        ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "NotoSansSC-Regular.otf"),
        ("NotoSansCJK-Bold.ttc", "NotoSansCJKsc-Bold.otf", "NotoSansSC-Bold.otf"),
    ),
    "serif": (
        "Noto Serif CJK SC",
        ("NotoSerifCJK-Regular.ttc", "NotoSerifCJKsc-Regular.otf", "NotoSerifSC-Regular.otf"),
        ("NotoSerifCJK-Bold.ttc", "NotoSerifCJKsc-Bold.otf", "NotoSerifSC-Bold.otf"),
    ),
}

#: Families matplotlib falls back to, glyph by glyph, for what the CJK face lacks (₂ ₅ ₃).
#: DejaVu Sans ships inside matplotlib, so it is always there.
FALLBACK_FAMILIES: tuple[str, ...] = ("DejaVu Sans",)

#: Environment variable naming a font file to use instead of the search (a .ttc/.otf/.ttf).
ENV_OVERRIDE = "PUBLISHER_CJK_FONT"

INSTALL_HINT = (
    "未找到中文字体 Noto Sans CJK SC (font_missing)：请安装 Debian 软件包 fonts-noto-cjk"
    "（sudo apt-get install fonts-noto-cjk，或运行 make system / scripts/system-deps.sh），"
    f"或用环境变量 {ENV_OVERRIDE} 指定字体文件。已查找：{{searched}}"
)


class FontMissing(PublisherError):
    """No CJK font was found; the message names the Debian package that provides one."""


@dataclass(frozen=True)
class CJKFont:
    """One CJK face: where it is and how matplotlib, CSS and fontTools address it.

    Attributes
    ----------
    family : the face's family name, e.g. ``Noto Sans CJK SC`` (what CSS and matplotlib ask for).
    path : the regular-weight font file (a collection ``.ttc`` or a single ``.otf``).
    index : the face's number inside the collection (0 for a single-face file).
    bold_path, bold_index : the bold weight, when installed.
    """

    family: str
    path: Path
    index: int = 0
    bold_path: Path | None = None
    bold_index: int | None = None

    def missing(self, text: str) -> str:
        """The characters of `text` this face has no glyph for (whitespace ignored), in order, once each."""
        seen: list[str] = []
        for ch in text:
            if ch.isspace() or ch in seen:
                continue
            if ord(ch) not in self.codepoints():
                seen.append(ch)
        return "".join(seen)

    def codepoints(self) -> frozenset[int]:
        """Every code point the face maps to a glyph (read once with fontTools)."""
        return _codepoints(self.path, self.index)


@lru_cache(maxsize=None)
def _codepoints(path: Path, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), fontNumber=index, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def _faces(path: Path):
    """(index, family name) of each face in a font file, read one face at a time."""
    from matplotlib import ft2font

    first = ft2font.FT2Font(str(path))
    yield 0, first.family_name
    for i in range(1, first.num_faces):
        yield i, ft2font.FT2Font(str(path), face_index=i).family_name


def _index_of(path: Path, family: str) -> int | None:
    """The face number of `family` in `path`; matplotlib's font cache answers first, the file second."""
    from matplotlib import font_manager

    for entry in font_manager.fontManager.ttflist:
        if entry.name == family and Path(entry.fname) == path:
            return int(getattr(entry, "index", 0) or 0)
    return next((i for i, name in _faces(path) if name == family), None)


def _locate(names: tuple[str, ...], family: str, dirs: tuple[Path, ...]) -> tuple[Path, int] | None:
    for folder in dirs:
        for name in names:
            candidate = folder / name
            if candidate.is_file():
                index = _index_of(candidate, family)
                if index is not None:
                    return candidate, index
    return None


@lru_cache(maxsize=None)
def find(style: str = "sans") -> CJKFont:
    """The installed CJK face of `style` (``sans`` or ``serif``).

    ``$PUBLISHER_CJK_FONT`` (a font file) wins when set. Raises :class:`FontMissing`, naming the
    Debian package ``fonts-noto-cjk``, when nothing usable is installed.
    """
    if style not in FAMILIES:
        raise ValueError(f"unknown font style {style!r}; expected one of {sorted(FAMILIES)}")
    family, regular, bold = FAMILIES[style]
    override = os.environ.get(ENV_OVERRIDE)
    if override and style == "sans":
        path = Path(override)
        if not path.is_file():
            raise FontMissing(f"{ENV_OVERRIDE}={override} 不是字体文件 (font_missing)")
        faces = dict(_faces(path))
        index = next((i for i, name in faces.items() if name.endswith(" SC")), 0)
        return CJKFont(faces[index], path, index)
    found = _locate(regular, family, FONT_DIRS)
    if found is None:
        raise FontMissing(INSTALL_HINT.format(searched=", ".join(str(d) for d in FONT_DIRS)))
    strong = _locate(bold, family, FONT_DIRS)
    return CJKFont(
        family,
        found[0],
        found[1],
        strong[0] if strong else None,
        strong[1] if strong else None,
    )


def available(style: str) -> bool:
    """True when the face of `style` is installed."""
    try:
        find(style)
    except FontMissing:
        return False
    return True


def matplotlib_rc() -> dict[str, object]:
    """The rcParams that make matplotlib draw Chinese with the CJK face (with DejaVu Sans behind it)."""
    font = find("sans")
    return {
        "font.family": [font.family, *FALLBACK_FAMILIES],
        "font.sans-serif": [font.family, *FALLBACK_FAMILIES],
        "axes.unicode_minus": False,  # the CJK face has U+2212, but keep "-" as typed in tables
        "svg.fonttype": "path",  # SVGs carry outlines, so they do not depend on the reader's fonts
        "pdf.fonttype": 42,
    }


_registered = False


def use_in_matplotlib() -> CJKFont:
    """Register the CJK faces with matplotlib's font manager and make the sans face the default.

    Safe to call many times. Registration is needed when matplotlib's font cache was built before
    fonts-noto-cjk was installed; otherwise the faces are already known and nothing is added.
    """
    global _registered
    import matplotlib as mpl
    from matplotlib import font_manager

    font = find("sans")
    if not _registered:
        known = {(Path(f.fname), f.name) for f in font_manager.fontManager.ttflist}
        for style in FAMILIES:
            if not available(style):
                continue
            face = find(style)
            for path in (face.path, face.bold_path):
                if path is not None and (path, face.family) not in known:
                    font_manager.fontManager.addfont(str(path))
        _registered = True
    mpl.rcParams.update(matplotlib_rc())
    return font


def css_stack(style: str = "sans") -> str:
    """A CSS ``font-family`` value for `style`: the CJK face first, then fallbacks for ₂ ₅ and Latin."""
    families = {
        "sans": ['"Noto Sans CJK SC"', '"Source Han Sans SC"', '"DejaVu Sans"', "sans-serif"],
        "serif": ['"Noto Serif CJK SC"', '"Source Han Serif SC"', '"Noto Sans CJK SC"', '"DejaVu Serif"', "serif"],
    }
    return ", ".join(families[style])


def describe() -> dict[str, str | int | None]:
    """What the pages and charts will use, for ``publisher check`` and the manifest."""
    out: dict[str, str | int | None] = {}
    for style in FAMILIES:
        if available(style):
            face = find(style)
            out[f"{style}_family"] = face.family
            out[f"{style}_path"] = str(face.path)
            out[f"{style}_index"] = face.index
        else:
            out[f"{style}_family"] = None
    return out
