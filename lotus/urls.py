from django.contrib import admin
from django.urls import include, path

from lotus.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("lotus.accounts.urls")),
    path("registry/", include("lotus.registry.urls")),
    path("grants/", include("lotus.grants.urls")),
    path("imports/", include("lotus.imports.urls")),
    path("duplicates/", include("lotus.linkage.urls")),
    path("admin/", admin.site.urls),
]
