from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JudgementsConfig(AppConfig):
    name = "poradnia.judgements"
    verbose_name = _("Court sessions")
    label = "judgements"

    def ready(self) -> None:
        from .lookup import connect_signals

        connect_signals()
