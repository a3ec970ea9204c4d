"""Settings shared by every Poradnia process; never selected directly (use ``dev`` or ``prod``).

Everything that differs between a laptop, CI and production comes from the environment
(docs/configuration.md). The values here are the production-safe ones: DEBUG off, HTTPS enforced, court pages
only from the allowed hosts. ``dev`` relaxes them for a laptop; ``prod`` adds the checks a deployment
must pass. The settings only read raw values: what needs a domain module to validate
(PAYLOAD_ENCRYPTION_KEYS, the published local-dev secrets) is checked by ``poradnia.apps`` when Django
starts, so settings import nothing from the project.
"""

from __future__ import annotations

from email.utils import getaddresses
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured


class Env(environ.Env):
    """django-environ, stricter where a typo must not pass silently.

    * An empty value means unset (docker-compose passes ``VAR=`` for every unset ``${VAR:-}``).
    * A boolean must be one (environ reads any unknown word as False: ``DEBUG=ture`` would pass).
    * Numbers are parsed by ``int``/``float`` (environ's float drops every other character: ``1e3`` -> 13).
    * List items are stripped (``a, b`` is ``["a", "b"]``).
    * No ``$VAR`` indirection: a secret that starts with ``$`` is taken as it is.
    """

    TRUE = frozenset({"1", "true", "yes", "on"})
    FALSE = frozenset({"0", "false", "no", "off"})

    def get_value(self, var: str, cast: Any = None, default: Any = environ.Env.NOTSET,
                  parse_default: bool = False) -> Any:
        raw = self.ENVIRON.get(var, "")
        if raw == "":
            if default is self.NOTSET:
                raise ImproperlyConfigured(f"Set the {var} environment variable")
            return default
        if cast is bool:
            if raw.strip().lower() not in self.TRUE | self.FALSE:
                raise ImproperlyConfigured(f"{var}={raw!r} is not a boolean (use true/false)")
            return raw.strip().lower() in self.TRUE
        if cast in (int, float):
            try:
                return cast(raw)
            except ValueError:
                kind = "an integer" if cast is int else "a number"
                raise ImproperlyConfigured(f"{var}={raw!r} is not {kind}") from None
        if cast is list:
            return [item.strip() for item in raw.split(",") if item.strip()]
        return self.parse_value(raw, cast)


env = Env()

BASE_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = Path(env.str("PORADNIA_DATA_DIR", default=str(BASE_DIR / "var")))


def database(url: str) -> dict[str, Any]:
    """A DATABASES entry for ``sqlite:///relative.db`` (to the repo), ``sqlite:////abs.db`` or ``postgres://...``."""
    config = env.db_url_config(url)
    engine = config.get("ENGINE", "")
    options = config.get("OPTIONS", {})
    if engine == "django.db.backends.sqlite3":
        if config["NAME"] in ("", ":memory:"):  # every process needs the same file
            raise ImproperlyConfigured(f"DATABASE_URL {url!r} names no SQLite file")
        config["NAME"] = str(BASE_DIR / config["NAME"])  # an absolute NAME stays as it is
        # Worker threads write concurrently: WAL plus IMMEDIATE transactions make writers queue on
        # the lock (up to `timeout`) instead of failing with "database is locked".
        config["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE",
                             "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", **options}
        return config
    if engine == "django.db.backends.postgresql":
        config["CONN_MAX_AGE"] = 0
        config["PORT"] = str(config["PORT"])
        config["OPTIONS"] = {"connect_timeout": 10, **options}
        return config
    scheme = url.partition(":")[0]
    raise ImproperlyConfigured(f"DATABASE_URL scheme {scheme!r} is not supported (sqlite or postgres)")


def admins(value: str) -> list[tuple[str, str]]:
    """``Name <a@example.org>, b@example.org`` -> ``[("Name", "a@example.org"), ("b@example.org", ...)]``.

    Parsed as e-mail address lists are (a quoted name may hold a comma), never by splitting strings.
    """
    parsed = getaddresses([value]) if value.strip() else []
    for name, address in parsed:
        if "@" not in address:
            raise ImproperlyConfigured(f"ADMINS={value!r}: {name or address or ''!r} is not an e-mail address "
                                       "(use Name <a@example.org>, b@example.org)")
    return [(name or address, address) for name, address in parsed]


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


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")  # prod refuses to start without one
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

# Production hardening (docs/deploying.md): on by default, so that `manage.py check --deploy` is
# clean; each can be turned off for a local stack without TLS (dev.py does).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])  # e.g. https://poradnia.example.org
SECURE_PROXY_SSL_HEADER = proxy_ssl_header(env.str("SECURE_PROXY_SSL_HEADER", default=""))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "poradnia.apps.PoradniaConfig",  # start-up checks of the configuration
    "poradnia.users",
    "poradnia.cases",
    "poradnia.events",
    "poradnia.judgements",
    "poradnia.outbox",
    "poradnia.monitoring",
    "poradnia.jobs",
    "poradnia.calendarfeed",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files from gunicorn, no separate web server
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The admin speaks Polish (LANGUAGE_CODE) unless the browser prefers English (Accept-Language).
    "django.middleware.locale.LocaleMiddleware",
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

DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'poradnia.sqlite3'}")
DATABASES = {"default": database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Our strings are written in English and translated per app (poradnia/<app>/locale/pl; `make messages`).
LANGUAGE_CODE = "pl"
LANGUAGES = [("pl", "Polski"), ("en", "English")]
# Apps' catalogs are found by app; schedules/ is not an app (the schedule words the admin shows).
LOCALE_PATHS = [BASE_DIR / "schedules" / "locale"]
TIME_ZONE = "Europe/Warsaw"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "static")))
# Static files are served compressed under hashed names (cacheable forever) from `collectstatic`'s
# manifest; the container image runs collectstatic at build time. dev.py serves them from the apps.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS = False

# E-mail: console by default so a laptop never mails anybody by accident.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="poradnia@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The outbox: a row a mail server refuses temporarily (452 mailbox full, ...) is tried again after
# OUTBOX_RETRY_INITIAL_S, doubling up to OUTBOX_RETRY_MAX_S, and marked failed after OUTBOX_MAX_ATTEMPTS tries.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=5)
OUTBOX_RETRY_INITIAL_S = env.float("OUTBOX_RETRY_INITIAL_S", default=60.0)
OUTBOX_RETRY_MAX_S = env.float("OUTBOX_RETRY_MAX_S", default=3600.0)
# How long a sender holds a row it is sending; at least 5 x EMAIL_TIMEOUT (one SMTP exchange) is used.
OUTBOX_LEASE_S = env.float("OUTBOX_LEASE_S", default=180.0)
ADMINS = admins(env.str("ADMINS", default=""))  # "Name <a@example.org>, b@example.org"
# Case e-mails (poradnia/cases/mail.py): Reply-To (and with CASE_EMAIL_FROM, From) is the case's own address,
# the body links to the case. "%(id)s" is the case number (checked at start-up, poradnia.apps).
CASE_EMAIL_TEMPLATE = env.str("CASE_EMAIL_TEMPLATE", default="")  # e.g. sprawa-%(id)s@porady.example.org
CASE_EMAIL_FROM = env.bool("CASE_EMAIL_FROM", default=True)
PORADNIA_BASE_URL = env.str("PORADNIA_BASE_URL", default="http://localhost:8000")
CASE_URL_PATH = env.str("CASE_URL_PATH", default="/sprawy/sprawa-%(id)s/")
# Where calendar apps reach this app's /kalendarz/ feed (scheme and host, as the users' phones see it).
CALENDAR_FEED_BASE_URL = env.str("CALENDAR_FEED_BASE_URL", default="http://localhost:8000")

# Temporal
TEMPORAL_ADDRESS = env.str("TEMPORAL_ADDRESS", default="localhost:7233")
TEMPORAL_NAMESPACE = env.str("TEMPORAL_NAMESPACE", default="default")
TEMPORAL_TASK_QUEUE = env.str("TEMPORAL_TASK_QUEUE", default="poradnia")
TEMPORAL_UI_URL = env.str("TEMPORAL_UI_URL", default="http://localhost:8233")
WORKER_MAX_CONCURRENT_ACTIVITIES = env.int("WORKER_MAX_CONCURRENT_ACTIVITIES", default=8)
WORKER_GRACEFUL_SHUTDOWN_S = env.float("WORKER_GRACEFUL_SHUTDOWN_S", default=30.0)
# Sync the declared schedules (schedules/declared.py) to Temporal when the worker starts.
WORKER_APPLY_SCHEDULES = env.bool("WORKER_APPLY_SCHEDULES", default=False)
# Payload encryption (poradnia/codec.py): "k2:<base64 32 bytes>,k1:<base64>", the first encrypts, all decrypt.
# Read raw here; poradnia.apps parses it at start, so a malformed key stops every process naming the key id.
PAYLOAD_ENCRYPTION_KEYS = env.str("PAYLOAD_ENCRYPTION_KEYS", default="")
# Codec server (/codec/encode, /codec/decode) for the Web UI and `temporal --codec-endpoint`.
CODEC_SERVER_TOKEN = env.str("CODEC_SERVER_TOKEN", default="")  # empty: only admin sessions may decode
CODEC_CORS_ORIGINS = env.list("CODEC_CORS_ORIGINS", default=[])  # the Web UI's origin, e.g. https://temporal.example.org

# eWokanda court-session parser
EWOKANDA_BASE_URL = env.str("EWOKANDA_BASE_URL", default="https://ewokanda.nsa.gov.pl/ewokanda/")
EWOKANDA_USER_AGENT = env.str("EWOKANDA_USER_AGENT",
                              default="Poradnia court-session parser (+https://poradnia.example)")
EWOKANDA_CONNECT_TIMEOUT = env.float("EWOKANDA_CONNECT_TIMEOUT", default=10.0)
EWOKANDA_READ_TIMEOUT = env.float("EWOKANDA_READ_TIMEOUT", default=60.0)
EWOKANDA_TOTAL_TIMEOUT = env.float("EWOKANDA_TOTAL_TIMEOUT", default=300.0)
EWOKANDA_MAX_BYTES = env.int("EWOKANDA_MAX_BYTES", default=20 * 1024 * 1024)
# The only hosts court pages are fetched from (each redirect hop is checked too): the worker must never
# be steerable into fetching internal URLs. Loopback (127.0.0.1, localhost, ::1: the stand-in) only in
# dev or when allowed explicitly.
EWOKANDA_ALLOWED_HOSTS = env.list("EWOKANDA_ALLOWED_HOSTS", default=["ewokanda.nsa.gov.pl"])
EWOKANDA_ALLOW_LOOPBACK = env.bool("EWOKANDA_ALLOW_LOOPBACK", default=False)
COURT_SYNC_CONCURRENCY = env.int("COURT_SYNC_CONCURRENCY", default=4)
# Per-court activity timeouts and retries (read at run time by the select_courts activity).
COURT_SYNC_HEARTBEAT_TIMEOUT_S = env.float("COURT_SYNC_HEARTBEAT_TIMEOUT_S", default=30.0)
COURT_SYNC_START_TO_CLOSE_S = env.float("COURT_SYNC_START_TO_CLOSE_S", default=900.0)
COURT_SYNC_RETRY_INITIAL_S = env.float("COURT_SYNC_RETRY_INITIAL_S", default=10.0)
COURT_SYNC_RETRY_MAX_INTERVAL_S = env.float("COURT_SYNC_RETRY_MAX_INTERVAL_S", default=300.0)
COURT_SYNC_MAX_ATTEMPTS = env.int("COURT_SYNC_MAX_ATTEMPTS", default=5)
JUDGEMENT_BOT_USERNAME = "JudgementBot"
# A tracked hearing missing from its court's page becomes "not listed" after this many consecutive
# complete runs of that court (1: at once; more: a moved hearing shows as a new one first).
COURT_SESSION_MISSING_RUNS = env.int("COURT_SESSION_MISSING_RUNS", default=1)
# Registering a court case starts a court-session run for its court at once (off: wait for the nightly run).
COURT_LOOKUP_ON_REGISTRATION = env.bool("COURT_LOOKUP_ON_REGISTRATION", default=True)
# The lookup waits for this long without a new registration (a burst becomes one run), at most MAX_WAIT.
COURT_LOOKUP_QUIET_S = env.float("COURT_LOOKUP_QUIET_S", default=10.0)
COURT_LOOKUP_MAX_WAIT_S = env.float("COURT_LOOKUP_MAX_WAIT_S", default=120.0)
# A registration (an admin save) never waits longer than this for Temporal; past it the nightly run covers it.
COURT_LOOKUP_START_TIMEOUT_S = env.float("COURT_LOOKUP_START_TIMEOUT_S", default=3.0)

# Reminders
# "Now" for Run now (admin) and --now (commands): at most this far from the real clock.
RUN_NOW_MAX_PAST_DAYS = env.float("RUN_NOW_MAX_PAST_DAYS", default=31.0)
RUN_NOW_MAX_FUTURE_DAYS = env.float("RUN_NOW_MAX_FUTURE_DAYS", default=1.0)
YEARS_TO_STORE_CASES = env.int("YEARS_TO_STORE_CASES", default=6)

# Monitoring and alerting
ALERT_COOLDOWN_S = env.float("ALERT_COOLDOWN_S", default=3600.0)  # an alert is e-mailed again only after this long
DRIFT_MIN_FRACTION = env.float("DRIFT_MIN_FRACTION", default=0.2)  # fewer rows than this share of the last good run
HEALTH_STALE_AFTER_S = env.float("HEALTH_STALE_AFTER_S", default=7200.0)
# The watch (manage.py watch): checks that need no worker of ours, every WATCH_INTERVAL_S.
WATCH_INTERVAL_S = env.float("WATCH_INTERVAL_S", default=300.0)
WATCH_MIN_WORKERS = env.int("WATCH_MIN_WORKERS", default=1)
# A poller counts as alive when it polled this recently (an idle worker re-polls about every minute).
# Keep it below WATCH_INTERVAL_S: a dead worker is then alerted within two rounds.
WATCH_POLLER_STALE_S = env.float("WATCH_POLLER_STALE_S", default=150.0)
WATCH_BACKLOG_MAX = env.int("WATCH_BACKLOG_MAX", default=100)
WATCH_START_LATENCY_S = env.float("WATCH_START_LATENCY_S", default=120.0)
WATCH_PAUSED_DAYS = env.float("WATCH_PAUSED_DAYS", default=3.0)
WATCH_OUTBOX_STUCK_MIN = env.float("WATCH_OUTBOX_STUCK_MIN", default=30.0)
WATCH_OUTBOX_FAILED_BURST = env.int("WATCH_OUTBOX_FAILED_BURST", default=5)  # refusals within the last hour
WATCH_EVENT_HOLD_S = env.float("WATCH_EVENT_HOLD_S", default=86400.0)  # a skipped / missed run's alert stays open
# Alert channels besides ADMINS e-mail.
ALERT_WEBHOOK_URL = env.str("ALERT_WEBHOOK_URL", default="")
ALERT_WEBHOOK_ALLOWED_HOSTS = env.list("ALERT_WEBHOOK_ALLOWED_HOSTS", default=[])
ALERT_WEBHOOK_ALLOW_LOOPBACK = env.bool("ALERT_WEBHOOK_ALLOW_LOOPBACK", default=False)
ALERT_WEBHOOK_TIMEOUT_S = env.float("ALERT_WEBHOOK_TIMEOUT_S", default=10.0)
ALERT_WEBHOOK_MAX_ATTEMPTS = env.int("ALERT_WEBHOOK_MAX_ATTEMPTS", default=20)
SENTRY_DSN = env.str("SENTRY_DSN", default="")
# Retention (the daily retention job), in days.
RETENTION_JOBRUN_DAYS = env.int("RETENTION_JOBRUN_DAYS", default=180)
RETENTION_HEALTHCHECK_DAYS = env.int("RETENTION_HEALTHCHECK_DAYS", default=30)
RETENTION_COURTPAGESTAT_DAYS = env.int("RETENTION_COURTPAGESTAT_DAYS", default=400)
RETENTION_ALERT_DAYS = env.int("RETENTION_ALERT_DAYS", default=180)
OUTBOX_SCRUB_DAYS = env.int("OUTBOX_SCRUB_DAYS", default=30)
METRICS_BIND = env.str("METRICS_BIND", default="")  # e.g. 0.0.0.0:9464 serves Prometheus metrics from the worker

# Every number a setting takes has a range (inclusive): 0 or a negative interval spins, inf overflows a
# timeout, nan compares false to everything and times every fetch out at once. Outside it, nothing starts.
SETTING_RANGES: dict[str, tuple[float, float]] = {
    "SECURE_HSTS_SECONDS": (0, 63_072_000), "EMAIL_PORT": (1, 65_535), "EMAIL_TIMEOUT": (1, 600),
    "OUTBOX_MAX_ATTEMPTS": (1, 100), "OUTBOX_RETRY_INITIAL_S": (0.1, 86_400), "OUTBOX_RETRY_MAX_S": (0.1, 604_800),
    "OUTBOX_LEASE_S": (1, 86_400), "WORKER_MAX_CONCURRENT_ACTIVITIES": (1, 1000),
    "WORKER_GRACEFUL_SHUTDOWN_S": (0, 3600), "EWOKANDA_CONNECT_TIMEOUT": (0.1, 600),
    "EWOKANDA_READ_TIMEOUT": (0.1, 3600), "EWOKANDA_TOTAL_TIMEOUT": (0.1, 3600),
    "EWOKANDA_MAX_BYTES": (1024, 1 << 30), "COURT_SYNC_CONCURRENCY": (1, 64),
    "COURT_SYNC_HEARTBEAT_TIMEOUT_S": (1, 3600), "COURT_SYNC_START_TO_CLOSE_S": (1, 86_400),
    "COURT_SYNC_RETRY_INITIAL_S": (0.1, 86_400), "COURT_SYNC_RETRY_MAX_INTERVAL_S": (0.1, 86_400),
    "COURT_SYNC_MAX_ATTEMPTS": (1, 100), "COURT_SESSION_MISSING_RUNS": (1, 100), "COURT_LOOKUP_QUIET_S": (0, 3600),
    "COURT_LOOKUP_MAX_WAIT_S": (0, 86_400), "COURT_LOOKUP_START_TIMEOUT_S": (0.1, 60),
    "RUN_NOW_MAX_PAST_DAYS": (0, 36_500), "RUN_NOW_MAX_FUTURE_DAYS": (0, 366), "YEARS_TO_STORE_CASES": (1, 100),
    "ALERT_COOLDOWN_S": (0, 2_592_000), "DRIFT_MIN_FRACTION": (0, 1), "HEALTH_STALE_AFTER_S": (60, 2_592_000),
    "WATCH_INTERVAL_S": (1, 86_400), "WATCH_MIN_WORKERS": (0, 1000), "WATCH_POLLER_STALE_S": (1, 86_400),
    "WATCH_BACKLOG_MAX": (0, 1_000_000_000), "WATCH_START_LATENCY_S": (0.1, 86_400), "WATCH_PAUSED_DAYS": (0, 3650),
    "WATCH_OUTBOX_STUCK_MIN": (0, 100_000), "WATCH_OUTBOX_FAILED_BURST": (1, 1_000_000),
    "WATCH_EVENT_HOLD_S": (1, 2_592_000), "ALERT_WEBHOOK_TIMEOUT_S": (0.1, 600),
    "ALERT_WEBHOOK_MAX_ATTEMPTS": (1, 1000),
    "RETENTION_JOBRUN_DAYS": (1, 36_500), "RETENTION_HEALTHCHECK_DAYS": (1, 36_500),
    "RETENTION_COURTPAGESTAT_DAYS": (1, 36_500), "RETENTION_ALERT_DAYS": (1, 36_500), "OUTBOX_SCRUB_DAYS": (1, 36_500),
}


def check_range(name: str, value: float, low: float, high: float) -> None:
    """One line naming the setting, its value and its range; nan is outside every range."""
    if not low <= value <= high:
        raise ImproperlyConfigured(f"{name}={value!r} is out of range: use a number from {low:g} to {high:g}")


for _name, (_low, _high) in SETTING_RANGES.items():
    check_range(_name, globals()[_name], _low, _high)

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")  # plain | json
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
