"""``publisher explain`` and ``publisher desk serve|user add|user list``: the exceedance explanations and
the review desk (docs/desk.md)."""
from __future__ import annotations

import sys

import click

from publisher.bulletins import KINDS
from publisher.paths import workspace

_home = click.option("--home", type=click.Path(file_okay=False), default=None, help="Workspace folder.")


@click.command()
@click.option("--kind", required=True, type=click.Choice(list(KINDS)), help="Bulletin kind.")
@click.option("--period", required=True, help="2026-05 (month), 2026-Q2 (quarter) or 2026-05-01 (day).")
@click.option("--area", default=None, help="The area, for kinds built per area.")
@click.option("--key", default=None,
              help="The exceedance's key (source:<id>:<item>, section:<id>, heavy:<area>); without it, list them.")
@click.option("--cause", default=None, help="超标原因.")
@click.option("--measures", default=None, help="采取措施/整改情况.")
@click.option("--by", "by", default=None, help="Who gives the explanation (default: the operating-system account).")
@click.option("--no-build", is_flag=True, help="Only record it; the bulletin is rebuilt later (publisher build).")
@_home
def explain(kind: str, period: str, area: str | None, key: str | None, cause: str | None, measures: str | None,
            by: str | None, no_build: bool, home: str | None) -> None:
    """Explain an exceedance of a bulletin (超标原因、采取措施/整改情况), or list its exceedances.

    \b
    Every exceedance the latest revision reports needs an explanation before its first review
    step. The explanation is kept in the ledger and the bulletin is rebuilt so that its page and
    PDF print it under 超标情况说明: a new revision, reviewed from its first step. Example:
      publisher explain --kind water-sections --period 2026-10
      publisher explain --kind water-sections --period 2026-10 --key section:sec-donghe-hetu \\
          --cause "上游生活污水直排" --measures "已督促截污纳管，11月复测"
    """
    from publisher.bulletins.build import build
    from publisher.publishing import explanations
    from publisher.publishing.approval import latest_revision, os_account
    from publisher.store import Store

    ws = workspace(home)
    if key is None:
        if cause or measures:
            raise click.UsageError("--cause and --measures need --key")
        row = latest_revision(Store(ws), kind, period, area)
        items = explanations.gate(Store(ws), row)
        if not items:
            click.echo(f"{kind} {row['period']} 第{row['revision']}版没有超标项")
        for item in items:
            click.echo(f"{item.key}  {item.subject}：{item.detail}  [{item.label}]")
            if item.cause:
                click.echo(f"    超标原因：{item.cause}\n    采取措施/整改情况：{item.measures}")
        return
    os_user, os_uid = os_account()
    result = explanations.record(ws, kind, period, key, cause=cause or "", measures=measures or "",
                                 by=by or os_user, via="cli", area=area, os_user=os_user, os_uid=os_uid,
                                 rebuild=None if no_build else build)
    click.echo(result.message)


@click.group()
def desk() -> None:
    """The review desk: a web console for station staff and approvers."""


@desk.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback unless told otherwise; put a TLS proxy in front for others).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free).")
@click.option("--portal", default=None, help="The portal 发布 uploads to. Default: $PUBLISHER_PORTAL.")
@click.option("--max-upload-mb", default=64, show_default=True, type=click.IntRange(1, 1024),
              help="Largest upload, in MiB (refused beyond, nothing saved).")
@click.option("--secure-cookie", is_flag=True, help="Mark the session cookie Secure (when served through HTTPS).")
@_home
def serve(host: str, port: int, portal: str | None, max_upload_mb: int, secure_cookie: bool,
          home: str | None) -> None:
    """Serve the review desk (waitress) for the workspace.

    \b
    Accounts are made with publisher desk user add. The upload token for 发布 is read from
    $PUBLISHER_PORTAL_TOKEN, as for publisher publish. Example:
      publisher desk user add 审核人甲 --role 保密审查员
      publisher desk serve --port 8000 --portal http://127.0.0.1:8765
    """
    from publisher.desk import is_loopback, serve as run

    if not is_loopback(host):
        click.echo(f"警告：审核台监听 {host}，不只本机可访问；审核台本身不提供 TLS，请置于 HTTPS 反向代理之后"
                   f"并使用 --secure-cookie", err=True)
    run(workspace(home), host=host, port=port, portal=portal, max_upload_mb=max_upload_mb,
        secure_cookie=secure_cookie)


@desk.group()
def user() -> None:
    """The desk's accounts."""


@user.command("add")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True,
              help="A role (repeatable): a role of approval.yaml, 数据报送员 or 管理员.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@click.option("--replace", is_flag=True, help="Set the roles and password of an existing account anew.")
@_home
def user_add(name: str, roles: tuple[str, ...], password_stdin: bool, replace: bool, home: str | None) -> None:
    """Create a desk account with its roles; the password is prompted (or read from stdin).

    \b
    The password is stored as an argon2id hash in the ledger, never as text. Example:
      publisher desk user add 审核人甲 --role 保密审查员
      printf '%s\\n' "$PASSWORD" | publisher desk user add 报送员甲 --role 数据报送员 --password-stdin
    """
    from publisher.desk import accounts
    from publisher.publishing.approval import os_account

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    account = accounts.add_user(workspace(home), name, list(roles), password, created_by=os_account()[0],
                                replace=replace)
    click.echo(f"账户 {account.name} 已{'更新' if replace else '开设'}，角色：{'、'.join(account.roles)}")


@user.command("list")
@_home
def user_list(home: str | None) -> None:
    """List the desk's accounts and their roles."""
    from publisher.desk import accounts

    rows = accounts.listing(workspace(home))
    if not rows:
        click.echo("尚无审核台账户")
    for r in rows:
        click.echo(f"{r['name']}  {'、'.join(r['roles'])}  开设于 {r['created_at']}" + ("  （已停用）" if r["disabled"] else ""))
