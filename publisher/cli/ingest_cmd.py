import click


@click.command()
def ingest() -> None:
    """Ingest data files (not built yet)."""
    raise click.ClickException("not built yet")


@click.command()
def status() -> None:
    """Completeness of the data (not built yet)."""
    raise click.ClickException("not built yet")
