"""The admin front page's status strip: workers (from the watch's last round), each job's last run, open alerts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from poradnia.monitoring.alerts import raise_alert, resolve_alert
from poradnia.monitoring.models import JobRun, WatchCheck

pytestmark = pytest.mark.django_db


def strip(client) -> str:
    page = client.get("/admin/").content.decode()
    start = page.index('id="status-strip"')
    return page[start:page.index("</table>", start)]


def test_front_page_shows_workers_last_runs_and_open_alerts(admin_client) -> None:
    now = timezone.now()
    text = strip(admin_client)
    assert "dawno się nie zgłosił" in text and "brak zapisanych przebiegów" in text and "brak" in text

    WatchCheck.objects.create(name="pollers", ok=True, checked_at=now,
                              line="pollers: ok: 1 worker(s) polling task queue 'poradnia' (workflow: 7@w; ...)")
    for job, status, hours in [("court-session-parser", "completed_partial", 1), ("court-session-parser",
                               "completed_success", 25), ("event-reminders", "completed_success", 2)]:
        JobRun.objects.create(job=job, workflow_id=f"{job}-{hours}", run_id=f"r-{job}-{hours}", status=status,
                              started=now - timedelta(hours=hours))
    raise_alert("watch:no-worker:poradnia", "no worker polls task queue poradnia", "m", now=now)
    raise_alert("job:x:failed", "x run ended failed", "m", now=now)
    resolve_alert("job:x:failed", now=now)

    text = strip(admin_client)
    assert "1 worker(s) polling task queue &#x27;poradnia&#x27;" in text
    assert "dawno się nie zgłosił" not in text
    assert text.count("court-session-parser</a>") == 1 and "częściowo" in text  # the latest run only
    assert "event-reminders</a>" in text
    assert "1 otwarty" in text and "błąd: no worker polls task queue poradnia" in text
    assert "x run ended failed" not in text  # resolved

    WatchCheck.objects.filter(name="pollers").update(checked_at=now - timedelta(hours=1))
    assert "dawno się nie zgłosił" in strip(admin_client)


def test_staff_without_monitoring_permissions_see_the_strip_too(client, django_user_model) -> None:
    user = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(user)
    assert "Stan systemu" in strip(client)


def test_alert_titles_only_for_those_who_may_see_the_alerts(client, django_user_model) -> None:
    # An alert's title names the court and the signature; the Alerts list answers these users 403.
    from django.contrib.auth.models import Permission

    raise_alert("court:WSA_Opole:row:II SA/OP 1/26", "WSA_Opole: hearing of II SA/Op 1/26 cannot be read", "m",
                now=timezone.now())
    user = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get("/admin/monitoring/alert/").status_code == 403
    text = strip(client)
    assert "1 otwarty" in text and "II SA/Op 1/26" not in text
    user.user_permissions.add(Permission.objects.get(codename="view_alert"))
    client.force_login(django_user_model.objects.get(pk=user.pk))  # a fresh permission cache
    assert "II SA/Op 1/26" in strip(client)


def test_an_alert_reads_in_the_readers_language_in_the_list_and_the_strip(admin_client) -> None:
    # The row keeps the English title (logs, the watch); the admin words it from its kind and facts.
    from poradnia.monitoring.alerts import AlertKind

    raise_alert("court:WSA_Opole:row:II SA/OP 2/26", "WSA_Opole: hearing of II SA/Op 2/26 cannot be read", "m",
                now=timezone.now(), kind=AlertKind.ROW_UNREADABLE,
                facts={"parser_key": "WSA_Opole", "court": "WSA w Opolu", "signature": "II SA/Op 2/26"})
    polish = "WSA_Opole: nie można odczytać posiedzenia w sprawie II SA/Op 2/26"
    listed = admin_client.get("/admin/monitoring/alert/").content.decode()
    assert f">{polish}</a>" in listed and ">WSA_Opole: hearing of" not in listed
    assert polish in strip(admin_client)
    english = admin_client.get("/admin/monitoring/alert/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">WSA_Opole: hearing of II SA/Op 2/26 cannot be read</a>" in english and polish not in english
