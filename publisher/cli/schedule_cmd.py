"""``publisher schedule``: the monthly, quarterly and daily jobs on their cadence."""
from __future__ import annotations

import datetime as dt
import json

import click

from publisher.paths import workspace


def _now(text: str | None) -> dt.datetime:
    from publisher.operations.scheduler import beijing_now

    if not text:
        return beijing_now()
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise click.BadParameter(f"{text!r}: use 2026-06-03 09:00 or 2026-06-03", param_hint="--now")


@click.group()
def schedule() -> None:
    """The cadence: ingest the inbox, remind about missing data, build what is due.

    \b
    publisher schedule plan                  what a pass would do now, without doing it
    publisher schedule run --once            one pass now
    publisher schedule run                   a pass every 10 minutes (schedule.yaml), until stopped
    Times are Beijing time; --now replays a pass at another moment.
    """


@schedule.command()
@click.option("--now", "now_text", default=None, help="Beijing time of the pass (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plan(now_text: str | None, as_json: bool) -> None:
    """What a pass would do, and why; changes nothing."""
    from publisher.operations.scheduler import as_dict, describe, plan as make_plan

    actions = make_plan(workspace(), _now(now_text))
    if as_json:
        click.echo(json.dumps([as_dict(a) for a in actions], ensure_ascii=False, indent=2, default=str))
        return
    for action in actions:
        click.echo(describe(action))
    if not actions:
        click.echo("无待办事项。")


@schedule.command()
@click.option("--once", is_flag=True, help="One pass, then exit.")
@click.option("--now", "now_text", default=None, help="With --once: Beijing time of the pass (default: now).")
@click.option("-q", "--quiet", is_flag=True, help="No ingest progress on stderr.")
def run(once: bool, now_text: str | None, quiet: bool) -> None:
    """Carry out the passes: ingest, remind, build (see `schedule plan`)."""
    from publisher.operations.scheduler import describe, run_once, serve

    ws = workspace()
    if once:
        actions = run_once(ws, _now(now_text), progress=not quiet)
        for action in actions:
            click.echo(describe(action))
        if not actions:
            click.echo("无待办事项。")
        return
    if now_text:
        raise click.UsageError("--now only goes with --once")
    click.echo(f"按计划运行中（工作区 {ws.home}），Ctrl+C 结束。")
    serve(ws, echo=click.echo)
