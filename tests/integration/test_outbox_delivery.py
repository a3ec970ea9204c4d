"""Outbox delivery semantics against a real SMTP receiver that misbehaves on purpose (issue 12, mail).

Who is refused decides: the server (every row stays pending, an alert is raised, everything goes out
once the relay is fixed), one recipient for now (that row is deferred with backoff, the others go
out), one recipient for good or an address Django cannot parse (that row fails). One connection per
batch; rows are claimed with a lease, so SQLite's write lock is free while SMTP talks and two senders
never send one row.
"""

from __future__ import annotations

import logging
import smtplib
import threading
import time
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from devtools.smtp import SmtpReceiver
from poradnia.monitoring.mail import MAIL_DOWN_KEY, send_and_watch
from poradnia.monitoring.models import Alert
from poradnia.outbox.models import OutboxEmail
from poradnia.outbox.services import RelayUnavailable, enqueue, send_pending, waiting

KIND = "test-mail"
ADDRESSES = ["anna.tajna.7311@example.org", "bogdan.tajny.7312@example.org", "celina.tajna.7313@example.org"]


def queue(addresses: list[str], kind: str = KIND) -> list[int]:
    for n, to in enumerate(addresses):
        # The key names the address, as alert keys do: summaries must not carry it either.
        enqueue(key=f"{kind}:{n}:{to}", kind=kind, to=to, subject=f"Wiadomość {n}", body="Treść")
    return list(OutboxEmail.objects.filter(kind=kind).order_by("id").values_list("id", flat=True))


def rows() -> dict[str, OutboxEmail]:
    return {row.to: row for row in OutboxEmail.objects.filter(kind=KIND)}


def alert() -> Alert | None:
    return Alert.objects.filter(dedupe_key=MAIL_DOWN_KEY).first()


def no_address_in(text: str, addresses: list[str] = ADDRESSES) -> None:
    for address in addresses:
        assert address not in text and address.split("@")[0] not in text, text


def our_log(caplog: pytest.LogCaptureFixture) -> str:
    """Every INFO+ line this process wrote, except the receiver's own (it stands for a remote server)."""
    return "\n".join(r.getMessage() + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
                     for r in caplog.records if r.levelno >= logging.INFO and not r.name.startswith("mail.log"))


# --- 1. a refusal of the server is temporary and server-wide ---------------------------------------

def refuse_sender(smtp: SmtpReceiver, settings) -> None:
    smtp.handler.mail_reply = "530 5.7.0 Authentication required"


def refuse_relaying(smtp: SmtpReceiver, settings) -> None:
    smtp.handler.rcpt_reply = "554 5.7.1 <{address}>: Relay access denied"


def refuse_login(smtp: SmtpReceiver, settings) -> None:
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "poradnia", "secret"  # the receiver offers no AUTH


def be_down(smtp: SmtpReceiver, settings) -> None:
    smtp.stop()


def misconfigure_sender(smtp: SmtpReceiver, settings) -> None:
    settings.DEFAULT_FROM_EMAIL = "poradnia@@example.org"


def fix(smtp: SmtpReceiver, settings) -> None:
    smtp.handler.mail_reply = smtp.handler.rcpt_reply = None
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "", ""
    settings.DEFAULT_FROM_EMAIL = "poradnia@example.org"
    if smtp.controller is None:
        smtp.start()


@pytest.mark.django_db
@pytest.mark.parametrize("breakage", [refuse_sender, refuse_relaying, refuse_login, be_down, misconfigure_sender])
def test_a_relay_that_refuses_us_fails_nothing_alerts_and_delivers_everything_once_fixed(
    smtp: SmtpReceiver, settings, breakage, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    queue(ADDRESSES)
    breakage(smtp, settings)

    for _ in range(2):  # the step's retries
        with pytest.raises(RelayUnavailable) as refused:
            send_and_watch(kinds=[KIND])
        no_address_in(str(refused.value))

    assert {(r.status, r.attempts) for r in rows().values()} == {(OutboxEmail.Status.PENDING, 0)}
    raised = alert()
    assert raised is not None and raised.active and raised.occurrences == 2
    assert "is not going out" in raised.title

    fix(smtp, settings)
    summary = send_and_watch(kinds=[KIND])

    assert (summary.sent, summary.failed) == (3, 0)
    assert smtp.counts() == Counter({(to, f"Wiadomość {n}"): 1 for n, to in enumerate(ADDRESSES)})
    assert {r.status for r in rows().values()} == {OutboxEmail.Status.SENT}
    assert not alert().active
    no_address_in(our_log(caplog))


@pytest.mark.django_db
def test_only_a_refusal_of_one_recipient_fails_a_row(smtp: SmtpReceiver) -> None:
    smtp.handler.refuse.add(ADDRESSES[0])
    queue(ADDRESSES)

    summary = send_and_watch(kinds=[KIND])

    assert (summary.sent, summary.failed) == (2, 1)
    failed = rows()[ADDRESSES[0]]
    assert failed.status == OutboxEmail.Status.FAILED and failed.failed_at is not None
    assert "550 5.1.1" in failed.last_error
    no_address_in(" ".join(summary.failures))  # the key named the address
    assert alert() is None  # the server works


@pytest.mark.django_db
def test_an_address_that_says_relay_is_still_just_one_refused_recipient(smtp: SmtpReceiver) -> None:
    odd = "relay.authentication@relay.example.org"  # the reply names it: only the reply's own words count
    smtp.handler.refuse.add(odd)
    queue([odd, ADDRESSES[0]])

    assert (send_pending(kinds=[KIND]).sent, OutboxEmail.objects.get(to=odd).status) == (1, "failed")


@pytest.mark.django_db
def test_an_operator_requeues_failed_rows_by_kind_and_time(smtp: SmtpReceiver) -> None:
    queue(ADDRESSES)
    queue(["dorota@example.org"], kind="other")
    now = timezone.now()
    OutboxEmail.objects.update(status=OutboxEmail.Status.FAILED, attempts=5, failed_at=now, last_error="x")
    OutboxEmail.objects.filter(to=ADDRESSES[0]).update(failed_at=now - timedelta(days=2))

    out = StringIO()
    call_command("outbox", "retry", "--kind", KIND, "--since", (now - timedelta(days=1)).isoformat(), stdout=out)

    assert "re-queued 2 " in out.getvalue()
    statuses = {r.to: (r.status, r.attempts) for r in OutboxEmail.objects.all()}
    assert statuses == {ADDRESSES[0]: ("failed", 5), ADDRESSES[1]: ("pending", 0), ADDRESSES[2]: ("pending", 0),
                        "dorota@example.org": ("failed", 5)}
    out = StringIO()
    call_command("outbox", "send", "--kind", KIND, stdout=out)
    assert out.getvalue().startswith("sent 2, failed 0")
    assert sorted(m.to for m in smtp.messages) == sorted(ADDRESSES[1:])


@pytest.mark.django_db
def test_the_admin_action_requeues_the_selected_failed_rows(admin_client) -> None:
    ids = queue(ADDRESSES)
    OutboxEmail.objects.filter(pk__in=ids[:2]).update(status=OutboxEmail.Status.FAILED, attempts=3)

    response = admin_client.post("/admin/outbox/outboxemail/",
                                 {"action": "requeue", "_selected_action": [str(pk) for pk in ids]}, follow=True)

    assert response.status_code == 200 and "Ponownie zakolejkowano 2 nieudane e-maile" in response.content.decode()
    assert set(OutboxEmail.objects.values_list("status", "attempts")) == {("pending", 0)}


@pytest.mark.django_db
def test_requeue_refuses_a_bad_time() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("outbox", "retry", "--since", "yesterday")


# --- 2. no head-of-line blocking ---------------------------------------------------------------------

@pytest.mark.django_db
def test_a_full_mailbox_defers_its_row_with_backoff_and_gives_up_after_the_limit(smtp: SmtpReceiver,
                                                                                 settings) -> None:
    settings.OUTBOX_RETRY_INITIAL_S, settings.OUTBOX_MAX_ATTEMPTS = 0.3, 3
    full = ADDRESSES[0]  # the oldest row: nothing queued behind it may wait for it
    smtp.handler.replies[full] = "452 4.2.2 <{address}>: mailbox full"
    queue(ADDRESSES)

    before = timezone.now()
    summary = send_pending(kinds=[KIND])

    assert (summary.sent, summary.failed) == (2, 0)
    row = rows()[full]
    assert (row.status, row.attempts) == (OutboxEmail.Status.PENDING, 1) and "452 4.2.2" in row.last_error
    assert before + timedelta(seconds=0.3) <= row.next_attempt_at <= timezone.now() + timedelta(seconds=0.3)
    assert send_pending(kinds=[KIND]).sent == 0  # not due yet: not tried
    assert rows()[full].attempts == 1
    rest = waiting(kinds=[KIND])
    assert rest is not None and rest.count == 1 and 0 < rest.seconds <= 0.3

    delays = []
    for attempts in (2, 3):
        time.sleep(waiting(kinds=[KIND]).seconds + 0.05)
        previous = rows()[full].next_attempt_at
        summary = send_pending(kinds=[KIND])
        row = rows()[full]
        assert row.attempts == attempts
        if row.next_attempt_at:
            delays.append((row.next_attempt_at - previous).total_seconds())
    assert delays and delays[0] >= 0.6  # doubled
    assert row.status == OutboxEmail.Status.FAILED and summary.failed == 1
    assert row.last_error.startswith("gave up after 3 attempts") and "452" in row.last_error
    assert waiting(kinds=[KIND]) is None
    assert len(smtp.messages) == 2 and alert() is None


@pytest.mark.django_db
def test_an_address_django_cannot_parse_fails_its_row_and_the_others_go_out(smtp: SmtpReceiver) -> None:
    bad = ["jan.kowalski@@example.org", "ewa.nowak@example.org\nBcc: x@example.org", "zenon kot"]
    queue(bad + ADDRESSES)

    enqueue(key="bad-from", kind=KIND, to="dorota@example.org", subject="s", body="b",
            headers={"From": "sprawa-7@@porady.example.org"})  # a case's stored From

    summary = send_pending(kinds=[KIND])

    assert (summary.sent, summary.failed) == (3, 4)
    assert sorted(m.to for m in smtp.messages) == sorted(ADDRESSES)
    assert OutboxEmail.objects.get(key="bad-from").status == OutboxEmail.Status.FAILED
    for address in bad:
        row = OutboxEmail.objects.get(to=address)
        assert row.status == OutboxEmail.Status.FAILED and "cannot be used" in row.last_error
    no_address_in(" ".join(summary.failures), bad[:2])  # the keys named them (the third is no address)


# --- 3. one connection per batch, leases ---------------------------------------------------------

@pytest.mark.django_db
def test_one_connection_carries_the_whole_batch(smtp: SmtpReceiver) -> None:
    queue([f"osoba{n}@example.org" for n in range(6)])

    assert send_pending(kinds=[KIND]).sent == 6
    assert smtp.handler.connections == 1


@pytest.mark.django_db
def test_a_server_that_caps_messages_per_connection_gets_a_new_connection(smtp: SmtpReceiver) -> None:
    smtp.handler.per_connection = 2  # then MAIL FROM is answered 421 and the connection closed
    queue([f"osoba{n}@example.org" for n in range(5)])

    summary = send_pending(kinds=[KIND])

    assert (summary.sent, summary.failed) == (5, 0) and len(smtp.messages) == 5
    assert smtp.handler.connections == 3
    assert set(OutboxEmail.objects.values_list("status", "attempts")) == {("sent", 1)}


@pytest.mark.django_db
def test_a_message_the_relay_drops_the_connection_over_backs_off_and_the_rest_go_out(
        smtp: SmtpReceiver, settings) -> None:
    # The relay closes the connection after the first message's DATA, without a reply, every time.
    smtp.handler.drop_after_data = {ADDRESSES[0]}
    queue(ADDRESSES)

    summary = send_pending(kinds=[KIND])

    assert summary.sent == 2 and sorted(m.to for m in smtp.messages) == ADDRESSES[1:]
    poisoned = rows()[ADDRESSES[0]]
    assert (poisoned.status, poisoned.attempts) == ("pending", 1)
    assert poisoned.next_attempt_at is not None and poisoned.next_attempt_at > timezone.now()
    assert "connection was lost twice" in poisoned.last_error or "lost twice" in str(summary)
    assert smtp.handler.dropped == 2  # sent once, re-sent once on a new connection: not six times

    assert send_pending(kinds=[KIND]).sent == 0 and smtp.handler.dropped == 2  # backing off, not first in line

    settings.OUTBOX_MAX_ATTEMPTS = 2
    OutboxEmail.objects.filter(pk=poisoned.pk).update(next_attempt_at=timezone.now())
    send_pending(kinds=[KIND])
    assert rows()[ADDRESSES[0]].status == "failed"  # and, after the limit, failed (requeue_failed puts it back)


@pytest.mark.django_db
def test_a_relay_dripping_its_reply_meets_one_deadline_per_message(smtp: SmtpReceiver, settings) -> None:
    # The reply to the first message's DATA comes a byte every 0.3 s (30 s in all), each read well within
    # EMAIL_TIMEOUT: only a deadline on the whole exchange ends it, before the row's lease runs out.
    settings.EMAIL_TIMEOUT = 1
    smtp.handler.drip_after_data = {ADDRESSES[0]}
    queue(ADDRESSES)

    started = time.monotonic()
    summary = send_pending(kinds=[KIND])
    elapsed = time.monotonic() - started

    assert summary.sent == 2 and sorted(m.to for m in smtp.messages) == ADDRESSES[1:]
    assert (rows()[ADDRESSES[0]].status, rows()[ADDRESSES[0]].attempts) == ("pending", 1)
    assert elapsed < 2 * 4 + 6, elapsed  # two attempts of 4 x EMAIL_TIMEOUT plus slack, not 2 x 30 s


@pytest.mark.django_db
def test_a_relay_that_drops_every_message_is_the_relay_not_the_messages(smtp: SmtpReceiver) -> None:
    addresses = [f"osoba{n}@example.org" for n in range(5)]
    smtp.handler.drop_after_data = set(addresses)
    queue(addresses)

    with pytest.raises(RelayUnavailable, match="SMTPServerDisconnected"):
        send_pending(kinds=[KIND])

    attempts = Counter(OutboxEmail.objects.filter(kind=KIND).values_list("status", "attempts"))
    assert attempts == Counter({("pending", 1): 2, ("pending", 0): 3}), attempts


def in_thread(fn, *args):  # noqa: ANN001,ANN201
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["result"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001
            box["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_database_is_free_for_writers_while_the_mail_server_talks(smtp: SmtpReceiver) -> None:
    queue(ADDRESSES)
    smtp.handler.hold_at, smtp.handler.accept_held = 1, True
    sender, sent = in_thread(lambda: send_pending(kinds=[KIND]))
    try:
        assert smtp.handler.held.wait(20), "the sender never reached DATA"
        # SQLite: a writer waits while a transaction holds the write lock; PostgreSQL: a row lock.
        writer, wrote = in_thread(lambda: enqueue(key="new", kind=KIND, to="nowy@example.org", subject="s",
                                                  body="b"))
        writer.join(5)
        assert not writer.is_alive() and wrote.get("result") is True, "a writer waited for the SMTP exchange"
        assert OutboxEmail.objects.get(to=ADDRESSES[0]).status == OutboxEmail.Status.SENDING
    finally:
        smtp.handler.release.set()
        sender.join(30)
    assert "error" not in sent and sent["result"].sent == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_never_send_the_same_row(smtp: SmtpReceiver) -> None:
    addresses = [f"osoba{n}@example.org" for n in range(30)]
    queue(addresses)
    smtp.handler.data_delay = 0.01
    start = threading.Barrier(2)

    def sender() -> int:
        start.wait()
        return send_pending(kinds=[KIND], batch_size=7).sent

    threads = [in_thread(sender) for _ in range(2)]
    for thread, _ in threads:
        thread.join(120)
    results = [box for _, box in threads]

    assert all("error" not in box for box in results), results
    assert sum(box["result"] for box in results) == 30
    assert smtp.counts() == Counter({(to, f"Wiadomość {n}"): 1 for n, to in enumerate(addresses)})
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_lease_that_ran_out_after_a_crash_makes_the_row_sendable_again(smtp: SmtpReceiver) -> None:
    crashed, alive, plain = queue(ADDRESSES)
    now = timezone.now()
    OutboxEmail.objects.filter(pk=crashed).update(status="sending", lease_owner="dead", lease_until=now)
    OutboxEmail.objects.filter(pk=alive).update(status="sending", lease_owner="busy",
                                                lease_until=now + timedelta(seconds=60))

    assert send_pending(kinds=[KIND]).sent == 2

    assert sorted(m.to for m in smtp.messages) == sorted([ADDRESSES[0], ADDRESSES[2]])
    assert OutboxEmail.objects.get(pk=alive).status == "sending"  # its sender may still be talking
    rest = waiting(kinds=[KIND])
    assert rest is not None and rest.count == 1 and 50 < rest.seconds <= 60


@pytest.mark.django_db
def test_a_refusal_mid_batch_releases_the_claimed_row(smtp: SmtpReceiver) -> None:
    queue(ADDRESSES)
    smtp.handler.per_connection = 1
    smtp.handler.mail_reply = None
    smtp.handler.replies[ADDRESSES[1]] = "554 5.7.1 <{address}>: Relay access denied"

    with pytest.raises(RelayUnavailable):
        send_pending(kinds=[KIND])

    assert {r.to: (r.status, r.attempts, r.lease_owner) for r in rows().values()} == {
        ADDRESSES[0]: ("sent", 1, ""), ADDRESSES[1]: ("pending", 0, ""), ADDRESSES[2]: ("pending", 0, "")}


# --- 4. no addresses in errors and logs ---------------------------------------------------------------

@pytest.mark.django_db
def test_no_error_kind_puts_an_address_in_an_exception_a_summary_or_a_log_line(
    smtp: SmtpReceiver, settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings.OUTBOX_MAX_ATTEMPTS = 1
    bad = "jan.kowalski.7314@@example.org"
    texts: list[str] = []
    for setup in (lambda: smtp.handler.refuse.add(ADDRESSES[0]),
                  lambda: smtp.handler.replies.update({ADDRESSES[1]: "452 4.2.2 <{address}>: full"}),
                  lambda: refuse_sender(smtp, settings), lambda: refuse_relaying(smtp, settings),
                  lambda: refuse_login(smtp, settings), lambda: be_down(smtp, settings)):
        OutboxEmail.objects.all().delete()
        fix(smtp, settings)
        queue([*ADDRESSES, bad])
        setup()
        try:
            summary = send_and_watch(kinds=[KIND])
            texts.append(repr(summary))
        except RelayUnavailable as exc:
            texts.append(f"{exc!r} {exc.__cause__!r} {exc.__context__!r}")
    texts.append(our_log(caplog))
    no_address_in("\n".join(texts), [*ADDRESSES, bad])
    assert "failed for good" in texts[-1] and "refuses to send" in texts[-1]  # the lines were written


@pytest.mark.django_db
def test_no_address_leaks_from_421_non_smtp_errors_or_addresses_the_pattern_does_not_know(
    smtp: SmtpReceiver, settings, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The remaining error paths: a 421 to a recipient, an unexpected library error quoting the address, and keys naming
    addresses that are no address to a pattern (a quoted local part, a space, a display name)."""
    caplog.set_level(logging.INFO)
    settings.OUTBOX_MAX_ATTEMPTS = 1
    odd = ['"jan tajny"@example.org', "zofia tajna@example.org", "Ola Tajemnicza <ola.tajna@example.org>"]
    texts: list[str] = []

    queue(ADDRESSES)
    smtp.handler.rcpt_reply = "421 4.3.2 <{address}>: service shutting down"
    with pytest.raises(RelayUnavailable) as refused:
        send_pending(kinds=[KIND])
    texts.append(f"{refused.value!r} {refused.value.__cause__!r} {refused.value.__context__!r}")
    assert {r.status for r in rows().values()} == {OutboxEmail.Status.PENDING}  # the server's, not the rows'
    smtp.handler.rcpt_reply = None

    OutboxEmail.objects.all().delete()
    queue([ADDRESSES[0], *odd])
    real = smtplib.SMTP.sendmail

    def sendmail(self, from_addr, to_addrs, msg, *args, **kwargs):  # type: ignore[no-untyped-def]
        if ADDRESSES[0] in to_addrs:  # a library error that quotes what it could not handle
            raise ValueError(f"cannot encode the envelope of <{ADDRESSES[0]}>")
        return real(self, from_addr, to_addrs, msg, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "sendmail", sendmail)
    summary = send_and_watch(kinds=[KIND])
    texts += [repr(summary), our_log(caplog)]

    broken = rows()[ADDRESSES[0]]
    assert broken.status == OutboxEmail.Status.FAILED and "ValueError (unexpected)" in broken.last_error
    assert summary.failed == 4 and len(summary.failures) == 4
    no_address_in("\n".join(texts), ADDRESSES)
    for secret in ("jan tajny", "zofia", "Tajemnicza", "ola.tajna"):
        assert secret not in "\n".join(texts), secret
