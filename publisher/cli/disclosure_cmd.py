"""``publisher disclosure-report``: the annual government-information-disclosure report's statutory tables."""
from __future__ import annotations

from pathlib import Path

import click

from publisher.paths import workspace


@click.command("disclosure-report")
@click.option("--year", type=click.IntRange(2019, 2100), required=True, help="The report year, e.g. 2025.")
@click.option("--template", "write_template", is_flag=True,
              help="Write the form to fill in (every cell 0) to <home>/disclosure-report/<year>.yaml (or .xlsx) and stop.")
@click.option("--xlsx", "as_xlsx", is_flag=True, help="With --template: write the form as an Excel workbook.")
@click.option("--form", "form_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The filled-in form (YAML or XLSX). Default: <home>/disclosure-report/<year>.yaml|.xlsx.")
@click.option("--home", type=click.Path(file_okay=False), default=None, help="Workspace folder.")
def disclosure_report(year: int, write_template: bool, as_xlsx: bool, form_path: Path | None, home: str | None) -> None:
    """Check the office's form and write the report to output/disclosure-report/<year>/.

    \b
    The form's every identity is checked (本年新收 + 上年结转 = 办理结果总计 + 结转下年度继续办理,
    every total); a form that does not add up is refused, naming the table, row, column and both sides.
    Writes index.html, report.pdf, report.docx and report.json; the ledger's published bulletins of the
    year (on time or late, corrections, withdrawals) are reported under 一、总体情况.
    Example:
      publisher disclosure-report --year 2025 --template
      publisher disclosure-report --year 2025
    """
    from publisher.publishing import disclosure_report as dr

    ws = workspace(home)
    if write_template:
        folder = ws.home / "disclosure-report"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{year}.{'xlsx' if as_xlsx else 'yaml'}"
        if target.exists():
            raise click.ClickException(f"{target} 已存在，未覆盖 (gip_form_exists)")
        if as_xlsx:
            dr.template_xlsx(year, target)
        else:
            target.write_text(dr.template_yaml(year), encoding="utf-8")
        click.echo(f"年报表格模板已写入 {target}；填写后运行 publisher disclosure-report --year {year}")
        return
    try:
        folder = dr.build(ws, year, form_path)
    except dr.FormError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{year}年政府信息公开工作年度报告 → {folder}")
