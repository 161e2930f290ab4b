import click


@click.command()
def air() -> None:
    """Evaluate hourly air files (not built yet)."""
    raise click.ClickException("not built yet")
