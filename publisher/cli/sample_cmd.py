import click


@click.command()
def sample() -> None:
    """Write the sample data (not built yet)."""
    raise click.ClickException("not built yet")
