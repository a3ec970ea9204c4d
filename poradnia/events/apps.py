from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "poradnia.events"
    label = "events"
