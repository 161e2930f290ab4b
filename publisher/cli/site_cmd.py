"""``publisher site build|check`` and ``publisher withdraw``."""
from __future__ import annotations

import json

import click

from publisher.bulletins import KINDS
from publisher.paths import workspace

_home = click.option("--home", type=click.Path(file_okay=False), default=None, help="Workspace folder.")


@click.group()
def site() -> None:
    """The public disclosure site built from what was published."""


@site.command("build")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Folder to write (default: output/site).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Site settings (default: <home>/site.yaml, else the documented defaults).")
@click.option("--no-check", is_flag=True, help="Skip the link check that ends the build.")
@_home
def site_build(out: str | None, config_path: str | None, no_check: bool, home: str | None) -> None:
    """Build the static site of every published bulletin, then check its links.

    \b
    Home page, one column per family (饮用水水源、地表水、环境空气、年度公报、污染源监督性监测、
    政府信息公开年报) with an archive by year, one page per bulletin (disclosure metadata, QR code,
    charts, downloads, correction notices, earlier versions), Atom feeds, index.json. Withdrawn
    items are replaced by their notice. Exits 1 when the link check finds a broken link.
    Example:
      publisher site build && publisher site check
    """
    from pathlib import Path

    from publisher.publishing.site import check as check_mod
    from publisher.publishing.site.build import build_site

    ws = workspace(home)
    built = build_site(ws, Path(out) if out else None, Path(config_path) if config_path else None)
    click.echo(f"网站已生成：{built.root}（{built.pages} 个页面，{len(built.items)} 条信息，"
               f"{len(built.withdrawn)} 条已撤回）")
    if built.config.default_base:
        click.echo(f"提示：网站地址为默认的 {built.config.base_url}（参考门户）；对外发布前请在 site.yaml 中设置 base_url",
                   err=True)
    for problem in built.problems:
        click.echo(f"警告：{problem}", err=True)
    if no_check:
        return
    report = check_mod.check(built.root)
    click.echo(check_mod.render_text(report))
    if not report.ok:
        raise SystemExit(1)


@site.command("check")
@click.option("--url", default=None, help="Check a served site at this address instead of the built folder.")
@click.option("--root", type=click.Path(file_okay=False), default=None, help="The built site (default: output/site).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_home
def site_check(url: str | None, root: str | None, as_json: bool, home: str | None) -> None:
    """Crawl the site: every internal link, image, download and feed entry must resolve and every
    published file match its manifest; external links are listed. Exits 1 on a broken link."""
    from publisher.publishing.site import check as check_mod

    if url and not url.startswith(("http://", "https://")):
        raise click.ClickException(f"--url 应为 http(s):// 地址：{url!r} [bad_url]")
    target = url or root or str(workspace(home).output / "site")
    report = check_mod.check(target)
    if as_json:
        click.echo(json.dumps({"pages": report.pages, "checked": report.checked,
                               "files_verified": report.files_verified,
                               "broken": [b.__dict__ for b in report.broken],
                               "external": report.external}, ensure_ascii=False, indent=2))
    else:
        click.echo(check_mod.render_text(report))
    if not report.ok:
        raise SystemExit(1)


@click.command()
@click.option("--kind", required=True, type=click.Choice(list(KINDS)), help="Bulletin kind.")
@click.option("--period", required=True, help="The period of the published bulletin.")
@click.option("--area", default=None, help="The area, for kinds built per area.")
@click.option("--reason", default=None, help="撤回原因 (required at the first step; published in the notice).")
@click.option("--by", "by", default=None, help="Who signs this decision.")
@click.option("--role", default=None, help="The role signed as; it names the step (see approval.yaml).")
@click.option("--reject", is_flag=True, help="Record a refusal of the withdrawal (needs --reason).")
@click.option("--carry-out", is_flag=True, help="Send a decided withdrawal to the portals not yet told.")
@click.option("--portal", default=None, help="With --carry-out: only this portal.")
@_home
def withdraw(kind: str, period: str, area: str | None, reason: str | None, by: str | None, role: str | None,
             reject: bool, carry_out: bool, portal: str | None, home: str | None) -> None:
    """Withdraw (撤回) a published bulletin: a review decision, then carried out.

    \b
    Each step of the review workflow (or the steps of `withdrawal` in approval.yaml) signs in
    order; the first gives the reason. Once decided, the next `publisher site build` replaces
    the page by the notice (撤回说明) and drops the item from the index and feeds, and the
    portals it was published to are told (at once, or later with --carry-out). The files stay in
    the archive and the ledger. Example:
      publisher withdraw --kind water-sources --period 2026-05 --reason "数据有误" --by 审核人甲 --role 保密审查员
      publisher withdraw --kind water-sources --period 2026-05 --by 审核人乙 --role 分管局领导
    """
    from publisher.publishing.approval import os_account
    from publisher.publishing.site import withdrawal

    ws = workspace(home)
    failed = False
    if not carry_out:
        if not by or not role:
            raise click.ClickException("请用 --by 和 --role 写明签署人及其角色 [missing_signer]")
        os_user, os_uid = os_account()
        result = withdrawal.decide(ws, kind, period, by=by, role=role, area=area, reason=reason, reject=reject,
                                   via="cli", os_user=os_user, os_uid=os_uid)
        click.echo(result.message)
        if not result.state.decided:
            return
    for done in withdrawal.carry_out(ws, kind, period, area, portal):
        click.echo(done.message)
        failed |= not done.ok
    if failed:
        raise SystemExit(1)
