from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "poradnia.users"
    label = "users"
