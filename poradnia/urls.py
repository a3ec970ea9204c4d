from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Poradnia - background jobs")

# admin/jobs/ (the Background jobs page) comes first: it is also what the admin's "Background jobs" app link opens.
urlpatterns = [
    path("admin/jobs/", include("poradnia.jobs.urls")),
    path("admin/calendar/", include("poradnia.calendarfeed.admin_urls")),  # "My calendar" (feed URL, rotate)
    path("admin/", admin.site.urls),
]
# The codec server for the Web UI and `temporal --codec-endpoint` (poradnia/codecserver.py).
urlpatterns.append(path("codec/", include("poradnia.codecserver")))
# Staff members' private calendar feeds (poradnia/calendarfeed): the secret in the path is the only key.
urlpatterns.append(path("kalendarz/", include("poradnia.calendarfeed.urls")))
