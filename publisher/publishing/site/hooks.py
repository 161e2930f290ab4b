"""The site's small hooks into other steps: what ``publisher publish`` adds to an upload and keeps
after it, what ``publisher build`` needs for the QR code, what ``publisher status`` prints."""
from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

from publisher.paths import Workspace
from publisher.publishing.site import archive, config, disclosure, model, qr, withdrawal
from publisher.store import Store

log = logging.getLogger(__name__)


def upload_disclosure(ws: Workspace, row: dict[str, Any], contents: dict[str, bytes]) -> dict[str, Any]:
    """The disclosure metadata sent (and signed) with an upload; allocates the item's 索引号."""
    try:
        issued = json.loads(contents["bulletin.json"].decode("utf-8")).get("issued")
    except (KeyError, ValueError, AttributeError):
        issued = None
    first = None
    for b in Store(ws).bulletins(kind=row["kind"], period=row["period"]):
        if b.get("area") == row.get("area"):
            for p in Store(ws).publications(int(b["id"])):
                if p["status"] == "ok" and (first is None or p["at"] < first):
                    first = p["at"]
    first = first or dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    return disclosure.metadata(ws, row["kind"], row["period"], row.get("area"), issued, first)


def keep_published(ws: Workspace, row: dict[str, Any], check: Any, metadata: dict[str, Any], url: str) -> None:
    """Keep the files of a revision that was published (archive/published/…), with its correction note."""
    try:
        folder = archive.keep(ws, row, check.contents, check.manifest_bytes)
        record = folder / ".published.json"
        if not record.exists():
            record.write_text(json.dumps({"note": metadata.get("note"), "corrects": metadata.get("corrects"),
                                          "disclosure": metadata.get("disclosure"), "url": url},
                                         ensure_ascii=False, indent=2), encoding="utf-8")
    except OSError as exc:   # the publication stands; the site falls back on the output folder
        log.warning("site.archive_failed kind=%s period=%s error=%s", row["kind"], row["period"], exc)


def bulletin_url(ws: Workspace, kind: str, period: str, area: str | None) -> str | None:
    """The public URL of a bulletin's page on the site (for its QR code), or None when the site's
    settings cannot be read (the build then goes on without a QR code and says so in the log)."""
    try:
        return model.public_url(config.load(ws), kind, period, area)
    except Exception as exc:  # noqa: BLE001 - a bad site.yaml must not stop a bulletin's build
        log.warning("site.no_qr kind=%s period=%s error=%s", kind, period, exc)
        return None


def write_qr(url: str, folder: Path) -> str:
    qr.write_png(url, folder / "qr.png")
    return "qr.png"


def status_text(ws: Workspace) -> str:
    """The withdrawals still owed, for ``publisher status`` (empty when none)."""
    try:
        return withdrawal.owed_text(withdrawal.owed(ws))
    except Exception as exc:  # noqa: BLE001 - the status report goes on
        return f"（无法读取撤回记录：{exc}）"
