from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import OutboxEmail
from .services import requeue_failed


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ("key", "kind", "status", "attempts", "created", "next_attempt_at", "sent_at", "failed_at")
    list_filter = ("status", "kind")
    search_fields = ("key", "subject")
    readonly_fields = ("created", "sent_at", "failed_at", "lease_until", "lease_owner")
    actions = ["requeue"]

    @admin.action(description=_("Re-queue the selected failed e-mails"), permissions=["change"])
    def requeue(self, request: HttpRequest, queryset: QuerySet[OutboxEmail]) -> None:
        count = requeue_failed(ids=queryset.values_list("pk", flat=True))
        skipped = queryset.count() - count
        text = ngettext("Re-queued %(count)d failed e-mail; the next sending step of its kind sends it.",
                        "Re-queued %(count)d failed e-mails; the next sending step of their kind sends them.",
                        count) % {"count": count}
        if skipped:
            text += " " + ngettext("%(skipped)d was not failed and was left alone.",
                                   "%(skipped)d were not failed and were left alone.", skipped) % {"skipped": skipped}
        self.message_user(request, text, messages.SUCCESS)
