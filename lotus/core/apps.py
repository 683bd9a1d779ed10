from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lotus.core"
    label = "core"
    verbose_name = "Lotus"
