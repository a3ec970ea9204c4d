"""Payload encryption: the codec itself and key rotation (no servers; the codec server is in tests/integration)."""

from __future__ import annotations

import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from temporalio.api.common.v1 import Payload
from temporalio.converter import DefaultFailureConverterWithEncodedAttributes

from poradnia.codec import (
    ENCODING,
    KEY_ID_METADATA,
    NONCE_BYTES,
    EncryptionCodec,
    MalformedPayloadError,
    PayloadDecryptionError,
    parse_keys,
)
from poradnia.temporal import client_connect_config
from tests.support.codecsupport import (
    K1,
    K2,
    K3,
    SECRET,
    json_payload,
)

# --- the codec ------------------------------------------------------------------------------------

def test_encrypts_with_the_first_key_and_round_trips() -> None:
    codec = EncryptionCodec.from_spec(f"k2:{K2},k1:{K1}")
    plain = json_payload({"description": SECRET})
    encrypted = codec.encrypt(plain)
    assert encrypted.metadata["encoding"] == ENCODING and encrypted.metadata[KEY_ID_METADATA] == b"k2"
    assert SECRET.encode() not in encrypted.SerializeToString() and b"json/plain" not in encrypted.data
    assert codec.encrypt(plain).data != encrypted.data  # a fresh nonce each time
    assert codec.decrypt(encrypted) == plain


def test_rotation_keeps_old_payloads_readable_and_an_unknown_key_fails_clearly() -> None:
    old = EncryptionCodec.from_spec(f"k1:{K1}").encrypt(json_payload(SECRET))
    rotated = EncryptionCodec.from_spec(f"k2:{K2},k1:{K1}")
    assert rotated.decrypt(old) == json_payload(SECRET)
    assert rotated.encrypt(json_payload(SECRET)).metadata[KEY_ID_METADATA] == b"k2"
    with pytest.raises(PayloadDecryptionError, match=r"key id 'k1'.*configured: k3"):
        EncryptionCodec.from_spec(f"k3:{K3}").decrypt(old)
    with pytest.raises(PayloadDecryptionError, match="key id 'k1'.*configured: none"):
        EncryptionCodec({}).decrypt(old)


def test_tampered_or_relabelled_payloads_fail_authentication() -> None:
    codec = EncryptionCodec.from_spec(f"k2:{K2},k1:{K1}")
    encrypted = codec.encrypt(json_payload(SECRET))
    flipped = Payload(metadata=dict(encrypted.metadata), data=encrypted.data[:-1] + bytes([encrypted.data[-1] ^ 1]))
    with pytest.raises(PayloadDecryptionError, match="failed authentication"):
        codec.decrypt(flipped)
    relabelled = Payload(metadata={**encrypted.metadata, KEY_ID_METADATA: b"k1"}, data=encrypted.data)
    with pytest.raises(PayloadDecryptionError, match="failed authentication"):
        codec.decrypt(relabelled)


@pytest.mark.parametrize("length", [0, 5, NONCE_BYTES, NONCE_BYTES + 15])
def test_a_payload_too_short_for_nonce_and_tag_fails_clearly(length: int) -> None:
    short = Payload(metadata={"encoding": ENCODING, KEY_ID_METADATA: b"k1"}, data=b"\x00" * length)
    with pytest.raises(MalformedPayloadError, match=rf"key id 'k1' is {length} bytes, shorter than its nonce"):
        EncryptionCodec.from_spec(f"k1:{K1}").decrypt(short)


def test_payloads_from_before_encryption_decode_unchanged() -> None:
    plain = json_payload({"status": "completed_success"})
    assert EncryptionCodec.from_spec(f"k1:{K1}").decrypt(plain) is plain


@pytest.mark.parametrize(("spec", "message"), [
    ("k1", "must be <key id>:<base64 key>"),
    ("k1:not base64!", "'k1' is not valid base64"),
    (f"k1:{base64.b64encode(b'short').decode()}", "'k1' is 5 bytes, AES-256 needs 32"),
    (f"k1:{K1},k1:{K2}", "'k1' appears twice"),
    (f"bad id:{K1}", "must be <key id>:<base64 key>"),
])
def test_malformed_keys_are_refused_without_echoing_them(spec: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message) as error:
        parse_keys(spec)
    assert K1 not in str(error.value) and K2 not in str(error.value)


def test_client_config_gets_the_codec_only_when_keys_are_set(settings) -> None:
    settings.PAYLOAD_ENCRYPTION_KEYS = ""
    assert "data_converter" not in client_connect_config()
    settings.PAYLOAD_ENCRYPTION_KEYS = f"k1:{K1}"
    converter = client_connect_config()["data_converter"]
    assert isinstance(converter.payload_codec, EncryptionCodec) and converter.payload_codec.key_id == "k1"
    assert isinstance(converter.failure_converter, DefaultFailureConverterWithEncodedAttributes)  # messages too
