"""The bulletins: one module per kind, each assembling its figures from the store.

A kind is one entry in :data:`KINDS` (kind → module). Its module exposes ``KIND`` (the id used on the
command line and in output paths), ``TEMPLATE`` (a file in templates/) and
``assemble(job: Job) -> Bulletin``. What the bureau promises about it — the title its page prints, the
cadence, the station kinds it waits for, the issue date and the deadline — is the catalogue
(:mod:`publisher.bulletins.catalogue`, ``publisher/defaults/bulletins.yaml``); a kind not listed there yet
gives ``TITLE_ZH`` and ``CADENCE`` in its module. Optionally ``render_extra(bulletin, folder)`` writes files
of its own beside the usual ones (the annual bulletin's DOCX). ``publisher.bulletins.build.build()`` renders a Bulletin into
``output/<kind>/<period>/``: index.html with its charts, bulletin.pdf, data.csv (UTF-8 with BOM),
data.xlsx, bulletin.json (every figure, with the source files and standards behind it) and
manifest.json.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from publisher.errors import PublisherError

#: kind -> module, in the order bulletins are listed and built.
KINDS: dict[str, str] = {
    "water-sources": "publisher.bulletins.water.sources",
    "water-sources-county": "publisher.bulletins.water.sources_county",
    "water-sections": "publisher.bulletins.water.sections",
    "air-monthly": "publisher.bulletins.air.monthly",
    "air-daily": "publisher.bulletins.air.daily",
    "annual": "publisher.bulletins.annual",
    "supervisory": "publisher.bulletins.supervisory",
}


def module(kind: str) -> ModuleType:
    """The module that assembles bulletins of `kind`."""
    if kind not in KINDS:
        raise PublisherError(f"未知的公报类型 {kind!r} (unknown_kind)；可选：{', '.join(KINDS)}")
    return importlib.import_module(KINDS[kind])
