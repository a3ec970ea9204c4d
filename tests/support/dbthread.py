"""Run ORM code from async tests in a fresh thread that closes its connection afterwards.

Django's ``aget()`` and friends reuse one long-lived thread whose connection outlives the test and
blocks PostgreSQL from dropping the test database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from django.db import connections

T = TypeVar("T")


async def in_db_thread(fn: Callable[..., T], *args: object) -> T:
    def run() -> T:
        try:
            return fn(*args)
        finally:
            connections.close_all()

    return await asyncio.to_thread(run)
