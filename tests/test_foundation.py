"""The package, its command line and the standards loader."""
import datetime as dt

from click.testing import CliRunner

from publisher import standards
from publisher.cli import cli


def test_cli_help_lists_the_workflow_commands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("ingest", "status", "evaluate", "build", "demo", "standards"):
        assert command in result.output


def test_shipped_standards_have_no_overlaps_or_gaps():
    assert standards.problems() == []
