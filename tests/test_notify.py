"""Notifications through real channels on loopback: SMTP with STARTTLS and AUTH (aiosmtpd), a webhook
server that fails at first; each notification sent once, failures retried with backoff, secrets never
recorded."""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sqlite3

import pytest
from click.testing import CliRunner

from publisher.cli import cli
from publisher.operations import notify
from publisher.store import Store
from tests.ingest_helpers import make_ws
from tests.notify_helpers import Robot, smtp_server, webhook_server

NOW = dt.datetime(2026, 6, 2, 9, 0)
PASSWORD = "s3cret-pass"
ROBOT_KEY = "693a91f6-7xxx-robot-key"


def _queue(ws, key="ingest 1", channels=None):
    store = Store(ws)
    with store.connect(write=True) as conn:
        return notify.enqueue(conn, "alerts", key, "【超标预警】测试", "北庙水库 总磷超标\n", ws=ws, channels=channels)


def _ledger_text(ws) -> str:
    conn = sqlite3.connect(Store(ws).ledger_path)
    try:
        return "\n".join(str(row) for table in ("notifications", "events")
                         for row in conn.execute(f"SELECT * FROM {table}"))
    finally:
        conn.close()


def _email_config(ws, port, cert, extra=""):
    (ws.home / "notify.yaml").write_text(
        "email:\n  host: 127.0.0.1\n  port: %d\n  from: publisher@bureau.example\n  to: [duty@bureau.example]\n"
        "  username: publisher\n  password_env: TEST_SMTP_PASSWORD\n  ca_file: %s\n%s" % (port, cert, extra),
        encoding="utf-8")


def test_email_goes_through_starttls_with_the_password_from_the_environment(tmp_path, monkeypatch, caplog):
    ws = make_ws(tmp_path)
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    caplog.set_level(logging.DEBUG)
    with smtp_server(tmp_path) as (port, mailbox, cert):
        _email_config(ws, port, cert)
        assert notify.Config.load(ws).channels == ["outbox", "email"]
        _queue(ws)
        results = notify.dispatch(ws, NOW)
        assert sorted((r["channel"], r["status"]) for r in results) == [("email", "sent"), ("outbox", "sent")]
        assert len(mailbox.messages) == 1
        got = mailbox.messages[0]
        assert got["tls"] and got["to"] == ["duty@bureau.example"]
        assert "北庙水库" in got["data"] or "=E5=8C=97" in got["data"] or "5YyX" in got["data"]
        # sent once: a second dispatch sends nothing
        assert notify.dispatch(ws, NOW + dt.timedelta(hours=1)) == []
        assert len(mailbox.messages) == 1
    outbox = ws.home / "outbox" / "alerts" / "2026-06-02"
    assert [p.read_text(encoding="utf-8").splitlines()[0] for p in outbox.iterdir()] == ["【超标预警】测试"]
    assert PASSWORD not in _ledger_text(ws) and PASSWORD not in caplog.text


def test_email_refuses_a_wrong_password_and_retries_later(tmp_path, monkeypatch, caplog):
    ws = make_ws(tmp_path)
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong-" + PASSWORD)
    caplog.set_level(logging.DEBUG)
    with smtp_server(tmp_path) as (port, mailbox, cert):
        _email_config(ws, port, cert)
        _queue(ws, channels=["email"])
        first = notify.dispatch(ws, NOW)
        assert [r["status"] for r in first] == ["retry"] and "SMTPAuthenticationError" in first[0]["error"]
        assert notify.dispatch(ws, NOW + dt.timedelta(minutes=5)) == []   # not yet: backoff 10 minutes
        monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
        second = notify.dispatch(ws, NOW + dt.timedelta(minutes=10))
        assert [r["status"] for r in second] == ["sent"]
        assert len(mailbox.messages) == 1
    row = notify.listing(ws)[0]
    assert row["attempts"] == 2 and row["status"] == "sent"
    assert PASSWORD not in _ledger_text(ws) and PASSWORD not in caplog.text


def test_password_file_must_be_owner_only(tmp_path):
    ws = make_ws(tmp_path)
    secret = tmp_path / "smtp-password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    os.chmod(secret, 0o644)
    with smtp_server(tmp_path) as (port, mailbox, cert):
        (ws.home / "notify.yaml").write_text(
            f"email:\n  host: 127.0.0.1\n  port: {port}\n  from: a@b.example\n  to: c@d.example\n"
            f"  username: publisher\n  password_file: {secret}\n  ca_file: {cert}\n", encoding="utf-8")
        _queue(ws, channels=["email"])
        refused = notify.dispatch(ws, NOW)
        assert refused[0]["status"] == "retry" and "secret_file_mode" in refused[0]["error"]
        assert mailbox.messages == []
        os.chmod(secret, 0o600)
        assert [r["status"] for r in notify.dispatch(ws, NOW + dt.timedelta(hours=1))] == ["sent"]
        assert len(mailbox.messages) == 1


def test_credentials_are_never_sent_without_tls(tmp_path):
    ws = make_ws(tmp_path)
    (ws.home / "notify.yaml").write_text(
        "email:\n  host: 127.0.0.1\n  security: none\n  from: a@b.example\n  to: c@d.example\n"
        "  username: u\n  password_env: X\n", encoding="utf-8")
    with pytest.raises(notify.NotifyError, match="bad_notify_config"):
        notify.Config.load(ws)
    (ws.home / "notify.yaml").write_text(
        "email:\n  host: 127.0.0.1\n  from: a@b.example\n  to: c@d.example\n  password: plain\n", encoding="utf-8")
    with pytest.raises(notify.NotifyError, match="password_env"):
        notify.Config.load(ws)


def test_non_loopback_hosts_are_refused_before_connecting(tmp_path, monkeypatch):
    ws = make_ws(tmp_path)
    monkeypatch.setenv("TEST_HOOK", f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={ROBOT_KEY}")
    (ws.home / "notify.yaml").write_text(
        "email:\n  host: smtp.example.gov.cn\n  from: a@b.example\n  to: c@d.example\n"
        "webhook:\n  url_env: TEST_HOOK\n  format: wecom\n", encoding="utf-8")
    _queue(ws, channels=["email", "webhook"])
    results = {r["channel"]: r for r in notify.dispatch(ws, NOW)}
    assert "non_loopback_refused" in results["email"]["error"]
    assert "non_loopback_refused" in results["webhook"]["error"]
    assert ROBOT_KEY not in _ledger_text(ws)


def test_webhook_that_fails_first_is_retried_within_the_attempt(tmp_path, monkeypatch, caplog):
    ws = make_ws(tmp_path)
    robot = Robot(fail_first=1)
    caplog.set_level(logging.DEBUG)
    with webhook_server(robot) as base:
        monkeypatch.setenv("TEST_HOOK", f"{base}/cgi-bin/webhook/send?key={ROBOT_KEY}")
        (ws.home / "notify.yaml").write_text("webhook:\n  url_env: TEST_HOOK\n  format: wecom\n  retries: 2\n",
                                             encoding="utf-8")
        _queue(ws)
        results = {r["channel"]: r for r in notify.dispatch(ws, NOW)}
    assert results["webhook"]["status"] == "sent"
    assert len(robot.requests) == 2
    body = robot.requests[-1]["body"]
    assert body["msgtype"] == "text" and "北庙水库" in body["text"]["content"]
    assert ROBOT_KEY not in _ledger_text(ws) and ROBOT_KEY not in caplog.text
    assert ROBOT_KEY not in results["webhook"]["receipt"]


def test_webhook_down_is_retried_on_later_passes_and_reported_in_status(tmp_path, monkeypatch, caplog):
    ws = make_ws(tmp_path)
    robot = Robot(fail_first=3, status=502)
    caplog.set_level(logging.DEBUG)
    with webhook_server(robot) as base:
        monkeypatch.setenv("TEST_HOOK", f"{base}/hook?key={ROBOT_KEY}")
        (ws.home / "notify.yaml").write_text("webhook:\n  url_env: TEST_HOOK\n  format: wecom\n  retries: 0\n"
                                             "retry:\n  backoff_minutes: 10\n", encoding="utf-8")
        _queue(ws, channels=["webhook"])
        moments = [NOW, NOW + dt.timedelta(minutes=10), NOW + dt.timedelta(minutes=30), NOW + dt.timedelta(minutes=70)]
        outcomes = [[r["status"] for r in notify.dispatch(ws, moment)] for moment in moments]
        # 10, 20, 40 minutes between attempts: the server fails three times, the fourth goes through
        assert outcomes == [["retry"], ["retry"], ["retry"], ["sent"]]
        info = notify.summary(ws)["webhook"]
        assert info["sent"] == 1 and info["retry"] == 0
        assert notify.dispatch(ws, NOW + dt.timedelta(days=1)) == []
    assert len(robot.requests) == 4
    events = [json.loads(e["detail"]) for e in Store(ws).events() if e["kind"].startswith("notify.")]
    assert [e["attempt"] for e in events] == [1, 2, 3, 4]
    assert "HTTP 502" in events[0]["error"]
    assert ROBOT_KEY not in _ledger_text(ws) and ROBOT_KEY not in caplog.text


def test_status_shows_a_failing_channel(tmp_path, monkeypatch):
    ws = make_ws(tmp_path)
    robot = Robot(fail_first=10, status=503)
    with webhook_server(robot) as base:
        (ws.home / "notify.yaml").write_text(f"webhook:\n  url: {base}/hook\n  retries: 0\n", encoding="utf-8")
        _queue(ws, channels=["webhook"])
        notify.dispatch(ws, NOW)
    monkeypatch.setenv("PUBLISHER_HOME", str(ws.home))
    result = CliRunner().invoke(cli, ["status", "--period", "2026-05", "--no-aqi-check"])
    assert result.exit_code == 0, result.output
    assert "Webhook：已发送 0，待发送 0，待重试 1，失败 0" in result.output and "HTTP 503" in result.output


def test_robot_refusal_is_a_failure(tmp_path):
    ws = make_ws(tmp_path)
    robot = Robot(answer={"errcode": 93000, "errmsg": "invalid webhook url"})
    with webhook_server(robot) as base:
        (ws.home / "notify.yaml").write_text(f"webhook:\n  url: {base}/hook\n  format: dingtalk\n", encoding="utf-8")
        _queue(ws, channels=["webhook"])
        result = notify.dispatch(ws, NOW)
    assert result[0]["status"] == "retry" and "webhook_refused" in result[0]["error"] and "93000" in result[0]["error"]


def test_a_notification_is_queued_once(tmp_path):
    ws = make_ws(tmp_path)
    assert len(_queue(ws)) == 1
    assert _queue(ws) == []
    assert len(notify.listing(ws)) == 1


def test_a_reminder_goes_to_its_unit_by_email(tmp_path, monkeypatch):
    """The scheduler's reminder of missing data reaches the responsible unit's address (email.units),
    once; the outbox letter is the scheduler's own."""
    from publisher.operations.scheduler import run_once

    ws = make_ws(tmp_path)
    unit = "云南省生态环境厅驻保山生态环境监测站"
    (ws.home / "schedule.yaml").write_text("kinds: [water-sources]\n", encoding="utf-8")
    (ws.inbox / "北庙水库-202605.csv").write_text(
        "点位名称,采样时间,总磷(mg/L)\n北庙水库,2026-05-08 10:00,0.02\n", encoding="utf-8")
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    with smtp_server(tmp_path) as (port, mailbox, cert):
        _email_config(ws, port, cert, extra=f"  units:\n    {unit}: [station@bureau.example]\n")
        run_once(ws, dt.datetime(2026, 6, 2, 9, 0))
        run_once(ws, dt.datetime(2026, 6, 2, 9, 10))
    assert [m["to"] for m in mailbox.messages] == [["station@bureau.example"]]
    [row] = [r for r in notify.listing(ws) if r["topic"] == "reminders"]
    assert row["channel"] == "email" and row["status"] == "sent"
    assert (ws.home / "outbox" / "reminders" / "2026-06-02" / f"{unit}.txt").exists()


def test_publisher_check_validates_notify_yaml_with_the_messages_of_loading(tmp_path, monkeypatch):
    """``publisher check`` reads the workspace's notify.yaml as the scheduler would: a broken file fails
    the check with the very message ``notify.Config.load`` raises (file, reason, ``bad_notify_config``),
    and a secret written in the file is refused without being printed."""
    ws = make_ws(tmp_path)
    monkeypatch.setenv("PUBLISHER_HOME", str(ws.home))
    ok = CliRunner().invoke(cli, ["check"])
    assert ok.exit_code == 0 and "notify: channels outbox (no notify.yaml: the outbox only)" in ok.output, ok.output
    (ws.home / "notify.yaml").write_text("webhook:\n  url_env: TEST_HOOK\n  format: wecom\n", encoding="utf-8")
    ok = CliRunner().invoke(cli, ["check"])
    assert ok.exit_code == 0 and f"notify: channels outbox, webhook ({ws.home / 'notify.yaml'})" in ok.output
    cases = (("email:\n  host: 127.0.0.1\n  security: none\n  from: a@b.example\n  to: c@d.example\n"
              "  username: u\n  password_env: X\n", "不能不加密"),
             ("email:\n  host: 127.0.0.1\n  from: a@b.example\n  to: c@d.example\n  password: hunter2-secret\n",
              "password_env"),
             ("webhook:\n  url: https://127.0.0.1/x\n  url_env: Y\n", "之一"),
             ("smtp: {}\n", "未知的设置项"), ("- a\n", "应为一个映射"), ("email: [\n", "无法读取"))
    for text, word in cases:
        (ws.home / "notify.yaml").write_text(text, encoding="utf-8")
        with pytest.raises(notify.NotifyError) as err:
            notify.Config.load(ws)
        bad = CliRunner().invoke(cli, ["check"])
        assert bad.exit_code == 1, (text, bad.output)
        assert f"notify: {err.value}" in bad.output and word in bad.output and "bad_notify_config" in bad.output
        assert "hunter2-secret" not in bad.output
