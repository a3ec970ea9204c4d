"""Optional AES-256-GCM encryption of every payload Poradnia puts into Temporal.

Hearings and reminders carry personal data (case signatures, e-mail addresses in error messages,
dry-run plans): Temporal stores workflow and activity inputs, results, heartbeat details, query
answers and failure messages in its history, readable by anybody with access to the cluster (or to
Temporal Cloud's storage). With ``PAYLOAD_ENCRYPTION_KEYS`` set, the SDK encrypts each payload
before it leaves the process and decrypts it on the way back, so the server only ever holds
ciphertext; failure messages and stack traces are moved into an encoded (encrypted) payload too.

Keys: ``PAYLOAD_ENCRYPTION_KEYS="k2:<base64 of 32 bytes>,k1:<base64 of 32 bytes>"``. The first key
encrypts; every listed key decrypts (its id is stored in each payload's metadata), so a key is
rotated by putting a new one first and keeping the old ones until no history encrypted with them is
retained any more. Generate a key with
``python -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())"``.

Operators read the plaintext through the codec server (``poradnia.codecserver``) from the Web UI or
``temporal --codec-endpoint``; the key never leaves the worker and web processes.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
import re
from collections.abc import Mapping, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
)

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # the GCM standard nonce; random per payload (2^-32 collision bound far beyond our volume)
TAG_BYTES = 16  # GCM's authentication tag, appended to every ciphertext
LOCAL_DEV_MARKER = "local-dev-only"  # in every secret docker-compose.yml publishes as a laptop default
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class PayloadDecryptionError(ValueError):
    """An encrypted payload cannot be decrypted: its key id is not configured, or it was tampered with."""


class MalformedPayloadError(PayloadDecryptionError):
    """A payload labelled encrypted is too short to hold a nonce and a tag: truncated, or not written by us."""


def parse_keys(spec: str) -> dict[str, bytes]:
    """``"k2:<b64>,k1:<b64>"`` -> ``{"k2": key, "k1": key}`` in the given order (the first encrypts).

    Raises ImproperlyConfigured with the offending key id (never the key) so a typo stops the
    process at start instead of producing payloads nobody can read later.
    """
    keys: dict[str, bytes] = {}
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        key_id, sep, encoded = item.partition(":")
        key_id = key_id.strip()
        if not sep or not _KEY_ID.match(key_id):
            raise ImproperlyConfigured(
                "PAYLOAD_ENCRYPTION_KEYS: each entry must be <key id>:<base64 key>, the id made of "
                f"letters, digits, '.', '_' or '-' (entry {len(keys) + 1} is not)"
            )
        if key_id in keys:
            raise ImproperlyConfigured(f"PAYLOAD_ENCRYPTION_KEYS: key id {key_id!r} appears twice")
        try:
            key = base64.b64decode(encoded.strip().replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(f"PAYLOAD_ENCRYPTION_KEYS: key {key_id!r} is not valid base64") from None
        if len(key) != KEY_BYTES:
            raise ImproperlyConfigured(
                f"PAYLOAD_ENCRYPTION_KEYS: key {key_id!r} is {len(key)} bytes, AES-256 needs {KEY_BYTES}"
            )
        keys[key_id] = key
    return keys


def generate_key() -> str:
    """A new random key, base64-encoded, for PAYLOAD_ENCRYPTION_KEYS."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


class EncryptionCodec(PayloadCodec):
    """Encrypts each payload (its serialized protobuf, metadata included) with the current key.

    The key id is bound to the ciphertext as associated data, so a payload cannot be relabelled to
    another key. Payloads that are not ours (written before encryption was switched on) decode
    unchanged, so turning encryption on never makes old histories unreadable. Without keys the codec
    only decodes-or-fails: it encrypts nothing and names the missing key id for encrypted payloads.
    """

    def __init__(self, keys: Mapping[str, bytes]) -> None:
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.key_id: str | None = next(iter(keys), None)

    @classmethod
    def from_spec(cls, spec: str) -> EncryptionCodec:
        return cls(parse_keys(spec))

    def encrypt(self, payload: Payload) -> Payload:
        if self.key_id is None:
            return payload
        nonce = os.urandom(NONCE_BYTES)
        key_id = self.key_id.encode()
        ciphertext = self._ciphers[self.key_id].encrypt(nonce, payload.SerializeToString(), key_id)
        return Payload(metadata={"encoding": ENCODING, KEY_ID_METADATA: key_id}, data=nonce + ciphertext)

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        key_id = payload.metadata.get(KEY_ID_METADATA, b"").decode(errors="replace")
        if len(payload.data) < NONCE_BYTES + TAG_BYTES:
            raise MalformedPayloadError(
                f"encrypted payload with key id {key_id!r} is {len(payload.data)} bytes, shorter than its nonce "
                f"and tag ({NONCE_BYTES + TAG_BYTES} bytes): truncated or not encrypted by Poradnia"
            )
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            known = ", ".join(self._ciphers) or "none"
            raise PayloadDecryptionError(
                f"payload encrypted with key id {key_id!r}, which is not in PAYLOAD_ENCRYPTION_KEYS "
                f"(configured: {known}); add that key (after the current one) to read it"
            )
        data = payload.data
        try:
            plaintext = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], key_id.encode())
        except InvalidTag:
            raise PayloadDecryptionError(
                f"payload with key id {key_id!r} failed authentication: wrong key or altered data"
            ) from None
        decoded = Payload()
        decoded.ParseFromString(plaintext)
        return decoded

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]


def published_dev_keys(keys: Mapping[str, bytes]) -> list[str]:
    """The ids of keys that are docker-compose.yml's published local-dev default (its bytes carry the marker)."""
    return [key_id for key_id, key in keys.items() if LOCAL_DEV_MARKER.encode() in key]


def codec_from_settings() -> EncryptionCodec | None:
    """The codec for PAYLOAD_ENCRYPTION_KEYS, or None when encryption is off."""
    spec = settings.PAYLOAD_ENCRYPTION_KEYS
    return EncryptionCodec.from_spec(spec) if spec.strip() else None


def data_converter(codec: PayloadCodec | None) -> DataConverter:
    """The default converter, plus ``codec`` and encrypted failure messages when a codec is given.

    Failure messages and stack traces are plain text in history unless the failure converter moves
    them into an encoded payload; ours can name an e-mail address (an SMTP refusal), so they go too.
    """
    if codec is None:
        return DataConverter.default
    return dataclasses.replace(
        DataConverter.default, payload_codec=codec, failure_converter_class=DefaultFailureConverterWithEncodedAttributes
    )


def client_data_converter() -> DataConverter | None:
    """The converter every client and worker uses; None (the SDK default) when encryption is off."""
    codec = codec_from_settings()
    return data_converter(codec) if codec is not None else None


def replayer_data_converter(spec: str | None = None) -> DataConverter:
    """For ``temporalio.worker.Replayer``: decodes histories written with any configured key.

    Unlike the client's converter it always has the codec, even without keys, so replaying an
    encrypted history on a machine that lacks the key fails naming the key id instead of with an
    "unknown payload encoding" error. Failures it raises stay plain text (they never reach a server;
    encrypted failure messages in the history are still decoded). ``spec`` overrides PAYLOAD_ENCRYPTION_KEYS.
    """
    codec = EncryptionCodec.from_spec(settings.PAYLOAD_ENCRYPTION_KEYS if spec is None else spec)
    return dataclasses.replace(DataConverter.default, payload_codec=codec)
