"""Small commands: the standards tables, a configuration check, and the demo."""
from __future__ import annotations

import json

import click

from publisher import registry as registry_mod
from publisher import standards as std
from publisher.errors import PublisherError
from publisher.paths import Workspace, workspace


@click.group("standards")
def standards() -> None:
    """The standards tables shipped with publisher, with their effective dates."""


@standards.command("list")
def standards_list() -> None:
    """One line per table: family, id, effective dates, confidence."""
    for table in std.all_tables():
        until = table.effective_to.isoformat() if table.effective_to else "在用"
        click.echo(f"{table.family:10} {table.id:16} {table.effective_from.isoformat()} ~ {until:10} "
                   f"{table.confidence:16} {table.title_zh}")


@standards.command("show")
@click.argument("table_id")
def standards_show(table_id: str) -> None:
    """Print one table as JSON."""
    table = std.get(table_id)
    click.echo(json.dumps(table.data, ensure_ascii=False, indent=2, default=str))


@click.command()
@click.option("--stations", type=click.Path(dir_okay=False), help="Registry file (default: the workspace's).")
def check(stations: str | None) -> None:
    """Check the registry, the standards tables, the air bulletins' settings, the alert rules
    (alerts.yaml) and the notification channels (notify.yaml); exit 1 on any problem."""
    # the CLI loads a command's modules when it runs (`publisher --help` stays quick)
    from publisher.bulletins.air import common as air_common
    from publisher.errors import InputError

    ws = workspace()
    reg = registry_mod.load(stations or ws.stations)
    issues = std.problems()
    for issue in issues:
        click.echo(f"standards: {issue}", err=True)
    click.echo(f"registry: {len(reg.stations)} stations in {len(reg.areas)} areas ({reg.path})")
    click.echo(f"standards: {len(std.all_tables())} tables")
    for table in std.local_tables():
        click.echo(f"standards: local {table.citation} from {table.effective_from} ({table.path})")
    try:
        conf = air_common.settings(ws.home, reg)
        click.echo(f"air: ranking group {conf.ranking_name} ({len(conf.ranking_areas)} cities), daily report "
                   f"published at {conf.release_hour}:00 ({conf.path})")
    except InputError as exc:
        click.echo(f"air: {exc}", err=True)
        issues.append(str(exc))
    for name, line in (("alerts", _alerts_line), ("notify", _notify_line)):
        try:
            click.echo(f"{name}: {line(ws)}")
        except PublisherError as exc:   # the message the scheduler and the ingest would meet
            click.echo(f"{name}: {exc}", err=True)
            issues.append(str(exc))
    if issues:
        raise SystemExit(1)


def _alerts_line(ws: Workspace) -> str:
    """The alert rules as an ingest loads them (``alerts.yaml`` of the workspace over the shipped one)."""
    from publisher.operations import alerts

    cfg = alerts.Config.load(ws)
    on = [rule for rule in alerts.RULES if cfg.on(rule)]
    local = ws.home / "alerts.yaml"
    return f"{len(on)} of {len(alerts.RULES)} rules enabled ({local if local.is_file() else alerts.DEFAULT_CONFIG})"


def _notify_line(ws: Workspace) -> str:
    """The notification channels as the scheduler loads them (``notify.yaml`` of the workspace)."""
    from publisher.operations import notify

    cfg = notify.Config.load(ws)
    return f"channels {', '.join(cfg.channels)} ({cfg.path or 'no notify.yaml: the outbox only'})"


@click.command()
@click.option("--home", type=click.Path(file_okay=False), default=None,
              help="Workspace for the demo (default: the current directory).")
def demo(home: str | None) -> None:
    """Run the main job end to end on the bundled sample data and write output/."""
    from publisher.demo import run

    run(workspace(home))
