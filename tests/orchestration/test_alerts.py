"""Alerts: a failed run posted to a real local HTTP server and e-mailed through a real local SMTP sink."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

import etl.pipeline
from etl.checks import RULES, CheckOutcome
from orchestration import defs
from orchestration.alerts import Alert, AlertSettings, alert_on_run_failure, deliver, run_partition
from orchestration.resources import DumpFolderResource, WarehouseResource
from tests.orchestration.conftest import failure_message, materialize_partitions

UI = "http://dagster.test:3000"


class Webhook:
    """A local HTTP server that records each POST and answers with `status`."""

    def __init__(self, status: int = 200) -> None:
        self.posts: list[dict] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.posts.append({"path": self.path, "type": self.headers["Content-Type"], "body": body})
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:  # noqa: ANN002 - quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T0/B0/secret"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpSink:
    """A local SMTP server speaking just enough SMTP to take messages; records each envelope and message."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:  # closed
                return
            with connection, connection.makefile("rb") as lines:
                self._session(connection, lines)

    def _session(self, connection: socket.socket, lines) -> None:  # noqa: ANN001
        connection.sendall(b"220 sink ready\r\n")
        envelope: dict = {"from": None, "to": []}
        for raw in lines:
            command = raw.decode().strip()
            verb = command.upper()
            if verb.startswith("MAIL FROM:"):
                envelope["from"] = command[10:].strip(" <>")
            elif verb.startswith("RCPT TO:"):
                envelope["to"].append(command[8:].strip(" <>"))
            elif verb == "DATA":
                connection.sendall(b"354 end with .\r\n")
                data = b"".join(iter(lambda: lines.readline(), b".\r\n"))
                message = email.message_from_bytes(data.replace(b"\r\n", b"\n"), policy=email.policy.default)
                self.messages.append({**envelope, "message": message})
            elif verb == "QUIT":
                connection.sendall(b"221 bye\r\n")
                return
            connection.sendall(b"250 ok\r\n")

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    server = Webhook()
    yield server
    server.close()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    yield sink
    sink.close()


@pytest.fixture
def failed_run(
    instance, sample_dir, tmp_path, monkeypatch
) -> tuple[dg.ExecuteInProcessResult, dg.RunFailureSensorContext]:
    """A load whose integrity rule broke (a refused dump fails no run: it warns), failed in-process, and the
    run-failure sensor's context of it."""
    (sample_dir / "cut.txt").write_bytes(sorted(sample_dir.glob("*.txt"))[0].read_bytes())

    def broken(connection, loaded, today, touched, keys=None):
        return {rule.name: CheckOutcome(rule.name != "paper_id_unique", 0, {}) for rule in RULES}

    monkeypatch.setattr(etl.pipeline, "integrity_outcomes", broken)
    resources = {
        "warehouse": WarehouseResource(path=str(tmp_path / "w.duckdb")),
        "dumps": DumpFolderResource(path=str(sample_dir)),
    }
    result = materialize_partitions(instance, resources, ["cut.txt"])
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
    context = dg.build_run_status_sensor_context(
        sensor_name="alert_on_run_failure",
        dagster_event=failure,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(result.run_id),
    ).for_run_failure()
    return result, context


def expected_text(result: dg.ExecuteInProcessResult, link: bool = True) -> str:
    run_id = result.run_id
    lines = [
        # a Materialize (a hidden asset job) is named by its assets, here (in-process) by its step
        f"paperhouse: materialization of load_dumps (partition cut.txt) failed, run {run_id[:8]}",
        f"Run: {run_id}",
        failure_message(result).strip(),  # the Failure's own description, as the run page shows it
    ]
    return "\n".join(lines + ([f"Open the run: {UI}/runs/{run_id}"] if link else []))


def test_a_failed_run_is_posted_to_the_webhook_and_emailed(monkeypatch, failed_run, webhook, smtp):
    result, context = failed_run
    monkeypatch.setenv("PAPERHOUSE_ALERT_WEBHOOK", webhook.url)
    monkeypatch.setenv("PAPERHOUSE_DAGSTER_URL", UI + "/")
    monkeypatch.setenv("PAPERHOUSE_ALERT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PAPERHOUSE_ALERT_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("PAPERHOUSE_ALERT_EMAIL_FROM", "dagster@papers.test")
    monkeypatch.setenv("PAPERHOUSE_ALERT_EMAIL_TO", "ops@papers.test, oncall@papers.test")

    assert alert_on_run_failure(context) is None

    text = expected_text(result)
    assert (
        "The load failed: an integrity rule broke, so its batch was rolled back (paper_id_unique: {})" in text
    )
    assert webhook.posts == [
        {
            "path": "/services/T0/B0/secret",
            "type": "application/json",
            "body": json.dumps({"text": text}).encode(),
        }
    ]
    [sent] = smtp.messages
    assert (sent["from"], sent["to"]) == ("dagster@papers.test", ["ops@papers.test", "oncall@papers.test"])
    message = sent["message"]
    assert message["Subject"].strip() == text.splitlines()[0]  # folded after "Subject:", being long
    assert (message["From"], message["To"]) == ("dagster@papers.test", "ops@papers.test, oncall@papers.test")
    assert message.get_content() == text + "\n"


def test_without_a_ui_url_the_alert_has_no_link(monkeypatch, failed_run, webhook):
    result, context = failed_run
    monkeypatch.setenv("PAPERHOUSE_ALERT_WEBHOOK", webhook.url)
    monkeypatch.delenv("PAPERHOUSE_DAGSTER_URL", raising=False)
    alert_on_run_failure(context)
    assert [json.loads(p["body"]) for p in webhook.posts] == [{"text": expected_text(result, link=False)}]


def test_nothing_is_sent_when_no_channel_is_configured(monkeypatch, failed_run):
    _, context = failed_run
    for name in ("PAPERHOUSE_ALERT_WEBHOOK", "PAPERHOUSE_ALERT_SMTP_HOST", "PAPERHOUSE_ALERT_EMAIL_TO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAPERHOUSE_ALERT_SMTP_HOST", "127.0.0.1")  # a server without recipients: no e-mail
    skipped = alert_on_run_failure(context)
    assert skipped == dg.SkipReason(
        "no alert channel configured (PAPERHOUSE_ALERT_WEBHOOK, PAPERHOUSE_ALERT_SMTP_HOST)"
    )


def test_a_failing_webhook_is_a_warning_and_the_email_still_goes(monkeypatch, failed_run, smtp):
    _, context = failed_run
    broken = Webhook(status=500)
    try:
        monkeypatch.setenv("PAPERHOUSE_ALERT_WEBHOOK", broken.url)
        monkeypatch.setenv("PAPERHOUSE_ALERT_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("PAPERHOUSE_ALERT_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("PAPERHOUSE_ALERT_EMAIL_TO", "ops@papers.test")
        assert alert_on_run_failure(context) is None  # the sensor does not fail
        assert len(broken.posts) == 1 and len(smtp.messages) == 1
    finally:
        broken.close()


ALERT = Alert("load_dumps_job", "0123456789abcdef", "a.txt", "Refused: a.txt, line 3: no title", None)


def settings(**given) -> AlertSettings:
    fields = {"webhook": None, "smtp_host": None, "smtp_port": 25, "email_from": "p@h.test", "email_to": None}
    return AlertSettings(**(fields | {"timeout_seconds": 1.0, "dagster_url": None} | given))


def test_a_webhook_that_never_answers_is_given_up_after_the_timeout():
    silent = socket.create_server(("127.0.0.1", 0))  # accepts connections, never answers
    warnings: list[str] = []
    try:
        started = time.monotonic()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        assert deliver(settings(webhook=url), ALERT, warnings.append) == []
        assert time.monotonic() - started < 5
    finally:
        silent.close()
    assert warnings == ["the webhook alert of run 0123456789abcdef was not delivered: timed out"]


def test_unreachable_channels_are_warnings_naming_them():
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there any more
    warnings: list[str] = []
    configured = settings(
        webhook=f"http://127.0.0.1:{port}/hook", smtp_host="127.0.0.1", smtp_port=port, email_to=("o@h.test",)
    )
    assert deliver(configured, ALERT, warnings.append) == []
    assert [w.split(":")[0] for w in warnings] == [
        "the webhook alert of run 0123456789abcdef was not delivered",
        "the e-mail alert of run 0123456789abcdef was not delivered",
    ]
    assert all("Connection refused" in w for w in warnings)


def test_the_partition_of_a_run_from_its_tags():
    assert run_partition({"dagster/partition": "a.txt"}) == "a.txt"
    ranged = {"dagster/asset_partition_range_start": "a.txt", "dagster/asset_partition_range_end": "z.txt"}
    assert run_partition(ranged) == "a.txt … z.txt"
    assert run_partition({}) is None


def test_the_alert_sensor_is_registered_on_by_default():
    sensor = defs.resolve_sensor_def("alert_on_run_failure")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
