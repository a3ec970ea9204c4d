"""The watch's status lines, worded from what each check found, in the reader's language.

A watch round records each check's facts (``WatchCheck.details``): the admin's list and the status
strip word them here in the reader's language. The ``watch`` command prints, and ``WatchCheck.line``
keeps, the same words in English under the check's id (operators grep logs for ``pollers: ALERT``).
The findings appended to a line are worded as their alerts' titles are
(``monitoring/email/alert/<language>/title.txt``).

Counts are written after a colon ("oczekujące: 3") where a language would need plural forms otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

NAMES = {
    "temporal": _("Temporal"), "pollers": _("workers"), "backlog": _("queue"), "schedules": _("schedules"),
    "mail": _("e-mail"), "webhook": _("webhook"), "runs": _("runs"),
}
STATES = {"ok": _("ok"), "alert": _("ALERT"), "error": _("ERROR")}
# Temporal's WorkflowExecutionStatus of the watch's previous probe, lower case
PROBE_ENDS = {
    "failed": _("failed"), "canceled": _("canceled"), "terminated": _("terminated"),
    "continued_as_new": _("continued as new"), "timed_out": _("timed out"),
}


def check_name(name: str) -> str:
    return str(NAMES.get(name, name))


def state_of(failed: bool, findings: Sequence[object]) -> str:
    return "error" if failed else ("alert" if findings else "ok")


def summary(name: str, facts: Mapping[str, Any]) -> str:
    """What the check saw, in the active language."""
    if "error" in facts:  # the check itself could not run
        return gettext("check failed: %(error)s") % {"error": facts["error"]}
    if facts.get("unchecked"):
        return gettext("not checked: Temporal unreachable")
    worder = _WORDERS.get(name)
    return worder(facts) if worder else ", ".join(f"{k}={v}" for k, v in facts.items())


def line(name: str, state: str, facts: Mapping[str, Any], titles: Sequence[str] = ()) -> str:
    """``<check id>: <state>: <summary> | <finding> | ...`` in the active language: what the command prints."""
    return f"{name}: {said(name, state, facts, titles)}"


def said(name: str, state: str, facts: Mapping[str, Any], titles: Sequence[str] = ()) -> str:
    """``<state>: <summary> | <finding> | ...`` in the active language (the check is named beside it)."""
    text = f"{STATES.get(state, state)}: {summary(name, facts)}"
    return text + "".join(f" | {title}" for title in titles)


def worded_line(name: str, details: Mapping[str, Any], language: str | None = None) -> str:
    """A recorded check (``WatchCheck.details``) as a person reads it beside the check's name, in ``language``
    or the active one."""
    from .alerts import worded_title_of

    with translation.override(language or translation.get_language()):
        titles = [worded_title_of(f.get("kind", ""), f.get("facts", {}), f.get("title", ""))
                  for f in details.get("findings", [])]
        return said(name, details.get("state", "ok"), details.get("facts", {}), titles)


def _temporal(facts: Mapping[str, Any]) -> str:
    if facts.get("reason"):
        return gettext("cannot reach Temporal at %(address)s: %(reason)s") % facts
    return gettext("%(address)s answers") % facts


def _pollers(facts: Mapping[str, Any]) -> str:
    none = gettext("none")
    return ngettext(
        "%(workers)d worker polling task queue %(queue)s (workflow: %(workflow)s; activity: %(activity)s)",
        "%(workers)d workers polling task queue %(queue)s (workflow: %(workflow)s; activity: %(activity)s)",
        facts["workers"]) % {
        "workers": facts["workers"], "queue": facts["task_queue"],
        "workflow": ", ".join(facts.get("workflow", [])) or none,
        "activity": ", ".join(facts.get("activity", [])) or none}


def _backlog(facts: Mapping[str, Any]) -> str:
    queued = gettext("backlog: workflow %(workflow)d, activity %(activity)d") % facts
    probe = facts.get("probe")
    if probe == "waiting":
        said = gettext("probe waiting %(seconds)s s") % facts
    elif probe == "latency":
        said = gettext("probe start latency %(seconds)s s") % facts
    elif facts.get("probe_end"):
        end = facts["probe_end"]
        said = gettext("probe started (the previous one %(end)s)") % {"end": PROBE_ENDS.get(end, end)}
    else:
        said = gettext("probe started (no result yet)")
    return f"{queued}; {said}"


def _schedules(facts: Mapping[str, Any]) -> str:
    states = []
    for s in facts.get("schedules", []):
        if s["state"] == "missing":
            states.append(gettext("%(schedule)s missing") % s)
        elif s["state"] == "paused":  # days: "30.0", written with the reader's decimal mark
            days = number_format(float(s["days"]), 1)
            states.append(gettext("%(schedule)s paused %(days)s d") % {**s, "days": days})
        else:
            states.append(gettext("%(schedule)s active") % s)
    return ", ".join(states) or gettext("no schedules declared")


def _mail(facts: Mapping[str, Any]) -> str:
    return gettext("pending: %(pending)d, pending over %(stuck_min)s min: %(stuck)d, "
                   "refused in the last hour: %(refused)d") % facts


def _webhook(facts: Mapping[str, Any]) -> str:
    if facts.get("off"):
        return gettext("off (ALERT_WEBHOOK_URL not set)")
    return gettext("pending: %(pending)d, retried %(retried_min)d+ times: %(retrying)d, failed since %(host)s "
                   "last accepted one: %(failed)d") % facts


def _runs(facts: Mapping[str, Any]) -> str:
    text = gettext("running: %(running)d") % facts
    if facts.get("closed"):
        text += ", " + gettext("closed as ended on Temporal: %(closed)d") % facts
    if facts.get("ask_error"):
        text += "; " + gettext("Temporal not asked which runs ended: %(ask_error)s") % facts
    return text


_WORDERS = {"temporal": _temporal, "pollers": _pollers, "backlog": _backlog, "schedules": _schedules,
            "mail": _mail, "webhook": _webhook, "runs": _runs}
