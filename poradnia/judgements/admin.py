from django.contrib import admin
from django.db.models import QuerySet
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Court, CourtCase, CourtSession, CourtSessionChange


@admin.register(Court)
class CourtAdmin(admin.ModelAdmin):
    list_display = ("name", "parser_key", "active", "url")
    list_filter = ("active",)
    search_fields = ("name", "parser_key")


class CourtSessionInline(admin.TabularInline):
    model = CourtSession
    fields = ("date", "slot", "state", "outcome", "judgment_url", "event", "last_seen_at", "missed_runs")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


class CourtSessionChangeInline(admin.TabularInline):
    """The hearing history of the court case, newest last."""

    model = CourtSessionChange
    fields = ("created", "kind", "court_session", "before", "after", "workflow_id")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("hearing history")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CourtCase)
class CourtCaseAdmin(admin.ModelAdmin):
    list_display = ("signature", "court", "case", "created_by", "created")
    list_filter = ("court",)
    search_fields = ("signature", "signature_key", "case__name")
    raw_id_fields = ("case", "created_by", "modified_by")
    inlines = [CourtSessionInline, CourtSessionChangeInline]


class HasOutcomeFilter(admin.SimpleListFilter):
    """Sessions the court has given a result for (and which of them have a published judgment)."""

    title = _("result")
    parameter_name = "has_outcome"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return [("yes", _("with a result")), ("judgment", _("with a judgment")), ("no", _("without a result"))]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.exclude(outcome="")
        if self.value() == "judgment":
            return queryset.exclude(judgment_url="")
        if self.value() == "no":
            return queryset.filter(outcome="")
        return queryset


@admin.register(CourtSession)
class CourtSessionAdmin(admin.ModelAdmin):
    list_display = ("court_case", "date", "slot", "state", "outcome", "judgment_link", "parser_key", "event",
                    "last_seen_at", "created")
    list_filter = ("state", HasOutcomeFilter, "parser_key")
    search_fields = ("court_case__signature", "event__text", "outcome")
    date_hierarchy = "date"
    raw_id_fields = ("court_case", "event")
    readonly_fields = ("state", "last_seen_at", "missed_runs", "missed_in_run", "revision", "outcome", "judgment_url",
                       "outcome_seen_at")

    @admin.display(description=_("judgment"), ordering="judgment_url")
    def judgment_link(self, obj: CourtSession) -> str:
        if not obj.judgment_url:
            return "-"
        return format_html('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', obj.judgment_url,
                           obj.judgment_url.rsplit("/", 1)[-1])


@admin.register(CourtSessionChange)
class CourtSessionChangeAdmin(admin.ModelAdmin):
    list_display = ("created", "signature", "kind", "court_case", "court_session", "workflow_id")
    list_filter = ("kind",)
    search_fields = ("signature", "court_case__signature_key", "workflow_id")
    date_hierarchy = "created"
    raw_id_fields = ("court_session", "court_case")

    def has_add_permission(self, request, obj=None) -> bool:  # the parser writes the history, nobody else
        return False
