"""The feed's secret URL: issue, show again, rotate, and resolve a presented token to its user.

A token is ``<selector><verifier>``: the selector (random, not secret) finds the row, the verifier is
HMAC(SECRET_KEY, selector:nonce) over 192 random bits of nonce. Only SHA-256(verifier) is stored and it is
compared with ``hmac.compare_digest``, so neither a copy of the database nor timing gives a working URL.
Every refusal (no such selector, wrong verifier, rotated, inactive or no longer staff) is the same ``None``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from base64 import urlsafe_b64encode
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.crypto import salted_hmac

from .models import FeedSecret

log = logging.getLogger(__name__)
SALT = "poradnia.calendarfeed.tokens"
SELECTOR_LENGTH = 16  # secrets.token_urlsafe(12)
VERIFIER_LENGTH = 43  # 32 bytes of HMAC-SHA256, unpadded base64url
NONCE_BYTES = 24
TOKEN = re.compile(rf"[A-Za-z0-9_-]{{{SELECTOR_LENGTH + VERIFIER_LENGTH}}}")
# Compared against when no row matches, so a missing selector costs what a wrong verifier does.
_NO_HASH = hashlib.sha256(b"no such feed").hexdigest()


def _verifier(selector: str, nonce: str) -> str:
    digest = salted_hmac(SALT, f"{selector}:{nonce}", algorithm="sha256").digest()
    return urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _hash(verifier: str) -> str:
    return hashlib.sha256(verifier.encode("ascii")).hexdigest()


def _fresh() -> dict[str, str]:
    selector, nonce = secrets.token_urlsafe(12), secrets.token_hex(NONCE_BYTES)
    return {"selector": selector, "nonce": nonce, "verifier_hash": _hash(_verifier(selector, nonce))}


def _token(secret: FeedSecret) -> str:
    return secret.selector + _verifier(secret.selector, secret.nonce)


def url_for_token(token: str) -> str:
    return settings.CALENDAR_FEED_BASE_URL.rstrip("/") + reverse("calendarfeed:feed", args=[token])


def feed_url(user, *, rotate: bool = False) -> str:
    """The user's feed URL, creating the secret on first use; ``rotate`` replaces it (the old URL is dead at once)."""
    with transaction.atomic():
        secret = FeedSecret.objects.select_for_update().filter(user=user).first()
        if secret is None:
            try:
                with transaction.atomic():
                    secret = FeedSecret.objects.create(user=user, created=datetime.now(UTC), **_fresh())
            except IntegrityError:  # created concurrently (or a selector collision): take the stored one
                secret = FeedSecret.objects.select_for_update().get(user=user)
        elif rotate or not hmac.compare_digest(_hash(_token(secret)[SELECTOR_LENGTH:]), secret.verifier_hash):
            # A verifier that no longer derives from the stored nonce means SECRET_KEY changed: the old URL is
            # already dead, so the one shown must be a new one that works.
            if not rotate:
                log.warning("calendar feed of %s re-issued: SECRET_KEY changed since it was made", user)
            for name, value in _fresh().items():
                setattr(secret, name, value)
            secret.created, secret.etag, secret.changed_at = datetime.now(UTC), "", None
            secret.save()
        return url_for_token(_token(secret))


def rotate(user) -> str:
    return feed_url(user, rotate=True)


def user_for_token(token: str):
    """The active staff user whose current token this is, or None (for every kind of refusal alike).

    Staff only, as hearing notices are: a lawyer who leaves (``is_staff`` off) loses the feed with the e-mails.
    """
    if not TOKEN.fullmatch(token or ""):
        hmac.compare_digest(_NO_HASH, _NO_HASH)
        return None
    selector, verifier = token[:SELECTOR_LENGTH], token[SELECTOR_LENGTH:]
    secret = FeedSecret.objects.filter(selector=selector).select_related("user").first()
    matches = hmac.compare_digest(_hash(verifier), secret.verifier_hash if secret else _NO_HASH)
    if secret is None or not matches or not (secret.user.is_active and secret.user.is_staff):
        return None
    return secret.user


def user_by_username(username: str):
    User = get_user_model()
    return User.objects.get(**{User.USERNAME_FIELD: username})
