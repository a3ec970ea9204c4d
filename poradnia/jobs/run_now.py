""""Run now..." on the Background jobs page: start a job with options, then follow the run.

The form is built from the job's input in the registry (``poradnia.contracts.Job.input_type``): ``parser_key``
becomes a choice of the active courts ("all" by default), ``dry_run`` a checkbox, ``now`` an ISO 8601
timestamp with offset (empty: when the run starts); other fields keep their declared values. The
start needs ``jobs.operate_schedules``, is recorded in the admin log, and leads to the run's page,
which links to the Web UI and, for a finished dry run, lists its planned changes.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time
from typing import Any

from asgiref.sync import async_to_sync
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from temporalio.client import Client, WorkflowExecutionStatus

from poradnia.contracts import JOBS, WARSAW, InvalidTimestamp, Job
from schedules.overview import run_url

from .command import bounded_now, manual_workflow_id
from .models import OPERATE_PERMISSION, BackgroundJob
from .views import page_context, temporal_error, with_client

MANUAL = "-manual-"


def find_job(job_id: str) -> Job | None:
    return next((job for job in JOBS if job.id == job_id), None)


def input_fields(job: Job) -> set[str]:
    """The fields of the job's input the form offers."""
    if job.input_type is None or not dataclasses.is_dataclass(job.input_type):
        return set()
    return {f.name for f in dataclasses.fields(job.input_type)} & {"parser_key", "dry_run", "now"}


def validate_now(value: str) -> None:
    """The command's rules (``bounded_now``), each refusal worded for the form's reader."""
    try:
        bounded_now(value, "now")
    except InvalidTimestamp as exc:
        if exc.reason == "offset":
            message = gettext("Give the offset from UTC too, e.g. %(example)s.")
        elif exc.reason == "window":
            message = gettext("This moment is outside the allowed window: from %(past)s days before to %(ahead)s "
                              "days after now (RUN_NOW_MAX_PAST_DAYS, RUN_NOW_MAX_FUTURE_DAYS).")
        else:
            message = gettext("This is not a date and time: write it as %(example)s.")
        raise forms.ValidationError(message % {
            "example": "2026-12-09T10:00+01:00", "past": number_format(f"{settings.RUN_NOW_MAX_PAST_DAYS:g}"),
            "ahead": number_format(f"{settings.RUN_NOW_MAX_FUTURE_DAYS:g}")}) from None


class RunForm(forms.Form):
    def __init__(self, job: Job, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = input_fields(job)
        if "parser_key" in offered:
            from poradnia.judgements.models import Court

            courts = Court.objects.filter(active=True).order_by("parser_key").values_list("parser_key", "name")
            self.fields["parser_key"] = forms.ChoiceField(
                label=_("Court"), required=False, choices=[("", _("all active courts")), *courts])
        if "dry_run" in offered:
            self.fields["dry_run"] = forms.BooleanField(
                label=_("Dry run"), required=False,
                help_text=_("Read the pages and list what would change; write nothing and e-mail nobody."))
        if "now" in offered:
            self.fields["now"] = forms.CharField(
                label=_("Now"), required=False, validators=[validate_now], widget=forms.TextInput(attrs={"size": 32}),
                help_text=_("The moment the run decides for, ISO 8601 with offset; empty: when it starts."))

    def job_input(self, job: Job) -> Any:
        default = job.default_input()
        values = {k: (v or None) if k != "dry_run" else bool(v) for k, v in self.cleaned_data.items()}
        return dataclasses.replace(default, **values) if values else default


def _job_or_404(job_id: str) -> Job:
    job = find_job(job_id)
    if job is None:
        raise Http404("no such job")
    return job


async def start(client: Client, job: Job, job_input: Any, workflow_id: str) -> str:
    args = [] if job_input is None else [job_input]
    handle = await client.start_workflow(job.workflow, args=args, id=workflow_id,
                                         task_queue=settings.TEMPORAL_TASK_QUEUE)
    return handle.result_run_id or ""


@require_http_methods(["GET", "POST"])
def run_job(request: HttpRequest, schedule_id: str) -> HttpResponse:
    entry = _job_or_404(schedule_id)
    if not request.user.has_perm(OPERATE_PERMISSION):
        raise PermissionDenied
    back = reverse("jobs:schedules") + f"#schedule-{entry.id}"
    form = RunForm(entry, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        job_input = form.job_input(entry)
        workflow_id = manual_workflow_id(entry)
        try:
            run_id = async_to_sync(with_client)(lambda client: start(client, entry, job_input, workflow_id))
        except Exception as exc:  # noqa: BLE001 - shown on the page; nothing started, nothing logged
            messages.error(request, gettext("Run %(job)s: %(error)s") % {"job": entry.id, "error": temporal_error(exc)})
            return HttpResponseRedirect(back)
        shown = dataclasses.asdict(job_input) if dataclasses.is_dataclass(job_input) else {}
        options = ", ".join(f"{k}={v}" for k, v in shown.items() if k in form.cleaned_data) or "no options"
        message = f"Started {entry.workflow} run {workflow_id} ({options})"
        LogEntry.objects.log_actions(request.user.pk, [BackgroundJob(schedule_id=entry.id)], CHANGE,
                                     change_message=message, single_object=True)
        messages.success(request, gettext("Started %(workflow)s run %(run)s (%(options)s)") % {
            "workflow": entry.workflow, "run": workflow_id,
            "options": options if options != "no options" else gettext("no options")})
        return HttpResponseRedirect(reverse("jobs:run_status", args=[workflow_id]) + f"?run={run_id}")
    title = gettext("Run now: %(job)s") % {"job": entry.id}
    context = {**page_context(request, title), "entry": entry, "form": form, "back": back}
    return TemplateResponse(request, "jobs/run.html", context)


#: Who may read tracked signatures and case ids (a dry run's planned changes name them).
CASES_PERMISSION = "judgements.view_courtcase"


def hide_cases(result: Any) -> Any:
    """A court run's result without the planned changes' signatures and case ids (the counts stay)."""
    if not isinstance(result, dict) or not isinstance(result.get("courts"), list):
        return result
    return {**result, "courts": [{**court, "planned": [{k: v for k, v in change.items()
                                                        if k not in ("signature", "case_id")}
                                                       for change in court.get("planned", [])]}
                                 if isinstance(court, dict) else court for court in result["courts"]]}


def planned_changes(result: Any) -> list[dict[str, Any]]:
    """A dry run's planned changes, court by court (the result arrives as plain JSON)."""
    if not isinstance(result, dict) or not result.get("dry_run"):
        return []
    return [{"court": court.get("parser_key", ""), **change, "when": _planned_moment(change)}
            for court in result.get("courts", []) for change in court.get("planned", [])]


def _planned_moment(change: dict[str, Any]) -> datetime | None:
    """The hearing's moment on Warsaw's clock (the plan carries its local date and HH:MM), for poradnia.dates."""
    try:
        day, hour = date.fromisoformat(change.get("date", "")), time.fromisoformat(change.get("time", ""))
    except (TypeError, ValueError):
        return None
    return datetime.combine(day, hour, WARSAW)


async def describe_run(client: Client, workflow_id: str) -> dict[str, Any]:
    handle = client.get_workflow_handle(workflow_id)
    description = await handle.describe()
    status = description.status
    view: dict[str, Any] = {"status": status.name.lower() if status else "unknown", "run_id": description.run_id,
                            "result": None, "error": ""}
    if status == WorkflowExecutionStatus.COMPLETED:
        view["result"] = await handle.result()
    elif status == WorkflowExecutionStatus.FAILED:
        try:
            await handle.result()
        except Exception as exc:  # noqa: BLE001 - the failure is what the page shows
            view["error"] = str(getattr(exc, "cause", None) or exc)
    return view


@require_http_methods(["GET"])
def run_status(request: HttpRequest, workflow_id: str) -> HttpResponse:
    entry = find_job(workflow_id.split(MANUAL)[0])
    if entry is None or MANUAL not in workflow_id:
        raise Http404("not a run started from this page")  # the page shows only runs started here
    if not request.user.has_perm(OPERATE_PERMISSION):
        raise PermissionDenied
    error, view = "", None
    try:
        view = async_to_sync(with_client)(lambda client: describe_run(client, workflow_id))
    except Exception as exc:  # noqa: BLE001
        error = temporal_error(exc)
    sees_cases = request.user.has_perm(CASES_PERMISSION)  # operating schedules is not reading the cases
    if view and not sees_cases:
        view["result"] = hide_cases(view["result"])
    context = {
        **page_context(request, gettext("Run %(run)s") % {"run": workflow_id}), "entry": entry,
        "workflow_id": workflow_id, "view": view,
        "error": error, "back": reverse("jobs:schedules") + f"#schedule-{entry.id}",
        "ui_url": (run_url(settings.TEMPORAL_UI_URL, settings.TEMPORAL_NAMESPACE, workflow_id, view["run_id"])
                   if view else ""),
        "planned": planned_changes(view["result"]) if view else [], "sees_cases": sees_cases,
        "running": bool(view and view["status"] == "running"),
    }
    return TemplateResponse(request, "jobs/run_status.html", context)
