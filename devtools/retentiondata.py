"""Rows for the retention test and benchmark: N old and recent monitoring rows and sent e-mails, bulk-inserted."""

from __future__ import annotations

from datetime import datetime, timedelta

from poradnia.judgements.models import Court
from poradnia.monitoring.models import Alert, CourtPageStat, HealthCheck, JobRun
from poradnia.outbox.models import OutboxEmail


def make_retention_rows(total: int, now: datetime, batch: int = 5000) -> dict[str, int]:
    """``total`` rows split over the five kinds; three in four are past their retention. Returns counts per kind."""
    per = total // 5
    old, recent = now - timedelta(days=500), now - timedelta(days=1)
    court = Court.objects.order_by("pk").first()
    assert court is not None, "the migration's courts are missing"

    def when(i: int) -> datetime:
        return old if i % 4 else recent

    JobRun.objects.bulk_create((JobRun(job="bench", workflow_id=f"wf-{i}", run_id=f"run-{i}",
                                       status="completed_success", started=when(i), finished=when(i))
                                for i in range(per)), batch_size=batch)
    HealthCheck.objects.bulk_create((HealthCheck(created=when(i), db_ok=True, temporal_ok=True) for i in range(per)),
                                    batch_size=batch)
    CourtPageStat.objects.bulk_create((CourtPageStat(court=court, run_id=f"run-{i}", source="sync", created=when(i))
                                       for i in range(per)), batch_size=batch)
    Alert.objects.bulk_create((Alert(dedupe_key=f"bench:{i}", title="t", first_seen=when(i), last_seen=when(i),
                                     resolved_at=when(i) if i % 8 else None) for i in range(per)), batch_size=batch)
    emails = OutboxEmail.objects.bulk_create(
        (OutboxEmail(key=f"bench:{i}", kind="reminder", to=f"user{i}@example.org", subject="Termin: Kowalski",
                     body="Sprawa Kowalski przeciwko ...", headers={"Reply-To": f"sprawa-{i}@example.org"},
                     status="sent" if i % 10 else "pending")
         for i in range(total - 4 * per)), batch_size=batch)
    OutboxEmail.objects.filter(key__startswith="bench:", status="sent").update(sent_at=old)
    return {"job_runs": per, "health_checks": per, "court_page_stats": per, "alerts": per, "emails": len(emails)}
