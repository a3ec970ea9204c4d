"""Temporal's remote codec protocol: ``POST /codec/encode`` and ``POST /codec/decode``.

The Web UI and ``temporal --codec-endpoint URL`` send ``{"payloads": [...]}`` (Payloads as protobuf
JSON: base64 metadata and data) and show what comes back, so operators read the plaintext of
encrypted histories while the key stays here. Decoding shows personal data, so a caller must be

* a tool with ``Authorization: Bearer <CODEC_SERVER_TOKEN>`` (the CLI's ``--codec-auth``), or
* a browser session of an active staff user who may view events and outbox e-mails in the admin
  (the Web UI with "include credentials": it cannot send a static token).

Missing credentials get 401, wrong ones 403. The UI calls from another origin, so the origins in
CODEC_CORS_ORIGINS get CORS headers (credentials allowed) and their OPTIONS preflight is answered.
The views have no side effects, so they are exempt from CSRF (a foreign page cannot read the answer).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

from poradnia.codec import EncryptionCodec, MalformedPayloadError, PayloadDecryptionError

log = logging.getLogger(__name__)

ALLOWED_HEADERS = "Authorization, Content-Type, X-Namespace"
SESSION_PERMISSIONS = ("events.view_event", "outbox.view_outboxemail")


def _cors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    origin = request.headers.get("Origin")
    if origin and origin in settings.CODEC_CORS_ORIGINS:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Credentials"] = "true"
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response["Access-Control-Max-Age"] = "600"
    response["Vary"] = "Origin"
    return response


def _refusal(request: HttpRequest) -> HttpResponse | None:
    """None when the caller may use the codec, else the 401/403 answer."""
    authorization = request.headers.get("Authorization", "")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        expected = settings.CODEC_SERVER_TOKEN
        if scheme.lower() == "bearer" and expected and hmac.compare_digest(token.strip().encode(), expected.encode()):
            return None
        log.warning("codec server: refused a request with a wrong token from %s", request.META.get("REMOTE_ADDR"))
        return JsonResponse({"error": "invalid credentials"}, status=403)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if user.is_active and user.is_staff and user.has_perms(SESSION_PERMISSIONS):
            return None
        return JsonResponse({"error": "this account may not decode payloads"}, status=403)
    response = JsonResponse({"error": "authentication required (Authorization: Bearer <token>)"}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="poradnia-codec"'
    return response


def _endpoint(transform: Callable[[EncryptionCodec, Payload], Payload]) -> Callable[[HttpRequest], HttpResponse]:
    @csrf_exempt
    def view(request: HttpRequest) -> HttpResponse:
        if request.method == "OPTIONS":  # CORS preflight: carries no credentials by definition
            return _cors(request, HttpResponse(status=204))
        if request.method != "POST":
            return _cors(request, JsonResponse({"error": "use POST"}, status=405))
        if (refused := _refusal(request)) is not None:
            return _cors(request, refused)
        payloads = Payloads()
        try:
            json_format.Parse(request.body or b"{}", payloads)
        except (json_format.ParseError, UnicodeDecodeError) as exc:  # e.g. a body that is not UTF-8
            return _cors(request, JsonResponse({"error": f"body is not a Payloads JSON object: {exc}"}, status=400))
        codec = EncryptionCodec.from_spec(settings.PAYLOAD_ENCRYPTION_KEYS)
        try:
            out = Payloads(payloads=[transform(codec, p) for p in payloads.payloads])
        except MalformedPayloadError as exc:  # the request is wrong, whatever the keys
            return _cors(request, JsonResponse({"error": str(exc)}, status=400))
        except PayloadDecryptionError as exc:
            return _cors(request, JsonResponse({"error": str(exc)}, status=422))
        body = json_format.MessageToJson(out, indent=None)
        return _cors(request, HttpResponse(body, content_type="application/json"))

    return view


encode = _endpoint(EncryptionCodec.encrypt)
decode = _endpoint(EncryptionCodec.decrypt)

# Only the last path segment names the operation (the protocol lets the endpoint live at any depth).
urlpatterns = [path("encode", encode, name="codec-encode"), path("decode", decode, name="codec-decode")]
