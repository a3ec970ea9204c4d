"""``GET /kalendarz/<token>.ics``: the feed, for calendar apps (no session, no login: the URL is the key).

A thin caller of ``tokens.user_for_token`` and ``feed``. Every refusal is the same 404 body. A poll with the
current ETag (If-None-Match) or a date not before Last-Modified (If-Modified-Since) gets 304 before any
body is built.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_http_methods

from . import feed, tokens

NOT_FOUND = b"Not found\n"


def _headers(response: HttpResponse, state: feed.Feed) -> HttpResponse:
    response["ETag"] = state.etag
    response["Last-Modified"] = http_date(state.last_modified.timestamp())
    # Personal data: no shared cache keeps it; clients revalidate every poll (cheap: 304).
    response["Cache-Control"] = "private, no-cache"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_http_methods(["GET", "HEAD"])
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    user = tokens.user_for_token(token)
    if user is None:
        return HttpResponseNotFound(NOT_FOUND, content_type="text/plain; charset=utf-8")
    state = feed.feed_state(user)
    unchanged = get_conditional_response(request, etag=state.etag, last_modified=state.last_modified.timestamp())
    if unchanged is not None:
        return _headers(unchanged, state)
    response = HttpResponse(feed.render(state), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="poradnia.ics"'
    return _headers(response, state)
