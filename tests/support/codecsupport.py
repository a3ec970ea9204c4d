"""For the encryption tests: keys, plain payloads, the codec protocol's JSON, and a walk over every payload."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter

from poradnia.codec import generate_key

# Indexed by the server, never passed through a codec (and ours hold nothing personal).
NOT_ENCODED = frozenset({"search_attributes", "indexed_fields"})


def payloads_in(message: Message) -> Iterator[Payload]:
    """Every Payload nested anywhere in ``message`` (inputs, results, heartbeats, failures, memos, ...)."""
    if isinstance(message, Payload):
        yield message
        return
    for field, value in message.ListFields():
        if field.message_type is None or field.name in NOT_ENCODED:
            continue
        if field.message_type.GetOptions().map_entry:
            values = value.values() if field.message_type.fields_by_name["value"].message_type else []
        elif field.is_repeated:
            values = value
        else:
            values = [value]
        for item in values:
            yield from payloads_in(item)


def decrypt_all(message: Message, codec) -> Message:
    """A copy of ``message`` with every payload decrypted in place (what an operator with the key sees)."""
    copy = type(message)()
    copy.CopyFrom(message)
    for payload in payloads_in(copy):
        payload.CopyFrom(codec.decrypt(payload))
    return copy


K1, K2, K3 = generate_key(), generate_key(), generate_key()
SECRET = "Skarga Anny Kowalskiej na decyzję wojewody"  # personal data as it would sit in a payload


def json_payload(value: Any) -> Payload:
    return DataConverter.default.payload_converter.to_payloads([value])[0]


def payloads_json(*payloads: Payload) -> str:
    """The codec protocol's body: Payloads as protobuf JSON (base64 metadata values and data)."""
    return json.dumps({"payloads": [
        {"metadata": {k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
         "data": base64.b64encode(p.data).decode()} for p in payloads]})


def from_json(body: bytes) -> list[Payload]:
    return [Payload(metadata={k: base64.b64decode(v) for k, v in p.get("metadata", {}).items()},
                    data=base64.b64decode(p.get("data", ""))) for p in json.loads(body)["payloads"]]
