"""``admin/jobs/``: the Background jobs page and its confirmation pages, behind the admin's login."""

from django.contrib import admin
from django.urls import path

from . import run_now, views

app_name = "jobs"

urlpatterns = [
    path("", admin.site.admin_view(views.schedules_page), name="schedules"),
    path("schedule/<str:schedule_id>/run/", admin.site.admin_view(run_now.run_job), name="run_job"),
    path("schedule/<str:schedule_id>/<slug:action>/", admin.site.admin_view(views.schedule_action),
         name="schedule_action"),
    path("run/<str:workflow_id>/", admin.site.admin_view(run_now.run_status), name="run_status"),
]
