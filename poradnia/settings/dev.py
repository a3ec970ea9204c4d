"""A laptop and the test suite (``make dev``, ``make demo``, pytest, the benchmarks): DEBUG on, plain http.

Every value below can still be overridden from the environment; nothing here may reach a deployment
(``poradnia.apps`` refuses the local-dev secret with DEBUG off).
"""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import STORAGES, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="local-dev-only-insecure-secret-key")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# No TLS on a laptop.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)

# Static files straight from the apps: no collectstatic needed.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS = True

# The eWokanda stand-in (make demo, the tests) serves on loopback.
EWOKANDA_ALLOW_LOOPBACK = env.bool("EWOKANDA_ALLOW_LOOPBACK", default=True)
ALERT_WEBHOOK_ALLOW_LOOPBACK = env.bool("ALERT_WEBHOOK_ALLOW_LOOPBACK", default=True)
