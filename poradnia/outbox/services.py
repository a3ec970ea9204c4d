"""The e-mail outbox: record a fact once, send it once.

``enqueue`` is called inside the transaction that makes the change being reported, so the e-mail
exists exactly when the change does. ``send_pending`` sends the rows that are due over one SMTP
connection per batch. Each row is first *claimed* in a short transaction of its own (status
``sending``, ``lease_until``, ``lease_owner``: one conditional UPDATE, so of two senders exactly one
wins it, on SQLite and PostgreSQL alike); the SMTP exchange happens outside any transaction (SQLite's
write lock is never held while the mail server talks), and a second short transaction marks it sent.
Therefore:

* a retry, a re-run or a second sender running in parallel never sends a sent or claimed row again;
* a crash before the SMTP server accepted the message leaves the row claimed until its lease runs
  out (at least five ``EMAIL_TIMEOUT``, ``OUTBOX_LEASE_S``); then any sender takes it: nothing is lost;
* the one window for a duplicate is a message the SMTP server accepted while the sender did not get
  to record it: a crash or a lost connection between the server's 250 and the mark-sent commit, or
  a reply lost after the final dot. The row is still unsent and goes out again. SMTP offers no way
  to close it (there is no transaction spanning our database and the mail server).

What goes wrong is told apart by who is refused (see ``_verdict``):

* the *server* (connection refused or lost, timeouts, 421, a refused sender or login, and a refused
  recipient whose reply says relaying or authentication is the problem): ``RelayUnavailable``; the
  row is released untouched (no attempt counted) and the caller retries the whole step with backoff.
  A lost connection is first re-opened once, for servers that cap messages per connection. When the
  new connection opens but is lost again while it carries this message (a relay that drops it after
  its DATA), the message is the trouble: it is deferred like the next case, and the rows behind it go
  out in the same pass. Only when ``SERVER_DROPS`` messages in a row do that is it the server's fault;
* *this message*, for now (4xx to its recipient or its data, or an unexpected error): the row is
  deferred to ``next_attempt_at`` (``OUTBOX_RETRY_INITIAL_S`` doubling up to ``OUTBOX_RETRY_MAX_S``)
  and marked failed after ``OUTBOX_MAX_ATTEMPTS`` tries; the other rows go out in the same pass;
* *this message*, for good (5xx to its recipient or its data, an address Django cannot parse): the
  row is marked failed with the reason. ``requeue_failed`` puts failed rows back.

Error texts that leave this module (exceptions, log lines, summaries) never carry an address; the
server's full reply is kept only in the row's ``last_error``, next to the address it is about.
"""

from __future__ import annotations

import logging
import re
import smtplib
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import sanitize_address
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from poradnia.contracts import SendSummary

from .models import OutboxEmail
from .queueing import stored_headers

log = logging.getLogger(__name__)

# A quoted local part ("jan kowalski"@example.org, valid for Django) or a plain one, then the domain.
ADDRESS = re.compile(r"(?:\"(?:[^\"\\]|\\.)*\"|[^\s<>\"'(),;:\[\]]+)@[^\s<>\"'(),;:\[\]]+")
# A refused recipient whose reply names relaying or authentication: the relay refuses *us*
# (Postfix "554 5.7.1 Relay access denied", sendmail "550 5.7.1 Relaying denied", Exchange
# "550 5.7.54 Unable to relay", "530 5.7.0 Authentication required"), not this address.
RELAY_REFUSAL = re.compile(r"relay|authenticat|auth required", re.IGNORECASE)  # searched with addresses masked
AUTH_CODES = {530, 534, 535, 538}
SERVER_CLOSING = 421


class TemporaryEmailError(Exception):
    """The mail server could not take mail now; the rows stay pending and the step is retried."""


class RelayUnavailable(TemporaryEmailError):
    """The mail server refuses us (not one recipient): nothing can go out until it is fixed."""


@dataclass
class Waiting:
    """Rows of a selection that are neither sent nor failed and cannot be sent right now."""

    count: int
    seconds: float  # until the first of them may be tried (a deferral ends or a lease runs out)


def enqueue(*, key: str, kind: str, to: str, subject: str, body: str, html_body: str = "",
            headers: dict[str, str] | None = None) -> bool:
    """Record an e-mail fact; returns False if that key already exists (idempotent) or ``to`` is empty.

    ``headers`` (e.g. the case's From and Reply-To) are stored with the row; see ``queueing.stored_headers``.
    """
    if not to or not to.strip():
        return False
    if OutboxEmail.objects.filter(key=key).exists():
        return False
    try:
        with transaction.atomic():
            OutboxEmail.objects.create(key=key, kind=kind, to=to, subject=subject[:255], body=body,
                                       html_body=html_body, headers=stored_headers(headers))
    except IntegrityError:  # a concurrent writer recorded the same fact first
        return False
    return True


def redact(text: str) -> str:
    """``text`` with every e-mail address replaced: for anything that leaves the row (logs, Temporal)."""
    return ADDRESS.sub("<address>", text)


def _public_key(row: OutboxEmail) -> str:
    """The row's key for logs and summaries: its own recipient masked first, however malformed it is
    (an alert key carries the admin's address; ``zofia tajna@example.org`` is no address to the pattern)."""
    key = row.key
    for to in {row.to, row.to.strip()} - {""}:
        key = key.replace(to, "<address>")
    return redact(key)


def lease_seconds() -> float:
    """A claim outlives one SMTP exchange of a message (MAIL, RCPT, DATA, the body: 4 timeouts at most)."""
    return max(float(settings.OUTBOX_LEASE_S), 5.0 * float(settings.EMAIL_TIMEOUT or 30))


def _selection(kinds: Iterable[str] | None, keys: Iterable[str] | None) -> QuerySet[OutboxEmail]:
    rows = OutboxEmail.objects.all()
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    if keys is not None:
        rows = rows.filter(key__in=list(keys))
    return rows


def _sendable(now: datetime) -> Q:
    due = Q(status=OutboxEmail.Status.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    expired = Q(status=OutboxEmail.Status.SENDING) & (Q(lease_until__isnull=True) | Q(lease_until__lte=now))
    return due | expired


# --- verdicts ----------------------------------------------------------------------------------

SERVER, DEFER, FAIL = "server", "defer", "fail"
#: This many messages in a row that lose a fresh connection: the relay is broken, not the messages.
SERVER_DROPS = 3
#: One message's whole SMTP exchange may take this many EMAIL_TIMEOUTs (the lease is at least five).
SEND_DEADLINE_TIMEOUTS = 4


@dataclass
class Verdict:
    kind: str  # SERVER | DEFER | FAIL
    reason: str  # address-free: exception type, SMTP code, enhanced status
    detail: str  # the server's reply as received, for the row's last_error only
    reconnect: bool = False  # the connection is gone or in an unknown state


def _reply(code: int | None, message: bytes | str | None) -> tuple[str, str]:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else (message or "")
    enhanced = re.match(r"\s*([245]\.\d{1,3}\.\d{1,3})\b", text)
    public = f"SMTP {code}" + (f" {enhanced.group(1)}" if enhanced else "") if code is not None else "no SMTP code"
    return public, f"{code} {text}".strip()


def _verdict(exc: BaseException) -> Verdict:
    """Who is refused: the server (retry the step), this message for now (defer it) or for good (fail it)."""
    name = type(exc).__name__
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, message = next(iter(exc.recipients.values()), (None, b""))
        public, detail = _reply(code, message)
        if code == SERVER_CLOSING:
            return Verdict(SERVER, f"{name} ({public})", detail, reconnect=True)
        if code is not None and (code in AUTH_CODES or (code >= 500 and RELAY_REFUSAL.search(redact(detail)))):
            return Verdict(SERVER, f"{name} ({public}, relay refuses recipients)", detail)
        if code is not None and 500 <= code < 600:
            return Verdict(FAIL, f"{name} ({public})", detail)
        return Verdict(DEFER, f"{name} ({public})", detail)
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPAuthenticationError | smtplib.SMTPHeloError
                  | smtplib.SMTPNotSupportedError):
        public, detail = _reply(getattr(exc, "smtp_code", None), getattr(exc, "smtp_error", b""))
        return Verdict(SERVER, f"{name} ({public})", detail,
                       reconnect=getattr(exc, "smtp_code", None) == SERVER_CLOSING)
    if isinstance(exc, smtplib.SMTPDataError):
        public, detail = _reply(exc.smtp_code, exc.smtp_error)
        if exc.smtp_code == SERVER_CLOSING:
            return Verdict(SERVER, f"{name} ({public})", detail, reconnect=True)
        if 500 <= exc.smtp_code < 600:
            if RELAY_REFUSAL.search(redact(detail)):
                return Verdict(SERVER, f"{name} ({public}, relay refuses the message)", detail)
            return Verdict(FAIL, f"{name} ({public})", detail)
        return Verdict(DEFER, f"{name} ({public})", detail)
    if isinstance(exc, smtplib.SMTPResponseException):
        public, detail = _reply(exc.smtp_code, exc.smtp_error)
        return Verdict(SERVER, f"{name} ({public})", detail, reconnect=True)
    if isinstance(exc, OSError):  # connection refused or lost, timeouts, TLS, SMTPServerDisconnected
        errno = f" [Errno {exc.errno}]" if getattr(exc, "errno", None) else ""
        return Verdict(SERVER, f"{name}{errno}", redact(str(exc)), reconnect=True)
    # Something about this message the mail libraries could not handle: try it again later, never block others.
    return Verdict(DEFER, f"{name} (unexpected)", redact(str(exc)), reconnect=True)


# --- sending -----------------------------------------------------------------------------------


class _Mail:
    """One SMTP connection for a batch (Django's backend, opened explicitly so it is reused)."""

    def __init__(self) -> None:
        self.backend = get_connection(fail_silently=False)
        self.opened = False
        self.drops = 0  # messages in a row whose connection was lost twice (see SERVER_DROPS)

    def open(self) -> None:
        if not self.opened:
            self.backend.open()
            self.opened = True

    def close(self) -> None:
        if self.opened:
            self.opened = False
            try:
                self.backend.close()
            except Exception:  # noqa: BLE001,S110 - closing a broken connection must not hide the real error
                pass

    def send(self, message: EmailMultiAlternatives) -> None:
        """One message's exchange, within SEND_DEADLINE_TIMEOUTS x EMAIL_TIMEOUT in all: EMAIL_TIMEOUT bounds
        each read, so a relay answering a byte at a time would hold the row past its lease. At the deadline
        the socket is shut down, which ends the exchange as a lost connection."""
        self.open()
        message.connection = self.backend
        sock = getattr(getattr(self.backend, "connection", None), "sock", None)
        timer = threading.Timer(SEND_DEADLINE_TIMEOUTS * settings.EMAIL_TIMEOUT, _shutdown, (sock,))
        timer.daemon = True
        if sock is not None:
            timer.start()
        try:
            self.backend.send_messages([message])
        finally:
            timer.cancel()


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed
        pass


def _message(row: OutboxEmail) -> EmailMultiAlternatives:
    """The message for this row; ValueError (BadHeaderError too) for an address it cannot be sent to or from."""
    try:
        validate_email(row.to)
    except ValidationError:
        raise ValueError("not a valid e-mail address") from None
    headers = dict(row.headers or {})  # rows written before headers were stored have none
    message = EmailMultiAlternatives(row.subject, row.body, headers.pop("From", settings.DEFAULT_FROM_EMAIL),
                                     [row.to], headers=headers)
    if row.html_body:
        message.attach_alternative(row.html_body, "text/html")
    encoding = message.encoding or settings.DEFAULT_CHARSET
    for address in [message.from_email, *message.recipients()]:  # a case's From is stored with the row
        sanitize_address(address, encoding)
    message.message()  # headers (a newline in an address raises here, not half-way through SMTP)
    return message


def send_pending(
    *,
    kinds: Iterable[str] | None = None,
    keys: Iterable[str] | None = None,
    batch_size: int = 100,
    on_progress: Callable[[SendSummary], None] | None = None,
    summary: SendSummary | None = None,
) -> SendSummary:
    """Send the due rows (optionally only some kinds / keys), oldest first, until none is left.

    Raises ``RelayUnavailable`` when the mail server refuses us; every row not yet sent stays pending.
    ``summary`` carries the counts of an earlier attempt (from its heartbeat) so a retry reports the whole send.
    """
    summary = summary or SendSummary()
    kinds = list(kinds) if kinds is not None else None
    keys = list(keys) if keys is not None else None
    owner = uuid.uuid4().hex
    mail = _Mail()
    after_id = 0
    try:
        while True:
            due = _selection(kinds, keys).filter(_sendable(timezone.now()), id__gt=after_id)
            ids = list(due.order_by("id").values_list("id", flat=True)[:batch_size])
            if not ids:
                return summary
            _check_sender()
            for pk in ids:
                after_id = pk
                if _send_one(pk, owner, mail, summary) and on_progress is not None:
                    on_progress(summary)
    finally:
        mail.close()


def _check_sender() -> None:
    """A sender address Django cannot use fails every message alike: a server-wide error, not the rows'."""
    try:
        sanitize_address(settings.DEFAULT_FROM_EMAIL, settings.DEFAULT_CHARSET)
    except ValueError:
        log.warning("outbox: DEFAULT_FROM_EMAIL cannot be parsed; every e-mail stays pending")
        raise RelayUnavailable("the mail server refuses to send: DEFAULT_FROM_EMAIL cannot be parsed") from None


def _connect(mail: _Mail) -> None:
    verdict = None
    for _attempt in range(2):
        try:
            mail.open()
            return
        except Exception as exc:  # noqa: BLE001 - every error gets a verdict; none is raised with its text
            verdict = _verdict(exc)
            mail.close()
    reason = verdict.reason if verdict is not None else "no connection"
    log.warning("outbox: the mail server refuses to send (%s); every e-mail stays pending", reason)
    raise RelayUnavailable(f"the mail server refuses to send: {reason}")


def _claim(pk: int, owner: str) -> OutboxEmail | None:
    now = timezone.now()
    claimed = OutboxEmail.objects.filter(_sendable(now), pk=pk).update(
        status=OutboxEmail.Status.SENDING, lease_owner=owner, lease_until=now + timedelta(seconds=lease_seconds()))
    return OutboxEmail.objects.get(pk=pk) if claimed else None


def _mine(pk: int, owner: str) -> QuerySet[OutboxEmail]:
    return OutboxEmail.objects.filter(pk=pk, status=OutboxEmail.Status.SENDING, lease_owner=owner)


def _send_one(pk: int, owner: str, mail: _Mail, summary: SendSummary) -> bool:
    """Claim, send and record one row; False if another sender has it. Raises ``RelayUnavailable``."""
    if not mail.opened:
        _connect(mail)  # before the claim: the lease covers the message's exchange, not a slow login
    row = _claim(pk, owner)
    if row is None:  # sent, deferred or claimed by another sender meanwhile
        return False
    settled = False
    try:
        try:
            message = _message(row)
        except Exception as exc:  # noqa: BLE001 - whatever Django cannot turn into a message is this row's fault
            _fail(row, owner, f"{type(exc).__name__}: an address of this e-mail cannot be used", str(exc), summary)
            settled = True
            return True
        verdict: Verdict | None = None
        for attempt in range(2):  # a lost connection is re-opened once (servers cap messages per connection)
            if attempt:
                _connect(mail)  # the server itself is unreachable: RelayUnavailable, the row untouched
            try:
                mail.send(message)
            except Exception as exc:  # noqa: BLE001 - every error gets a verdict; none is raised with its text
                verdict = _verdict(exc)
                if verdict.reconnect:
                    mail.close()
                if verdict.kind == SERVER and verdict.reconnect and attempt == 0:
                    continue
                lost = isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError | TimeoutError)
                if lost and mail.drops + 1 < SERVER_DROPS:
                    mail.drops += 1  # a fresh connection, lost again over this message: defer it, go on
                    verdict = Verdict(DEFER, f"{verdict.reason} (the connection was lost twice while sending "
                                      "this e-mail)", verdict.detail)
                break
            else:
                verdict = None
                mail.drops = 0
                break
        if verdict is None:
            marked = _mine(pk, owner).update(status=OutboxEmail.Status.SENT, attempts=row.attempts + 1,
                                             sent_at=timezone.now(), last_error="", lease_until=None,
                                             lease_owner="", next_attempt_at=None)
            if not marked:  # our lease ran out mid-exchange: the server took longer than OUTBOX_LEASE_S
                log.warning("outbox row %s was sent after its lease ran out", row.pk)
            summary.sent += 1
            settled = True
            return True
        if verdict.kind == FAIL:
            _fail(row, owner, verdict.reason, verdict.detail, summary)
        elif verdict.kind == DEFER:
            _defer(row, owner, verdict, summary)
        else:
            log.warning("outbox: the mail server refuses to send (%s); every e-mail stays pending", verdict.reason)
            raise RelayUnavailable(f"the mail server refuses to send: {verdict.reason}") from None
        settled = True
        return True
    finally:
        if not settled:  # the server refused us, or we are being cancelled: the row is untouched
            _mine(pk, owner).update(status=OutboxEmail.Status.PENDING, lease_until=None, lease_owner="")


def _fail(row: OutboxEmail, owner: str, reason: str, detail: str, summary: SendSummary) -> None:
    _mine(row.pk, owner).update(status=OutboxEmail.Status.FAILED, attempts=row.attempts + 1,
                                last_error=f"{reason}: {detail}"[:2000], failed_at=timezone.now(),
                                lease_until=None, lease_owner="", next_attempt_at=None)
    log.warning("outbox row %s (%s) failed for good: %s", row.pk, _public_key(row), reason)
    summary.failed += 1
    summary.failures.append(_public_key(row))


def _defer(row: OutboxEmail, owner: str, verdict: Verdict, summary: SendSummary) -> None:
    attempts = row.attempts + 1
    if attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        _fail(row, owner, f"gave up after {attempts} attempts, the last: {verdict.reason}", verdict.detail, summary)
        return
    delay = min(settings.OUTBOX_RETRY_MAX_S, settings.OUTBOX_RETRY_INITIAL_S * 2 ** (attempts - 1))
    _mine(row.pk, owner).update(status=OutboxEmail.Status.PENDING, attempts=attempts,
                                next_attempt_at=timezone.now() + timedelta(seconds=delay),
                                last_error=f"{verdict.reason}: {verdict.detail}"[:2000],
                                lease_until=None, lease_owner="")
    log.info("outbox row %s (%s) deferred %.0f s after attempt %d: %s", row.pk, _public_key(row), delay, attempts,
             verdict.reason)


def waiting(*, kinds: Iterable[str] | None = None, keys: Iterable[str] | None = None) -> Waiting | None:
    """The selection's rows that wait (deferred, or claimed by a sender that may have died); None if none."""
    now = timezone.now()
    rows = _selection(kinds, keys)
    deferred = rows.filter(status=OutboxEmail.Status.PENDING, next_attempt_at__gt=now)
    leased = rows.filter(status=OutboxEmail.Status.SENDING, lease_until__gt=now)
    count = deferred.count() + leased.count()
    if not count:
        return None
    first = min(t for t in (deferred.aggregate(t=Min("next_attempt_at"))["t"],
                            leased.aggregate(t=Min("lease_until"))["t"]) if t is not None)
    return Waiting(count=count, seconds=max(0.0, (first - now).total_seconds()))


def requeue_failed(*, kinds: Iterable[str] | None = None, since: datetime | None = None,
                   ids: Iterable[int] | None = None) -> int:
    """Put failed rows back in the queue with a fresh count of attempts; returns how many.

    ``since`` keeps rows that failed at or after it (rows failed before ``failed_at`` existed have none).
    The next sending step of each row's kind sends them (or ``manage.py outbox send`` now).
    """
    rows = OutboxEmail.objects.filter(status=OutboxEmail.Status.FAILED)
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    if since is not None:
        rows = rows.filter(failed_at__gte=since)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(status=OutboxEmail.Status.PENDING, attempts=0, next_attempt_at=None, failed_at=None,
                       lease_until=None, lease_owner="")
