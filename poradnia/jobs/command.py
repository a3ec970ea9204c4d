"""Base of the management commands that talk to Temporal about the schedules.

Gives them one way to connect (one clear line instead of a traceback when Temporal is down), one
way to run their async body from Django's synchronous ``handle``, and a clean exit code.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Coroutine
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from temporalio.client import Client

from poradnia import temporal

CONNECT_TIMEOUT_S = 15


class TemporalCommand(BaseCommand):
    def run_from_argv(self, argv: list[str]) -> None:
        """The command-line entry point: once the command has run, exit without interpreter teardown
        (see ``poradnia.temporal.exit_process``); ``call_command`` does not come through here."""
        code = 0
        try:
            super().run_from_argv(argv)
        except SystemExit as exc:  # CommandError: Django printed it and exits 1
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - reported here, since the interpreter will not do it
            traceback.print_exc()
            code = 1
        temporal.exit_process(code)

    def run_async(self, body: Coroutine[Any, Any, None]) -> None:
        asyncio.run(body)

    async def connect(self) -> Client:
        try:
            return await asyncio.wait_for(temporal.connect(), timeout=CONNECT_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - every failure to connect gets the same one line
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CommandError(f"cannot connect to Temporal at {settings.TEMPORAL_ADDRESS} "
                               f"(namespace {settings.TEMPORAL_NAMESPACE}): {reason}; jobs run without "
                               "Temporal with --inline") from None
