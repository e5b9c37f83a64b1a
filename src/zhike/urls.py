from django.contrib import admin
from django.urls import include, path

import zhike.converters  # noqa: F401  (registers <id:…> before the URLs below)
from zhike.api_v1 import api
from zhike.web import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("zhike.web.urls")),
]
