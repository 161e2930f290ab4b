"""Ids for parametrised cases that name the clause they pin, built from the standards data's own
``clause`` strings (so an id never drifts from the table it tests)."""
from __future__ import annotations

import re

from publisher import standards

_TABLE = re.compile(r"表\s*\d+")
_NUMBERED = re.compile(r"^\d+(?:\.\d+)*")


def short(clause: str) -> str:
    """The clause's table (``表1``) or, without one, its leading clause number (``5.1``)."""
    found = _TABLE.search(clause)
    if found:
        return found.group(0).replace(" ", "")
    found = _NUMBERED.match(clause.strip())
    return found.group(0) if found else clause.split()[0]


def clause_id(table_id: str, *keys: str, detail: tuple = ()) -> str:
    """``<table id>-<clause>-<detail…>``, the clause read at ``standards.get(table_id)[keys…]["clause"]``;
    without a clause there, the document number stands alone."""
    node = standards.get(table_id)
    for key in keys:
        node = node[key]
    clause = node.get("clause") if isinstance(node, dict) else None
    parts = [table_id, short(clause) if clause else None, *map(str, detail)]
    return "-".join(p for p in parts if p)


def document_id(table_id: str, *detail) -> str:
    """``<document number>-<detail…>`` for rules whose table carries no clause numbers (环办〔2011〕22号 …)."""
    number = standards.get(table_id)["meta"]["number"].replace(" ", "")
    return "-".join([number, *map(str, detail)])
