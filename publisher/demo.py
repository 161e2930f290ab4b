"""The demo: the main job end to end on the bundled sample data."""
from __future__ import annotations

import click

from publisher import registry as registry_mod
from publisher.paths import Workspace


def run(ws: Workspace) -> None:
    reg = registry_mod.load(ws.stations)
    click.echo(f"工作目录 {ws.home}")
    click.echo(f"站点名录 {len(reg.stations)} 个站点（{reg.path.name}）")
