"""Names as they may be shown: invisible and direction-changing characters written out as escapes.

A file, station, sheet or column name comes from outside. Printed as it is, a right-to-left override
(U+202E) makes ``数据_\u202evsc.exe`` read as ``数据_exe.csv``, a zero-width space makes two names that
differ look the same, and a control character can move the cursor of a terminal. ``shown(name)`` is the
text to print: every such character becomes ``\\u202e`` (``\\x1b`` for ASCII controls, ``\\U000e0041``
beyond the basic plane); everything visible, Chinese included, stays as it is. Stored values keep the
original: only what is printed (terminal, reports, logs) goes through ``shown``.

Escaped: Unicode categories Cc (controls, tab and line breaks included), Cf (format: bidi controls,
zero-width characters, BOM, tag characters), Cs (lone surrogates, from undecodable file names), Co (private
use), Cn (unassigned), Zl and Zp (line and paragraph separators), and the spaces other than the ordinary
and the ideographic space (U+00A0, U+2000–U+200A, U+202F, U+205F, U+3164 …) that look like nothing or
like another character.
"""
from __future__ import annotations

import re
import unicodedata

__all__ = ["shown", "needs_escaping"]

_ESCAPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_KEPT_SPACES = {" ", "\u3000"}
#: characters that print as nothing but are letters or marks: Hangul fillers, the braille blank,
#: variation selectors
_INVISIBLE = re.compile("[\u115f\u1160\u3164\uffa0\u2800\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def _escaped(char: str) -> bool:
    category = unicodedata.category(char)
    if category in _ESCAPED_CATEGORIES:
        return True
    if category == "Zs":
        return char not in _KEPT_SPACES
    return _INVISIBLE.match(char) is not None


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def needs_escaping(text: str) -> bool:
    """Whether `text` holds a character that `shown` writes out."""
    if text.isprintable():  # C speed: no control, format, separator or unassigned character
        return _INVISIBLE.search(text) is not None
    return any(_escaped(c) for c in text)


def shown(value: object) -> str:
    """`value` as text safe to print: invisible and bidi characters written as ``\\uXXXX`` escapes."""
    text = value if isinstance(value, str) else str(value)
    if not needs_escaping(text):
        return text
    return "".join(_escape(c) if _escaped(c) else c for c in text)
