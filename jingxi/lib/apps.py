from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "jingxi.lib"
    label = "lib"
    verbose_name = "jingxi lib"
