from django.apps import AppConfig


class JudgementsConfig(AppConfig):
    name = "poradnia.judgements"
    label = "judgements"
