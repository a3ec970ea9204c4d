from django.apps import AppConfig


class JudgementsConfig(AppConfig):
    name = "poradnia.judgements"
    label = "judgements"

    def ready(self) -> None:
        from .lookup import connect_signals

        connect_signals()
