"""``publisher sample``: write the deterministic sample data files (样例数据)."""
from __future__ import annotations

import click

from publisher.paths import workspace


@click.command()
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Folder to write into (default: the workspace's inbox/).")
@click.option("--start", default="2025-01", show_default=True, help="First month, YYYY-MM.")
@click.option("--end", default="2026-10", show_default=True, help="Last month, YYYY-MM.")
@click.option("--with-real-air/--no-real-air", default=True, show_default=True,
              help="Also copy the real national air feeds (CNEMC: six seed cities; the 16 州（市） of 云南省; 2026-02-26..07-24).")
@click.option("--stations", type=click.Path(dir_okay=False), default=None,
              help="Registry file (default: the workspace's stations.yaml).")
def sample(out: str | None, start: str, end: str, with_real_air: bool, stations: str | None) -> None:
    """Write the sample data (样例数据) for the registry's stations, 2025-01..2026-10.

    \b
    Water: monthly sections, lake points and city sources, quarterly county sources, in the
    layouts staff send (GBK CSV with Chinese headers, XLSX with a title row, English wide CSV,
    a long CSV). Air: hourly data for the sample county stations. The same bytes every run.
    """
    from publisher import registry as registry_mod
    from publisher.demo import sample as sample_mod

    ws = workspace()
    reg = registry_mod.load(stations or ws.stations)
    target = out or ws.inbox
    written, seconds = sample_mod.run(target, start, end, registry=reg, with_real_air=with_real_air)
    click.echo(f"{target}")
    click.echo(sample_mod.summary(written, seconds))
