from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarFeedConfig(AppConfig):
    name = "poradnia.calendarfeed"
    label = "calendarfeed"
    verbose_name = _("Calendar feed")
