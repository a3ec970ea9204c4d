"""``admin/calendar/``: the "My calendar" pages, behind the admin's login (poradnia.calendarfeed.admin)."""

from .admin import urlpatterns

app_name = "calendarfeed_admin"
__all__ = ["app_name", "urlpatterns"]
