from django.urls import path

from . import views

app_name = "calendarfeed"

urlpatterns = [path("<str:token>.ics", views.calendar_feed, name="feed")]
