"""The admin's Background jobs page: every declared schedule as Temporal holds it, and operator buttons.

Staff see state, note, timing in words, the next three runs and the last runs with their status
and Web UI links. Pause, unpause and trigger each go through a confirmation page (GET shows it,
POST with the CSRF token does it), need the ``jobs.operate_schedules`` permission (staff without it
get the page read-only and a 403 on POST), and are recorded in Django's admin log under the user's
name. The state is read from and written to the Temporal server only, so the page, the Web UI and
``temporal schedule ...`` always agree. Views are sync; the Temporal client is async, so each
request opens a fresh connection inside ``async_to_sync``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from temporalio.client import Client

from poradnia import temporal
from poradnia.contracts import first_line
from schedules import operate
from schedules.declared import ScheduleEntry, find_entry
from schedules.overview import ScheduleView, overview, schedule_view
from schedules.words import Words

from .models import OPERATE_PERMISSION, BackgroundJob

CONNECT_TIMEOUT_S = 10
WORDS = Words(gettext, ngettext)  # schedules' sentences in the reader's language


@dataclass(frozen=True)
class Action:
    """A button of the page: what it asks, what it logs, and whether it takes a note."""

    label: str  # "Pause", in the reader's language
    confirm: str  # the confirmation button
    done: str  # the success message, "%(id)s": the schedule
    past: str  # "Paused": the admin log and the default note stay English (the watch reads the log)
    takes_note: bool


ACTIONS: dict[str, Action] = {
    "pause": Action(_("Pause"), _("Yes, pause"), _("Paused schedule %(id)s"), "Paused", takes_note=True),
    "unpause": Action(_("Unpause"), _("Yes, unpause"), _("Unpaused schedule %(id)s"), "Unpaused", takes_note=True),
    "trigger": Action(_("Trigger now"), _("Yes, trigger now"), _("Triggered schedule %(id)s"), "Triggered",
                      takes_note=False),
}


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=500, widget=forms.TextInput(attrs={"size": 60}),
        help_text=_("Why: shown as the schedule's note in the Web UI, the CLI and here."),
    )


async def with_client(operation: Callable[[Client], Awaitable[Any]]) -> Any:
    client = await asyncio.wait_for(temporal.connect(), timeout=CONNECT_TIMEOUT_S)
    return await operation(client)


def temporal_error(exc: Exception) -> str:
    return gettext("Temporal at %(address)s (namespace %(namespace)s) failed: %(error)s") % {
        "address": settings.TEMPORAL_ADDRESS, "namespace": settings.TEMPORAL_NAMESPACE, "error": first_line(exc)}


def page_context(request: HttpRequest, title: str) -> dict[str, Any]:
    ui = settings.TEMPORAL_UI_URL.rstrip("/")
    return {
        **admin.site.each_context(request),
        "title": title,
        "namespace": settings.TEMPORAL_NAMESPACE,
        "ui_schedules_url": f"{ui}/namespaces/{settings.TEMPORAL_NAMESPACE}/schedules",
        "can_operate": request.user.has_perm(OPERATE_PERMISSION),
    }


@require_http_methods(["GET"])
def schedules_page(request: HttpRequest) -> HttpResponse:
    error = ""
    views: list[ScheduleView] = []
    try:
        views = async_to_sync(with_client)(
            lambda client: overview(client, ui_url=settings.TEMPORAL_UI_URL, words=WORDS))
    except Exception as exc:  # noqa: BLE001 - the page says what failed instead of a 500
        error = temporal_error(exc)
    context = {**page_context(request, gettext("Background jobs")), "schedules": views, "error": error}
    return TemplateResponse(request, "jobs/schedules.html", context, status=503 if error else 200)


def default_note(action: str, request: HttpRequest) -> str:
    return f"{ACTIONS[action].past} by {request.user.get_username()} from the Django admin"


async def perform(client: Client, action: str, entry: ScheduleEntry, note: str) -> None:
    if action == "pause":
        await operate.pause(client, entry.id, note)
    elif action == "unpause":
        await operate.unpause(client, entry.id, note)
    else:
        await operate.trigger(client, entry.id)


@require_http_methods(["GET", "POST"])
def schedule_action(request: HttpRequest, schedule_id: str, action: str) -> HttpResponse:
    entry = find_entry(schedule_id)
    if entry is None or action not in ACTIONS:
        raise Http404("no such schedule or action")
    if not request.user.has_perm(OPERATE_PERMISSION):
        raise PermissionDenied
    back = reverse("jobs:schedules") + f"#schedule-{entry.id}"
    form = NoteForm(request.POST if request.method == "POST" else None)  # an empty POST (trigger) is still a POST
    if request.method == "POST" and form.is_valid():
        note = form.cleaned_data["note"].strip() or default_note(action, request)
        try:
            async_to_sync(with_client)(lambda client: perform(client, action, entry, note))
        except Exception as exc:  # noqa: BLE001 - shown on the page; nothing was done, nothing is logged
            messages.error(request, f"{ACTIONS[action].label} {entry.id}: {temporal_error(exc)}")
            return HttpResponseRedirect(back)
        message = f"{ACTIONS[action].past} schedule {entry.id}"
        shown = ACTIONS[action].done % {"id": entry.id}
        if ACTIONS[action].takes_note:
            message += f"; note: {note}"
            shown += gettext("; note: %(note)s") % {"note": note}
        LogEntry.objects.log_actions(
            request.user.pk, [BackgroundJob(schedule_id=entry.id)], CHANGE, change_message=message,
            single_object=True,
        )
        messages.success(request, shown)
        return HttpResponseRedirect(back)

    view: ScheduleView | None = None
    error = ""
    try:
        view = async_to_sync(with_client)(
            lambda client: schedule_view(client, entry, ui_url=settings.TEMPORAL_UI_URL, run_count=1,
                                         words=WORDS))
    except Exception as exc:  # noqa: BLE001 - the confirmation still works; the POST reports failures
        error = temporal_error(exc)
    context = {
        **page_context(request, f"{ACTIONS[action].label}: {entry.id}"),
        "entry": entry, "action": action, "spec": ACTIONS[action], "form": form, "view": view, "error": error,
        "back": back,
    }
    return TemplateResponse(request, "jobs/confirm.html", context)
