"""``admin/jobs/``: the Background jobs page and its confirmation pages, behind the admin's login."""

from django.contrib import admin
from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("", admin.site.admin_view(views.schedules_page), name="schedules"),
    path("schedule/<str:schedule_id>/<slug:action>/", admin.site.admin_view(views.schedule_action),
         name="schedule_action"),
]
