"""``publisher approve``, ``publisher history``, ``publisher publish``, ``publisher portal serve`` and
``publisher portal key``."""
from __future__ import annotations

import json
import logging
import os
import sys

import click

from publisher.bulletins import KINDS
from publisher.paths import workspace

_kind = click.option("--kind", required=True, type=click.Choice(list(KINDS)), help="Bulletin kind.")
_period = click.option("--period", required=True, help="2026-05 (month), 2026-Q2 (quarter) or 2026-05-01 (day).")
_area = click.option("--area", default=None, help="The area, for kinds built per area.")
_home = click.option("--home", type=click.Path(file_okay=False), default=None, help="Workspace folder.")


@click.command()
@_kind
@_period
@_area
@click.option("--by", "by", required=True, help="Who signs (the name written in the ledger).")
@click.option("--role", required=True, help="The role signed as; it names the step (see approval.yaml).")
@click.option("--reject", is_flag=True, help="Record a rejection (needs --note with the reason).")
@click.option("--note", default=None, help="Opinion or reason, kept with the decision.")
@_home
def approve(kind: str, period: str, area: str | None, by: str, role: str, reject: bool, note: str | None,
            home: str | None) -> None:
    """Record a review decision on the latest revision of a bulletin.

    \b
    The steps and roles come from approval.yaml (default: 保密审查 by 保密审查员 or
    业务科室负责人, then 审批 by 分管局领导 or 局长). An approval is recorded only when the
    bulletin's files still match the manifest of that revision. The name is stored normalised
    (invisible characters removed, spaces collapsed), with the operating-system account.
    Example:
      publisher approve --kind water-sources --period 2026-05 --by 审核人甲 --role 保密审查员
      publisher approve --kind water-sources --period 2026-05 --by 审核人乙 --role 分管局领导
      publisher approve --kind water-sources --period 2026-05 --by 审核人乙 --role 分管局领导 \\
          --reject --note "第二段表述需修改"
    """
    from publisher.publishing.approval import decide, latest_revision, os_account, review_notes
    from publisher.store import Store

    ws = workspace(home)
    _echo_review(review_notes(latest_revision(Store(ws), kind, period, area)))
    os_user, os_uid = os_account()
    result = decide(ws, kind, period, by=by, role=role, area=area, reject=reject, note=note, via="cli",
                    os_user=os_user, os_uid=os_uid)
    click.echo(result.message)


def _how(decision: dict) -> str:
    """How a decision was given: （命令行，系统用户 alice） for ``publisher approve``."""
    if decision.get("via") == "cli":
        return f"（命令行，系统用户 {decision.get('os_user') or '未知'}）"
    if decision.get("via") == "desk":
        return "（审核台账户）"
    if decision.get("via"):
        return f"（{decision['via']}）"
    return ""


def _echo_review(notes: list[dict[str, str]]) -> None:
    """The notes for the reviewers of a revision (never on the public page), one per line."""
    if notes:
        click.echo("    审核提示（不对外公开）：")
        for n in notes:
            click.echo(f"      - {n['text']}")


@click.command()
@click.option("--kind", default=None, type=click.Choice(list(KINDS)), help="Only this kind.")
@click.option("--period", default=None, help="Only this period.")
@_area
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_home
def history(kind: str | None, period: str | None, area: str | None, as_json: bool, home: str | None) -> None:
    """List built revisions with their review decisions and publications."""
    from publisher.publishing.approval import history as revisions

    from publisher.publishing.transport import redact_url

    rows = revisions(workspace(home), kind, period, area)
    for r in rows:   # ledgers written before addresses with credentials were refused may hold some
        r["publications"] = [{**p, "target": redact_url(p["target"]), "url": redact_url(p["url"]),
                              "detail": redact_url(p["detail"])} for p in r["publications"]]
    if as_json:
        click.echo(json.dumps({"revisions": rows}, ensure_ascii=False, indent=2, default=str))
        return
    if not rows:
        click.echo("台账中没有符合条件的公报")
        return
    for r in rows:
        where = f"{r['kind']} {r['period']}" + (f" {r['area']}" if r["area"] else "")
        click.echo(f"{where}  第{r['revision']}版  编制于 {r['built_at']}  清单 {r['manifest_sha256'][:12]}  "
                   f"[{r['state']}] {r['summary']}")
        for d in r["approvals"]:
            verdict = "驳回" if d["decision"] == "rejected" else "通过"
            note = f"  意见：{d['note']}" if d["note"] else ""
            click.echo(f"    {d['at']}  {verdict}  {d['role'] or ''} {d['approved_by']}{_how(d)}{note}")
        _echo_review(r["review"])
        for s in r["steps"]:
            if r["latest"] and s["state"] != "approved":
                label = {"pending": "待办", "rejected": "已驳回", "stale": "需重新审核"}[s["state"]]
                click.echo(f"    {s['name']}：{label}")
        for p in r["publications"]:
            detail = json.loads(p["detail"] or "{}")
            if p["status"] == "ok":
                click.echo(f"    {p['at']}  已发布  门户第{detail.get('version')}版  {p['url']}")
            else:
                click.echo(f"    {p['at']}  发布失败  {p['target']}  {detail.get('message', '')} "
                           f"[{detail.get('error', '')}]")


@click.command()
@_kind
@_period
@_area
@click.option("--portal", default=None, help="The portal's base URL. Default: $PUBLISHER_PORTAL.")
@click.option("--note", default=None, help="更正说明 shown on the portal when this corrects an earlier version.")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds to wait for the portal on each attempt.")
@click.option("--attempts", default=3, show_default=True, type=click.IntRange(min=1, max=10),
              help="Attempts when the portal is unreachable or answers 408/429/5xx (backoff 1, 2, 4 … s).")
@_home
def publish(kind: str, period: str, area: str | None, portal: str | None, note: str | None, timeout: float,
            attempts: int, home: str | None) -> None:
    """Upload the latest revision of an approved bulletin to the portal.

    \b
    Refused unless every review step is approved and the files still match the manifest.
    The upload is signed with this instance's key (see publisher portal key). The upload token
    is read from $PUBLISHER_PORTAL_TOKEN and is sent only over https:// or to a loopback
    address; credentials written in the address (http://user:pass@host) are refused. Example:
      PUBLISHER_PORTAL=http://portal.example:8765 publisher publish --kind water-sources --period 2026-05
    """
    from publisher.publishing.portal import publish as publish_one

    result = publish_one(workspace(home), kind, period, area, portal, note=note, timeout=timeout,
                         attempts=attempts)
    if not result.ok:
        raise click.ClickException(result.message)
    click.echo(result.message)


@click.group()
def portal() -> None:
    """The reference portal that receives published bulletins."""


@portal.command()
@click.option("--root", required=True, type=click.Path(file_okay=False), help="Folder the portal keeps its files in.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free).")
@click.option("--trusted-key", "trusted_keys", multiple=True, required=True,
              type=click.Path(dir_okay=False, exists=True),
              help="PEM file with the public key(s) of the publisher instances whose signed uploads are "
                   "accepted (the output of publisher portal key); repeatable.")
@click.option("--approval-config", type=click.Path(dir_okay=False, exists=True), default=None,
              help="The review workflow uploads must carry (approval.yaml layout). Default: the shipped one.")
@click.option("--public-url", default=None,
              help="The portal's public base address, used in the URLs it answers. Default: the listening address.")
@click.option("--max-uploads", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Uploads received at the same time; more are answered 503 with Retry-After.")
@click.option("--max-upload-mb", default=256, show_default=True, type=click.IntRange(1, 4096),
              help="Largest upload body, in MiB (413 beyond).")
@click.option("--insecure-no-token", is_flag=True,
              help="Accept uploads without a token: loopback addresses only, for local trials.")
@click.option("--site", "site_root", type=click.Path(file_okay=False), default=None,
              help="Also serve this static site (publisher site build's output/site) under /site/.")
@click.option("-q", "--quiet", is_flag=True, help="Do not log requests.")
def serve(root: str, host: str, port: int, trusted_keys: tuple[str, ...], approval_config: str | None,
          public_url: str | None, max_uploads: int, max_upload_mb: int, insecure_no_token: bool,
          site_root: str | None, quiet: bool) -> None:
    """Serve the public index and accept signed uploads from publisher publish.

    \b
    Uploads need `Authorization: Bearer $PUBLISHER_PORTAL_SERVER_TOKEN` (the portal's own
    variable; publisher publish sends $PUBLISHER_PORTAL_TOKEN) and metadata signed by a key
    given with --trusted-key. Without a token the portal does not start, unless
    --insecure-no-token is given, which works on a loopback address only. Example:
      publisher portal key --home /srv/publisher > publisher.pub
      PUBLISHER_PORTAL_SERVER_TOKEN=… publisher portal serve --root /srv/portal --trusted-key publisher.pub
    """
    from publisher.publishing import signing
    from publisher.publishing.approval import load_policy
    from publisher.publishing.transport import TOKEN_ENV
    from publisher.publishing.portal_server import SERVER_TOKEN_ENV, PortalServer

    token = os.environ.get(SERVER_TOKEN_ENV) or None
    if token and insecure_no_token:
        raise click.ClickException(f"已设置 {SERVER_TOKEN_ENV}，不能同时使用 --insecure-no-token [bad_option]")
    if not token and not insecure_no_token:
        hint = (f"（门户不读取客户端的 {TOKEN_ENV}，请改用 {SERVER_TOKEN_ENV}）" if os.environ.get(TOKEN_ENV)
                else "")
        raise click.ClickException(f"门户须设置上传令牌：环境变量 {SERVER_TOKEN_ENV}{hint}；仅在本机试用时可用 "
                                   f"--insecure-no-token [token_required]")
    trusted = signing.load_trusted(trusted_keys)
    policy = load_policy(approval_config) if approval_config else load_policy()
    if not quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        logger = logging.getLogger("publisher.publishing.portal")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    try:
        server = PortalServer(root, host, port, token=token, trusted_keys=trusted, policy=policy,
                              insecure_no_token=insecure_no_token, public_url=public_url,
                              max_uploads=max_uploads, max_upload=max_upload_mb * 1024 * 1024,
                              site_root=site_root)
    except OSError as exc:
        raise click.ClickException(f"无法在 {host}:{port} 上启动门户：{exc} [listen_failed]") from exc
    if token:
        auth = "上传需令牌和签名"
    else:
        auth = "未设置上传令牌（--insecure-no-token，仅限本机试用），上传仍须签名"
        banner = "!" * 72
        click.echo(f"{banner}\n!! 警告：门户未设置上传令牌（--insecure-no-token）。本机任何程序都可以向它上传，\n"
                   f"!! 只有签名仍受检查。仅用于本机试用，切勿用于正式发布。\n"
                   f"!! WARNING: no upload token (--insecure-no-token): local trials only.\n{banner}", err=True)
    keys = "、".join(sorted(trusted))
    click.echo(f"公报门户：{server.url}/  根目录 {server.store.root}  {auth}  受信任公钥 {keys}", err=False)
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        click.echo("门户已停止", err=True)


@portal.command()
@_home
def key(home: str | None) -> None:
    """Print this instance's PUBLIC signing key (PEM) for the portal operator.

    \b
    The key pair is made on first use in <home>/keys/publisher-ed25519.pem (mode 0600); the
    private key is never printed. Give the output to the portal's --trusted-key. Example:
      publisher portal key --home /srv/publisher > publisher.pub
    """
    from publisher.publishing import signing

    ws = workspace(home)
    public = signing.instance_public(ws.home)
    click.echo(signing.public_pem(public), nl=False)
    click.echo(f"publisher 实例公钥 {signing.key_id(public)}（私钥 {signing.key_path(ws.home)} 不外传）", err=True)
