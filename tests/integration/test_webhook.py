"""The webhook channel against a real local HTTP receiver: allow-list, retries with backoff, never doubled
(not by re-raising, a second sender, the activity's retries or a restarted watch process)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from devtools.smtp import SmtpReceiver
from poradnia.contracts import EmailKind
from poradnia.monitoring.alerts import raise_alert
from poradnia.monitoring.history import record_end
from poradnia.monitoring.mail import send_and_watch
from poradnia.monitoring.models import WebhookDelivery
from poradnia.monitoring.webhook import backoff, deliver_pending
from poradnia.outbox.models import OutboxEmail
from poradnia.outbox.services import TemporaryEmailError
from tests.support.watching import Receiver, manage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receiver(settings):
    settings.ALERT_WEBHOOK_ALLOWED_HOSTS = []
    settings.ALERT_WEBHOOK_ALLOW_LOOPBACK = True
    settings.ALERT_COOLDOWN_S = 3600
    with Receiver() as r:
        settings.ALERT_WEBHOOK_URL = r.url + "/hook"
        yield r


def test_one_post_per_alert_and_cooldown_whatever_the_rounds(receiver: Receiver) -> None:
    now = timezone.now()
    for _ in range(3):  # re-raised within the cooldown, as a retried activity or a restarted watch would
        raise_alert("job:x:failed", "x run ended failed", "Run 1", now=now)
    assert WebhookDelivery.objects.count() == 1
    assert deliver_pending(now).sent == 1
    assert deliver_pending(now).sent == 0  # a second sender (or a restart) finds it sent
    assert receiver.json_bodies() == [{"text": "[Poradnia błąd] x run ended failed\nRun 1\n(job:x:failed)"}]
    raise_alert("job:x:failed", "x run ended failed", "Run 2", now=now + timedelta(hours=2))
    deliver_pending(now + timedelta(hours=2))
    assert len(receiver.requests) == 2


def test_server_errors_are_retried_with_backoff_client_errors_fail(receiver: Receiver, settings) -> None:
    now = timezone.now()
    receiver.status = 503
    raise_alert("a", "A", "down", now=now)
    summary = deliver_pending(now)
    assert (summary.sent, summary.retrying) == (0, 1) and summary.errors == ["HTTP 503"]
    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, now + backoff(1))
    assert deliver_pending(now + timedelta(seconds=5)).retrying == 0  # not due yet
    receiver.status = 200
    assert deliver_pending(now + backoff(1)).sent == 1
    assert len(receiver.requests) == 2
    assert backoff(2) == 2 * backoff(1) and backoff(30) == timedelta(minutes=30)

    receiver.status = 404
    raise_alert("b", "B", "gone", now=now)
    assert deliver_pending(now).failed == 1
    assert WebhookDelivery.objects.get(alert_key="b").last_error == "HTTP 404"


def test_url_outside_the_allow_list_is_refused_and_never_requested(receiver: Receiver, settings) -> None:
    settings.ALERT_WEBHOOK_ALLOW_LOOPBACK = False
    settings.ALERT_WEBHOOK_ALLOWED_HOSTS = ["hooks.slack.com"]
    now = timezone.now()
    raise_alert("a", "A", "x", now=now)
    assert deliver_pending(now).failed == 1
    row = WebhookDelivery.objects.get()
    assert row.status == "failed"
    assert "ALERT_WEBHOOK_ALLOW_LOOPBACK" in row.last_error and "loopback host '127.0.0.1'" in row.last_error
    settings.ALERT_WEBHOOK_URL = "http://10.0.0.5/hook"
    raise_alert("b", "B", "x", now=now)
    deliver_pending(now)
    assert "host '10.0.0.5' is not in ALERT_WEBHOOK_ALLOWED_HOSTS (hooks.slack.com)" in \
        WebhookDelivery.objects.get(alert_key="b").last_error
    assert receiver.requests == []


def test_no_url_no_rows(settings) -> None:
    settings.ALERT_WEBHOOK_URL = ""
    raise_alert("a", "A", "x", now=timezone.now())
    assert WebhookDelivery.objects.count() == 0


def test_an_allowed_name_that_resolves_to_an_internal_address_is_refused_at_connect(receiver: Receiver,
                                                                                     settings) -> None:
    # "localhost" is on the list, but it resolves to 127.0.0.1: the guarded session refuses to connect there.
    settings.ALERT_WEBHOOK_ALLOW_LOOPBACK = False
    settings.ALERT_WEBHOOK_ALLOWED_HOSTS = ["localhost"]
    settings.ALERT_WEBHOOK_URL = receiver.url.replace("127.0.0.1", "localhost") + "/hook"
    now = timezone.now()
    raise_alert("a", "A", "x", now=now)
    assert deliver_pending(now).failed == 1
    assert "resolves to the loopback address" in WebhookDelivery.objects.get().last_error
    assert receiver.requests == []


def test_a_runs_alert_is_posted_by_its_own_sending_step_even_with_smtp_down(receiver: Receiver, settings) -> None:
    # A workflow's alert need not wait for the watch: the sending step that sends its e-mail POSTs it first.
    smtp = SmtpReceiver().start()
    smtp.apply(settings)
    smtp.stop()  # the mail server is down
    settings.ADMINS = [("Ops", "ops@example.org")]
    now = timezone.now()
    raised = record_end(job="court-sessions", workflow_id="w", run_id="r1", started=now, finished=now,
                        status="failed", summary={}, error="boom")
    assert [(r.emails_queued, r.webhooks_queued) for r in raised] == [(1, 1)]
    for _ in range(3):  # the activity's retries while SMTP is down: one POST per alert
        with pytest.raises(TemporaryEmailError):
            send_and_watch(kinds=[EmailKind.ALERT])
    # The first attempt POSTs the run's alert and, refused by the relay, raises the mail alert; the retry POSTs it.
    assert [b["text"].splitlines()[-1] for b in receiver.json_bodies()] == [
        "(job:court-sessions:failed)", "(outbox:mail-not-going-out)"]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"sent"}
    assert set(OutboxEmail.objects.filter(kind="alert").values_list("status", flat=True)) == {"pending"}

    settings.ADMINS = []  # no e-mail at all: the run still counts a notification, so it runs the sending step
    raised = record_end(job="retention", workflow_id="w", run_id="r2", started=now, finished=now,
                        status="failed", summary={}, error="boom")
    assert [(r.emails_queued, r.webhooks_queued) for r in raised] == [(0, 1)]
    with pytest.raises(TemporaryEmailError):
        send_and_watch(kinds=[EmailKind.ALERT])
    assert len(receiver.requests) == 3


def test_a_restarted_watch_never_posts_an_alert_twice(
    receiver: Receiver, temporal_server, test_database_url: str, task_queue: str
) -> None:
    # Two `watch --once` processes one after the other, as a restarted watch: no worker, so "no worker" (and
    # whatever else the round finds) is raised and POSTed by the first, and never again by the second.
    smtp = SmtpReceiver().start()
    try:
        env = {"DATABASE_URL": test_database_url, "TEMPORAL_ADDRESS": temporal_server.address,
               "TEMPORAL_TASK_QUEUE": task_queue, "ADMINS": "ops@example.org", "ALERT_COOLDOWN_S": "3600",
               "ALERT_WEBHOOK_URL": receiver.url + "/hook", "ALERT_WEBHOOK_ALLOWED_HOSTS": "",
               "ALERT_WEBHOOK_ALLOW_LOOPBACK": "true", **smtp.env}
        first = manage("watch", "--once", env=env)
        assert first.returncode == 1, first.stdout + first.stderr
        posted = [b["text"].splitlines()[-1] for b in receiver.json_bodies()]
        assert f"(watch:no-worker:{task_queue})" in posted
        second = manage("watch", "--once", env=env)
        assert second.returncode == 1, second.stdout + second.stderr
        assert "webhooks sent 0, retrying 0, failed 0" in second.stdout
        again = [b["text"].splitlines()[-1] for b in receiver.json_bodies()]
        assert again == posted and len(set(again)) == len(again)
        rows = list(WebhookDelivery.objects.values_list("key", "status"))
        assert sorted(rows) == sorted((f"alert:{text[1:-1]}:1", "sent") for text in posted)
    finally:
        smtp.stop()


def test_a_slow_receiver_holds_no_lock_and_meets_one_total_deadline(settings) -> None:
    # The receiver answers a header byte every 50 ms (20 s in all), each read well inside the timeout.
    # While it drips, another process writes: no transaction may be open across the POST (on SQLite it
    # held the write lock, and the writer failed with "database is locked"), and the POST ends at the deadline.
    import sqlite3
    import threading
    import time

    from django.db import connection

    from poradnia.outbox.models import OutboxEmail
    from tests.support.httpservers import header_dripper

    settings.ALERT_WEBHOOK_ALLOWED_HOSTS, settings.ALERT_WEBHOOK_ALLOW_LOOPBACK = [], True
    settings.ALERT_WEBHOOK_TIMEOUT_S = 3.0
    now = timezone.now()
    done: list[object] = []
    with header_dripper(interval=0.05) as url:
        settings.ALERT_WEBHOOK_URL = url + "hook"
        raise_alert("slow", "Slow", "hook", now=now)
        sender = threading.Thread(target=lambda: done.append(deliver_pending(now)))
        started = time.monotonic()
        sender.start()
        time.sleep(0.5)  # the POST is under way
        if connection.vendor == "sqlite":  # a second writer, as `outbox retry` in another process
            writer = sqlite3.connect(connection.settings_dict["NAME"], timeout=1.0, isolation_level=None)
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("UPDATE outbox_outboxemail SET attempts = attempts WHERE 0")
            writer.execute("COMMIT")
            writer.close()
        else:
            OutboxEmail.objects.filter(pk__lt=0).update(attempts=0)
        sender.join(timeout=30)
        elapsed = time.monotonic() - started
    summary = done[0]
    assert (summary.sent, summary.retrying) == (0, 1), summary  # type: ignore[attr-defined]
    assert "total deadline of 3 s" in summary.errors[0]  # type: ignore[attr-defined]
    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, now + backoff(1))
    assert elapsed < 3.0 + 3.0, elapsed  # the deadline plus slack, not the 20 s drip
