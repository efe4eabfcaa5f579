"""Alerts: a failed run is posted to a webhook (Slack-compatible JSON) and e-mailed, as the settings say.

Both are off until configured (`PAPERHOUSE_ALERT_WEBHOOK`, `PAPERHOUSE_ALERT_SMTP_HOST` with
`PAPERHOUSE_ALERT_EMAIL_TO`), read at each evaluation, so a changed setting needs no restart.
A channel that fails or outlasts `PAPERHOUSE_ALERT_TIMEOUT` is a warning in the sensor's log:
the sensor goes on to the next channel and the next failed run, and never retries one.
"""

from __future__ import annotations

import json
import smtplib
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage

import dagster as dg

from etl.report import quoted_names
from etl.settings import Settings, SettingsError

MAX_DESCRIPTION_CHARS = 2000  # a chat message stays readable; the run page has the rest
PARTITION_TAG = "dagster/partition"
RANGE_TAGS = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end")
_FAILURE_PREFIX = "dagster._core.definitions.events.Failure: "


@dataclass(frozen=True)
class AlertSettings:
    """Where alerts go: the settings of `PAPERHOUSE_ALERT_*` and the UI's URL for the run link."""

    webhook: str | None
    smtp_host: str | None
    smtp_port: int
    email_from: str
    email_to: tuple[str, ...] | None
    timeout_seconds: float
    dagster_url: str | None

    @classmethod
    def read(cls) -> AlertSettings:
        """The alert settings alone (a bad setting of a load does not silence them)."""
        names = ("alert_webhook", "alert_smtp_host", "alert_smtp_port", "alert_email_from")
        names += ("alert_email_to", "alert_timeout_seconds", "dagster_url")
        return cls(*(Settings.read_one(name) for name in names))

    @property
    def emails(self) -> bool:
        """Whether e-mail is configured: a server and recipients."""
        return bool(self.smtp_host and self.email_to)


@dataclass(frozen=True)
class Alert:
    """One failed run, as an alert says it."""

    job: str
    run_id: str
    partition: str | None
    description: str
    link: str | None

    @property
    def subject(self) -> str:
        """The one-line summary: job, partition, run."""
        where = f" (partition {self.partition})" if self.partition else ""
        return f"paperhouse: {self.job}{where} failed, run {self.run_id[:8]}"

    @property
    def text(self) -> str:
        """The whole message: the summary, the failure's description, the link to the run."""
        lines = [self.subject, f"Run: {self.run_id}", self.description]
        return "\n".join(lines + ([f"Open the run: {self.link}"] if self.link else []))


def run_partition(tags: dict[str, str]) -> str | None:
    """The partition (or range of partitions) a run was launched for, from its tags; None when unpartitioned."""
    if PARTITION_TAG in tags:
        return tags[PARTITION_TAG]
    start, end = (tags.get(tag) for tag in RANGE_TAGS)
    if start is None:
        return None
    return start if start == end else f"{start} … {end}"


def failure_description(context: dg.RunFailureSensorContext) -> str:
    """What went wrong: each failed step's own description (a `Failure`'s, else its error), else the run's message."""
    described = []
    for event in context.get_step_failure_events():
        data = event.step_failure_data
        if data.user_failure_data is not None and data.user_failure_data.description:
            described.append(data.user_failure_data.description)
        elif data.error is not None:
            described.append(data.error.message.removeprefix(_FAILURE_PREFIX).strip())
    text = "\n".join(described) or context.failure_event.message or "the run failed"
    return text if len(text) <= MAX_DESCRIPTION_CHARS else text[: MAX_DESCRIPTION_CHARS - 1] + "…"


def job_label(context: dg.RunFailureSensorContext) -> str:
    """The run's job; for a Materialize (a hidden asset job: `__ASSET_JOB` in the UI), its assets, else its failed steps."""
    run = context.dagster_run
    if not run.job_name.startswith("__"):
        return run.job_name
    named = sorted(key.to_user_string() for key in run.asset_selection or ())
    named = named or sorted({e.step_key for e in context.get_step_failure_events() if e.step_key})
    return f"materialization of {quoted_names(named, shown=3, quote=False)}" if named else "materialization"


def alert_of(context: dg.RunFailureSensorContext, dagster_url: str | None) -> Alert:
    """The alert of the failed run of `context`."""
    run = context.dagster_run
    link = f"{dagster_url.rstrip('/')}/runs/{run.run_id}" if dagster_url else None
    return Alert(job_label(context), run.run_id, run_partition(run.tags), failure_description(context), link)


def post_webhook(url: str, alert: Alert, timeout_seconds: float) -> None:
    """POST `{"text": ...}` to `url` (Slack's incoming webhooks, and most chat tools, take it); raises OSError on failure."""
    body = json.dumps({"text": alert.text}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout_seconds) as response:  # noqa: S310 - http(s) only (settings)
        response.read()


def send_email(settings: AlertSettings, alert: Alert) -> None:
    """Send `alert` by plain SMTP to the configured recipients; raises OSError or SMTPException on failure."""
    message = EmailMessage()
    message["Subject"], message["From"] = alert.subject, settings.email_from
    message["To"] = ", ".join(settings.email_to or ())
    message.set_content(alert.text)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout_seconds) as smtp:
        smtp.send_message(message)


def deliver(settings: AlertSettings, alert: Alert, warn) -> list[str]:  # noqa: ANN001
    """Send `alert` on every configured channel; a channel that fails is `warn`ed about. The channels that took it."""
    channels = {}
    if settings.webhook:
        channels["webhook"] = lambda: post_webhook(settings.webhook, alert, settings.timeout_seconds)
    if settings.emails:
        channels["e-mail"] = lambda: send_email(settings, alert)
    delivered = []
    for name, send in channels.items():
        try:
            send()
        except (OSError, smtplib.SMTPException, ValueError) as exc:  # URLError and timeouts are OSErrors
            warn(f"the {name} alert of run {alert.run_id} was not delivered: {exc}")
        else:
            delivered.append(name)
    return delivered


@dg.run_failure_sensor(
    name="alert_on_run_failure",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Post a failed run to PAPERHOUSE_ALERT_WEBHOOK and e-mail it to PAPERHOUSE_ALERT_EMAIL_TO "
    "(each off until set).",
)
def alert_on_run_failure(context: dg.RunFailureSensorContext) -> dg.SkipReason | None:
    """Send an alert for each failed run of this code location."""
    try:
        settings = AlertSettings.read()
    except SettingsError as exc:
        context.log.warning(f"no alert sent: bad setting: {exc}")
        return dg.SkipReason(f"bad setting: {exc}")
    if not settings.webhook and not settings.emails:
        return dg.SkipReason(
            "no alert channel configured (PAPERHOUSE_ALERT_WEBHOOK, PAPERHOUSE_ALERT_SMTP_HOST)"
        )
    alert = alert_of(context, settings.dagster_url)
    delivered = deliver(settings, alert, context.log.warning)
    context.log.info(f"alert of run {alert.run_id} delivered by: {', '.join(delivered) or 'none'}")
    return None
