"""Daily removal of expired login sessions (what ``manage.py clearsessions`` does, but counted).

Django's ``SessionStore.clear_expired()`` returns nothing and reads the clock itself; the job needs
the number removed (for its result and the job history) and a ``now`` fixed by the workflow, so a
retried attempt removes exactly what the first one would have. For the database-backed engines
(``db``, ``cached_db``) this runs the same single DELETE with that ``now``; other engines (cache,
signed cookies, files) keep their own ``clear_expired()`` and report no count.
"""

from __future__ import annotations

from datetime import datetime
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone


def clear_expired_sessions(now: datetime) -> int | None:
    """Delete sessions that expired before ``now``; the number deleted, or None if the engine cannot tell."""
    if timezone.is_naive(now):
        raise ValueError("now must be timezone-aware")
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(store, DatabaseSessionStore):
        store.clear_expired()
        return None
    model = store.get_model_class()
    _, per_model = model.objects.filter(expire_date__lt=now).delete()
    return per_model.get(model._meta.label, 0)
