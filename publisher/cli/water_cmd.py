import click


@click.command()
def water() -> None:
    """Evaluate water-quality files (not built yet)."""
    raise click.ClickException("not built yet")
