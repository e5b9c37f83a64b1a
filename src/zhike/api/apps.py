from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "zhike.api"
    verbose_name = "API"
