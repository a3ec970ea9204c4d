"""Walk every payload of a Temporal history (or any API message), for the encryption tests."""

from __future__ import annotations

from collections.abc import Iterator

from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload

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
