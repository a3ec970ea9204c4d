"""Deployments (the container image, docker-compose, manage.py/worker.py/WSGI by default).

base's production-safe values, plus what a deployment cannot start without. The published local-dev
secrets and malformed encryption keys are refused by ``poradnia.apps`` whenever DEBUG is off.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, SECRET_KEY

HINT = "(see .env.example; for a laptop use DJANGO_SETTINGS_MODULE=poradnia.settings.dev, as make dev does)"
if not SECRET_KEY:
    raise ImproperlyConfigured(f"SECRET_KEY must be set in production (poradnia.settings.prod) {HINT}")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(f"ALLOWED_HOSTS must be set in production (poradnia.settings.prod): the host "
                               f"names the admin is served under, e.g. poradnia.example.org {HINT}")
