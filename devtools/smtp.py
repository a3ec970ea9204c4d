"""A real SMTP receiver for tests (aiosmtpd on a free loopback port) that can misbehave on purpose.

It records the messages it accepted and counts the connections it got. It can refuse chosen
addresses with a permanent 550 or answer any reply to one address (``replies``: "452 4.2.2 mailbox
full"), answer every MAIL FROM or every RCPT like a misconfigured relay (``mail_reply``: "530 5.7.0
Authentication required", ``rcpt_reply``: "554 5.7.1 Relay access denied"), cap messages per
connection with a 421 (``per_connection``), drop the connection without a reply after the DATA of
chosen addresses (``drop_after_data``), drip the reply to their DATA a byte at a time
(``drip_after_data``: each byte well inside any read timeout), slow every DATA down (``data_delay``), hold the n-th
message's DATA until the test releases it (to crash or cut off the sender at a known point), and be
stopped and started again on the same port (the mail server is down meanwhile). Replies name the
address in angle brackets, as Postfix does. A held message that is released is answered 451 and not
recorded (the sender never got a 250, so by SMTP's rules it was not delivered), or accepted when
``accept_held`` is set.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from devtools.devserver import free_port


@dataclass(frozen=True)
class Received:
    to: str
    subject: str
    message: EmailMessage

    def part(self, content_type: str) -> str:
        body = self.message.get_body(preferencelist=(content_type.split("/")[1],))
        return body.get_content() if body is not None else ""


class RecordingHandler:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[Received] = []
        self.refuse: set[str] = set()
        self.replies: dict[str, str] = {}  # address -> the reply to its RCPT
        self.mail_reply: str | None = None  # the reply to every MAIL FROM
        self.rcpt_reply: str | None = None  # the reply to every RCPT ("{address}" is filled in)
        self.per_connection: int | None = None  # MAIL FROM after this many messages in a connection: 421
        self.data_delay = 0.0
        self.drop_after_data: set[str] = set()  # after these recipients' DATA: close, no reply
        self.dropped = 0
        self.drip_after_data: set[str] = set()  # after these recipients' DATA: a reply of a byte every 0.3 s
        self.drip_bytes = 100
        self.hold_at: int | None = None  # hold the DATA of the n-th message (1-based) until released
        self.accept_held = False
        self.data_count = 0
        self.connections = 0
        self.mail_count = 0
        self.held = threading.Event()
        self.release = threading.Event()

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          mail_options: list) -> str:
        with self.lock:
            self.mail_count += 1
        if self.mail_reply is not None:
            return self.mail_reply
        done = getattr(session, "messages_done", 0)
        if self.per_connection is not None and done >= self.per_connection:
            return "421 4.7.0 too many messages in this connection, closing"
        session.messages_done = done + 1
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list) -> str:
        if self.rcpt_reply is not None:
            return self.rcpt_reply.format(address=address)
        if address.lower() in self.replies:
            return self.replies[address.lower()].format(address=address)
        if address.lower() in self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.data_count += 1
            hold = self.data_count == self.hold_at
            drop = any(rcpt.lower() in self.drop_after_data for rcpt in envelope.rcpt_tos)
            self.dropped += drop
        if any(rcpt.lower() in self.drip_after_data for rcpt in envelope.rcpt_tos):
            server.transport.write(b"250-")
            for _ in range(self.drip_bytes):
                if server.transport.is_closing():
                    return "451 4.3.0 never sent"
                server.transport.write(b"a")
                await asyncio.sleep(0.3)
            return "451 4.3.0 dripped"
        if drop:  # the sender waits for a reply that never comes: the connection is simply gone
            server.transport.abort()
            return "451 4.3.0 never sent"
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        if hold:
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            if not self.accept_held:
                return "451 4.3.0 try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append(Received(to=rcpt, subject=str(message["Subject"]), message=message))
        return "250 OK"


class CountingController(Controller):
    """Counts every connection the server accepts (the protocol factory runs once per connection)."""

    def factory(self) -> SMTP:
        with self.handler.lock:
            self.handler.connections += 1
        return super().factory()

    def start(self) -> None:
        super().start()
        with self.handler.lock:
            self.handler.connections -= 1  # start() connects once itself to see the server is up


class SmtpReceiver:
    def __init__(self) -> None:
        self.port = free_port()
        self.handler = RecordingHandler()
        self.controller: Controller | None = None

    @property
    def env(self) -> dict[str, str]:
        """Settings for a worker process that should mail through this receiver."""
        return {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(self.port), "EMAIL_TIMEOUT": "10"}

    def apply(self, settings: Any) -> None:
        """Point this process's Django settings (pytest-django's ``settings`` fixture) at the receiver."""
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = self.port
        settings.EMAIL_TIMEOUT = 10

    def start(self) -> SmtpReceiver:
        # A stopped controller's loop is closed: every start needs a new one (same port, same handler).
        self.controller = CountingController(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)

    def counts(self) -> Counter[tuple[str, str]]:
        """How many times each (recipient, subject) arrived."""
        return Counter((m.to, m.subject) for m in self.messages)

    def wait_for(self, count: int, timeout: float) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.messages
            time.sleep(0.1)
        raise TimeoutError(f"{len(self.messages)} of {count} messages arrived in {timeout}s")
