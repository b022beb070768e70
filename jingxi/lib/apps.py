from django.apps import AppConfig
from django.urls import converters, register_converter


class LibConfig(AppConfig):
    name = "jingxi.lib"
    label = "lib"
    verbose_name = "jingxi lib"

    def ready(self) -> None:
        from jingxi.lib.numbers import IdConverter

        # Before any URL configuration is read: path ids are `<id:...>` (lib/numbers.py).
        if "id" not in converters.get_converters():
            register_converter(IdConverter, "id")
