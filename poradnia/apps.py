"""Start-up checks of the configuration, for every process (worker, web, manage.py) and every settings module.

Settings only read raw environment values; what needs the project's own code to validate is checked
here, when Django starts (``django.setup()``), so a bad value still stops the process before it does
anything, with a message that names the setting.
"""

from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from poradnia.calendarfeed.config import check_feed_settings
from poradnia.cases.mail import check_case_mail_settings
from poradnia.codec import LOCAL_DEV_MARKER, parse_keys, published_dev_keys


def local_dev_secrets() -> list[str]:
    """Settings that still hold a secret published in the repository (docker-compose.yml's local-dev defaults)."""
    found = [name for name in ("SECRET_KEY", "CODEC_SERVER_TOKEN") if LOCAL_DEV_MARKER in getattr(settings, name)]
    if published_dev_keys(parse_keys(settings.PAYLOAD_ENCRYPTION_KEYS)):
        found.append("PAYLOAD_ENCRYPTION_KEYS")
    return found


def check_configuration() -> None:
    """Raise ImproperlyConfigured for a malformed encryption key or case-mail template or, with DEBUG off, a
    published secret."""
    parse_keys(settings.PAYLOAD_ENCRYPTION_KEYS)  # names the bad key id, never the key
    check_case_mail_settings()  # a typo in CASE_EMAIL_TEMPLATE / CASE_URL_PATH stops the process, not each e-mail
    check_feed_settings()  # CALENDAR_FEED_BASE_URL: every feed address starts with it
    # Whatever else is configured (TLS at a proxy, redirect off): without DEBUG this may be a deployment.
    if not settings.DEBUG and (found := local_dev_secrets()):
        raise ImproperlyConfigured(f"{', '.join(found)}: still the local-dev default published in the repository; "
                                   "set real values (see .env.example)")


class PoradniaConfig(AppConfig):
    name = "poradnia"
    verbose_name = "Poradnia"

    def ready(self) -> None:
        check_configuration()
