"""Receiving an upload: the multipart body streamed to the staging folder, each file with its sha256."""
from __future__ import annotations

import hashlib
import urllib.parse
from pathlib import Path
from typing import Any, BinaryIO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header

from publisher.publishing import integrity
from publisher.publishing.portal_server.common import MAX_MANIFEST, MAX_METADATA, MAX_PARTS, UploadError


# --------------------------------------------------------------------------- receiving an upload
class Receiver:
    """Streams one ``multipart/form-data`` body: metadata and manifest kept (capped), each file written
    to `staging` as it arrives with its sha256; memory stays bounded whatever the body's size."""

    def __init__(self, content_type: str, staging: Path):
        ctype, params = parse_options_header(content_type or "")
        boundary = params.get(b"boundary")
        if ctype != b"multipart/form-data" or not boundary:
            raise UploadError(400, "bad_request", "上传应为 multipart/form-data")
        self.staging = staging
        self.fields: dict[str, bytearray] = {}
        self.files: dict[str, str] = {}            # relative path -> sha256
        self.parts = 0
        self.ended = False
        self._headers: dict[str, str] = {}
        self._field, self._value = bytearray(), bytearray()
        self._sink: BinaryIO | bytearray | None = None
        self._limit = 0
        self._hash: Any = None
        self._name = ""
        try:
            self.parser = MultipartParser(boundary, {
                "on_part_begin": self._part_begin, "on_header_field": self._header_field,
                "on_header_value": self._header_value, "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished, "on_part_data": self._part_data,
                "on_part_end": self._part_end, "on_end": self._end})
        except (FormParserError, ValueError):
            raise UploadError(400, "bad_request", "multipart 分隔符无效") from None

    # -- feeding
    def write(self, data: bytes) -> None:
        try:
            self.parser.write(data)
        except FormParserError:
            raise UploadError(400, "bad_request", "multipart 正文格式有误") from None

    def finish(self) -> None:
        self._close()
        if not self.ended or self.parser.state != MultipartState.END:
            raise UploadError(400, "bad_request", "multipart 正文不完整")

    def _close(self) -> None:
        if self._sink is not None and not isinstance(self._sink, bytearray):
            self._sink.close()
        self._sink = None

    # -- callbacks
    def _part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise UploadError(400, "bad_request", f"分段超过 {MAX_PARTS} 个")
        self._headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._field.decode("latin-1").strip().lower()] = self._value.decode("latin-1")
        self._field, self._value = bytearray(), bytearray()

    def _headers_finished(self) -> None:
        kind, params = parse_options_header(self._headers.get("content-disposition", ""))
        name = params.get(b"name", b"").decode("latin-1")
        if kind != b"form-data":
            raise UploadError(400, "bad_request", "分段缺少 Content-Disposition: form-data")
        if name in ("metadata", "manifest"):
            if name in self.fields:
                raise UploadError(400, "bad_request", "上传须包含一个 metadata 分段和一个 manifest 分段")
            self._name, self._limit = name, MAX_METADATA if name == "metadata" else MAX_MANIFEST
            self._sink = self.fields[name] = bytearray()
            self._hash = None
            return
        if name != "file":
            raise UploadError(400, "bad_request", f"未知的分段 {name[:40]!r}（应为 metadata、manifest、file）")
        try:
            rel = urllib.parse.unquote(params.get(b"filename", b"").decode("ascii"), errors="strict")
        except UnicodeDecodeError:
            rel = ""
        if not integrity.safe_relpath(rel) or rel == integrity.MANIFEST:
            raise UploadError(400, "bad_path", f"文件名 {rel!r} 不允许")
        if rel in self.files:
            raise UploadError(400, "duplicate_file", f"文件 {rel} 重复上传")
        target = self.staging / rel
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._sink = open(target, "xb")  # noqa: SIM115 - closed in _part_end / finish
        except OSError:
            raise UploadError(400, "bad_path", f"文件名 {rel!r} 与其他文件的路径冲突") from None
        self._name, self._limit, self._hash = rel, 0, hashlib.sha256()
        self.files[rel] = ""

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if isinstance(self._sink, bytearray):
            if len(self._sink) + len(chunk) > self._limit:
                raise UploadError(413, "too_large", f"{self._name} 分段超过 {self._limit} 字节")
            self._sink += chunk
        elif self._sink is not None:
            self._sink.write(chunk)
            self._hash.update(chunk)

    def _part_end(self) -> None:
        if self._hash is not None:
            self.files[self._name] = self._hash.hexdigest()
        self._close()
        self._hash = None

    def _end(self) -> None:
        self.ended = True
