"""The command line: a thin layer over the library.

Each command lives in its own module of this package and is registered here. Library errors
(PublisherError) are reported as one line and exit status 1; usage errors exit 2.
"""
from __future__ import annotations

import logging
import sys

import click

from publisher import __version__
from publisher.errors import PublisherError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Group(click.Group):
    """A click group that turns PublisherError into a one-line message."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except PublisherError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=Group, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="publisher")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def cli(verbose: int) -> None:
    """publisher: a bureau's monitoring data in, its public environmental bulletins out.

    \b
    Workflow: drop files in inbox/ -> publisher ingest -> publisher status
              -> publisher build -> publisher approve -> publisher publish
    publisher schedule run does ingest, reminders and builds on the cadence.
    The workspace is $PUBLISHER_HOME or the current directory.
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)


@cli.group(cls=Group)
def evaluate() -> None:
    """Evaluate data files directly, without touching the store."""


def _register() -> None:
    from publisher.cli import air_cmd, build_cmd, ingest_cmd, misc_cmd, sample_cmd, schedule_cmd, water_cmd

    evaluate.add_command(water_cmd.water)
    evaluate.add_command(air_cmd.air)
    for command in (ingest_cmd.ingest, ingest_cmd.status, build_cmd.build, sample_cmd.sample,
                    misc_cmd.standards, misc_cmd.check, misc_cmd.demo, schedule_cmd.schedule):
        cli.add_command(command)
    from publisher.cli import disclosure_cmd

    cli.add_command(disclosure_cmd.disclosure_report)
    from publisher.cli import alerts_cmd, publish_cmd

    for command in (alerts_cmd.alerts, alerts_cmd.notify, alerts_cmd.audit):
        cli.add_command(command)

    for command in (publish_cmd.approve, publish_cmd.history, publish_cmd.publish, publish_cmd.portal):
        cli.add_command(command)
    from publisher.cli import site_cmd

    for command in (site_cmd.site, site_cmd.withdraw):
        cli.add_command(command)

    from publisher.cli import desk_cmd

    cli.add_command(desk_cmd.explain)
    cli.add_command(desk_cmd.desk)


_register()


def main() -> None:
    cli(prog_name="publisher")
