"""``publisher approve``, ``publisher history``, ``publisher publish`` and ``publisher portal serve``."""
from __future__ import annotations

import ipaddress
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
    bulletin's files still match the manifest of that revision.
    Example:
      publisher approve --kind water-sources --period 2026-05 --by 审核人甲 --role 保密审查员
      publisher approve --kind water-sources --period 2026-05 --by 审核人乙 --role 分管局领导
      publisher approve --kind water-sources --period 2026-05 --by 审核人乙 --role 分管局领导 \\
          --reject --note "第二段表述需修改"
    """
    from publisher.approval import decide, latest_revision, review_notes
    from publisher.store import Store

    ws = workspace(home)
    _echo_review(review_notes(latest_revision(Store(ws), kind, period, area)))
    result = decide(ws, kind, period, by=by, role=role, area=area, reject=reject, note=note)
    click.echo(result.message)


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
    from publisher.approval import history as revisions

    rows = revisions(workspace(home), kind, period, area)
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
            click.echo(f"    {d['at']}  {verdict}  {d['role'] or ''} {d['approved_by']}{note}")
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
    The upload token is read from $PUBLISHER_PORTAL_TOKEN. Example:
      PUBLISHER_PORTAL=http://portal.example:8765 publisher publish --kind water-sources --period 2026-05
    """
    from publisher.portal import publish as publish_one

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
@click.option("-q", "--quiet", is_flag=True, help="Do not log requests.")
def serve(root: str, host: str, port: int, quiet: bool) -> None:
    """Serve the public index and accept uploads from publisher publish.

    \b
    Uploads need `Authorization: Bearer $PUBLISHER_PORTAL_TOKEN` when that variable is set;
    without it the portal only listens on a loopback address.
    """
    from publisher.portal import TOKEN_ENV
    from publisher.portal_server import PortalServer

    token = os.environ.get(TOKEN_ENV) or None
    if not token and not _loopback(host):
        raise click.ClickException(f"在 {host} 上对外提供上传须先设置 {TOKEN_ENV}（上传令牌） [token_required]")
    if not quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        logger = logging.getLogger("publisher.portal")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    try:
        server = PortalServer(root, host, port, token=token)
    except OSError as exc:
        raise click.ClickException(f"无法在 {host}:{port} 上启动门户：{exc} [listen_failed]") from exc
    auth = "上传需令牌" if token else f"未设置 {TOKEN_ENV}，本机任何程序都可上传"
    click.echo(f"公报门户：{server.url}/  根目录 {server.store.root}  {auth}", err=False)
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        click.echo("门户已停止", err=True)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
