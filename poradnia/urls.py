from django.contrib import admin
from django.urls import path

admin.site.site_header = "Poradnia - background jobs"

urlpatterns = [path("admin/", admin.site.urls)]
