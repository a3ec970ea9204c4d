from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "poradnia.cases"
    label = "cases"
