"""A real SMTP receiver for tests (aiosmtpd on a free loopback port) that can misbehave on purpose.

It records the messages it accepted, refuses chosen addresses with a permanent 550, can hold the
n-th message's DATA until the test releases it (to crash or cut off the sender at a known point),
and can be stopped and started again on the same port (the mail server is down meanwhile).
A held message that is released is answered 451 and not recorded: the sender never got a 250, so
by SMTP's rules it was not delivered.
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
        self.hold_at: int | None = None  # hold the DATA of the n-th message (1-based) until released
        self.data_count = 0
        self.held = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.data_count += 1
            hold = self.data_count == self.hold_at
        if hold:
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append(Received(to=rcpt, subject=str(message["Subject"]), message=message))
        return "250 OK"


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
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
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
