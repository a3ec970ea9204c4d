from django.contrib import admin

from .models import HealthCheck


@admin.register(HealthCheck)
class HealthCheckAdmin(admin.ModelAdmin):
    list_display = ("created", "db_ok", "db_ms", "temporal_ok", "temporal_ms", "error")
    list_filter = ("db_ok", "temporal_ok")
    date_hierarchy = "created"
