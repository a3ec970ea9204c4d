"""Django settings for Poradnia's background-job worker and admin.

Everything that differs between a laptop, CI and production comes from the environment (see the
README's table); the defaults run on an embedded SQLite file and a local Temporal dev server.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PORADNIA_DATA_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true/false)")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return default if value in (None, "") else int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from None


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    try:
        return default if value in (None, "") else float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Turn ``sqlite:///relative.db``, ``sqlite:////abs.db`` or ``postgres://u:p@h:port/db`` into a DATABASES entry."""
    parsed = urlparse(url)
    options = dict(parse_qsl(parsed.query))
    if parsed.scheme == "sqlite":
        name = unquote(parsed.path[1:] if parsed.path.startswith("/") else parsed.path)
        if not name:
            raise ImproperlyConfigured(f"DATABASE_URL {url!r} names no SQLite file")
        path = Path(name) if Path(name).is_absolute() else BASE_DIR / name
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            # Worker threads write concurrently: WAL plus IMMEDIATE transactions make writers
            # queue on the lock (up to `timeout`) instead of failing with "database is locked".
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 0,
            "OPTIONS": {"connect_timeout": 10, **options},
        }
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parsed.scheme!r} is not supported (sqlite or postgres)")


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "local-dev-only-insecure-secret-key"  # local-dev default, never used with DEBUG off
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")

# Production hardening (README "Deploying"): on by default whenever DEBUG is off, so that
# `manage.py check --deploy` is clean; each can be turned off for a local stack without TLS.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")  # e.g. https://poradnia.example.org


def proxy_ssl_header(value: str) -> tuple[str, str] | None:
    """``X-Forwarded-Proto,https`` -> ``("HTTP_X_FORWARDED_PROTO", "https")``: trust a TLS-terminating proxy.

    Set it only behind a proxy that overwrites the header: otherwise any client could claim https.
    """
    if not value.strip():
        return None
    header, sep, expected = value.partition(",")
    if not sep or not header.strip() or not expected.strip():
        raise ImproperlyConfigured(
            f"SECURE_PROXY_SSL_HEADER={value!r}: use <header>,<value>, e.g. X-Forwarded-Proto,https"
        )
    name = header.strip().upper().replace("-", "_")
    return (name if name.startswith("HTTP_") else f"HTTP_{name}", expected.strip())


SECURE_PROXY_SSL_HEADER = proxy_ssl_header(os.environ.get("SECURE_PROXY_SSL_HEADER", ""))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "poradnia.users",
    "poradnia.cases",
    "poradnia.events",
    "poradnia.judgements",
    "poradnia.outbox",
    "poradnia.monitoring",
    "poradnia.jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files from gunicorn, no separate web server
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "poradnia.urls"
WSGI_APPLICATION = "poradnia.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "poradnia" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'poradnia.sqlite3'}"
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "pl"
TIME_ZONE = "Europe/Warsaw"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
# With DEBUG off, static files are served compressed under hashed names (cacheable forever) from
# `collectstatic`'s manifest; the container image runs collectstatic at build time.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS = DEBUG  # debug: serve from the apps, no collectstatic needed

# E-mail: console by default so a laptop never mails anybody by accident.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "poradnia@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# ADMINS="Name <a@example.org>, b@example.org"
ADMINS = [
    (addr.split("<")[0].strip() or addr, addr.split("<")[-1].rstrip(">").strip())
    for addr in env_list("ADMINS")
]

# Temporal
TEMPORAL_ADDRESS = os.environ.get("TEMPORAL_ADDRESS", "localhost:7233")
TEMPORAL_NAMESPACE = os.environ.get("TEMPORAL_NAMESPACE", "default")
TEMPORAL_TASK_QUEUE = os.environ.get("TEMPORAL_TASK_QUEUE", "poradnia")
TEMPORAL_UI_URL = os.environ.get("TEMPORAL_UI_URL", "http://localhost:8233")
WORKER_MAX_CONCURRENT_ACTIVITIES = env_int("WORKER_MAX_CONCURRENT_ACTIVITIES", 8)
WORKER_GRACEFUL_SHUTDOWN_S = env_float("WORKER_GRACEFUL_SHUTDOWN_S", 30.0)
# Sync the declared schedules (schedules/declared.py) to Temporal when the worker starts.
WORKER_SYNC_SCHEDULES = env_bool("WORKER_SYNC_SCHEDULES", False)
# Payload encryption (poradnia/codec.py): "k2:<base64 32 bytes>,k1:<base64>", the first encrypts, all decrypt.
PAYLOAD_ENCRYPTION_KEYS = os.environ.get("PAYLOAD_ENCRYPTION_KEYS", "")
if PAYLOAD_ENCRYPTION_KEYS.strip():
    from poradnia.codec import parse_keys

    parse_keys(PAYLOAD_ENCRYPTION_KEYS)  # a malformed key stops every process at start, naming the key id
# Codec server (/codec/encode, /codec/decode) for the Web UI and `temporal --codec-endpoint`.
CODEC_SERVER_TOKEN = os.environ.get("CODEC_SERVER_TOKEN", "")  # empty: only admin sessions may decode
CODEC_CORS_ORIGINS = env_list("CODEC_CORS_ORIGINS")  # the Web UI's origin, e.g. https://temporal.example.org


def local_dev_secrets() -> list[str]:
    """Settings still holding docker-compose.yml's ``${VAR:-local-dev-only...}`` defaults (an empty .env entry)."""
    marker = "local-dev-only"
    found = [name for name in ("SECRET_KEY", "CODEC_SERVER_TOKEN") if marker in globals()[name]]
    if PAYLOAD_ENCRYPTION_KEYS.strip():
        from poradnia.codec import parse_keys

        if any(marker.encode() in key for key in parse_keys(PAYLOAD_ENCRYPTION_KEYS).values()):
            found.append("PAYLOAD_ENCRYPTION_KEYS")
    return found


if not DEBUG and SECURE_SSL_REDIRECT and local_dev_secrets():  # served over TLS: a real deployment
    raise ImproperlyConfigured(f"{', '.join(local_dev_secrets())}: still the local-dev default; set real values "
                               "(see .env.example)")

# eWokanda court-session parser
EWOKANDA_BASE_URL = os.environ.get("EWOKANDA_BASE_URL", "https://ewokanda.nsa.gov.pl/ewokanda/")
EWOKANDA_USER_AGENT = os.environ.get("EWOKANDA_USER_AGENT", "Poradnia court-session parser (+https://poradnia.example)")
EWOKANDA_CONNECT_TIMEOUT = env_float("EWOKANDA_CONNECT_TIMEOUT", 10.0)
EWOKANDA_READ_TIMEOUT = env_float("EWOKANDA_READ_TIMEOUT", 60.0)
EWOKANDA_TOTAL_TIMEOUT = env_float("EWOKANDA_TOTAL_TIMEOUT", 300.0)
EWOKANDA_MAX_BYTES = env_int("EWOKANDA_MAX_BYTES", 20 * 1024 * 1024)
# The only hosts court pages are fetched from (each redirect hop is checked too): the worker must never
# be steerable into fetching internal URLs. Loopback (127.0.0.1, localhost, ::1: the stand-in) only in
# debug or when allowed explicitly.
EWOKANDA_ALLOWED_HOSTS = env_list("EWOKANDA_ALLOWED_HOSTS", "ewokanda.nsa.gov.pl")
EWOKANDA_ALLOW_LOOPBACK = env_bool("EWOKANDA_ALLOW_LOOPBACK", DEBUG)
COURT_SYNC_CONCURRENCY = env_int("COURT_SYNC_CONCURRENCY", 4)
# Per-court activity timeouts and retries (read at run time by the select_courts activity).
COURT_SYNC_HEARTBEAT_TIMEOUT_S = env_float("COURT_SYNC_HEARTBEAT_TIMEOUT_S", 30.0)
COURT_SYNC_START_TO_CLOSE_S = env_float("COURT_SYNC_START_TO_CLOSE_S", 900.0)
COURT_SYNC_RETRY_INITIAL_S = env_float("COURT_SYNC_RETRY_INITIAL_S", 10.0)
COURT_SYNC_RETRY_MAX_INTERVAL_S = env_float("COURT_SYNC_RETRY_MAX_INTERVAL_S", 300.0)
COURT_SYNC_MAX_ATTEMPTS = env_int("COURT_SYNC_MAX_ATTEMPTS", 5)
JUDGEMENT_BOT_USERNAME = "JudgementBot"

# Reminders
YEARS_TO_STORE_CASES = env_int("YEARS_TO_STORE_CASES", 6)

# Monitoring and alerting
ALERT_COOLDOWN_S = env_float("ALERT_COOLDOWN_S", 3600.0)  # an alert is e-mailed again only after this long
DRIFT_MIN_FRACTION = env_float("DRIFT_MIN_FRACTION", 0.2)  # fewer rows than this share of the last good run
HEALTH_STALE_AFTER_S = env_float("HEALTH_STALE_AFTER_S", 7200.0)
# The watch (manage.py watch): checks that need no worker of ours, every WATCH_INTERVAL_S.
WATCH_INTERVAL_S = env_float("WATCH_INTERVAL_S", 300.0)
WATCH_MIN_WORKERS = env_int("WATCH_MIN_WORKERS", 1)
# A poller counts as alive when it polled this recently (an idle worker re-polls about every minute).
WATCH_POLLER_STALE_S = env_float("WATCH_POLLER_STALE_S", 150.0)
WATCH_BACKLOG_MAX = env_int("WATCH_BACKLOG_MAX", 100)
WATCH_START_LATENCY_S = env_float("WATCH_START_LATENCY_S", 120.0)
WATCH_PAUSED_DAYS = env_float("WATCH_PAUSED_DAYS", 3.0)
WATCH_OUTBOX_STUCK_MIN = env_float("WATCH_OUTBOX_STUCK_MIN", 30.0)
WATCH_OUTBOX_FAILED_BURST = env_int("WATCH_OUTBOX_FAILED_BURST", 5)  # permanent failures within the last hour
WATCH_EVENT_HOLD_S = env_float("WATCH_EVENT_HOLD_S", 86400.0)  # a skipped / missed run keeps its alert open this long
# Alert channels besides ADMINS e-mail.
ALERT_WEBHOOK_URL = os.environ.get("ALERT_WEBHOOK_URL", "")
ALERT_WEBHOOK_ALLOWED_HOSTS = env_list("ALERT_WEBHOOK_ALLOWED_HOSTS")
ALERT_WEBHOOK_ALLOW_LOOPBACK = env_bool("ALERT_WEBHOOK_ALLOW_LOOPBACK", DEBUG)
ALERT_WEBHOOK_TIMEOUT_S = env_float("ALERT_WEBHOOK_TIMEOUT_S", 10.0)
ALERT_WEBHOOK_MAX_ATTEMPTS = env_int("ALERT_WEBHOOK_MAX_ATTEMPTS", 20)
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
# Retention (the daily retention job), in days.
RETENTION_JOBRUN_DAYS = env_int("RETENTION_JOBRUN_DAYS", 180)
RETENTION_HEALTHCHECK_DAYS = env_int("RETENTION_HEALTHCHECK_DAYS", 30)
RETENTION_COURTPAGESTAT_DAYS = env_int("RETENTION_COURTPAGESTAT_DAYS", 400)
RETENTION_ALERT_DAYS = env_int("RETENTION_ALERT_DAYS", 180)
OUTBOX_SCRUB_DAYS = env_int("OUTBOX_SCRUB_DAYS", 30)
METRICS_BIND = os.environ.get("METRICS_BIND", "")  # e.g. 0.0.0.0:9464 serves Prometheus metrics from the worker

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")  # plain | json
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use plain or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"()": "poradnia.logs.PlainFormatter"},
        "json": {"()": "poradnia.logs.JsonFormatter"},
    },
    "filters": {"temporal": {"()": "poradnia.logs.TemporalContextFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["temporal"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
