from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import OutboxEmail
from .services import requeue_failed


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ("key", "kind", "status", "attempts", "created", "next_attempt_at", "sent_at", "failed_at")
    list_filter = ("status", "kind")
    search_fields = ("key", "subject")
    readonly_fields = ("created", "sent_at", "failed_at", "lease_until", "lease_owner")
    actions = ["requeue"]

    @admin.action(description="Re-queue the selected failed e-mails", permissions=["change"])
    def requeue(self, request: HttpRequest, queryset: QuerySet[OutboxEmail]) -> None:
        count = requeue_failed(ids=queryset.values_list("pk", flat=True))
        skipped = queryset.count() - count
        self.message_user(request, f"Re-queued {count} failed e-mail(s); the next sending step of their kind "
                                   "sends them." + (f" {skipped} not failed, left alone." if skipped else ""),
                          messages.SUCCESS)
