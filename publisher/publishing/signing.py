"""The publisher instance's signing key, and signatures over what is published.

Every upload to the portal carries its metadata (kind, period, area, revision, manifest sha256, the
review decisions in force, the correction note, the time of signing and a publication sequence)
signed with the instance's Ed25519 key. The portal is started with the public keys it trusts and
refuses anything that does not verify, so neither a stolen upload token nor a process on the portal's
machine can publish or replace a bulletin without the key of a publisher instance.

* The key is made on first use at ``<home>/keys/publisher-ed25519.pem`` (PKCS#8, folder 0700, file
  0600, written whole then linked into place, so two processes never make two keys). It is never
  printed, logged or stored in the ledger; a key file readable by others is refused
  (``key_permissions``), as ssh does.
* ``publisher portal key`` prints the PUBLIC key (PEM) and its id for the portal operator.
* What is signed is the canonical JSON of the metadata without its ``signature`` member: keys sorted,
  UTF-8, no whitespace (``json.dumps(..., sort_keys=True, ensure_ascii=False, separators=(",", ":"))``),
  no NaN. ``signature`` is ``{"alg": "ed25519", "key_id", "value"}``, ``value`` in base64.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import uuid
from pathlib import Path
from typing import Any, Iterable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from publisher.errors import PublisherError

KEY_DIR = "keys"
KEY_FILE = "publisher-ed25519.pem"
ALG = "ed25519"


class SigningError(PublisherError):
    """A key cannot be read or made, or a signature does not verify; ``code`` is the stable code."""

    def __init__(self, message: str, code: str):
        super().__init__(f"{message} [{code}]")
        self.code = code
        self.message = message


def key_path(home: str | os.PathLike[str]) -> Path:
    return Path(home) / KEY_DIR / KEY_FILE


def canonical(obj: Any) -> bytes:
    """The bytes that are signed: sorted keys, UTF-8, compact separators, no NaN."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def key_id(public: Ed25519PublicKey) -> str:
    """A short stable name of a public key: the first 16 hex digits of sha256 of its raw 32 bytes."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


# --------------------------------------------------------------------------- the instance key
def instance_key(home: str | os.PathLike[str], create: bool = True) -> Ed25519PrivateKey:
    """The instance's private key, made on first use (``create``); never printed or logged."""
    path = key_path(home)
    if not path.exists():
        if not create:
            raise SigningError(f"没有签名密钥 {path}（publisher portal key 会生成）", "no_key")
        _create(path)
    mode = path.stat().st_mode
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SigningError(f"签名密钥 {path} 的权限为 {stat.filemode(mode)}，其他用户可读；"
                           f"请执行 chmod 600 {path}", "key_permissions")
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SigningError(f"签名密钥 {path} 无法读取（{type(exc).__name__}）", "bad_key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"签名密钥 {path} 不是 Ed25519 私钥", "bad_key")
    return key


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(path.parent, 0o700)
    data = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM,
                                                      serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption())
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp, path)          # never replaces a key another process made meanwhile
        except FileExistsError:
            pass
    finally:
        temp.unlink(missing_ok=True)


def instance_public(home: str | os.PathLike[str]) -> Ed25519PublicKey:
    return instance_key(home).public_key()


# --------------------------------------------------------------------------- signing and verifying
def sign(document: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """`document` with a ``signature`` member over its canonical JSON (without ``signature``)."""
    body = {k: v for k, v in document.items() if k != "signature"}
    value = key.sign(canonical(body))
    return {**body, "signature": {"alg": ALG, "key_id": key_id(key.public_key()),
                                  "value": base64.b64encode(value).decode("ascii")}}


def load_trusted(paths: Iterable[str | os.PathLike[str]]) -> dict[str, Ed25519PublicKey]:
    """The public keys in PEM files (a file may hold several), by key id."""
    trusted: dict[str, Ed25519PublicKey] = {}
    for path in paths:
        try:
            text = Path(path).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise SigningError(f"受信任的公钥文件 {path} 无法读取：{exc}", "bad_trusted_key") from None
        blocks = [b for b in text.split("-----END PUBLIC KEY-----") if "-----BEGIN PUBLIC KEY-----" in b]
        if not blocks:
            raise SigningError(f"受信任的公钥文件 {path} 中没有 PEM 公钥（publisher portal key 的输出）",
                               "bad_trusted_key")
        for block in blocks:
            pem = block[block.index("-----BEGIN PUBLIC KEY-----"):] + "-----END PUBLIC KEY-----\n"
            try:
                public = serialization.load_pem_public_key(pem.encode("ascii"))
            except ValueError:
                raise SigningError(f"受信任的公钥文件 {path} 中有无法读取的公钥", "bad_trusted_key") from None
            if not isinstance(public, Ed25519PublicKey):
                raise SigningError(f"受信任的公钥文件 {path} 中的公钥不是 Ed25519", "bad_trusted_key")
            trusted[key_id(public)] = public
    return trusted


def verify(document: dict[str, Any], trusted: dict[str, Ed25519PublicKey]) -> str:
    """The key id that signed `document`; SigningError (``unsigned``, ``unknown_key``, ``bad_signature``)."""
    sig = document.get("signature")
    if not isinstance(sig, dict) or not isinstance(sig.get("value"), str) or not isinstance(sig.get("key_id"), str):
        raise SigningError("上传未附签名（须由受信任的 publisher 实例签名）", "unsigned")
    if sig.get("alg") != ALG:
        raise SigningError(f"不支持的签名算法 {str(sig.get('alg'))[:20]!r}", "bad_signature")
    public = trusted.get(sig["key_id"])
    if public is None:
        raise SigningError(f"签名密钥 {sig['key_id'][:32]!r} 不在门户受信任的公钥中", "unknown_key")
    try:
        value = base64.b64decode(sig["value"], validate=True)
        body = {k: v for k, v in document.items() if k != "signature"}
        public.verify(value, canonical(body))
    except (InvalidSignature, ValueError, TypeError):
        raise SigningError("签名验证失败：上传内容与签名不符", "bad_signature") from None
    return sig["key_id"]
