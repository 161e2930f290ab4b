"""The demo: the main job end to end on the bundled sample data.

Writes the sample files (and the copy of the real national air feed) into the workspace inbox,
ingests them, prints the completeness status and builds the bulletins into output/. A bulletin
that cannot be built is reported with its reason and makes the demo exit non-zero; the others
are still built.
"""
from __future__ import annotations

import time

import click

from publisher import registry as registry_mod
from publisher.bulletins import catalogue
from publisher.paths import Workspace
from publisher.bulletins.build import build
from publisher.demo import sample
from publisher.ingest.pipeline import ingest
from publisher.operations.status import render_text, status
from publisher.periods import Period

#: What the demo builds: the latest complete periods of the sample data, and the real air months.
DEMO_BUILDS: tuple[tuple[str, str], ...] = (
    ("water-sources", "2026-10"),
    ("water-sections", "2026-10"),
    ("water-sources-county", "2026-Q3"),
    ("supervisory", "2026-Q3"),
    ("air-monthly", "2026-03"),
    ("air-monthly", "2026-04"),
    ("air-monthly", "2026-05"),
    ("air-monthly", "2026-06"),
    *(("air-daily", f"2026-06-{day:02d}") for day in range(10, 17)),
    ("annual", "2025"),
)
#: the sample form of the disclosure report the demo builds (labelled 样例数据 in the file)
DISCLOSURE_FORM = ("2025", "disclosure-report-2025.yaml")


def run(ws: Workspace) -> None:
    reg = registry_mod.load(ws.stations)
    click.echo(f"工作目录 {ws.home}；站点名录 {len(reg.stations)} 个站点（{reg.path.name}）")

    began = time.perf_counter()
    written = sample.generate(ws.inbox, registry=reg)
    click.echo(f"1. 样例数据：{len(written)} 个文件写入收件箱 {ws.inbox}")

    results = ingest(None, ws, reg, progress=True)
    counts = {s: sum(r.status == s for r in results) for s in ("accepted", "duplicate", "rejected", "failed")}
    failed_files = f"，失败 {counts['failed']} 个" if counts["failed"] else ""
    click.echo(f"2. 入库：接收 {counts['accepted']} 个，重复 {counts['duplicate']} 个，"
               f"拒收 {counts['rejected']} 个{failed_files}（{time.perf_counter() - began:.1f} 秒）")

    from publisher.operations import alerts, notify

    notify.dispatch(ws)
    click.echo(f"   超标预警：{len(alerts.listing(ws, open_only=True))} 条未关闭（publisher alerts --open），"
               f"通知已写入发件箱 {ws.home / 'outbox' / 'alerts'}")

    report = status(ws, reg, Period.parse("2026-10"))
    click.echo("3. 2026年10月数据完整性：")
    click.echo(render_text(report))

    failed = []
    click.echo("4. 编制公报：")
    titles = {kind: entry.title_zh for kind, entry in catalogue.catalogue(ws.home).items()}
    for kind, period in DEMO_BUILDS:
        try:
            built = build(kind, period, ws, registry=reg)
            click.echo(f"   ✔ {kind:22} {period:10} {titles[kind]} → {built.path}")
        except Exception as exc:  # noqa: BLE001 - report every bulletin, then fail
            failed.append((kind, period))
            click.echo(f"   ✘ {kind:22} {period:10} 未能编制：{exc}", err=True)
    failed += _disclosure_report(ws)
    if failed:
        raise click.ClickException(f"{len(failed)} 份公报未能编制")
    home = f"PUBLISHER_HOME={ws.home}"
    click.echo("5. 审核与发布（演示不代为签署）：每份公报经保密审查、审批后方可发布，例如")
    click.echo(f"   {home} publisher approve --kind air-monthly --period 2026-05 --by 审核人甲 --role 保密审查员")
    click.echo(f"   {home} publisher approve --kind air-monthly --period 2026-05 --by 审核人乙 --role 分管局领导")
    click.echo(f"   {home} publisher portal key > {ws.home / 'publisher.pub'}    # 本实例的签名公钥，交门户信任")
    click.echo(f"   publisher portal serve --root {ws.home / 'portal'} --port 8080 --trusted-key "
               f"{ws.home / 'publisher.pub'} --insecure-no-token &    # 参考门户，仅限本机试用（正式使用须设上传令牌）")
    click.echo(f"   {home} publisher publish --kind air-monthly --period 2026-05 --portal http://127.0.0.1:8080")
    _desk(ws, home)


def _disclosure_report(ws: Workspace) -> list[tuple[str, str]]:
    """The disclosure report of the sample year from the shipped sample form (copied into the workspace)."""
    import shutil

    from publisher.paths import PROJECT_DIR
    from publisher.publishing import disclosure_report

    year, name = DISCLOSURE_FORM
    form = ws.home / "disclosure-report" / f"{year}.yaml"
    form.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PROJECT_DIR / "sample" / name, form)
    try:
        folder = disclosure_report.build(ws, int(year))
        click.echo(f"   ✔ {'disclosure-report':22} {year:10} → {folder}")
        return []
    except Exception as exc:  # noqa: BLE001 - reported like a bulletin that failed
        click.echo(f"   ✘ {'disclosure-report':22} {year:10} 未能生成：{exc}", err=True)
        return [("disclosure-report", year)]


#: the demo's desk accounts, one per role (their passwords are made anew by each demo run)
DEMO_ACCOUNTS = (("报送员甲", "数据报送员"), ("审核人甲", "保密审查员"), ("审核人乙", "分管局领导"), ("管理员甲", "管理员"))


def _desk(ws: Workspace, home: str) -> None:
    """Open one desk account per role in the demo workspace and print how to start the desk. The
    passwords are random, made for this workspace by this run, and printed because it is the demo's."""
    import secrets

    from publisher.desk import accounts

    click.echo("6. 审核台（网页）：数据报送、审核（含超标情况说明）、发布都可在浏览器中完成")
    output = f" PUBLISHER_OUTPUT={ws.output}" if ws.output_dir else ""
    click.echo(f"   {home}{output} publisher desk serve --port 8000 --portal http://127.0.0.1:8080")
    click.echo("   然后在浏览器打开 http://127.0.0.1:8000/ ，演示账户（仅本演示工作目录，密码每次运行 make demo 重新生成）：")
    for name, role in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(9)
        accounts.add_user(ws, name, [role], password, created_by="demo", replace=True)
        click.echo(f"     {role:8} 账户 {name}  密码 {password}")
    click.echo("   例如 water-sections 2026-10 报告了未达标断面：以审核人甲登录“审核”，逐项填写超标原因和采取措施后方可通过。")
