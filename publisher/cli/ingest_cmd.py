"""``publisher ingest`` and ``publisher status``."""
from __future__ import annotations

import json
import sys

import click

from publisher import registry as registry_mod
from publisher.paths import workspace


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=False))
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
def ingest(paths: tuple[str, ...], as_json: bool, quiet: bool) -> None:
    """Validate data files and load them into the store (default: every file in inbox/).

    Each file is accepted whole (stored, archived by sha256) or rejected whole (moved to quarantine/
    with a Chinese error report and a JSON one); a file whose archive, store or quarantine could not be
    written stays where it was (failed). Exit status 1 when any file was rejected or failed.
    """
    from publisher.display import shown
    from publisher.ingest.pipeline import ingest as run

    ws = workspace()
    reg = registry_mod.load(ws.stations)
    results = run(list(paths) or None, ws, reg, progress=not quiet)
    summary = {s: sum(r.status == s for r in results) for s in ("accepted", "rejected", "duplicate", "failed")}
    from publisher.cli.alerts_cmd import after_ingest

    raised = after_ingest(ws, results)
    if as_json:
        text = json.dumps({"workspace": str(ws.home), "summary": summary, "alerts": raised,
                           "files": [r.as_dict() for r in results]}, ensure_ascii=False, indent=2, default=str)
        # a name with undecodable bytes is written as a JSON \udcxx escape
        click.echo(text.encode("utf-8", "backslashreplace").decode("utf-8"))
    else:
        if not results:
            click.echo(f"收件箱 {shown(ws.inbox)} 中没有文件。")
        for r in results:
            name = shown(r.name)
            if r.status == "accepted":
                extra = f"，替换了 {r.superseded} 个旧值（旧版本仍保留）" if r.superseded else ""
                click.echo(f"✔ {name}：已入库 {r.rows} 行（{r.stations} 个站点，入库编号 {r.ingest_id}）{extra}")
                if r.summary:
                    total = sum(s["count"] for s in r.summary)
                    click.echo(f"  提示 {total} 处：" + "；".join(s["message"] for s in r.summary[:3]))
            elif r.status == "duplicate":
                click.echo(f"＝ {name}：与已入库文件完全相同，未做任何改动（{shown(r.destination)}）")
            else:
                if r.status == "failed":
                    click.echo(f"✘ {name}：处理失败，文件留在原处，下次入库时再处理")
                else:
                    click.echo(f"✘ {name}：未接收，已移至 {shown(r.destination)}；错误报告 {shown(r.report)}")
                errors = [s for s in r.summary if s["severity"] == "error"]
                for s in errors[:5]:
                    click.echo(f"    {s['message']}")
                if len(errors) > 5:
                    click.echo(f"    ……共 {len(errors)} 类问题，详见错误报告")
        click.echo(f"合计：接收 {summary['accepted']}，退回 {summary['rejected']}，重复 {summary['duplicate']}"
                   + (f"，失败 {summary['failed']}" if summary["failed"] else ""))
        for row in raised[:10]:
            click.echo(f"⚠ 超标预警 #{row['id']}：{row['message_zh']}")
        if len(raised) > 10:
            click.echo(f"⚠ ……本次共新增超标预警 {len(raised)} 条，全部见 publisher alerts --open")
    if summary["rejected"] or summary["failed"]:
        sys.exit(1)


@click.command()
@click.option("--period", default=None, help="2026-05 or 2026-Q2 (default: the previous month).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--no-aqi-check", is_flag=True, help="Skip comparing the platform AQI with ours.")
def status(period: str | None, as_json: bool, no_aqi_check: bool) -> None:
    """Completeness of the data: expected vs received per station, bulletins held up, deadlines."""
    from publisher.periods import Period
    from publisher.operations.status import render_text, status as compute

    ws = workspace()
    reg = registry_mod.load(ws.stations)
    report = compute(ws, reg, Period.parse(period) if period else None, aqi_check=not no_aqi_check)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(render_text(report))
        from publisher.operations import notify

        channels = notify.summary(ws)
        if channels:
            click.echo("")
            click.echo(notify.render_summary(channels))
    from publisher.publishing.site import hooks as site_hooks

    owed = site_hooks.status_text(ws)
    if owed:
        click.echo(owed, err=as_json)
