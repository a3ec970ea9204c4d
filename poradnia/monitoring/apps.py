from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "poradnia.monitoring"
    label = "monitoring"
