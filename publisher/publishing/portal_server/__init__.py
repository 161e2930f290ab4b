"""The reference portal: a small public website that receives bulletins from ``publisher publish``.

Run it with ``publisher portal serve --root DIR --trusted-key FILE``. It uses the standard library's
threading HTTP server and keeps everything in files below ``DIR``::

    public/<kind>/<period>[/<area>]/v<N>/   the files of version N, byte for byte as uploaded
        .publication.json                   the upload's signed metadata (kept, never served)
    .staging/                               uploads being received (renamed into place whole)

Protocol (version 1, see docs/publishing.md and docs/security.md):

``POST /api/v1/bulletins`` (``multipart/form-data``, ``Authorization: Bearer <token>``): a part
``metadata`` (JSON, signed by a publisher instance), a part ``manifest`` (the bulletin's
manifest.json) and one part ``file`` per file the manifest lists, its ``filename`` the percent-encoded
relative path. The portal

1. refuses the request before reading its body without the token (401), without a length (411),
   beyond the size limit (413) or when ``max_uploads`` uploads are already being received (503 with
   ``Retry-After``); a client sending ``Expect: 100-continue`` is told before it sends anything;
2. streams the body through a multipart parser, each file straight to the staging folder with its
   sha256 (memory stays bounded whatever the size), metadata and manifest capped and their JSON
   depth bounded (``too_deep``);
3. checks the metadata's Ed25519 signature against the public keys it trusts (``unsigned``,
   ``unknown_key``, ``bad_signature``), its age (``stale_signature``), that the signed approvals cover
   every step of the kind's workflow in order with the roles of ``approval.yaml``
   (``approvals_incomplete``), the manifest's content hash against the signed ``manifest_sha256``
   and every file's sha256 against the manifest, and that exactly the listed files came;
4. orders versions by their signed time and sequence as well as by revision: an upload signed
   earlier than the current version is a replay (409 ``replayed_upload``).

Answers are JSON: 201 ``{"status": "published", "version", "path", "url"}`` (the URL from the
configured public address, never from the Host header); 200 ``already_published`` (same manifest
sha256 already stored); 4xx/503 ``{"error": code, "message": 中文}``.

``GET /`` the public index (Chinese); ``GET /api/v1/bulletins`` the same as JSON (without the signers'
names); ``GET /b/<kind>/<period>[/<area>]/v<N>/<file>`` a published file. Every answer carries a
Content-Security-Policy without inline script, ``frame-ancestors 'none'``/``X-Frame-Options: DENY``
and ``nosniff``; uploaded pages are served in a CSP ``sandbox`` (an opaque origin without script), so
even a signed page cannot script the portal's own pages.

The package, by concept: ``common`` (limits, headers, errors), ``storage`` (the files below ``DIR``),
``receiving`` (the streamed multipart body), ``checks`` (metadata, signature, approvals, manifest,
withdrawal requests), ``pages`` (the public index and the withdrawal notice), ``handler`` (HTTP) and
``server`` (start-up checks).
"""
from __future__ import annotations

from publisher.publishing.portal_server.checks import (
    check_approvals, check_manifest, check_metadata, check_signature, check_withdrawal)
from publisher.publishing.portal_server.common import (
    API_PATH, MAX_UPLOAD, MAX_UPLOADS, SERVER_TOKEN_ENV, SIGNATURE_MAX_AGE, WITHDRAW_PATH, PortalConfigError, UploadError)
from publisher.publishing.portal_server.handler import PortalHandler
from publisher.publishing.portal_server.pages import index_page, public_listing, withdrawal_page
from publisher.publishing.portal_server.receiving import Receiver
from publisher.publishing.portal_server.server import PortalServer
from publisher.publishing.portal_server.storage import PortalStore

__all__ = ["API_PATH", "MAX_UPLOAD", "MAX_UPLOADS", "SERVER_TOKEN_ENV", "SIGNATURE_MAX_AGE", "WITHDRAW_PATH",
           "PortalConfigError", "PortalHandler", "PortalServer", "PortalStore", "Receiver", "UploadError",
           "check_approvals", "check_manifest", "check_metadata", "check_signature", "check_withdrawal",
           "index_page", "public_listing", "withdrawal_page"]
