"""One way to reach Temporal, shared by the worker, management commands and the admin.

Connection options come from temporalio's environment configuration (TEMPORAL_ADDRESS,
TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, or a TOML profile), with our Django settings
supplying the address and namespace defaults.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from temporalio.client import Client
from temporalio.envconfig import ClientConfig

from poradnia.codec import client_data_converter


def client_connect_config(**overrides: Any) -> dict[str, Any]:
    # An empty TEMPORAL_* variable (compose passes `KEY=` for unset ones) means unset, not "the path ''".
    env = {k: v for k, v in os.environ.items() if v or not k.startswith("TEMPORAL_")}
    env["TEMPORAL_ADDRESS"] = settings.TEMPORAL_ADDRESS
    env["TEMPORAL_NAMESPACE"] = settings.TEMPORAL_NAMESPACE
    config: dict[str, Any] = dict(ClientConfig.load_client_connect_config(override_env_vars=env))
    # With PAYLOAD_ENCRYPTION_KEYS set, every payload is encrypted (poradnia.codec); workers inherit it.
    if (converter := client_data_converter()) is not None:
        config["data_converter"] = converter
    config.update(overrides)
    return config


async def connect(**overrides: Any) -> Client:
    """Connect to the configured Temporal frontend; raises if it cannot be reached."""
    config = client_connect_config(**overrides)
    target = config.pop("target_host")
    return await Client.connect(target, **config)



def exit_process(code: int) -> None:
    """End a process that used a Temporal client, skipping interpreter finalization.

    The SDK's native client threads can crash a process while Python finalizes (SIGSEGV / "Fatal
    Python error: PyGILState_Release", temporalio/sdk-python#300), which would turn a clean exit
    (a drained worker, a successful command) into a failure for systemd, cron or an operator. All
    work is done by then: flush the streams and logs, then leave without finalizing.
    """
    import logging
    import sys

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
