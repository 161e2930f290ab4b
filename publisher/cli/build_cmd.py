"""``publisher build``: assemble and render bulletins for a period."""
from __future__ import annotations

import click

from publisher.bulletins import KINDS, catalogue
from publisher.periods import Period
from publisher.paths import workspace

#: an example period of each unit, for the usage message
EXAMPLE = {"day": "2026-05-01", "month": "2026-05", "quarter": "2026-Q2", "year": "2025"}


@click.command()
@click.option("--period", "period_text", required=True,
              help="2026-05 (month), 2026-Q2 (quarter), 2026-05-01 (day) or 2025 (year).")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(list(KINDS)),
              help="Bulletin kind (repeatable). Default: every kind of the period's cadence.")
@click.option("--area", default=None, help="The area, for kinds built per area.")
@click.option("--home", type=click.Path(file_okay=False), default=None, help="Workspace folder.")
@click.option("--force", is_flag=True, help="Render again even when nothing the bulletin shows has changed.")
@click.option("--wait", "wait", default=300.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds to wait while another build of the same bulletin runs (0: refuse at once).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Bulletins built at once, each in its own process. Default: the number of cores; 1 builds "
                   "them one after another in this process.")
def build(period_text: str, kinds: tuple[str, ...], area: str | None, home: str | None, force: bool,
          wait: float, workers: int | None) -> None:
    """Assemble and render bulletins into output/<kind>/<period>/.

    \b
    Example:
      publisher build --period 2026-05
      publisher build --period 2026-Q3 --kind water-sources-county
      publisher build --period 2026-06-10 --kind air-daily
      publisher build --period 2025 --kind annual
    """
    from publisher.bulletins.build import build as build_one

    period = Period.parse(period_text)
    ws = workspace(home)
    kinds_of = catalogue.catalogue(ws.home)
    chosen = kinds or catalogue.default_kinds(period.unit, ws.home)
    if not chosen:
        raise click.UsageError(f"no bulletin kind is built for a period like {period_text!r}")
    for kind in chosen:
        entry = kinds_of[kind]
        if period.unit != entry.unit:
            raise click.UsageError(f"{kind} is {entry.cadence}: give a period like {EXAMPLE[entry.unit]}")
    if len(chosen) > 1 and workers != 1:
        # several bulletins at once (publisher/bulletins/batch.py); each is reported in order, and the
        # first that failed is raised once the others are built
        from publisher.bulletins.batch import Request, build_many

        results = build_many([Request.of(kind, period.label, ws, area) for kind in chosen], workers=workers,
                             force=force, wait=wait)
        for kind, result in zip(chosen, results):
            if not isinstance(result, BaseException):
                _report(kind, result)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return
    for kind in chosen:
        built = build_one(kind, period, ws, area=area, force=force, wait=wait,
                          on_wait=lambda holder: click.echo(f"{kind} {period.label}：{holder}正在编制，等待其结束……",
                                                            err=True))
        _report(kind, built)


def _report(kind: str, built) -> None:
    state = "已更新" if built.changed else "已重新生成（内容未变）" if built.rendered else "无变化"
    click.echo(f"{kind:22} {built.period:10} 第{built.revision}版 {state}  {built.path}")
