"""Checking an upload or a withdrawal: metadata, signature, approvals against the workflow, manifest."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from publisher import safeparse
from publisher.publishing import integrity, signing
from publisher.publishing.approval import normalise_name
from publisher.publishing.portal_server.common import (
    _KIND, _PERIOD, _SHA, _utc, _VERSION_DIR, CLOCK_SKEW, MAX_JSON_DEPTH, UploadError)


def _normal_name(name: str) -> str:
    """A signer's name for comparison, by the rule publisher signs with
    (:func:`publisher.publishing.approval.normalise_name`: NFKC, without invisible and format characters, spaces
    trimmed and collapsed), ignoring case."""
    return normalise_name(name).casefold()


def check_metadata(raw: bytes) -> dict[str, Any]:
    """The metadata part as a checked dict; UploadError(400) otherwise."""
    try:
        metadata = safeparse.load_json(raw.decode("utf-8"), MAX_JSON_DEPTH, "metadata ")
    except safeparse.TooDeep as exc:
        raise UploadError(400, "too_deep", f"{exc}，不予处理") from None
    except ValueError:
        metadata = None
    if not isinstance(metadata, dict):
        raise UploadError(400, "bad_metadata", "metadata 不是 JSON 对象")
    area = metadata.get("area") or None
    problems = []
    if not isinstance(metadata.get("kind"), str) or not _KIND.match(metadata["kind"]):
        problems.append("kind")
    if not isinstance(metadata.get("period"), str) or not _PERIOD.match(metadata["period"]):
        problems.append("period")
    if area is not None and (not isinstance(area, str) or not integrity.safe_relpath(area) or "/" in area
                             or _VERSION_DIR.match(area) or len(area) > 64):
        problems.append("area")
    for name in ("revision", "sequence"):       # sequence: checked here when present, required by the signature
        value = metadata.get(name)
        if (name == "revision" or name in metadata) and (not isinstance(value, int) or isinstance(value, bool)
                                                         or value < 1):
            problems.append(name)
    if not isinstance(metadata.get("manifest_sha256"), str) or not _SHA.match(metadata["manifest_sha256"]):
        problems.append("manifest_sha256")
    if not isinstance(metadata.get("approvals", []), list):
        problems.append("approvals")
    if "signed_at" in metadata and _utc(metadata["signed_at"]) is None:
        problems.append("signed_at")
    if problems:
        raise UploadError(400, "bad_metadata", f"metadata 字段有误：{', '.join(problems)}")
    return metadata


def check_signature(metadata: dict[str, Any], trusted: dict[str, Any], max_age: dt.timedelta,
                    now: dt.datetime | None = None) -> str:
    """The signing key's id; UploadError(403) when unsigned, unknown, forged or stale."""
    try:
        key = signing.verify(metadata, trusted)
    except signing.SigningError as exc:
        raise UploadError(403, exc.code, exc.message) from None
    signed_at = _utc(metadata.get("signed_at"))
    if signed_at is None or not isinstance(metadata.get("sequence"), int):
        raise UploadError(403, "bad_signature", "签名内容缺少签名时间或发布序号")
    now = now or dt.datetime.now(dt.timezone.utc)
    if signed_at > now + CLOCK_SKEW:
        raise UploadError(403, "stale_signature", f"签名时间 {metadata['signed_at']} 晚于门户当前时间，请核对时钟")
    if now - signed_at > max_age:
        raise UploadError(403, "stale_signature",
                          f"签名时间 {metadata['signed_at']} 已超过 {max_age.total_seconds() / 3600:g} 小时，"
                          f"旧的上传不能重放；请重新运行 publisher publish")
    return key


def check_approvals(metadata: dict[str, Any], policy: Any) -> None:
    """The signed approvals must cover every step of the kind's workflow, in order, with its roles."""
    approvals = metadata.get("approvals") or []
    problems: list[str] = []
    if not all(isinstance(a, dict) and all(isinstance(a.get(k), str) for k in ("step", "role", "by", "at"))
               for a in approvals):
        raise UploadError(400, "bad_metadata", "metadata 字段有误：approvals（每项须有 step、role、by、at）")
    steps = policy.workflow(metadata["kind"])
    known = {s.id for s in steps}
    previous: dt.datetime | None = None
    people: dict[str, str] = {}
    signed_at = _utc(metadata.get("signed_at"))
    for step in steps:
        mine = [a for a in approvals if a["step"] == step.id]
        if len(mine) != 1:
            problems.append(f"缺少“{step.name}”（{step.id}）" if not mine else f"“{step.name}”出现 {len(mine)} 次")
            continue
        decision = mine[0]
        if decision["role"] not in step.roles:
            problems.append(f"“{step.name}”的签署角色 {decision['role']!r} 不是 {'、'.join(step.roles)} 之一")
        at = _utc(decision["at"])
        if at is None:
            problems.append(f"“{step.name}”的时间 {decision['at']!r} 无效")
        else:
            if previous is not None and at < previous:
                problems.append(f"“{step.name}”早于前一步骤")
            if signed_at is not None and at > signed_at:
                problems.append(f"“{step.name}”晚于签名时间")
            previous = at
        who = _normal_name(decision["by"])
        if not who:
            problems.append(f"“{step.name}”缺少签署人")
        elif policy.distinct_people and who in people:
            problems.append(f"{who} 同时签署了“{people[who]}”和“{step.name}”")
        people.setdefault(who, step.name)
    extra = sorted({a["step"] for a in approvals} - known)
    if extra:
        problems.append(f"流程之外的步骤 {', '.join(e[:40] for e in extra)}")
    if problems:
        raise UploadError(403, "approvals_incomplete",
                          f"上传所附的审核记录不符合 {metadata['kind']} 的审核流程：{'；'.join(problems)}")


def check_manifest(metadata: dict[str, Any], manifest_bytes: bytes, files: dict[str, str]) -> None:
    """The manifest must hash to the signed ``manifest_sha256``, name the bulletin and list exactly the
    files that came, with their sha256."""
    try:
        manifest = safeparse.load_json(manifest_bytes.decode("utf-8"), MAX_JSON_DEPTH, "manifest ")
        listed = manifest["files"]
        assert isinstance(listed, dict) and all(isinstance(v, str) for v in listed.values())
    except safeparse.TooDeep as exc:
        raise UploadError(400, "too_deep", f"{exc}，不予处理") from None
    except (ValueError, KeyError, TypeError, AssertionError):
        raise UploadError(400, "bad_manifest", "manifest 无法读取") from None
    if integrity.content_sha256(manifest) != metadata["manifest_sha256"] \
            or manifest.get("content_sha256") != metadata["manifest_sha256"]:
        raise UploadError(400, "manifest_mismatch", "manifest 的内容哈希与 metadata.manifest_sha256 不一致")
    area = metadata.get("area")
    expected = "/".join([metadata["kind"], metadata["period"], *([area] if area else [])])
    if "bulletin" in manifest and manifest["bulletin"] != expected:
        raise UploadError(400, "bulletin_mismatch",
                          f"manifest 所属公报 {str(manifest['bulletin'])[:80]!r} 与 metadata 的 {expected!r} 不一致")
    for rel in listed:
        if not integrity.safe_relpath(rel):
            raise UploadError(400, "bad_manifest", f"manifest 列出了不安全的路径 {rel[:80]!r}")
    missing = sorted(set(listed) - set(files))
    extra = sorted(set(files) - set(listed))
    if missing:
        raise UploadError(400, "missing_file", f"缺少文件：{'、'.join(missing[:5])}")
    if extra:
        raise UploadError(400, "unexpected_file", f"manifest 未列出的文件：{'、'.join(extra[:5])}")
    changed = sorted(rel for rel, digest in files.items() if digest != listed[rel])
    if changed:
        raise UploadError(400, "file_mismatch", f"文件的 sha256 与 manifest 不符：{'、'.join(changed[:5])}")




def check_withdrawal(raw: bytes) -> dict[str, Any]:
    """A withdrawal request as a checked dict (the fields an upload's metadata has, without revision and
    manifest; ``action`` = ``withdraw`` and a ``reason``); UploadError(400) otherwise."""
    try:
        metadata = safeparse.load_json(raw.decode("utf-8"), MAX_JSON_DEPTH, "withdrawal ")
    except safeparse.TooDeep as exc:
        raise UploadError(400, "too_deep", f"{exc}，不予处理") from None
    except (ValueError, UnicodeDecodeError):
        metadata = None
    if not isinstance(metadata, dict):
        raise UploadError(400, "bad_metadata", "撤回请求不是 JSON 对象")
    probe = {**metadata, "revision": 1, "manifest_sha256": "0" * 64}
    check_metadata(json.dumps(probe, ensure_ascii=False).encode("utf-8"))
    reason = metadata.get("reason")
    if metadata.get("action") != "withdraw" or not isinstance(reason, str) or not reason.strip() \
            or len(reason) > 2000:
        raise UploadError(400, "bad_metadata", "撤回请求须有 action=withdraw 和撤回原因 reason（不超过 2000 字）")
    return metadata
