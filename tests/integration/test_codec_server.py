"""Payload encryption on the wire: the codec server, and a real court run's history (the codec itself: tests/unit)."""

from __future__ import annotations

import asyncio
import base64
import uuid

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.history.v1 import History
from temporalio.worker import Replayer

from devtools.devserver import TemporalDevServer, bundled_binary
from devtools.smtp import RecordingHandler, SmtpReceiver
from devtools.standin import StandIn
from devtools.synthetic import SyntheticRow, generate_page
from poradnia.codec import (
    ENCODING,
    KEY_ID_METADATA,
    EncryptionCodec,
    codec_from_settings,
    replayer_data_converter,
)
from poradnia.temporal import connect
from tests.support.codecsupport import (
    K1,
    K2,
    K3,
    SECRET,
    decrypt_all,
    from_json,
    json_payload,
    payloads_in,
    payloads_json,
)
from tests.support.courtdata import make_case, track
from tests.support.dbthread import in_db_thread
from workflows import WORKFLOWS
from workflows.court_sessions import CourtSessionSyncInput, CourtSessionSyncWorkflow

TOKEN = "codec-test-token-" + uuid.uuid4().hex


# --- the codec server -----------------------------------------------------------------------------

@pytest.fixture
def codec_settings(settings):
    settings.PAYLOAD_ENCRYPTION_KEYS = f"k2:{K2},k1:{K1}"
    settings.CODEC_SERVER_TOKEN = TOKEN
    settings.CODEC_CORS_ORIGINS = ["http://ui.example.org:8080"]
    return settings


def post(client, url: str, body: str, **headers: str):
    return client.post(url, body, content_type="application/json", headers=headers)


@pytest.mark.django_db
def test_codec_server_decodes_and_encodes_for_a_bearer_token(client, codec_settings) -> None:
    old = EncryptionCodec.from_spec(f"k1:{K1}").encrypt(json_payload(SECRET))
    response = post(client, "/codec/decode", payloads_json(old), Authorization=f"Bearer {TOKEN}",
                    X_Namespace="default")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert from_json(response.content) == [json_payload(SECRET)]

    response = post(client, "/codec/encode", payloads_json(json_payload(SECRET)), Authorization=f"Bearer {TOKEN}")
    (encoded,) = from_json(response.content)
    assert encoded.metadata[KEY_ID_METADATA] == b"k2" and SECRET.encode() not in response.content
    assert codec_from_settings().decrypt(encoded) == json_payload(SECRET)


@pytest.mark.django_db
def test_codec_server_refuses_everybody_else(client, codec_settings, django_user_model) -> None:
    body = payloads_json(EncryptionCodec.from_spec(f"k1:{K1}").encrypt(json_payload(SECRET)))
    anonymous = post(client, "/codec/decode", body)
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Bearer")
    for wrong in (f"Bearer {TOKEN}x", f"Basic {TOKEN}", "Bearer "):
        refused = post(client, "/codec/decode", body, Authorization=wrong)
        assert refused.status_code == 403 and SECRET.encode() not in refused.content
    codec_settings.CODEC_SERVER_TOKEN = ""  # no token configured: no bearer token is good
    assert post(client, "/codec/decode", body, Authorization="Bearer ").status_code == 403

    clerk = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(clerk)
    assert post(client, "/codec/decode", body).status_code == 403  # staff, but may not see events
    admin = django_user_model.objects.create_superuser("boss", "boss@example.org", "pw")
    client.force_login(admin)
    decoded = post(client, "/codec/decode", body)  # the Web UI with "include credentials"
    assert decoded.status_code == 200 and from_json(decoded.content) == [json_payload(SECRET)]

    assert client.get("/codec/decode").status_code == 405
    assert post(client, "/codec/decode", "{not json").status_code == 400
    unknown = payloads_json(EncryptionCodec.from_spec(f"k3:{K3}").encrypt(json_payload(SECRET)))
    failed = post(client, "/codec/decode", unknown)
    assert failed.status_code == 422 and "'k3'" in failed.json()["error"]


@pytest.mark.django_db
@pytest.mark.parametrize("body", [b'{"payloads": [{"data": "\xff\xfe"}]}', b"\xc3\x28",
                                  '{"a": "ż"}'.encode("utf-16")])
def test_codec_server_answers_400_for_a_body_that_is_not_utf8(client, codec_settings, body: bytes) -> None:
    response = client.post("/codec/decode", body, content_type="application/json",
                           headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 400, response.content
    assert response.json()["error"].startswith("body is not a Payloads JSON object")


@pytest.mark.django_db
def test_codec_server_answers_400_for_a_payload_shorter_than_the_nonce(client, codec_settings) -> None:
    truncated = Payload(metadata={"encoding": ENCODING, KEY_ID_METADATA: b"k1"}, data=b"\x01\x02\x03")
    response = post(client, "/codec/decode", payloads_json(truncated), Authorization=f"Bearer {TOKEN}")
    assert response.status_code == 400, response.content
    assert "3 bytes, shorter than its nonce and tag" in response.json()["error"]


@pytest.mark.django_db
def test_codec_server_answers_the_ui_preflight_for_allowed_origins_only(client, codec_settings) -> None:
    preflight = client.options("/codec/decode", headers={
        "Origin": "http://ui.example.org:8080", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace"})
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "http://ui.example.org:8080"
    assert preflight["Access-Control-Allow-Credentials"] == "true"
    allowed = {h.strip().lower() for h in preflight["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "x-namespace"} <= allowed
    assert "POST" in preflight["Access-Control-Allow-Methods"]

    refused = post(client, "/codec/decode", "{}", Origin="http://ui.example.org:8080")
    assert refused.status_code == 401  # the browser can read why
    assert refused["Access-Control-Allow-Origin"] == "http://ui.example.org:8080"

    foreign = client.options("/codec/decode", headers={"Origin": "https://evil.example",
                                                       "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in foreign


# --- a real court run with encryption on ------------------------------------------------------------

SIGNATURE = "II SA/Op 4242/26"
EMAIL = "anna.kowalska.4242@example.org"
DEFERRED = "wait for a later attempt"  # the outbox step's failure message while a row is deferred


class RefusesOnce(RecordingHandler):
    """Answers the first RCPT for EMAIL with a temporary 450: the outbox defers the row and its step fails once."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address.lower() == EMAIL and not self.refused:
            self.refused += 1
            return "450 4.2.1 mailbox busy"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def tracked_case() -> None:
    tracked = make_case("Kowalska", staff=1)
    tracked.staff[0].email = EMAIL
    tracked.staff[0].save()
    track(tracked.case, "WSA_Opole", SIGNATURE)


async def temporal_show(server: TemporalDevServer, workflow_id: str, *extra: str) -> str:
    """``temporal workflow show --detailed``: every event's fields, JSON payloads shown as JSON."""
    proc = await asyncio.create_subprocess_exec(
        str(bundled_binary("temporal")), "workflow", "show", "--detailed", "--workflow-id", workflow_id,
        "--address", server.address, *extra,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, err.decode()
    return out.decode()


@pytest.mark.django_db(transaction=True)
async def test_court_run_history_is_ciphertext_replays_with_the_key_and_decodes_for_operators(
    temporal_server: TemporalDevServer, task_queue: str, settings, live_server
) -> None:
    from worker import DjangoActivityExecutor, build_worker

    await in_db_thread(tracked_case)
    settings.TEMPORAL_ADDRESS = temporal_server.address
    settings.PAYLOAD_ENCRYPTION_KEYS = f"k1:{K1}"
    settings.CODEC_SERVER_TOKEN = TOKEN
    settings.COURT_SYNC_RETRY_INITIAL_S = 0.1
    settings.OUTBOX_RETRY_INITIAL_S = 0.2  # the deferred row's next attempt
    page = generate_page([SyntheticRow(SIGNATURE, "2026-12-01", "10:00", subject=SECRET)])
    smtp = SmtpReceiver()
    smtp.handler = RefusesOnce()
    smtp.start()
    client = await connect()  # the production path: the codec comes from settings
    try:
        with StandIn({"WSA_Opole": page}) as standin, DjangoActivityExecutor(max_workers=4) as pool:
            settings.EWOKANDA_BASE_URL = standin.base_url
            smtp.apply(settings)
            async with build_worker(client, task_queue, pool):
                ids = [f"court-dry-{uuid.uuid4()}", f"court-{uuid.uuid4()}"]
                results = [await client.execute_workflow(
                    CourtSessionSyncWorkflow.run, CourtSessionSyncInput(parser_key="WSA_Opole", dry_run=dry),
                    id=workflow_id, task_queue=task_queue) for workflow_id, dry in zip(ids, (True, False), strict=True)]
                histories = [await client.get_workflow_handle(i).fetch_history() for i in ids]
    finally:
        smtp.stop()
    assert results[0].courts[0].planned[0].signature == SIGNATURE  # the plan names the case...
    assert results[1].emails_sent == 1 and smtp.handler.refused == 1  # ...and the outbox step failed once

    codec = EncryptionCodec.from_spec(f"k1:{K1}")
    protos = [History(events=h.events) for h in histories]
    for history in protos:
        payloads = list(payloads_in(history))
        assert payloads and {(p.metadata["encoding"], p.metadata[KEY_ID_METADATA]) for p in payloads} == {
            (ENCODING, b"k1")}
        raw = history.SerializeToString()
        assert not any(text.encode() in raw for text in (SIGNATURE, EMAIL, SECRET, DEFERRED))
    # What the history carries, readable with the key: the case signature (dry-run plan) and the failure
    # message of the first outbox attempt, which names no address; the event text and the address never.
    dry_plain, run_plain = (decrypt_all(h, codec).SerializeToString() for h in protos)
    assert SIGNATURE.encode() in dry_plain and DEFERRED.encode() in run_plain
    assert not any(text.encode() in dry_plain + run_plain for text in (SECRET, EMAIL))

    # The real CLI, as an operator reads a history: ciphertext without the codec server...
    for workflow_id in ids:
        shown = await temporal_show(temporal_server, workflow_id)
        assert base64.b64encode(ENCODING).decode() in shown
        assert not any(text in shown for text in (SIGNATURE, EMAIL, SECRET))
    # ...plaintext through it with the operator's token (what the Web UI does with a session), nothing without.
    codec_args = ("--codec-endpoint", f"{live_server.url}/codec", "--codec-auth", f"Bearer {TOKEN}")
    assert f"signature: {SIGNATURE}" in await temporal_show(temporal_server, ids[0], *codec_args)
    decoded = await temporal_show(temporal_server, ids[1], *codec_args)
    assert DEFERRED in decoded and EMAIL not in decoded  # the decoded failure message
    refused = await asyncio.create_subprocess_exec(
        str(bundled_binary("temporal")), "workflow", "show", "--detailed", "--workflow-id", ids[0],
        "--address", temporal_server.address, "--command-timeout", "3s",
        "--codec-endpoint", f"{live_server.url}/codec", "--codec-auth", "Bearer wrong",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(refused.communicate(), timeout=60)
    assert refused.returncode != 0 and SIGNATURE not in out.decode()

    # Replay: with the key, after a rotation ("k2,k1"), and without it (fails naming the key id).
    for spec in (f"k1:{K1}", f"k2:{K2},k1:{K1}"):
        replayer = Replayer(workflows=WORKFLOWS, data_converter=replayer_data_converter(spec))
        for history in histories:
            await replayer.replay_workflow(history)
    settings.PAYLOAD_ENCRYPTION_KEYS = f"k3:{K3}"
    replayer = Replayer(workflows=WORKFLOWS, data_converter=replayer_data_converter())
    with pytest.raises(Exception) as failure:  # noqa: B017 - the SDK wraps the codec's error
        await replayer.replay_workflow(histories[1])
    assert "'k1'" in str(failure.value) and "PAYLOAD_ENCRYPTION_KEYS" in str(failure.value)
