"""``publisher alerts`` (超标预警) and ``publisher notify`` (the notification channels)."""
from __future__ import annotations

import json

import click

from publisher.paths import workspace


@click.command()
@click.option("--open", "open_only", is_flag=True, help="Only the alerts not closed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def alerts(open_only: bool, as_json: bool) -> None:
    """The exceedance alerts raised at ingest and by the scheduler's checks, oldest first.

    \b
    Rules: publisher/alerts.yaml, replaced setting by setting by <home>/alerts.yaml.
    Each alert: station, time, value, limit, rule, state (open | closed) and its note.
    """
    from publisher.operations.alerts import listing, render_text

    rows = listing(workspace(), open_only=open_only)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(render_text(rows))


@click.group()
def notify() -> None:
    """Notifications of alerts and reminders: outbox, e-mail (SMTP), webhook (notify.yaml)."""


@notify.command("send")
@click.option("--now", "now_text", default=None, help="Beijing time of the attempt (default: now).")
def send(now_text: str | None) -> None:
    """Send the notifications that are due (the scheduler does this on every pass)."""
    from publisher.cli.schedule_cmd import _now
    from publisher.operations import notify as notify_mod

    results = notify_mod.dispatch(workspace(), _now(now_text))
    for r in results:
        word = {"sent": "已发送", "retry": "失败，稍后重试", "failed": "失败，不再重试"}[r["status"]]
        click.echo(f"#{r['id']} {r['channel']} {r['topic']} {r['key']}：{word}"
                   + (f"（{r['error']}）" if r["error"] else f"（{r['receipt']}）"))
    if not results:
        click.echo("没有待发送的通知。")


@notify.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(as_json: bool) -> None:
    """Every notification with its channel, status, attempts and last error."""
    from publisher.operations import notify as notify_mod

    rows = notify_mod.listing(workspace())
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    for r in rows:
        extra = f"；{r['last_error']}" if r["last_error"] else ""
        click.echo(f"#{r['id']} [{r['status']}] {r['channel']} 第 {r['attempts']} 次 {r['title']}{extra}")
    click.echo(notify_mod.render_summary(notify_mod.summary(workspace())))


def after_ingest(ws, results) -> list[dict]:
    """The alerts the accepted files raised; their notifications are sent now (a failed channel is
    retried by the scheduler)."""
    from publisher.operations import alerts as alerts_mod, notify as notify_mod

    ids = {r.ingest_id for r in results if r.status == "accepted" and r.ingest_id is not None}
    if not ids:
        return []
    raised = [row for row in alerts_mod.listing(ws) if row["ingest_id"] in ids]
    if raised:
        notify_mod.dispatch(ws)
    return raised


@click.command()
@click.option("--year", type=int, required=True, help="The year to check, e.g. 2026.")
@click.option("--today", "today_text", default=None, help="Check as of this Beijing date (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--no-page", is_flag=True, help="Do not write output/audit/<year>/index.html.")
def audit(year: int, today_text: str | None, as_json: bool, no_page: bool) -> None:
    """The disclosure self-check of a year: bulletins owed, built, approved, published, late.

    \b
    Also corrections and withdrawals (within 3 working days?), exceedances without explanation,
    columns not updated for more than 2 weeks while something was due, stations that never
    reported, and the year's alerts. Writes output/audit/<year>/index.html and audit.json.
    """
    import datetime as dt

    from publisher.operations import audit as audit_mod

    ws = workspace()
    try:
        today = dt.date.fromisoformat(today_text) if today_text else None
    except ValueError:
        raise click.BadParameter(f"{today_text!r}: use 2026-12-31", param_hint="--today") from None
    report = audit_mod.audit(ws, year, today=today)
    page = None if no_page else audit_mod.write_page(ws, report)
    if as_json:
        click.echo(json.dumps({**report, "page": str(page) if page else None}, ensure_ascii=False, indent=2,
                              default=str))
        return
    click.echo(audit_mod.render_text(report))
    if page:
        click.echo(f"\n自查表：{page}")
