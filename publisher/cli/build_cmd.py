import click


@click.command()
def build() -> None:
    """Build bulletins (not built yet)."""
    raise click.ClickException("not built yet")
