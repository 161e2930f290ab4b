"""JSON and YAML from untrusted or hand-edited text, with a bound on nesting.

A document nested 100,000 levels deep makes the standard parsers raise ``RecursionError`` (the
pure-Python YAML composer and the json module both recurse once per level), which escapes the
callers' ``ValueError``/``YAMLError`` handlers. Nothing publisher reads is more than a few levels deep,
so these helpers refuse a document deeper than ``MAX_DEPTH`` with :class:`TooDeep` before (YAML) or
instead of (JSON) building it.

* :func:`load_yaml` walks the parser's event stream (an iterative state machine, libyaml when the
  wheel has it) counting open mappings and sequences, then loads with the safe loader; it raises
  :class:`TooDeep`, a ``yaml.YAMLError``, so the callers' existing handlers report it.
* :func:`load_json` parses with the json module and checks the depth of the result without recursion;
  a ``RecursionError`` of the parser is turned into :class:`TooDeep`, a ``ValueError``.
"""
from __future__ import annotations

import json
from typing import Any

import yaml

MAX_DEPTH = 64
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class TooDeep(yaml.YAMLError, ValueError):
    """A document nested deeper than allowed; ``line`` is 1-based when known."""

    def __init__(self, limit: int, line: int | None = None, what: str = "文档"):
        where = f"（第 {line} 行）" if line else ""
        super().__init__(f"{what}嵌套超过 {limit} 层{where}")
        self.limit, self.line = limit, line


def yaml_depth_ok(text: str, max_depth: int = MAX_DEPTH) -> None:
    """Raise :class:`TooDeep` when `text` opens more than `max_depth` nested mappings/sequences."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > max_depth:
                    raise TooDeep(max_depth, event.start_mark.line + 1 if event.start_mark else None, "YAML ")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        # libyaml's scanner, reading ahead, stops at its own limit (1000 levels) before the events do
        if "nesting depth" not in str(exc.problem or ""):
            raise
        mark = exc.problem_mark
        raise TooDeep(max_depth, mark.line + 1 if mark else None, "YAML ") from None


def load_yaml(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """``yaml.safe_load`` with a bound on nesting (:class:`TooDeep`, a ``yaml.YAMLError``)."""
    try:
        yaml_depth_ok(text, max_depth)
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except RecursionError:   # pragma: no cover - the depth check comes first
        raise TooDeep(max_depth, None, "YAML ") from None


def depth(value: Any) -> int:
    """How deeply lists and dicts nest in `value` (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            level += 1
            stack.extend((v, level) for v in item.values())
        elif isinstance(item, list):
            level += 1
            stack.extend((v, level) for v in item)
        deepest = max(deepest, level)
    return deepest


def load_json(data: bytes | str, max_depth: int = MAX_DEPTH, what: str = "JSON ") -> Any:
    """``json.loads`` that raises :class:`TooDeep` (a ``ValueError``) beyond `max_depth` levels."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise TooDeep(max_depth, None, what) from None
    if depth(value) > max_depth:
        raise TooDeep(max_depth, None, what)
    return value
