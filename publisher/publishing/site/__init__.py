"""The public side: the static disclosure site (``publisher site build`` → ``output/site/``), its link
check (``publisher site check``), the disclosure metadata (索引号 …), QR codes, withdrawals and
corrections. See docs/site.md.

Modules: :mod:`.columns` (kind → column table), :mod:`.config` (``site.yaml``), :mod:`.disclosure`
(索引号 allocated once in the ledger), :mod:`.archive` (the files of every published revision),
:mod:`.model` (what is published), :mod:`.corrections` (figures changed between versions),
:mod:`.withdrawal` (review decisions, the portal call, what is owed), :mod:`.build` (pages, feeds,
JSON), :mod:`.check` (the crawler), :mod:`.qr`.
"""
from __future__ import annotations
