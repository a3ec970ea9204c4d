from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "poradnia.outbox"
    label = "outbox"
