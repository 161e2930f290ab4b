"""The portal's limits, paths and security headers, and the errors it answers with."""
from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from publisher.errors import PublisherError


log = logging.getLogger("publisher.publishing.portal")

API_PATH = "/api/v1/bulletins"
WITHDRAW_PATH = "/api/v1/withdrawals"
WITHDRAWAL = ".withdrawal.json"       # beside the versions of a withdrawn bulletin; kept, never served
SITE_PATH = "/site/"                  # the static site (publisher site build), when --site is given
CSS_PATH = "/portal.css"
RECORD = ".publication.json"
SERVER_TOKEN_ENV = "PUBLISHER_PORTAL_SERVER_TOKEN"   # the portal's own token (never the client's variable)
MIN_TOKEN_LENGTH = 16
MAX_UPLOAD = 256 * 1024 * 1024
MAX_METADATA = 1024 * 1024
MAX_MANIFEST = 16 * 1024 * 1024
MAX_PARTS = 10_000
MAX_UPLOADS = 2                      # uploads received at the same time; more get 503 + Retry-After
RETRY_AFTER = 10
MAX_JSON_DEPTH = 16
SIGNATURE_MAX_AGE = dt.timedelta(hours=24)
CLOCK_SKEW = dt.timedelta(minutes=5)
CHUNK = 64 * 1024
BEIJING = dt.timezone(dt.timedelta(hours=8))
_KIND = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_PERIOD = re.compile(r"^\d{4}(-Q[1-4]|-\d{2}(-\d{2})?)?$")
_SHA = re.compile(r"^[0-9a-f]{64}$")
_VERSION_DIR = re.compile(r"^v(\d+)$")
#: links offered for each version, in this order, when the bulletin has the file
LINKS = (("index.html", "网页"), ("bulletin.pdf", "PDF"), ("data.csv", "CSV"), ("data.xlsx", "Excel"),
         ("bulletin.json", "JSON"))

#: the portal's own pages: no script at all, styles and images from the portal only, never framed
PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")
#: uploaded pages (HTML, SVG, XML): a sandbox (opaque origin, no script, no forms), inline styles of the
#: bulletin allowed, images and fonts from the portal or data: URIs, nothing else
SANDBOX_CSP = ("sandbox; default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
               "font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
#: other uploaded files (images, CSV, Excel, JSON): nothing to run and never framed
FILE_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"
#: PDF: only never framed (a stricter policy would keep the browser's own PDF viewer from starting)
PDF_CSP = "frame-ancestors 'none'"
_ACTIVE_TYPES = ("text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml")


class UploadError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


class PortalConfigError(PublisherError):
    """The portal cannot start as configured; ``code`` is the stable English code."""

    def __init__(self, message: str, code: str):
        super().__init__(f"{message} [{code}]")
        self.code = code


def _utc(text: Any) -> dt.datetime | None:
    """An ISO time with its offset as an aware datetime, or None."""
    if not isinstance(text, str):
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def _order(record: dict[str, Any]) -> tuple[dt.datetime, int]:
    """Where a version stands in signing order (records older than signatures come first)."""
    floor = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    seq = record.get("sequence")
    return _utc(record.get("signed_at")) or floor, seq if isinstance(seq, int) else 0
