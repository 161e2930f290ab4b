"""The examples in the README are true: the command it shows prints the line it shows."""
from __future__ import annotations

import re

from click.testing import CliRunner

from publisher.cli import cli
from publisher.paths import PROJECT_DIR


def test_readme_period_stats_example(tmp_path):
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    block = re.search(r"\$ printf '(.*?)' > areas\.csv\n.*?\n\$ grep (\S+) stats\.csv\n(.*?)\n", readme, re.S)
    assert block, "README example block not found"
    areas, month, expected = block.group(1).replace("\\n", "\n"), block.group(2), block.group(3)
    (tmp_path / "areas.csv").write_text(areas, encoding="utf-8")
    stats = tmp_path / "stats.csv"
    result = CliRunner().invoke(cli, ["evaluate", "air", str(PROJECT_DIR / "sample" / "air_cnemc_seed_cities_2026.csv.gz"),
                                      "--areas", str(tmp_path / "areas.csv"), "--period", "month",
                                      "--period-stats", str(stats)])
    assert result.exit_code == 0, result.output
    line = next(l for l in stats.read_text(encoding="utf-8").splitlines() if l.startswith(month + ","))
    shown = expected.removesuffix("…")
    assert line.startswith(shown), (line, shown)


def _commands(command, path):
    import click

    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, [*path, name])
    else:
        yield " ".join(path), command


def test_cli_reference_names_every_command_and_option():
    """docs/cli.md mentions every command and, for each option, one of its spellings."""
    import click

    doc = (PROJECT_DIR / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = []
    for name, command in _commands(cli, ["publisher"]):
        if name not in doc:
            missing.append(name)
        for param in command.params:
            if isinstance(param, click.Option) and not any(
                    re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", doc) for o in param.opts):
                missing.append(f"{name} {param.opts[0]}")
    assert not missing, missing
